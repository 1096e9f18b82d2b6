"""``.dockerignore`` patterns, with the rules of moby's ``patternmatcher``.

Hand-written because the rules are Go-specific: ``filepath.Clean`` on each
pattern, ``filepath.Match`` syntax (``[^...]`` negation, ``\\`` escapes),
``**`` spanning directories, later patterns winning, ``!`` exceptions, and a
path matching when it or any of its parent directories matches.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dockersdk.params.errors import InvalidArgument

_UTF8_BOM = "\ufeff"
# Characters with a meaning in regexps but none in filepath.Match.
_REGEX_ONLY = frozenset(".+()|{}$")


def go_clean(path: str) -> str:
    """Go's ``path.Clean`` (posixpath.normpath differs on "//x" and "")."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(segment)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def read_patterns(text: str) -> list[str]:
    """The patterns of a .dockerignore file, as moby's ``ignorefile.ReadAll`` reads them."""
    patterns = []
    for number, line in enumerate(text.splitlines()):
        if number == 0:
            line = line.removeprefix(_UTF8_BOM)
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append("!" + pattern if invert else pattern)
    return patterns


class _Kind(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    REGEXP = "regexp"


@dataclass(frozen=True)
class Pattern:
    """One compiled pattern."""

    text: str  # cleaned, without the "!"
    exclusion: bool
    kind: _Kind
    regexp: re.Pattern[str] | None

    def match(self, path: str) -> bool:
        if self.kind is _Kind.EXACT:
            return path == self.text
        if self.kind is _Kind.PREFIX:
            return path.startswith(self.text[:-2])
        if self.kind is _Kind.SUFFIX:
            suffix = self.text[2:]
            if path.endswith(suffix):
                return True
            # "**/foo" also matches "foo" at the top.
            return suffix.startswith("/") and path == suffix[1:]
        assert self.regexp is not None
        return self.regexp.match(path) is not None


def compile_pattern(raw: str) -> Pattern:
    """Compile one pattern ("!" prefix allowed); raises InvalidArgument on bad syntax."""
    text = go_clean(raw.strip())
    exclusion = text.startswith("!")
    if exclusion:
        if len(text) == 1:
            raise InvalidArgument('illegal exclusion pattern: "!"', argument="dockerignore")
        text = text[1:]
    _check_match_syntax(text, raw)
    kind, regexp = _translate(text)
    return Pattern(text=text, exclusion=exclusion, kind=kind, regexp=regexp)


def _translate(pattern: str) -> tuple[_Kind, re.Pattern[str] | None]:
    """Port of patternmatcher's ``compile``: pick a match kind, or build a regexp."""
    regex = "^"
    kind = _Kind.EXACT
    index = 0
    iteration = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*":
            if index < len(pattern) and pattern[index] == "*":
                index += 1
                if index < len(pattern) and pattern[index] == "/":
                    index += 1  # "**/" is "**"
                if index >= len(pattern):
                    if kind is _Kind.EXACT:
                        kind = _Kind.PREFIX
                    else:
                        regex += ".*"
                        kind = _Kind.REGEXP
                else:
                    regex += "(.*/)?"
                    kind = _Kind.REGEXP
                if iteration == 0:
                    kind = _Kind.SUFFIX
            else:
                regex += "[^/]*"
                kind = _Kind.REGEXP
        elif char == "?":
            regex += "[^/]"
            kind = _Kind.REGEXP
        elif char in _REGEX_ONLY:
            regex += "\\" + char
        elif char == "\\":
            if index < len(pattern):
                regex += "\\" + pattern[index]
                index += 1
                kind = _Kind.REGEXP
            else:
                regex += "\\\\"
        elif char in "[]":
            regex += char
            kind = _Kind.REGEXP
        else:
            regex += char
        iteration += 1
    if kind is not _Kind.REGEXP:
        return kind, None
    # Other characters go into the regexp as they are, as in Go; the two
    # dialects share their metacharacters. "\Z": Python's "$" also matches
    # before a final newline, Go's does not.
    try:
        return kind, re.compile(regex + r"\Z")
    except re.error:
        raise InvalidArgument(
            f"syntax error in pattern {pattern!r}", argument="dockerignore"
        ) from None


def _check_match_syntax(pattern: str, raw: str) -> None:
    """Reject what Go's ``filepath.Match`` reports as ErrBadPattern."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern):
                raise _bad_pattern(raw)
            index += 2
            continue
        if char == "[":
            index = _check_class(pattern, index + 1, raw)
            continue
        index += 1


def _check_class(pattern: str, index: int, raw: str) -> int:
    """Check "[...]" starting after "["; return the index after "]"."""
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    ranges = 0
    while True:
        if index < len(pattern) and pattern[index] == "]" and ranges > 0:
            return index + 1
        low, index = _class_char(pattern, index, raw)
        if index < len(pattern) and pattern[index] == "-":
            high, index = _class_char(pattern, index + 1, raw)
            if high < low:
                raise _bad_pattern(raw)
        ranges += 1


def _class_char(pattern: str, index: int, raw: str) -> tuple[str, int]:
    if index >= len(pattern) or pattern[index] in "-]":
        raise _bad_pattern(raw)
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            raise _bad_pattern(raw)
    return pattern[index], index + 1


def _bad_pattern(raw: str) -> InvalidArgument:
    return InvalidArgument(f"syntax error in pattern {raw!r}", argument="dockerignore")


class PatternMatcher:
    """A list of patterns; later ones win, ``!`` ones re-include."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns: list[Pattern] = [
            compile_pattern(pattern) for pattern in patterns if pattern.strip()
        ]

    @property
    def has_exclusions(self) -> bool:
        return any(pattern.exclusion for pattern in self.patterns)

    def matches(self, path: str) -> bool:
        """True when ``path`` or one of its parent directories is ignored.

        ``path`` is slash-separated and relative to the context (moby's
        ``MatchesOrParentMatches``); the context root "." never is.
        """
        if path == ".":
            return False
        parents = _parents(path)
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue  # cannot change the outcome
            if pattern.match(path) or any(pattern.match(parent) for parent in parents):
                matched = not pattern.exclusion
        return matched

    def matches_exact(self, path: str) -> bool:
        """Like ``matches`` without looking at parent directories (``MatchesExact``)."""
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            if pattern.match(path):
                matched = not pattern.exclusion
        return matched

    def may_match_inside(self, directory: str) -> bool:
        """Whether an exception (``!pattern``) could re-include something under ``directory``.

        moby's archiver keeps walking an excluded directory only then.
        """
        prefix = directory + "/"
        return any(
            pattern.exclusion and (pattern.text + "/").startswith(prefix)
            for pattern in self.patterns
        )


def _parents(path: str) -> Sequence[str]:
    """Each ancestor of ``path``, outermost first, from Go's ``filepath.Dir``."""
    slash = path.rfind("/")
    parent = go_clean(path[: slash + 1]) if slash >= 0 else "."
    if parent == ".":
        return []
    parts = parent.split("/")
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]
