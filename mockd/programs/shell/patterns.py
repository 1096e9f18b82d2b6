"""Shell patterns (``*``, ``?``, ``[...]``) for globbing, ``case`` and ``${x%pat}``.

A pattern arrives as pieces of (text, active): quoted text never acts as a
wildcard.  Translated to a regex by hand because ``fnmatch`` cannot tell
quoted from unquoted characters and spells negation ``[!...]`` only.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from mockd.fs.api import FileSystem

Pieces = tuple[tuple[str, bool], ...]


def has_wildcards(pieces: Pieces) -> bool:
    return any(active and any(c in "*?[" for c in text) for text, active in pieces)


@lru_cache(maxsize=512)
def to_regex(pieces: Pieces) -> str:
    out: list[str] = []
    for text, active in pieces:
        if not active:
            out.append(re.escape(text))
            continue
        i = 0
        while i < len(text):
            c = text[i]
            if c == "*":
                out.append(".*")
            elif c == "?":
                out.append(".")
            elif c == "[":
                end = i + 1
                if end < len(text) and text[end] in "!^":
                    end += 1
                if end < len(text) and text[end] == "]":
                    end += 1
                end = text.find("]", end)
                if end < 0:
                    out.append(re.escape(c))
                else:
                    body = text[i + 1 : end]
                    negate = body[:1] in ("!", "^")
                    if negate:
                        body = body[1:]
                    body = body.replace("\\", "\\\\").replace("[", "\\[")
                    out.append(f"[{'^' if negate else ''}{body}]")
                    i = end
            elif c == "\\" and i + 1 < len(text):
                out.append(re.escape(text[i + 1]))
                i += 1
            else:
                out.append(re.escape(c))
            i += 1
    return "".join(out)


def matches(pieces: Pieces, text: str) -> bool:
    return re.fullmatch(to_regex(pieces), text, re.DOTALL) is not None


def strip_affix(value: str, pieces: Pieces, op: str) -> str:
    """``${x#p}``, ``${x##p}``, ``${x%p}``, ``${x%%p}``."""
    regex = re.compile(to_regex(pieces), re.DOTALL)
    n = len(value)
    if op in ("#", "##"):
        ends = range(0, n + 1) if op == "#" else range(n, -1, -1)
        for end in ends:
            if regex.fullmatch(value, 0, end):
                return value[end:]
        return value
    starts = range(n, -1, -1) if op == "%" else range(0, n + 1)
    for start in starts:
        if regex.fullmatch(value, start, n):
            return value[:start]
    return value


def replace(value: str, pieces: Pieces, replacement: str, *, every: bool) -> str:
    """``${x/p/r}`` (the first match) and ``${x//p/r}`` (each match): at each
    position the longest match, as ash takes it; an empty pattern changes nothing."""
    if not pieces or not any(text for text, _ in pieces):
        return value
    regex = re.compile(to_regex(pieces), re.DOTALL)
    out: list[str] = []
    position = 0
    n = len(value)
    while position <= n:
        end = next((e for e in range(n, position, -1) if regex.fullmatch(value, position, e)), None)
        if end is None:
            if position < n:
                out.append(value[position])
            position += 1
            continue
        out.append(replacement)
        position = end
        if not every:
            out.append(value[position:])
            return "".join(out)
    return "".join(out)


def _split_pieces(pieces: Pieces) -> list[Pieces]:
    """Split a pattern on ``/`` into one pattern per path component."""
    components: list[list[tuple[str, bool]]] = [[]]
    for text, active in pieces:
        chunks = text.split("/")
        for k, chunk in enumerate(chunks):
            if k:
                components.append([])
            if chunk:
                components[-1].append((chunk, active))
    return [tuple(c) for c in components]


def glob(fs: FileSystem, cwd: str, pieces: Pieces) -> list[str]:
    """Paths matching the pattern, sorted; empty when nothing matches."""
    text = "".join(t for t, _ in pieces)
    absolute = text.startswith("/")
    components = _split_pieces(pieces)
    if absolute:
        components = components[1:]
    results = ["/" if absolute else ""]
    for index, comp in enumerate(components):
        last = index == len(components) - 1
        literal = "".join(t for t, _ in comp)
        nxt: list[str] = []
        for prefix in results:
            if not comp:  # a trailing or doubled slash
                nxt.append(prefix + ("" if prefix.endswith("/") else "/") if prefix else "/")
                continue
            base = posixpath.join(cwd, prefix) if prefix else cwd
            if not has_wildcards(comp):
                candidate = prefix + literal
                full = posixpath.join(cwd, candidate)
                if fs.exists(full) and (last or fs.is_dir(full)):
                    nxt.append(candidate + ("" if last else "/"))
                continue
            try:
                names = fs.listdir(base or "/")
            except OSError:
                continue
            regex = re.compile(to_regex(comp), re.DOTALL)
            hidden_ok = literal.startswith(".")
            for name in names:
                if name.startswith(".") and not hidden_ok:
                    continue
                if regex.fullmatch(name):
                    full = posixpath.join(base or "/", name)
                    if last:
                        nxt.append(prefix + name)
                    elif fs.is_dir(full):
                        nxt.append(prefix + name + "/")
        results = nxt
        if not results:
            return []
    return sorted(r.rstrip("/") if r != "/" else r for r in results)
