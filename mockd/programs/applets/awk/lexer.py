"""awk's tokens.  A ``/`` starts a regular expression where an operand may begin,
and is division after one (after a name, a number, a string, ``)``, ``]``, ``$``
operand or ``++``/``--``); newlines are tokens (they end statements).
"""

from __future__ import annotations

from dataclasses import dataclass


class AwkSyntaxError(Exception):
    """The program cannot be parsed: busybox says ``awk: cmd. line:N: MESSAGE``."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


KEYWORDS = frozenset(
    [
        "BEGIN",
        "END",
        "function",
        "func",
        "if",
        "else",
        "while",
        "for",
        "do",
        "break",
        "continue",
        "next",
        "nextfile",
        "exit",
        "return",
        "delete",
        "in",
        "getline",
        "print",
        "printf",
    ]
)
BUILTINS = frozenset(
    [
        "length",
        "substr",
        "index",
        "split",
        "sub",
        "gsub",
        "match",
        "sprintf",
        "int",
        "toupper",
        "tolower",
        "sin",
        "cos",
        "atan2",
        "exp",
        "log",
        "sqrt",
        "rand",
        "srand",
        "system",
        "close",
        "fflush",
    ]
)
# Longest first, so that "**=" wins over "**" and "*".
_OPERATORS = sorted(
    [
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "^=",
        "**=",
        "**",
        "==",
        "<=",
        ">=",
        "!=",
        "++",
        "--",
        "&&",
        "||",
        ">>",
        "!~",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ";",
        ",",
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "!",
        ">",
        "<",
        "|",
        "?",
        ":",
        "~",
        "$",
        "=",
    ],
    key=len,
    reverse=True,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "/": "/", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v"}  # fmt: skip


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "regex", "name", "funcname", "builtin", "keyword", "op", "newline", "eof"
    value: str
    line: int


def _ends_operand(token: Token | None) -> bool:
    if token is None:
        return False
    if token.kind in ("number", "string", "regex", "name", "builtin"):
        return True
    return token.kind == "op" and token.value in (")", "]", "++", "--", "$")


def _string(text: str, i: int, line: int) -> tuple[str, int]:
    """A string literal from the opening quote at ``i``: (its value, index after it)."""
    out: list[str] = []
    i += 1
    while i < len(text) and text[i] != '"':
        ch = text[i]
        if ch == "\n":
            raise AwkSyntaxError("Unexpected end of string", line)
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "01234567":
                j = i + 1
                while j < len(text) and j < i + 4 and text[j] in "01234567":
                    j += 1
                out.append(chr(int(text[i + 1 : j], 8)))
                i = j
                continue
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    if i >= len(text):
        raise AwkSyntaxError("Unexpected end of string", line)
    return "".join(out), i + 1


def _regex(text: str, i: int, line: int) -> tuple[str, int]:
    """A regex literal from the opening ``/``: its source (``\\/`` unescaped)."""
    out: list[str] = []
    i += 1
    while i < len(text) and text[i] != "/":
        if text[i] == "\n":
            raise AwkSyntaxError("Unexpected end of string", line)
        if text[i] == "\\" and i + 1 < len(text):
            out.append("/" if text[i + 1] == "/" else text[i : i + 2])
            i += 2
            continue
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise AwkSyntaxError("Unexpected end of string", line)
    return "".join(out), i + 1


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, line = 0, 1
    previous: Token | None = None
    while i < len(text):
        ch = text[i]
        if ch in " \t\r":
            i += 1
            continue
        if ch == "\\" and text.startswith("\n", i + 1):  # a continued line
            i, line = i + 2, line + 1
            continue
        if ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if ch == "\n":
            token = Token("newline", "\n", line)
            i, line = i + 1, line + 1
        elif ch == '"':
            value, i = _string(text, i, line)
            token = Token("string", value, line)
        elif ch == "/" and not _ends_operand(previous):
            value, i = _regex(text, i, line)
            token = Token("regex", value, line)
        elif ch.isdigit() or (ch == "." and text[i + 1 : i + 2].isdigit()):
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < len(text) and text[j] in "eE":
                k = j + 1
                if k < len(text) and text[k] in "+-":
                    k += 1
                if k < len(text) and text[k].isdigit():
                    j = k
                    while j < len(text) and text[j].isdigit():
                        j += 1
            token = Token("number", text[i:j], line)
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            if word in KEYWORDS:
                kind = "keyword"
            elif word in BUILTINS:
                kind = "builtin"
            elif text[j : j + 1] == "(":
                kind = "funcname"
            else:
                kind = "name"
            token = Token(kind, "function" if word == "func" else word, line)
            i = j
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise AwkSyntaxError("Unexpected token", line)
            token = Token("op", "^" if op == "**" else ("^=" if op == "**=" else op), line)
            i += len(op)
        tokens.append(token)
        previous = token
    tokens.append(Token("eof", "", line))
    return tokens
