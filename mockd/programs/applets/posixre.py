"""POSIX regular expressions (basic and extended) as glibc reads them, in Python's ``re``
syntax, for sed, grep and find (one translator for all).

Patterns are latin-1 text (one character per byte: the applets match bytes).
Python's quantifiers are attached to atoms, so ``a**`` or ``a*\\?``, which POSIX
allows, become ``(?:a*)*``; glibc's refusals come back as :class:`RegexError`
with regerror()'s text.  POSIX takes the longest of the alternatives that match
at a position, Python the first: :class:`Regex` looks for the longest unless the
pattern has an anchor that looks ahead (``$``, ``\\b``, ``\\>``...), where
Python's choice stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class RegexError(ValueError):
    """glibc's regerror() text for a pattern regcomp() refuses."""


_BOL = "\x00"  # where a "^" anchor goes; a C string cannot hold a NUL, so it is free

_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "0-9a-zA-Z",
    "upper": "A-Z",
    "lower": "a-z",
    "space": r" \t\n\r\f\v",
    "blank": r" \t",
    "punct": r"\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e",
    "print": r"\x20-\x7e",
    "graph": r"\x21-\x7e",
    "cntrl": r"\x00-\x1f\x7f",
    "xdigit": "0-9A-Fa-f",
}

_ESCAPES = {
    "w": r"\w",
    "W": r"\W",
    "s": r"\s",
    "S": r"\S",
    "b": r"\b",
    "B": r"\B",
    "<": r"\b(?=\w)",
    ">": r"\b(?<=\w)",
    "`": r"\A",
    "'": r"\Z",
}

_DUP_MAX = 0x7FFF  # glibc's RE_DUP_MAX


def _hex(char: str) -> str:
    return f"\\x{ord(char):02x}"


class _Translator:
    """One pass over a POSIX regex (a latin-1 str, one char per byte), building Python's.

    Python's quantifiers are attached to "atoms" so that ``a**`` or ``a*\\?``,
    which POSIX allows, become ``(?:a*)*`` rather than a Python error or a lazy
    or possessive quantifier.
    """

    def __init__(self, source: str, extended: bool) -> None:
        self.s = source
        self.i = 0
        self.ere = extended
        self.opened = 0
        self.closed: set[int] = set()
        self.alternatives = False  # has "|": POSIX wants the longest alternative
        self.end_sensitive = False  # has an anchor that looks at what follows

    def translate(self) -> str:
        return self._alternation(0)

    def _peek(self, text: str) -> bool:
        return self.s.startswith(text, self.i)

    def _at_alternation(self) -> bool:
        return self._peek("|") if self.ere else self._peek("\\|")

    def _at_close(self, depth: int) -> bool:
        if self.ere:
            return depth > 0 and self._peek(")")
        if self._peek("\\)"):
            if depth == 0:
                raise RegexError("Unmatched ( or \\(")
            return True
        return False

    def _alternation(self, depth: int) -> str:
        branches = [self._branch(depth)]
        while self._at_alternation():
            self.alternatives = True
            self.i += 1 if self.ere else 2
            branches.append(self._branch(depth))
        return "|".join(branches)

    def _branch(self, depth: int) -> str:
        atoms: list[str] = []
        quantified: list[bool] = []
        after_bol = False  # BRE: "*" right after a leading "^" is a literal star
        while self.i < len(self.s) and not self._at_alternation() and not self._at_close(depth):
            quantifier = self._quantifier_token()
            if quantifier:
                if not atoms or after_bol:
                    if self.ere or quantifier == "\\{":
                        raise RegexError("Invalid preceding regular expression")
                    self.i += len(quantifier)
                    atoms.append(re.escape(quantifier[-1]))
                    quantified.append(False)
                    after_bol = False
                    continue
                if quantified[-1] and not self.ere and quantifier in ("*", "\\{"):
                    # glibc refuses "a**" or "a\{2\}*" in a BRE ("a*\+" is fine)
                    raise RegexError("Invalid preceding regular expression")
                text = self._quantifier(quantifier)
                if quantified[-1]:
                    atoms[-1] = f"(?:{atoms[-1]})"
                atoms[-1] += text
                quantified[-1] = True
                continue
            atom = self._atom(depth, at_start=not atoms)
            after_bol = atom == _BOL
            atoms.append(atom)
            quantified.append(False)
        return "".join(atoms)

    def _quantifier_token(self) -> str:
        tokens = ("*", "+", "?", "{") if self.ere else ("*", "\\+", "\\?", "\\{")
        return next((t for t in tokens if self._peek(t)), "")

    def _quantifier(self, token: str) -> str:
        self.i += len(token)
        if token[-1] != "{":
            return token[-1]
        close = "}" if self.ere else "\\}"
        end = self.s.find(close, self.i)
        if end < 0:
            raise RegexError("Unmatched \\{")
        content, self.i = self.s[self.i : end], end + len(close)
        bounds = re.fullmatch(r"(\d*)(,(\d*))?", content)
        if not bounds or (not bounds[1] and not bounds[2]):
            raise RegexError("Invalid content of \\{\\}")
        low = int(bounds[1] or 0)
        high = int(bounds[3]) if bounds[3] else None
        if high is not None and high < low:
            raise RegexError("Invalid content of \\{\\}")
        if max(low, high or 0) > _DUP_MAX:
            raise RegexError("Regular expression too big")
        if not bounds[2]:
            return f"{{{low}}}"
        return f"{{{low},{'' if high is None else high}}}"

    def _atom(self, depth: int, *, at_start: bool) -> str:
        c = self.s[self.i]
        self.i += 1
        if c == "^" and (self.ere or at_start):
            return _BOL
        if c == "$" and (self.ere or self._bre_end_follows()):
            self.end_sensitive = True
            return r"\Z"
        if c == ".":
            return "."
        if c == "[":
            return self._bracket()
        if self.ere and c == "(":
            return self._group(depth, ")")
        if c == "\\":
            return self._escape(depth)
        return re.escape(c)

    def _bre_end_follows(self) -> bool:
        """A BRE "$" is an anchor only at the end of the pattern, a group or an alternative."""
        return self.i == len(self.s) or self._peek("\\)") or self._peek("\\|")

    def _group(self, depth: int, close: str) -> str:
        self.opened += 1
        number = self.opened
        inner = self._alternation(depth + 1)
        if not self._peek(close):
            raise RegexError("Unmatched ( or \\(")
        self.i += len(close)
        self.closed.add(number)
        return f"({inner})"

    def _escape(self, depth: int) -> str:
        if self.i >= len(self.s):
            raise RegexError("Trailing backslash")
        c = self.s[self.i]
        self.i += 1
        if not self.ere and c == "(":
            return self._group(depth, "\\)")
        if c in "123456789":
            if int(c) not in self.closed:
                raise RegexError("Invalid back reference")
            return f"(?:\\{c})"
        if c in _ESCAPES:
            self.end_sensitive |= c in "bB<>'"
            return _ESCAPES[c]
        return re.escape(c)

    def _bracket(self) -> str:
        """A bracket expression; a backslash is an ordinary character in it."""
        s, i = self.s, self.i
        unmatched = RegexError("Unmatched [, [^, [:, [., or [=")
        negate = i < len(s) and s[i] == "^"
        i += negate
        items: list[str] = []
        first = True
        while True:
            if i >= len(s):
                raise unmatched
            c = s[i]
            if c == "]" and not first:
                i += 1
                break
            first = False
            if c == "[" and i + 1 < len(s) and s[i + 1] in ":=.":
                kind = s[i + 1]
                end = s.find(kind + "]", i + 2)
                if end < 0:
                    raise unmatched
                name, i = s[i + 2 : end], end + 2
                if kind == ":":
                    if name not in _CLASSES:
                        raise RegexError("Invalid character class name")
                    items.append(_CLASSES[name])
                    continue
                if len(name) != 1:
                    raise RegexError("Invalid collation character")
                low = name
            else:
                low, i = c, i + 1
            if i + 1 < len(s) and s[i] == "-" and s[i + 1] != "]":
                high, i = s[i + 1], i + 2
                if high < low:
                    raise RegexError("Invalid range end")
                items.append(f"{_hex(low)}-{_hex(high)}")
            else:
                items.append(_hex(low))
        self.i = i
        return "[" + ("^" if negate else "") + "".join(items) + "]"


