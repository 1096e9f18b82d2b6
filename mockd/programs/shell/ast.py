"""The shell's syntax tree: words (made of parts) and commands."""

from __future__ import annotations

from dataclasses import dataclass, field

# -- words ----------------------------------------------------------------------


@dataclass
class Lit:
    """Unquoted text: subject to globbing, not to field splitting."""

    text: str


@dataclass
class Quoted:
    """Text quoted with '' or a backslash: taken literally."""

    text: str


@dataclass
class DQ:
    """A double-quoted string: expansions inside are neither split nor globbed."""

    parts: list[Part]


@dataclass
class Param:
    """``$name``, ``${name}``, ``${name:-word}``, ``${#name}``, ``${name%pat}``..."""

    name: str
    # "", ":-", "-", ":=", "=", ":+", "+", ":?", "?", "#", "##", "%", "%%", "len", and ash's
    # ":" (``${name:offset:length}``), "/" and "//" (``${name/pattern/replacement}``)
    op: str = ""
    arg: Word | None = None
    arg2: Word | None = None  # the length of ":", the replacement of "/" and "//"


@dataclass
class CmdSub:
    body: Node
    source: str = ""


@dataclass
class Arith:
    expr: Word


@dataclass
class Tilde:
    user: str


Part = Lit | Quoted | DQ | Param | CmdSub | Arith | Tilde


@dataclass
class Word:
    parts: list[Part]

    def literal(self) -> str | None:
        """The text when the word is only unquoted literal text (keywords, names), else None."""
        if all(isinstance(p, Lit) for p in self.parts):
            return "".join(p.text for p in self.parts if isinstance(p, Lit))
        return None

    def has_quotes(self) -> bool:
        return any(isinstance(p, Quoted | DQ) for p in self.parts)


# -- commands ---------------------------------------------------------------------


@dataclass
class Redirect:
    fd: int | None  # None: the operator's default (0 for <, 1 for >)
    op: str  # < > >> >| <> <& >& << <<-
    target: Word
    heredoc: Word | None = None  # the body of a here-document, once read
    heredoc_quoted: bool = False


@dataclass
class Simple:
    assigns: list[tuple[str, Word]]
    words: list[Word]
    redirects: list[Redirect] = field(default_factory=list)
    line: int = 0


@dataclass
class Pipeline:
    commands: list[Node]
    negate: bool = False


@dataclass
class AndOr:
    first: Node
    rest: list[tuple[str, Node]]  # ("&&" | "||", pipeline)


@dataclass
class Sequence:
    items: list[tuple[Node, bool]]  # (command, runs in the background)


@dataclass
class Group:
    body: Node
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Subshell:
    body: Node
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    branches: list[tuple[Node, Node]]
    orelse: Node | None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Loop:
    cond: Node
    body: Node
    until: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[Word] | None  # None: "$@"
    body: Node
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Case:
    word: Word
    items: list[tuple[list[Word], Node | None]]
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class FuncDef:
    name: str
    body: Node


Node = Simple | Pipeline | AndOr | Sequence | Group | Subshell | If | Loop | For | Case | FuncDef

Compound = Group | Subshell | If | Loop | For | Case
