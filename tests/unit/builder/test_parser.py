"""The Dockerfile parser and word expansion, table by table."""

from __future__ import annotations

import pytest

from mockd.builder.parser import DockerfileParseError, parse_dockerfile, split_words
from mockd.builder.words import SubstitutionError, expand


def one(text: str) -> tuple[str, str, dict[str, str], tuple[str, ...] | None]:
    inst = parse_dockerfile(text).instructions[-1]
    return inst.keyword, inst.rest, inst.flags, inst.json_args


@pytest.mark.parametrize(
    ("text", "keyword", "rest"),
    [
        ("FROM busybox\nRUN echo a \\\n  && echo b\n", "run", "echo a   && echo b"),
        ("FROM busybox\nRUN echo a \\\n# a comment inside\n\n  b\n", "run", "echo a   b"),
        ("FROM busybox\nrun echo lower\n", "run", "echo lower"),
        ("# escape=`\nFROM busybox\nRUN echo a `\n b\n", "run", "echo a  b"),
        ("# escape=`\nFROM busybox\nRUN dir c:\\\n", "run", "dir c:\\"),
        ("# syntax=docker/dockerfile:1\nFROM busybox\nENV A=1\n", "env", "A=1"),
        # A blank first line ends the directives: the escape stays a backslash.
        ("\n# escape=`\nFROM busybox\nRUN a \\\n", "run", "a"),
        ("FROM busybox\n   # indented comment\nCMD x\n", "cmd", "x"),
    ],
)
def test_lines_comments_continuations_and_directives(text: str, keyword: str, rest: str) -> None:
    assert one(text)[:2] == (keyword, rest)


def test_a_directive_after_an_instruction_is_a_comment() -> None:
    parsed = parse_dockerfile("FROM busybox\n# escape=`\nRUN a \\\n b\n")
    assert parsed.escape == "\\"
    assert parsed.instructions[-1].rest == "a  b"


@pytest.mark.parametrize(
    ("text", "json_args"),
    [
        ('FROM b\nCMD ["sh", "-c", "echo"]', ("sh", "-c", "echo")),
        ("FROM b\nCMD sh -c echo", None),
        ('FROM b\nCMD ["sh", 1]', None),  # not all strings: shell form
        ("FROM b\nCMD [not json", None),
        ('FROM b\nENV A ["x"]', None),  # ENV has no JSON form
        ('FROM b\nCOPY --chown=1:2 ["a b", "/c/"]', ("a b", "/c/")),
    ],
)
def test_json_and_shell_forms(text: str, json_args: tuple[str, ...] | None) -> None:
    assert one(text)[3] == json_args


def test_flags_are_taken_from_the_front() -> None:
    _, rest, flags, _ = one("FROM b AS x\nCOPY --from=x --chown=app:app /a /b")
    assert flags == {"from": "x", "chown": "app:app"}
    assert rest == "/a /b"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FROM busybox\nRUN echo a\nFOO bar\n", "dockerfile parse error line 3: unknown instruction: FOO"),
        ("FROM busybox\nENV\n", "dockerfile parse error line 2: ENV requires at least one argument"),
        ("FROM busybox\nCOPY a\n", "dockerfile parse error line 2: COPY requires at least two arguments"),
        ("\n# only a comment\n", "failed to parse Dockerfile: file with no instructions"),
        ("FROM busybox\nONBUILD ONBUILD RUN x\n",
         "dockerfile parse error line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("# escape=x\nFROM b\n", "invalid ESCAPE 'x'. Must be ` or \\"),
    ],
)  # fmt: skip
def test_parse_errors_are_dockerds(text: str, message: str) -> None:
    with pytest.raises(DockerfileParseError) as caught:
        parse_dockerfile(text)
    assert caught.value.message == message


def test_split_words_keeps_quotes_for_later_expansion() -> None:
    assert split_words('A=1 B="two words" C=a\\ b') == ["A=1", 'B="two words"', "C=a\\ b"]


ENV = {"NAME": "world", "EMPTY": ""}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$NAME", "world"),
        ("${NAME}x", "worldx"),
        ("$NAMEx", ""),
        ("${MISSING:-dflt}", "dflt"),
        ("${EMPTY:-dflt}", "dflt"),
        ("${NAME:-dflt}", "world"),
        ("${NAME:+alt}", "alt"),
        ("${MISSING:+alt}", ""),
        ("\\$NAME", "$NAME"),
        ("'$NAME'", "$NAME"),
        ('"$NAME and ${NAME}"', "world and world"),
        ('"a\\"b"', 'a"b'),
        ('"keep\\n"', "keep\\n"),
        ("a\\ b", "a b"),
        ("100$", "100$"),
        ("${MISSING:-${NAME}}", "world"),
    ],
)
def test_expand(word: str, expected: str) -> None:
    assert expand(word, ENV) == expected


def test_expand_with_backtick_escape() -> None:
    assert expand("`$NAME \\dir", ENV, escape="`") == "$NAME \\dir"


@pytest.mark.parametrize("word", ["${}", "${NAME", '"open', "'open", "${MISSING:?must be set}"])
def test_expand_errors(word: str) -> None:
    with pytest.raises(SubstitutionError):
        expand(word, ENV)