@dataclass(frozen=True)
class Regex:
    """A compiled sed regex.  Busybox matches again after a substitution on the rest
    of the line with REG_NOTBOL, where "^" cannot match but ``\\<`` can: the
    ``notbol`` form is the same pattern with its "^" anchors made impossible."""

    source: str
    bol: re.Pattern[bytes]
    notbol: re.Pattern[bytes]
    longest: bool = False  # look for a longer match than Python's first alternative

    def search(self, data: bytes, *, notbol: bool = False) -> re.Match[bytes] | None:
        pattern = self.notbol if notbol else self.bol
        found = pattern.search(data)
        if found is None or not self.longest:
            return found
        # POSIX takes the longest match at the leftmost position: try the longer ends.
        for end in range(len(data), found.end(), -1):
            longer = pattern.fullmatch(data, found.start(), end)
            if longer is not None:
                return longer
        return found


def compile_regex(source: str, *, extended: bool, icase: bool = False) -> Regex:
    """Compile a POSIX pattern (latin-1 text) for bytes; :class:`RegexError` if refused."""
    try:
        translator = _Translator(source, extended)
        python = translator.translate()
        flags = re.DOTALL | (re.IGNORECASE if icase else 0)
        bol = re.compile(python.replace(_BOL, "^").encode("latin-1"), flags)
        notbol = re.compile(python.replace(_BOL, "(?!)").encode("latin-1"), flags)
    except re.error:
        raise RegexError("Invalid regular expression") from None
    # Ending the string early (fullmatch's endpos) would fool "$" and the word anchors,
    # so patterns with those keep Python's choice among alternatives.
    longest = translator.alternatives and not translator.end_sensitive
    return Regex(source, bol, notbol, longest)


def compile_posix(pattern: str, *, extended: bool, ignore_case: bool = False) -> re.Pattern[bytes]:
    """The plain ``re`` pattern of a POSIX one given as text (UTF-8 bytes taken one by
    one, as a C program in the C locale does), for grep and find."""
    latin1 = pattern.encode("utf-8", "surrogateescape").decode("latin-1")
    return compile_regex(latin1, extended=extended, icase=ignore_case).bol
