"""echo, printf and test as pure functions: both the shell's builtins and the applets use them."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mockd.fs.api import FileSystem


@dataclass
class Outcome:
    out: bytes = b""
    err: list[str] = field(default_factory=list)  # messages, without the "name: " prefix
    status: int = 0


_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def unescape(text: str, *, echo: bool) -> tuple[str, bool]:
    """Backslash escapes of ``echo -e`` (``\\0nnn`` octal) and of printf's format
    (``\\nnn``); the flag is False when ``\\c`` asked to stop all output."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "c":
            return "".join(out), False
        elif nxt in "01234567" and (nxt == "0" or not echo):
            start = i + 2 if echo and nxt == "0" else i + 1
            end = start
            while end < len(text) and end < start + 3 and text[end] in "01234567":
                end += 1
            out.append(chr(int(text[start:end] or "0", 8) & 0xFF))
            i = end
        elif nxt == "x":
            end = i + 2
            while end < len(text) and end < i + 4 and text[end] in "0123456789abcdefABCDEF":
                end += 1
            if end == i + 2:
                out.append("\\x")
            else:
                out.append(chr(int(text[i + 2 : end], 16)))
            i = end
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out), True


def echo(args: list[str]) -> Outcome:
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for flag in args[0][1:]:
            if flag == "n":
                newline = False
            elif flag == "e":
                escapes = True
            else:
                escapes = False
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, go_on = unescape(text, echo=True)
        if not go_on:
            return Outcome(text.encode("utf-8", "surrogateescape"))
    return Outcome((text + ("\n" if newline else "")).encode("utf-8", "surrogateescape"))


_CONVERSION = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcsb%])")


def _number(text: str, outcome: Outcome) -> int:
    try:
        if text[:1] in ("'", '"'):
            return ord(text[1]) if len(text) > 1 else 0
        return int(text, 0) if text.lower().lstrip("+-").startswith("0x") else int(text or "0")
    except ValueError:
        outcome.err.append(f"invalid number '{text}'")
        outcome.status = 1
        return 0


def _float(text: str, outcome: Outcome) -> float:
    try:
        return float(text or "0")
    except ValueError:
        outcome.err.append(f"invalid number '{text}'")
        outcome.status = 1
        return 0.0


def printf(args: list[str]) -> Outcome:
    outcome = Outcome()
    if not args:
        outcome.err.append("usage: printf FORMAT [ARGUMENT...]")
        outcome.status = 1
        return outcome
    fmt, rest = args[0], args[1:]
    pieces: list[str] = []
    while True:
        consumed = 0
        pos = 0
        for m in _CONVERSION.finditer(fmt):
            literal, go_on = unescape(fmt[pos : m.start()], echo=False)
            pieces.append(literal)
            if not go_on:
                outcome.out = "".join(pieces).encode()
                return outcome
            pos = m.end()
            flags, width, precision, conv = m.groups()
            if conv == "%":
                pieces.append("%")
                continue

            def take(rest: list[str] = rest) -> str:
                nonlocal consumed
                value = rest[consumed] if consumed < len(rest) else ""
                consumed += 1
                return value

            if width == "*":
                width = str(_number(take(), outcome))
            if precision == "*":
                precision = str(_number(take(), outcome))
            spec = "%" + flags + (width or "") + (f".{precision}" if precision is not None else "")
            arg = take()
            if conv in "di":
                pieces.append((spec + "d") % _number(arg, outcome))
            elif conv in "ouxX":
                pieces.append((spec + conv) % (_number(arg, outcome) & 0xFFFFFFFFFFFFFFFF))
            elif conv in "eEfFgG":
                pieces.append((spec + conv) % _float(arg, outcome))
            elif conv == "c":
                pieces.append((spec + "s") % arg[:1])
            elif conv == "b":
                text, _ = unescape(arg, echo=True)
                pieces.append((spec + "s") % text)
            else:
                pieces.append((spec + "s") % arg)
        literal, go_on = unescape(fmt[pos:], echo=False)
        pieces.append(literal)
        rest = rest[consumed:]
        if not go_on or not rest or consumed == 0:
            break
    outcome.out = "".join(pieces).encode("utf-8", "surrogateescape")
    return outcome


# -- test / [ ---------------------------------------------------------------------


class _TestError(Exception):
    pass


def test(
    args: list[str], fs: FileSystem, cwd: str, *, bracket: bool, double: bool = False
) -> Outcome:
    """``test EXPR`` / ``[ EXPR ]``: status 0 true, 1 false, 2 error.

    ``double`` is ash's ``[[ EXPR ]]``: the same test on already split words, where
    ``&&``/``||`` join and ``==``/``!=`` match a glob pattern and ``=~`` a regex.
    """
    closing = "]]" if double else "]"
    if bracket or double:
        if not args or args[-1] != closing:
            return Outcome(err=[f"missing {closing}"], status=2)
        args = args[:-1]
    if double:
        args = [{"&&": "-a", "||": "-o"}.get(arg, arg) for arg in args]
    try:
        value = _TestParser(args, fs, cwd, patterns=double).run()
    except _TestError as exc:
        return Outcome(err=[str(exc)], status=2)
    except re.error:
        return Outcome(status=2)  # ash's [[ =~ ]] with a bad regex: 2, silently
    return Outcome(status=0 if value else 1)


