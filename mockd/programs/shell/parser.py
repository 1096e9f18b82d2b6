"""A recursive-descent parser for the POSIX shell grammar (the parts ash users write)."""

from __future__ import annotations

from mockd.programs.shell.ast import (
    AndOr,
    Case,
    Compound,
    For,
    FuncDef,
    Group,
    If,
    Loop,
    Node,
    Pipeline,
    Redirect,
    Sequence,
    Simple,
    Subshell,
    Word,
)
from mockd.programs.shell.lexer import Lexer, ShellSyntaxError, Token, is_name

__all__ = ["ShellSyntaxError", "parse", "parse_nested"]

_REDIRECT_OPS = frozenset({"<", ">", ">>", ">|", "<>", "<&", ">&", "<<", "<<-"})
_RESERVED = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "case",
        "esac",
        "while",
        "until",
        "for",
        "in",
        "{",
        "}",
        "!",
    }
)
# Words that end a list (so "if a; then" stops the condition at "then").
_LIST_END = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})


def parse(source: str) -> Node:
    """Parse a whole program; raises ``ShellSyntaxError``."""
    parser = _Parser(Lexer(source))
    node = parser.parse_list(top=True)
    tok = parser.peek()
    if tok.kind != "eof":
        raise parser.unexpected(tok)
    return node


def parse_nested(source: str, pos: int, *, until_paren: bool) -> tuple[Node, int]:
    """Parse ``$(...)`` from ``pos`` (just inside the paren) up to its closing paren,
    or a backquoted body to its end; returns the tree and the position after it."""
    parser = _Parser(Lexer(source, pos))
    node = parser.parse_list(top=not until_paren)
    tok = parser.next()
    if until_paren:
        if tok.kind == "eof":
            raise ShellSyntaxError("unterminated command substitution", eof=True)
        if tok.kind != "op" or tok.value != ")":
            raise parser.unexpected(tok)
    elif tok.kind != "eof":
        raise parser.unexpected(tok)
    return node, parser.lexer.pos


_REDIRECTION_OPS = frozenset({"<", ">", "<<", "<<-", ">>", "<&", ">&", "<>", ">|"})


