"""The shell's tokens, and the scanning of words into their parts.

The lexer reads the source on demand (the parser pulls one token at a time),
because a word's ``$(...)`` holds a whole nested program and here-document
bodies start after the next newline.  Reserved words are not told apart here:
the parser recognises them by position.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockd.programs.shell.ast import (
    DQ,
    Arith,
    CmdSub,
    Lit,
    Param,
    Part,
    Quoted,
    Redirect,
    Tilde,
    Word,
)

OPERATORS = (
    "&&",
    "||",
    ";;",
    "<<-",
    "<<",
    ">>",
    "<&",
    ">&",
    "<>",
    ">|",
    ";",
    "&",
    "|",
    "(",
    ")",
    "<",
    ">",
)
_METACHARS = frozenset(" \t\n;&|()<>")
_SPECIAL_PARAMS = frozenset("?$#@*!-0123456789")


class ShellSyntaxError(Exception):
    """A syntax error; ``eof`` tells an incomplete input (an interactive shell reads on)."""

    def __init__(self, message: str, *, eof: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.eof = eof


@dataclass
class Token:
    kind: str  # "word", "op", "newline", "io_number", "eof"
    value: str = ""
    word: Word | None = None
    line: int = 0


def is_name(text: str) -> bool:
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and all(c.isalnum() or c == "_" for c in text)
    )


class Lexer:
    def __init__(self, source: str, pos: int = 0) -> None:
        self.src = source
        self.pos = pos
        self.line = 1
        self.pending_heredocs: list[tuple[Redirect, str]] = []
        # Between ``[[`` and ``]]`` ash reads ``&&`` and ``||`` as words (test's and/or).
        self.in_double_bracket = False

    # -- tokens -------------------------------------------------------------------

    def next_token(self) -> Token:
        src = self.src
        while True:
            while self.pos < len(src) and src[self.pos] in " \t":
                self.pos += 1
            if src.startswith("\\\n", self.pos):  # a line continuation between words
                self.pos += 2
                continue
            if self.pos < len(src) and src[self.pos] == "#":
                while self.pos < len(src) and src[self.pos] != "\n":
                    self.pos += 1
            break
        if self.pos >= len(src):
            if self.pending_heredocs:
                self._read_heredocs()
            return Token("eof", line=self.line)
        c = src[self.pos]
        if c == "\n":
            self.pos += 1
            line = self.line
            self.line += 1
            if self.pending_heredocs:
                self._read_heredocs()
            return Token("newline", "\n", line=line)
        for op in OPERATORS:
            if src.startswith(op, self.pos):
                self.pos += len(op)
                if self.in_double_bracket and op in ("&&", "||"):
                    return Token("word", op, word=Word([Lit(op)]), line=self.line)
                return Token("op", op, line=self.line)
        start = self.pos
        if c.isdigit():
            end = start
            while end < len(src) and src[end].isdigit():
                end += 1
            if end < len(src) and src[end] in "<>":
                self.pos = end
                return Token("io_number", src[start:end], line=self.line)
        word = self._scan_word()
        text = src[start : self.pos]
        if text in ("[[", "]]"):
            self.in_double_bracket = text == "[["
        return Token("word", text, word=word, line=self.line)

    def add_heredoc(self, redirect: Redirect, delimiter: str) -> None:
        self.pending_heredocs.append((redirect, delimiter))

    def _read_heredocs(self) -> None:
        for redirect, delimiter in self.pending_heredocs:
            lines: list[str] = []
            while True:
                if self.pos >= len(self.src):
                    break  # ash accepts a missing delimiter at end of input
                nl = self.src.find("\n", self.pos)
                end = len(self.src) if nl < 0 else nl
                line = self.src[self.pos : end]
                self.pos = end + 1 if nl >= 0 else end
                self.line += 1
                if redirect.op == "<<-":
                    line = line.lstrip("\t")
                if line == delimiter:
                    break
                lines.append(line + "\n")
            body = "".join(lines)
            if redirect.heredoc_quoted:
                redirect.heredoc = Word([Quoted(body)])
            else:
                redirect.heredoc = Word(scan_text(body, heredoc=True))
        self.pending_heredocs = []

    # -- words --------------------------------------------------------------------

    def _scan_word(self) -> Word:
        src = self.src
        parts: list[Part] = []
        buf: list[str] = []

        def flush() -> None:
            if buf:
                parts.append(Lit("".join(buf)))
                buf.clear()

        if src[self.pos] == "~":
            end = self.pos + 1
            while end < len(src) and src[end] not in _METACHARS and src[end] != "/":
                end += 1
            user = src[self.pos + 1 : end]
            if all(ch.isalnum() or ch in "._-" for ch in user):
                parts.append(Tilde(user))
                self.pos = end
        while self.pos < len(src):
            c = src[self.pos]
            if c in _METACHARS:
                break
            if c == "'":
                end = src.find("'", self.pos + 1)
                if end < 0:
                    raise ShellSyntaxError("unterminated quoted string", eof=True)
                flush()
                parts.append(Quoted(src[self.pos + 1 : end]))
                self.pos = end + 1
            elif c == '"':
                flush()
                self.pos += 1
                parts.append(DQ(self._scan_double_quoted()))
            elif c == "\\":
                if self.pos + 1 >= len(src):
                    buf.append("\\")
                    self.pos += 1
                elif src[self.pos + 1] == "\n":
                    self.pos += 2
                else:
                    flush()
                    parts.append(Quoted(src[self.pos + 1]))
                    self.pos += 2
            elif src.startswith("$'", self.pos):
                flush()
                text, self.pos = _scan_ansi_c(src, self.pos + 2)
                parts.append(Quoted(text))
            elif c == "$" or c == "`":
                part, self.pos = scan_expansion(src, self.pos)
                if part is None:
                    buf.append("$")
                else:
                    flush()
                    parts.append(part)
            else:
                buf.append(c)
                self.pos += 1
        flush()
        return Word(parts)

    def _scan_double_quoted(self) -> list[Part]:
        src = self.src
        parts: list[Part] = []
        buf: list[str] = []
        while True:
            if self.pos >= len(src):
                raise ShellSyntaxError("unterminated quoted string", eof=True)
            c = src[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\" and self.pos + 1 < len(src) and src[self.pos + 1] in '$`"\\\n':
                if src[self.pos + 1] != "\n":
                    buf.append(src[self.pos + 1])
                self.pos += 2
            elif c in "$`":
                part, self.pos = scan_expansion(src, self.pos)
                if part is None:
                    buf.append("$")
                else:
                    if buf:
                        parts.append(Quoted("".join(buf)))
                        buf.clear()
                    parts.append(part)
            else:
                if c == "\n":
                    self.line += 1
                buf.append(c)
                self.pos += 1
        if buf:
            parts.append(Quoted("".join(buf)))
        return parts


# busybox 1.35's set: no \e, \c or \u (left as written).
_ANSI_C_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}  # fmt: skip


def _scan_ansi_c(src: str, pos: int) -> tuple[str, int]:
    """The body of ``$'...'`` from just after the quote: (its text, the position after it).

    ash decodes the C escapes, octal and hexadecimal ones (a NUL ends nothing: it is dropped)."""
    out: list[str] = []
    while True:
        if pos >= len(src):
            raise ShellSyntaxError("unterminated quoted string", eof=True)
        c = src[pos]
        if c == "'":
            return "".join(out), pos + 1
        if c != "\\" or pos + 1 >= len(src):
            out.append(c)
            pos += 1
            continue
        e = src[pos + 1]
        pos += 2
        if e in _ANSI_C_ESCAPES:
            out.append(_ANSI_C_ESCAPES[e])
        elif e in "01234567":
            end = pos
            while end < len(src) and end < pos + 2 and src[end] in "01234567":
                end += 1
            code = int(e + src[pos:end], 8) & 0xFF
            out.append(chr(code) if code else "")
            pos = end
        elif e == "x" and pos < len(src) and src[pos] in "0123456789abcdefABCDEF":
            end = pos
            while end < len(src) and end < pos + 2 and src[end] in "0123456789abcdefABCDEF":
                end += 1
            code = int(src[pos:end], 16)
            out.append(chr(code) if code else "")
            pos = end
        else:
            out.append("\\" + e)


def scan_text(text: str, *, heredoc: bool) -> list[Part]:
    """Parts of text where only ``$``, backquotes and a few backslashes are special
    (a here-document body, or the inside of ``$((...))``)."""
    parts: list[Part] = []
    buf: list[str] = []
    pos = 0
    while pos < len(text):
        c = text[pos]
        if c == "\\" and pos + 1 < len(text) and text[pos + 1] in "$`\\\n":
            if text[pos + 1] != "\n":
                buf.append(text[pos + 1])
            pos += 2
        elif c in "$`":
            part, pos = scan_expansion(text, pos)
            if part is None:
                buf.append("$")
            else:
                if buf:
                    parts.append(Quoted("".join(buf)))
                    buf.clear()
                parts.append(part)
        else:
            buf.append(c)
            pos += 1
    if buf:
        parts.append(Quoted("".join(buf)))
    return [DQ(parts)] if heredoc else parts


def scan_expansion(src: str, pos: int) -> tuple[Part | None, int]:
    """The expansion at ``src[pos]`` (a ``$`` or a backquote); None when ``$`` is literal."""
    from mockd.programs.shell.parser import parse_nested

    if src[pos] == "`":
        end = pos + 1
        inner: list[str] = []
        while True:
            if end >= len(src):
                raise ShellSyntaxError("unterminated quoted string", eof=True)
            ch = src[end]
            if ch == "`":
                break
            if ch == "\\" and end + 1 < len(src) and src[end + 1] in "$`\\":
                inner.append(src[end + 1])
                end += 2
                continue
            inner.append(ch)
            end += 1
        text = "".join(inner)
        body, _ = parse_nested(text, 0, until_paren=False)
        return CmdSub(body, text), end + 1
    nxt = src[pos + 1] if pos + 1 < len(src) else ""
    if src.startswith("$((", pos):
        arith_end = _arith_end(src, pos + 3)
        if arith_end is not None:
            return Arith(Word(scan_text(src[pos + 3 : arith_end], heredoc=False))), arith_end + 2
    if nxt == "(":
        body, end = parse_nested(src, pos + 2, until_paren=True)
        return CmdSub(body, src[pos + 2 : end - 1]), end
    if nxt == "{":
        return _scan_braced(src, pos + 2)
    if nxt in _SPECIAL_PARAMS and nxt:
        return Param(nxt), pos + 2
    if nxt and (nxt.isalpha() or nxt == "_"):
        end = pos + 1
        while end < len(src) and (src[end].isalnum() or src[end] == "_"):
            end += 1
        return Param(src[pos + 1 : end]), end
    return None, pos + 1


def _arith_end(src: str, pos: int) -> int | None:
    depth = 0
    while pos < len(src):
        c = src[pos]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return pos if src.startswith("))", pos) else None
            depth -= 1
        pos += 1
    raise ShellSyntaxError("missing '))'", eof=True)


def _scan_braced(src: str, pos: int) -> tuple[Part, int]:
    """``${...}`` from just after the brace."""
    length = False
    if src.startswith("#", pos) and pos + 1 < len(src) and src[pos + 1] != "}":
        length = True
        pos += 1
    start = pos
    if pos < len(src) and src[pos] in _SPECIAL_PARAMS:
        pos += 1
        while src[start].isdigit() and pos < len(src) and src[pos].isdigit():
            pos += 1
    else:
        while pos < len(src) and (src[pos].isalnum() or src[pos] == "_"):
            pos += 1
    name = src[start:pos]
    if not name:
        raise ShellSyntaxError("bad substitution")
    if length:
        if not src.startswith("}", pos):
            raise ShellSyntaxError("bad substitution")
        return Param(name, "len"), pos + 1
    if src.startswith("}", pos):
        return Param(name), pos + 1
    for op in (":-", ":=", ":+", ":?", "##", "%%", "//", "-", "=", "+", "?", "#", "%", "/", ":"):
        if src.startswith(op, pos):
            pos += len(op)
            break
    else:
        if pos >= len(src):
            raise ShellSyntaxError("missing '}'", eof=True)
        raise ShellSyntaxError("bad substitution")
    # The argument is a word up to the matching brace.
    sub = Lexer(src, pos)
    parts: list[Part] = []
    buf: list[str] = []
    depth = 0
    while True:
        if sub.pos >= len(src):
            raise ShellSyntaxError("missing '}'", eof=True)
        c = src[sub.pos]
        if c == "}" and depth == 0:
            sub.pos += 1
            break
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "'":
            end = src.find("'", sub.pos + 1)
            if end < 0:
                raise ShellSyntaxError("unterminated quoted string", eof=True)
            _flush(buf, parts)
            parts.append(Quoted(src[sub.pos + 1 : end]))
            sub.pos = end + 1
        elif c == '"':
            _flush(buf, parts)
            sub.pos += 1
            parts.append(DQ(sub._scan_double_quoted()))
        elif c == "\\" and sub.pos + 1 < len(src):
            _flush(buf, parts)
            parts.append(Quoted(src[sub.pos + 1]))
            sub.pos += 2
        elif c in "$`":
            part, sub.pos = scan_expansion(src, sub.pos)
            if part is None:
                buf.append("$")
            else:
                _flush(buf, parts)
                parts.append(part)
        else:
            buf.append(c)
            sub.pos += 1
    _flush(buf, parts)
    if op in (":", "/", "//"):
        first, second = _split_word(parts, ":" if op == ":" else "/")
        return Param(name, op, first, second), sub.pos
    return Param(name, op, Word(parts)), sub.pos


def _split_word(parts: list[Part], separator: str) -> tuple[Word, Word | None]:
    """A word cut at the first unquoted ``separator``: ``1:3`` of ``${a:1:3}``,
    ``l/L`` of ``${a/l/L}`` (``None`` for the second half when there is none)."""
    for index, part in enumerate(parts):
        if isinstance(part, Lit) and separator in part.text:
            before, after = part.text.split(separator, 1)
            head = [*parts[:index], *([Lit(before)] if before else [])]
            tail = [*([Lit(after)] if after else []), *parts[index + 1 :]]
            return Word(head), Word(tail)
    return Word(parts), None


def _flush(buf: list[str], parts: list[Part]) -> None:
    if buf:
        parts.append(Lit("".join(buf)))
        buf.clear()
