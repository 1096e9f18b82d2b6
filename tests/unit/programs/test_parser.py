"""Lexer and parser: the tree each construct becomes, and the syntax errors."""

from __future__ import annotations

import pytest

from mockd.programs.shell.ast import (
    DQ,
    AndOr,
    Arith,
    Case,
    CmdSub,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Loop,
    Param,
    Pipeline,
    Quoted,
    Sequence,
    Simple,
    Subshell,
    Tilde,
    Word,
)
from mockd.programs.shell.lexer import Lexer
from mockd.programs.shell.parser import ShellSyntaxError, parse


def words(node: object) -> list[str | None]:
    assert isinstance(node, Simple)
    return [w.literal() for w in node.words]


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("a b", ["word", "word", "eof"]),
        ("a&&b||c", ["word", "op", "word", "op", "word", "eof"]),
        ("a 2>&1", ["word", "io_number", "op", "word", "eof"]),
        ("a;b\nc", ["word", "op", "word", "newline", "word", "eof"]),
        ("a # comment\nb", ["word", "newline", "word", "eof"]),
        ("echo 'a b' \"c d\"", ["word", "word", "word", "eof"]),
    ],
)
def test_token_kinds(source: str, kinds: list[str]) -> None:
    lexer = Lexer(source)
    seen = []
    while True:
        tok = lexer.next_token()
        seen.append(tok.kind)
        if tok.kind == "eof":
            break
    assert seen == kinds


@pytest.mark.parametrize(
    ("source", "parts"),
    [
        ("abc", [Lit("abc")]),
        ("'a b'", [Quoted("a b")]),
        ("a\\ b", [Lit("a"), Quoted(" "), Lit("b")]),
        ('"x$HOME"', [DQ([Quoted("x"), Param("HOME")])]),
        ("$1$#", [Param("1"), Param("#")]),
        ("${X:-d}", [Param("X", ":-", Word([Lit("d")]))]),
        ("${#X}", [Param("X", "len")]),
        ("${X%%.*}", [Param("X", "%%", Word([Lit(".*")]))]),
        ("~/x", [Tilde(""), Lit("/x")]),
        ("$((1+2))", [Arith(Word([Quoted("1+2")]))]),
    ],
)
def test_word_parts(source: str, parts: list[object]) -> None:
    node = parse("echo " + source)
    assert isinstance(node, Simple)
    assert node.words[1].parts == parts


def test_command_substitution_nests() -> None:
    node = parse("echo $(echo $(echo a) b) `echo c`")
    assert isinstance(node, Simple)
    outer = node.words[1].parts[0]
    assert isinstance(outer, CmdSub)
    assert isinstance(outer.body, Simple)
    assert isinstance(outer.body.words[1].parts[0], CmdSub)
    assert isinstance(node.words[2].parts[0], CmdSub)


def test_lists_and_pipelines() -> None:
    node = parse("a | b && ! c || d; e &")
    assert isinstance(node, Sequence)
    first, background = node.items[0]
    assert not background and node.items[1][1]
    assert isinstance(first, AndOr)
    assert isinstance(first.first, Pipeline) and len(first.first.commands) == 2
    assert [op for op, _ in first.rest] == ["&&", "||"]
    negated = first.rest[0][1]
    assert isinstance(negated, Pipeline) and negated.negate


def test_assignments_and_redirects() -> None:
    node = parse("A=1 B=$x cmd arg >out 2>&1 <in")
    assert isinstance(node, Simple)
    assert [name for name, _ in node.assigns] == ["A", "B"]
    assert words(node) == ["cmd", "arg"]
    assert [(r.fd, r.op) for r in node.redirects] == [(None, ">"), (2, ">&"), (None, "<")]


def test_compound_commands() -> None:
    node = parse(
        "if a; then b; elif c; then d; else e; fi\n"
        "while x; do y; done\nuntil x; do y; done\n"
        "for i in 1 2; do echo $i; done\n"
        "case $x in a|b) one;; *) two;; esac\n"
        "f() { echo; }\n( sub ) > out\n{ grp; }"
    )
    assert isinstance(node, Sequence)
    kinds = [type(item) for item, _ in node.items]
    assert kinds == [If, Loop, Loop, For, Case, FuncDef, Subshell, Group]
    if_node = node.items[0][0]
    assert isinstance(if_node, If) and len(if_node.branches) == 2 and if_node.orelse is not None
    loops = [node.items[1][0], node.items[2][0]]
    assert [loop.until for loop in loops if isinstance(loop, Loop)] == [False, True]
    case = node.items[4][0]
    assert isinstance(case, Case) and [len(p) for p, _ in case.items] == [2, 1]
    subshell = node.items[6][0]
    assert isinstance(subshell, Subshell) and subshell.redirects[0].op == ">"


def test_heredoc_bodies() -> None:
    node = parse("cat <<EOF\nhello $X\nEOF\ncat <<'E'\n$raw\nE\n")
    assert isinstance(node, Sequence)
    first, second = (item for item, _ in node.items)
    assert isinstance(first, Simple) and isinstance(second, Simple)
    body = first.redirects[0].heredoc
    assert body is not None and isinstance(body.parts[0], DQ)
    assert Param("X") in body.parts[0].parts
    assert second.redirects[0].heredoc == Word([Quoted("$raw\n")])


@pytest.mark.parametrize(
    ("source", "message", "incomplete"),
    [
        ("if true; then", "unexpected end of file", True),
        ("echo 'abc", "unterminated quoted string", True),
        ("echo ${x", "missing '}'", True),
        ("a && ;", 'unexpected ";"', False),
        ("fi", 'unexpected "fi"', False),
        ("echo $(ls", "unterminated command substitution", True),
    ],
)
def test_syntax_errors(source: str, message: str, incomplete: bool) -> None:
    with pytest.raises(ShellSyntaxError) as info:
        parse(source)
    assert message in info.value.message
    assert info.value.eof == incomplete
