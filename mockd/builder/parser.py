"""The Dockerfile parser: lines into instructions, as moby's ``parser`` package reads them.

Hand-written: there is no maintained Python parser for the Dockerfile
grammar, and the classic builder's details matter to users (which lines
are directives, how continuations and comments inside them join, what
counts as JSON form).  Parser directives (``# escape=`` and ``# syntax=``,
the latter ignored) are only read before the first other line.
Comments are whole lines; a line ending with the escape character continues
on the next one, skipping comment and empty lines in between.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

INSTRUCTIONS = frozenset({
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
    "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume",
    "workdir",
})  # fmt: skip
# Instructions whose arguments may be a JSON array.
JSON_CAPABLE = frozenset({"run", "cmd", "entrypoint", "shell", "copy", "add", "volume"})

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_FLAG = re.compile(r"^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(.*))?$")


class DockerfileParseError(ValueError):
    """dockerd's 400 before the build starts: ``dockerfile parse error line N: ...``."""

    def __init__(self, message: str, line: int | None = None) -> None:
        text = f"dockerfile parse error line {line}: {message}" if line is not None else message
        super().__init__(text)
        self.message = text


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``keyword`` lower-case, ``original`` as written (continuations joined)."""

    keyword: str
    original: str
    rest: str  # the arguments after the keyword and the flags, as written
    line: int
    flags: dict[str, str] = field(default_factory=dict)
    json_args: tuple[str, ...] | None = None  # set when written in JSON (exec) form
    escape: str = "\\"

    @property
    def is_json(self) -> bool:
        return self.json_args is not None


@dataclass
class Dockerfile:
    escape: str
    instructions: list[Instruction]


def split_words(text: str, escape: str = "\\") -> list[str]:
    """moby's ``parseWords``: split on whitespace outside quotes, keeping quotes and escapes."""
    words: list[str] = []
    word = ""
    quote = ""
    escaped = False
    for ch in text:
        if escaped:
            word += ch
            escaped = False
            continue
        if ch == escape:
            word += ch
            escaped = True
            continue
        if quote:
            word += ch
            if ch == quote:
                quote = ""
            continue
        if ch in ("'", '"'):
            quote = ch
            word += ch
        elif ch.isspace():
            if word:
                words.append(word)
                word = ""
        else:
            word += ch
    if word:
        words.append(word)
    return words


def parse_json_array(text: str) -> tuple[str, ...] | None:
    """The JSON (exec) form: an array of strings, else None (then it is shell form)."""
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def _extract_flags(rest: str, line: int) -> tuple[dict[str, str], str]:
    """Leading ``--name=value`` words (``extractBuilderFlags``); ``--`` ends them."""
    flags: dict[str, str] = {}
    while True:
        stripped = rest.lstrip()
        if not stripped.startswith("--"):
            return flags, stripped
        word, _, remainder = stripped.partition(" ")
        if word == "--":
            return flags, remainder.lstrip()
        match = _FLAG.match(word)
        if match is None:
            raise DockerfileParseError(f"invalid flag: {word}", line)
        flags[match.group(1)] = match.group(2) if match.group(2) is not None else "true"
        rest = remainder


def parse_line(text: str, line: int, escape: str) -> Instruction:
    """One logical line (continuations joined) into an ``Instruction``."""
    stripped = text.strip()
    parts = stripped.split(None, 1)
    keyword_raw, rest = parts[0], parts[1] if len(parts) > 1 else ""
    keyword = keyword_raw.lower()
    if keyword not in INSTRUCTIONS:
        raise DockerfileParseError(f"unknown instruction: {keyword_raw.upper()}", line)
    flags, rest = _extract_flags(rest, line)
    json_args = parse_json_array(rest) if keyword in JSON_CAPABLE else None
    _check_arity(keyword, rest, json_args, line, escape)
    if keyword == "onbuild":
        nested = rest.split(None, 1)[0].lower() if rest.strip() else ""
        if nested == "onbuild":
            raise DockerfileParseError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", line)
        if nested in ("from", "maintainer"):
            raise DockerfileParseError(
                f"{nested.upper()} isn't allowed as an ONBUILD trigger", line
            )
        parse_line(rest, line, escape)  # the trigger must itself be valid
    return Instruction(keyword, stripped, rest.strip(), line, flags, json_args, escape)


_AT_LEAST_ONE = frozenset({"env", "label", "expose", "volume", "onbuild", "healthcheck"})
_EXACTLY_ONE = frozenset({"workdir", "user", "stopsignal", "arg", "maintainer"})


def _check_arity(
    keyword: str, rest: str, json_args: tuple[str, ...] | None, line: int, escape: str
) -> None:
    """The argument counts moby's instruction parser insists on."""
    count = len(json_args) if json_args is not None else len(split_words(rest, escape))
    name = keyword.upper()
    if keyword in _AT_LEAST_ONE and count < 1:
        raise DockerfileParseError(f"{name} requires at least one argument", line)
    if keyword in _EXACTLY_ONE and count != 1 and not (keyword == "workdir" and count > 1):
        raise DockerfileParseError(f"{name} requires exactly one argument", line)
    if keyword in ("copy", "add") and count < 2:
        raise DockerfileParseError(f"{name} requires at least two arguments", line)
    if keyword == "from" and count not in (1, 3):
        raise DockerfileParseError("FROM requires either one or three arguments", line)


def _directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and how many leading lines were directives."""
    escape = "\\"
    seen: set[str] = set()
    count = 0
    for text in lines:
        match = _DIRECTIVE.match(text.strip()) if text.strip().startswith("#") else None
        if match is None:
            break
        name, value = match.group(1).lower(), match.group(2)
        if name not in ("escape", "syntax"):
            break  # an unknown directive is a comment, and ends the directives
        if name in seen:
            raise DockerfileParseError(f"only one {name} parser directive can be used")
        seen.add(name)
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileParseError(f"invalid ESCAPE '{value}'. Must be ` or \\")
            escape = value
        count += 1
    return escape, count


def parse_dockerfile(text: str) -> Dockerfile:
    """Every instruction of a Dockerfile, in order; ``DockerfileParseError`` on bad input."""
    lines = text.removeprefix("\ufeff").splitlines()
    escape, skip = _directives(lines)
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    instructions: list[Instruction] = []
    index = skip
    while index < len(lines):
        start = index + 1
        current = lines[index].lstrip()
        index += 1
        if not current or current.startswith("#"):
            continue
        logical = ""
        while True:
            if continuation.search(current):
                logical += continuation.sub("", current)
                # Continue on the next line that is neither a comment nor empty.
                while index < len(lines):
                    candidate = lines[index]
                    index += 1
                    if candidate.lstrip().startswith("#") or not candidate.strip():
                        continue
                    current = candidate
                    break
                else:
                    current = ""
                    break
            else:
                logical += current
                break
        if logical.strip():
            instructions.append(parse_line(logical, start, escape))
    if not instructions:
        raise DockerfileParseError("failed to parse Dockerfile: file with no instructions")
    return Dockerfile(escape, instructions)
