"""Shell arithmetic (``$((...))``): C-like integer expressions with variables.

Hand-written because Python's own evaluator has other semantics (division
truncates toward zero here, ``&&`` yields 0/1, names read shell variables).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|"
    r"(\*\*|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%&|^]=|[-+*/%<>=!~&|^?:()]))"
)

# Binary operators by precedence, loosest first.
_BINARY = [
    ("||",),
    ("&&",),
    ("|",),
    ("^",),
    ("&",),
    ("==", "!="),
    ("<", "<=", ">", ">="),
    ("<<", ">>"),
    ("+", "-"),
    ("*", "/", "%"),
]


class ArithmeticError_(Exception):
    pass


def _c_div(a: int, b: int) -> int:
    if b == 0:
        raise ArithmeticError_("divide by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _apply(op: str, a: int, b: int) -> int:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return _c_div(a, b)
    if op == "%":
        return a - _c_div(a, b) * b
    if op == "**":
        return int(a**b) if b >= 0 else 0
    if op == "<<":
        return a << b
    if op == ">>":
        return a >> b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "==":
        return int(a == b)
    if op == "!=":
        return int(a != b)
    if op == "<":
        return int(a < b)
    if op == "<=":
        return int(a <= b)
    if op == ">":
        return int(a > b)
    if op == ">=":
        return int(a >= b)
    if op == "&&":
        return int(bool(a) and bool(b))
    if op == "||":
        return int(bool(a) or bool(b))
    raise ArithmeticError_(f"bad operator {op}")


def evaluate(text: str, get: Callable[[str], str], set_: Callable[[str, str], None]) -> int:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ArithmeticError_("syntax error")
        tokens.append(m.group(m.lastindex or 0))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not tokens:
        return 0
    return _Evaluator(tokens, get, set_).run()


class _Evaluator:
    def __init__(
        self, tokens: list[str], get: Callable[[str], str], set_: Callable[[str, str], None]
    ) -> None:
        self.tokens = tokens
        self.i = 0
        self.get = get
        self.set = set_

    def run(self) -> int:
        value = self.assignment()
        if self.i != len(self.tokens):
            raise ArithmeticError_("syntax error")
        return value

    def peek(self) -> str:
        return self.tokens[self.i] if self.i < len(self.tokens) else ""

    def take(self) -> str:
        tok = self.peek()
        self.i += 1
        return tok

    def variable(self, name: str) -> int:
        raw = self.get(name).strip()
        if not raw:
            return 0
        try:
            return int(raw, 0) if raw.lower().startswith("0x") else int(raw)
        except ValueError:
            raise ArithmeticError_("syntax error") from None

    def assignment(self) -> int:
        tok = self.peek()
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else ""
        if (
            tok
            and (tok[0].isalpha() or tok[0] == "_")
            and nxt.endswith("=")
            and nxt not in ("==", "!=", "<=", ">=")
        ):
            self.i += 2
            value = self.assignment()
            if nxt != "=":
                value = _apply(nxt[:-1], self.variable(tok), value)
            self.set(tok, str(value))
            return value
        return self.ternary()

    def ternary(self) -> int:
        cond = self.binary(0)
        if self.peek() == "?":
            self.take()
            a = self.assignment()
            if self.take() != ":":
                raise ArithmeticError_("syntax error")
            b = self.assignment()
            return a if cond else b
        return cond

    def binary(self, level: int) -> int:
        if level == len(_BINARY):
            return self.power()
        left = self.binary(level + 1)
        while self.peek() in _BINARY[level]:
            op = self.take()
            right = self.binary(level + 1)
            left = _apply(op, left, right)
        return left

    def power(self) -> int:
        base = self.unary()
        if self.peek() == "**":
            self.take()
            return _apply("**", base, self.power())
        return base

    def unary(self) -> int:
        tok = self.peek()
        if tok in ("+", "-", "!", "~"):
            self.take()
            value = self.unary()
            return {"+": value, "-": -value, "!": int(not value), "~": ~value}[tok]
        if tok in ("++", "--"):
            self.take()
            name = self.take()
            value = self.variable(name) + (1 if tok == "++" else -1)
            self.set(name, str(value))
            return value
        return self.primary()

    def primary(self) -> int:
        tok = self.take()
        if tok == "(":
            value = self.assignment()
            if self.take() != ")":
                raise ArithmeticError_("missing )")
            return value
        if tok[:1].isdigit():
            if tok.lower().startswith("0x"):
                return int(tok, 16)
            if len(tok) > 1 and tok.startswith("0"):
                return int(tok, 8)
            return int(tok)
        if tok and (tok[0].isalpha() or tok[0] == "_"):
            if self.peek() in ("++", "--"):
                op = self.take()
                value = self.variable(tok)
                self.set(tok, str(value + (1 if op == "++" else -1)))
                return value
            return self.variable(tok)
        raise ArithmeticError_("syntax error")