class _Parser:
    def __init__(self, lexer: Lexer) -> None:
        self.lexer = lexer
        self._peeked: Token | None = None

    # -- tokens -----------------------------------------------------------------------

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self.lexer.next_token()
        return self._peeked

    def next(self) -> Token:
        tok = self.peek()
        self._peeked = None
        return tok

    def unexpected(self, tok: Token, expecting: str = "") -> ShellSyntaxError:
        suffix = f' (expecting "{expecting}")' if expecting else ""
        if tok.kind == "eof":
            return ShellSyntaxError(f"unexpected end of file{suffix}", eof=True)
        if tok.kind == "newline":
            return ShellSyntaxError(f"unexpected newline{suffix}")
        if tok.kind == "io_number" or tok.value in _REDIRECTION_OPS:
            return ShellSyntaxError(f"unexpected redirection{suffix}")  # ash names no operator
        return ShellSyntaxError(f'unexpected "{tok.value}"{suffix}')

    def keyword(self, tok: Token | None = None) -> str | None:
        tok = tok or self.peek()
        if tok.kind == "word" and tok.word is not None:
            text = tok.word.literal()
            if text in _RESERVED:
                return text
        return None

    def expect_keyword(self, word: str) -> None:
        tok = self.peek()
        if self.keyword(tok) != word:
            raise self.unexpected(tok, word)
        self.next()

    def expect_op(self, op: str) -> None:
        tok = self.next()
        if tok.kind != "op" or tok.value != op:
            raise self.unexpected(tok, op)

    def skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.next()

    def at_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in ops

    # -- lists --------------------------------------------------------------------------

    def parse_list(self, *, top: bool = False, expecting: str = "") -> Node:
        """Commands separated by ; & or newlines, up to a closing keyword or token."""
        items: list[tuple[Node, bool]] = []
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok.kind == "eof" or self.keyword(tok) in _LIST_END:
                break
            if tok.kind == "op" and tok.value in (")", ";;"):
                break
            node = self.parse_and_or()
            background = False
            if self.at_op(";", "&"):
                background = self.next().value == "&"
            elif self.peek().kind not in ("newline", "eof") and not (
                self.at_op(")", ";;") or self.keyword() in _LIST_END
            ):
                raise self.unexpected(self.peek())
            items.append((node, background))
        if not items and not top:
            raise self.unexpected(self.peek(), expecting)
        if len(items) == 1 and not items[0][1]:
            return items[0][0]
        return Sequence(items)

    def parse_and_or(self) -> Node:
        first = self.parse_pipeline()
        rest: list[tuple[str, Node]] = []
        while self.at_op("&&", "||"):
            op = self.next().value
            self.skip_newlines()
            rest.append((op, self.parse_pipeline()))
        return AndOr(first, rest) if rest else first

    def parse_pipeline(self) -> Node:
        negate = False
        while self.keyword() == "!":
            self.next()
            negate = not negate
        commands = [self.parse_command()]
        while self.at_op("|"):
            self.next()
            self.skip_newlines()
            commands.append(self.parse_command())
        if len(commands) == 1 and not negate:
            return commands[0]
        return Pipeline(commands, negate)

    # -- commands -----------------------------------------------------------------------

    def parse_command(self) -> Node:
        tok = self.peek()
        kw = self.keyword(tok)
        compound: Compound | None = None
        if kw == "{":
            self.next()
            body = self.parse_list()
            self.expect_keyword("}")
            compound = Group(body)
        elif tok.kind == "op" and tok.value == "(":
            self.next()
            body = self.parse_list()
            self.expect_op(")")
            compound = Subshell(body)
        elif kw == "if":
            compound = self.parse_if()
        elif kw in ("while", "until"):
            self.next()
            cond = self.parse_list(expecting="do")
            self.expect_keyword("do")
            body = self.parse_list(expecting="done")
            self.expect_keyword("done")
            compound = Loop(cond, body, until=kw == "until")
        elif kw == "for":
            compound = self.parse_for()
        elif kw == "case":
            compound = self.parse_case()
        elif kw is not None and kw != "!":
            raise self.unexpected(tok)
        if compound is not None:
            compound.redirects.extend(self.parse_redirects())
            return compound
        return self.parse_simple()

    def parse_redirects(self) -> list[Redirect]:
        redirects: list[Redirect] = []
        while True:
            redirect = self.maybe_redirect()
            if redirect is None:
                return redirects
            redirects.append(redirect)

    def maybe_redirect(self) -> Redirect | None:
        tok = self.peek()
        fd: int | None = None
        if tok.kind == "io_number":
            self.next()
            fd = int(tok.value)
            tok = self.peek()
            if tok.kind != "op" or tok.value not in _REDIRECT_OPS:
                raise self.unexpected(tok)
        elif not (tok.kind == "op" and tok.value in _REDIRECT_OPS):
            return None
        op = self.next().value
        target = self.next()
        if target.kind != "word" or target.word is None:
            raise self.unexpected(target)
        redirect = Redirect(fd, op, target.word)
        if op in ("<<", "<<-"):
            delimiter = _heredoc_delimiter(target.value)
            redirect.heredoc_quoted = target.word.has_quotes() or "\\" in target.value
            self.lexer.add_heredoc(redirect, delimiter)
        return redirect

    def parse_simple(self) -> Node:
        assigns: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        line = self.peek().line
        while True:
            redirect = self.maybe_redirect()
            if redirect is not None:
                redirects.append(redirect)
                continue
            tok = self.peek()
            if tok.kind != "word" or tok.word is None:
                break
            if not words:
                name, eq, _ = tok.value.partition("=")
                if eq and is_name(name):
                    self.next()
                    assigns.append((name, _assignment_value(tok.word, len(name) + 1)))
                    continue
            self.next()
            words.append(tok.word)
            if len(words) == 1 and not assigns and self.at_op("("):
                return self.parse_funcdef(tok.word)
        if not words and not assigns and not redirects:
            raise self.unexpected(self.peek())
        return Simple(assigns, words, redirects, line=line)

    def parse_funcdef(self, name_word: Word) -> Node:
        name = name_word.literal()
        if name is None or not name:
            raise self.unexpected(self.peek())
        self.expect_op("(")
        self.expect_op(")")
        self.skip_newlines()
        body = self.parse_command()
        return FuncDef(name, body)

    def parse_if(self) -> If:
        self.expect_keyword("if")
        branches: list[tuple[Node, Node]] = []
        orelse: Node | None = None
        while True:
            cond = self.parse_list(expecting="then")
            self.expect_keyword("then")
            body = self.parse_list(expecting="fi")
            branches.append((cond, body))
            kw = self.keyword()
            if kw == "elif":
                self.next()
                continue
            if kw == "else":
                self.next()
                orelse = self.parse_list()
            self.expect_keyword("fi")
            return If(branches, orelse)

    def parse_for(self) -> For:
        self.expect_keyword("for")
        tok = self.next()
        name = tok.word.literal() if tok.word is not None else None
        if tok.kind != "word" or name is None or not is_name(name):
            raise ShellSyntaxError("bad for loop variable")
        words: list[Word] | None = None
        self.skip_newlines()
        if self.keyword() == "in":
            self.next()
            words = []
            while self.peek().kind == "word" and self.keyword() != "do":
                word = self.next().word
                assert word is not None
                words.append(word)
            if not self.at_op(";") and self.peek().kind != "newline":
                raise self.unexpected(self.peek(), "do")
            self.next()
        elif self.at_op(";"):
            self.next()
        self.skip_newlines()
        self.expect_keyword("do")
        body = self.parse_list()
        self.expect_keyword("done")
        return For(name, words, body)

    def parse_case(self) -> Case:
        self.expect_keyword("case")
        tok = self.next()
        if tok.kind != "word" or tok.word is None:
            raise self.unexpected(tok)
        subject = tok.word
        self.skip_newlines()
        self.expect_keyword("in")
        items: list[tuple[list[Word], Node | None]] = []
        while True:
            self.skip_newlines()
            if self.keyword() == "esac":
                self.next()
                break
            if self.at_op("("):
                self.next()
            patterns: list[Word] = []
            while True:
                tok = self.next()
                if tok.kind != "word" or tok.word is None:
                    raise self.unexpected(tok)
                patterns.append(tok.word)
                if self.at_op("|"):
                    self.next()
                    continue
                self.expect_op(")")
                break
            self.skip_newlines()
            body: Node | None = None
            if not self.at_op(";;") and self.keyword() != "esac":
                body = self.parse_list()
            items.append((patterns, body))
            if self.at_op(";;"):
                self.next()
            elif self.keyword() != "esac":
                raise self.unexpected(self.peek(), "esac")
        return Case(subject, items)


def _heredoc_delimiter(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if c not in "'\"":
            out.append(c)
        i += 1
    return "".join(out)


def _assignment_value(word: Word, skip: int) -> Word:
    """The value of ``NAME=value``: the word without its first ``skip`` literal characters."""
    parts = list(word.parts)
    first = parts[0]
    from mockd.programs.shell.ast import Lit

    assert isinstance(first, Lit)
    rest = first.text[skip:]
    return Word(([Lit(rest)] if rest else []) + parts[1:])
