"""``expr``: its small grammar (| & comparisons + - * / % : and parentheses), as busybox has it."""

from __future__ import annotations

import re


def _anchored_match(string: str, pattern: str) -> str:
    """``STRING : REGEX``: the length matched from the start, or the first group."""
    m = re.match(pattern.replace("\\(", "(").replace("\\)", ")"), string)
    if m is None:
        return "" if "\\(" in pattern else "0"
    if m.groups():
        return m.group(1) or ""
    return str(m.end())


def _lenient_int(text: str) -> int:
    """A number as strtoll reads it for substr: its leading digits, else 0."""
    found = re.match(r"\s*[-+]?\d+", text)
    return int(found.group()) if found else 0


class ExprError(Exception):
    pass


def _is_int(value: str) -> bool:
    return re.fullmatch(r"-?\d+", value) is not None


def _truthy(value: str) -> bool:
    return value not in ("", "0")


def _compare(op: str, left: str, right: str) -> bool:
    """Numbers compare as numbers, anything else as strings."""
    if _is_int(left) and _is_int(right):
        a, b = int(left), int(right)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "!=": a != b}.get(op, a == b)
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "!=": left != right,
    }.get(op, left == right)


def evaluate(args: list[str]) -> str:
    parser = _Parser(args)
    value = parser.or_()
    if parser.i != len(args):
        raise ExprError("syntax error")
    return value


class _Parser:
    def __init__(self, args: list[str]) -> None:
        self.args, self.i = args, 0

    def peek(self) -> str | None:
        return self.args[self.i] if self.i < len(self.args) else None

    def take(self) -> str:
        if self.i >= len(self.args):
            raise ExprError("syntax error")
        self.i += 1
        return self.args[self.i - 1]

    def or_(self) -> str:
        left = self.and_()
        while self.peek() == "|":
            self.take()
            right = self.and_()
            left = left if _truthy(left) else (right if _truthy(right) else "0")
        return left

    def and_(self) -> str:
        left = self.compare()
        while self.peek() == "&":
            self.take()
            right = self.compare()
            left = left if _truthy(left) and _truthy(right) else "0"
        return left

    def compare(self) -> str:
        left = self.additive()
        while self.peek() in ("=", "==", "!=", "<", "<=", ">", ">="):
            op = self.take()
            right = self.additive()
            result = _compare(op, left, right)
            left = "1" if result else "0"
        return left

    def additive(self) -> str:
        left = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.multiplicative()
            left = str(
                self.num(left) + self.num(right) if op == "+" else self.num(left) - self.num(right)
            )
        return left

    def multiplicative(self) -> str:
        left = self.match()
        while self.peek() in ("*", "/", "%"):
            op = self.take()
            right = self.match()
            a, b = self.num(left), self.num(right)
            if op != "*" and b == 0:
                raise ExprError("division by zero")
            if op == "*":
                left = str(a * b)
            else:
                q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
                left = str(q if op == "/" else a - q * b)
        return left

    def match(self) -> str:
        left = self.primary()
        while self.peek() == ":":
            self.take()
            left = _anchored_match(left, self.primary())
        return left

    def primary(self) -> str:
        tok = self.take()
        if tok == "(":
            value = self.or_()
            if self.take() != ")":
                raise ExprError("syntax error")
            return value
        if tok == "length":
            return str(len(self.take()))
        if tok == "match":
            string = self.primary()
            return _anchored_match(string, self.primary())
        if tok == "substr":
            string, start, length = self.primary(), self.primary(), self.primary()
            first, count = _lenient_int(start), _lenient_int(length)
            if first <= 0 or count <= 0 or first > len(string):
                return ""
            return string[first - 1 : first - 1 + count]
        if tok == "index":
            string, chars = self.primary(), self.primary()
            found = [i for i, ch in enumerate(string, 1) if ch in chars]
            return str(found[0] if found else 0)
        return tok

    def num(self, value: str) -> int:
        if not _is_int(value):
            raise ExprError("non-numeric argument")
        return int(value)