def _abspath(cwd: str, path: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(cwd, path)) if path else ""


class _TestParser:
    UNARY_FILE = "efdrwxsLhpSbcugk"
    BINARY = (
        "=",
        "==",
        "!=",
        "<",
        ">",
        "-eq",
        "-ne",
        "-lt",
        "-le",
        "-gt",
        "-ge",
        "-nt",
        "-ot",
        "-ef",
        "=~",
    )

    def __init__(
        self, args: list[str], fs: FileSystem, cwd: str, *, patterns: bool = False
    ) -> None:
        self.args, self.fs, self.cwd, self.i = args, fs, cwd, 0
        self.patterns = patterns  # [[ ]]: == and != match globs, =~ regexes

    def run(self) -> bool:
        if not self.args:
            return False
        value = self.or_()
        if self.i < len(self.args):
            raise _TestError(f"{self.args[self.i]}: unknown operand")
        return value

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.args[j] if j < len(self.args) else None

    def or_(self) -> bool:
        value = self.and_()
        while self.peek() == "-o":
            self.i += 1
            value = self.and_() or value
        return value

    def and_(self) -> bool:
        value = self.not_()
        while self.peek() == "-a":
            self.i += 1
            value = self.not_() and value
        return value

    def not_(self) -> bool:
        if self.peek() == "!" and self.peek(1) is not None:
            self.i += 1
            return not self.not_()
        return self.primary()

    def primary(self) -> bool:
        tok = self.peek()
        if tok is None:
            raise _TestError("argument expected")
        if tok == "(" and self.peek(2) == ")":
            self.i += 1
            value = self.or_()
            self.i += 1
            return value
        nxt = self.peek(1)
        if nxt in self.BINARY and self.peek(2) is not None:
            self.i += 3
            return self.binary(tok, nxt, self.args[self.i - 1])
        if nxt in self.BINARY:
            raise _TestError(f"{nxt}: argument expected")
        if (
            len(tok) == 2
            and tok[0] == "-"
            and nxt is not None
            and (tok[1] in self.UNARY_FILE or tok[1] in "znt")
        ):
            self.i += 2
            return self.unary(tok[1], nxt)
        self.i += 1
        return tok != ""

    def number(self, text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise _TestError(f"{text}: bad number") from None

    def binary(self, left: str, op: str, right: str) -> bool:
        if op == "=~" and not self.patterns:
            raise _TestError(f"{op}: unknown operand")
        if self.patterns and op in ("=", "==", "!="):
            return fnmatch.fnmatchcase(left, right) == (op != "!=")
        ops: dict[str, Callable[[], bool]] = {
            "=~": lambda: re.search(right, left) is not None,
            "=": lambda: left == right,
            "==": lambda: left == right,
            "!=": lambda: left != right,
            "<": lambda: left < right,
            ">": lambda: left > right,
            "-eq": lambda: self.number(left) == self.number(right),
            "-ne": lambda: self.number(left) != self.number(right),
            "-lt": lambda: self.number(left) < self.number(right),
            "-le": lambda: self.number(left) <= self.number(right),
            "-gt": lambda: self.number(left) > self.number(right),
            "-ge": lambda: self.number(left) >= self.number(right),
            "-nt": lambda: self.mtime(left) > self.mtime(right),
            "-ot": lambda: self.mtime(left) < self.mtime(right),
            "-ef": lambda: self.real(left) == self.real(right) != "",
        }
        return ops[op]()

    def mtime(self, path: str) -> float:
        try:
            return self.fs.stat(_abspath(self.cwd, path)).mtime
        except OSError:
            return -1.0

    def real(self, path: str) -> str:
        try:
            return self.fs.realpath(_abspath(self.cwd, path))
        except OSError:
            return ""

    def unary(self, op: str, arg: str) -> bool:
        if op == "z":
            return arg == ""
        if op == "n":
            return arg != ""
        if op == "t":
            return False  # no terminal is open as a file descriptor here
        path = _abspath(self.cwd, arg)
        if not path:
            return False
        try:
            st = self.fs.stat(path, follow_symlinks=op not in "Lh")
        except OSError:
            return False
        checks = {
            "e": True,
            "f": st.kind in ("file", "hardlink"),
            "d": st.kind == "dir",
            "L": st.kind == "symlink",
            "h": st.kind == "symlink",
            "p": st.kind == "fifo",
            "S": st.kind == "socket",
            "b": st.kind == "block",
            "c": st.kind == "char",
            "s": (st.size > 0 and st.kind != "dir") or (st.kind == "dir"),
            "r": True,
            "w": True,
            "x": bool(st.mode & 0o111),
            "u": bool(st.mode & 0o4000),
            "g": bool(st.mode & 0o2000),
            "k": bool(st.mode & 0o1000),
        }
        return checks[op]
