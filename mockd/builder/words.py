"""Variable substitution in Dockerfile words, as moby's ``shell.Lex.ProcessWord`` does it.

Hand-written because the rules are the builder's, not a shell's (``shlex``
knows neither ``${VAR:-x}`` nor a configurable escape character): quotes are
removed, single quotes are literal, the escape character (``\\`` or the
``escape`` directive's) protects the next character, and ``$VAR``,
``${VAR}``, ``${VAR:-default}``, ``${VAR:+alternative}`` and
``${VAR:?message}`` expand from the build's environment; an unset variable is
empty.
"""

from __future__ import annotations

from collections.abc import Mapping


class SubstitutionError(ValueError):
    """A malformed ``${...}`` (the builder reports it as a failed step)."""


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class _Lexer:
    def __init__(self, text: str, env: Mapping[str, str], escape: str) -> None:
        self.text = text
        self.pos = 0
        self.env = env
        self.escape = escape

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch

    def word(self, stop: str = "") -> str:
        """Characters up to the end (or an unquoted ``stop`` character), processed."""
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.peek()
            if stop and ch in stop:
                break
            self.pos += 1
            if ch == self.escape:
                if self.pos < len(self.text):
                    out.append(self.next())
            elif ch == "'":
                out.append(self.single_quoted())
            elif ch == '"':
                out.append(self.double_quoted())
            elif ch == "$":
                out.append(self.dollar())
            else:
                out.append(ch)
        return "".join(out)

    def single_quoted(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise SubstitutionError("unexpected end of statement while looking for matching '")
        value = self.text[self.pos : end]
        self.pos = end + 1
        return value

    def double_quoted(self) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise SubstitutionError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            ch = self.next()
            if ch == '"':
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == self.escape and self.peek() in ('"', "$", self.escape) and self.peek():
                out.append(self.next())  # only these can be escaped inside double quotes
            else:
                out.append(ch)

    def dollar(self) -> str:
        ch = self.peek()
        if ch == "{":
            self.pos += 1
            return self.braced()
        name = ""
        while self.peek() and _is_name_char(self.peek()):
            name += self.next()
        if not name:
            return "$"
        return self.env.get(name, "")

    def braced(self) -> str:
        name = ""
        while self.peek() and _is_name_char(self.peek()):
            name += self.next()
        if not name:
            raise SubstitutionError(f"bad substitution: {self.text}")
        ch = self.next()
        if ch == "}":
            return self.env.get(name, "")
        if ch != ":":
            raise SubstitutionError(f"missing ':' in substitution: {self.text}")
        modifier = self.next()
        word = self.word(stop="}")
        if self.next() != "}":
            raise SubstitutionError(f"syntax error: missing '}}' in {self.text}")
        value = self.env.get(name, "")
        if modifier == "-":
            return value if value else word
        if modifier == "+":
            return word if value else ""
        if modifier == "?":
            if not value:
                raise SubstitutionError(f"{name}: {word or 'is not allowed to be unset'}")
            return value
        raise SubstitutionError(f"unsupported modifier ({modifier}) in substitution: {self.text}")


def expand(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """One word, with quotes removed and variables replaced (``ProcessWord``)."""
    return _Lexer(text, env, escape).word()
