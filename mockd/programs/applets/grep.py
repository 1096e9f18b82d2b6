"""``grep`` (and ``egrep``, ``fgrep``) as busybox 1.35 does it.

Exit status: 0 when a line was selected (with ``-L``: when a file was listed),
1 when none was, 2 after an error (a missing file, a bad regex), even if
something matched, unless ``-q`` had already stopped at a match.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from dataclasses import dataclass, field

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    applet_name,
    error,
    parse_flags,
    show_usage,
    strerror,
)
from mockd.programs.applets.posixre import RegexError, compile_posix
from mockd.programs.opening import open_input

USAGE = "[-HhnlLoqvsrRiwFEz] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]..."
_FLAGS = "HhnlLcoqvsrRiwxFEz"
_WITH_VALUE = "mABCef"
STDIN_LABEL = "(standard input)"


class _Quit(Exception):
    """``-q`` found a match: busybox exits 0 at once, whatever comes after."""


@dataclass
class _Options:
    flags: set[str]
    patterns: list[re.Pattern[bytes]]
    before: int = 0
    after: int = 0
    max_count: int | None = None
    show_names: bool = False

    def has(self, letter: str) -> bool:
        return letter in self.flags


@dataclass
class _State:
    """What lasts across files: whether anything was printed (for ``--``), and the outcome."""

    printed: bool = False
    selected: bool = False
    failed: bool = False


@dataclass
class _FileScan:
    """Context bookkeeping inside one file."""

    last_printed: int = -1  # line number of the last line written, -1: none in this file
    trailing: int = 0  # lines of -A context still to print
    held: deque[tuple[int, bytes]] = field(default_factory=deque)  # -B candidates


# -- options --------------------------------------------------------------------------


def _number(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"invalid number '{text}'")
    return int(text)


def _compile(sources: list[str], flags: set[str]) -> list[re.Pattern[bytes]]:
    """One regex per pattern: busybox tries them in turn (which shows with ``-o``)."""
    compiled: list[re.Pattern[bytes]] = []
    for source in sources:
        if "F" in flags:
            text = re.escape(source)
            regex = re.compile(text.encode("utf-8", "surrogateescape"), re.I if "i" in flags else 0)
        else:
            try:
                regex = compile_posix(source, extended="E" in flags, ignore_case="i" in flags)
            except RegexError:
                raise RegexError(source) from None  # busybox names the pattern, not why
        text = regex.pattern.decode("utf-8", "surrogateescape")
        if "x" in flags:
            text = rf"(?:{text})\Z"
        elif "w" in flags:
            text = rf"(?<!\w)(?:{text})(?!\w)"  # \b would fail a pattern edged by punctuation
        compiled.append(re.compile(text.encode("utf-8", "surrogateescape"), regex.flags))
    return compiled


async def _pattern_sources(
    ctx: ProgramContext, values: dict[str, str], operands: list[str]
) -> list[str] | None:
    """The patterns of -e and -f (or the first operand, taken off ``operands``).

    None after an error: -f naming a missing file, or no pattern at all.
    """
    sources: list[str] = []
    if "e" in values:
        sources.extend(values["e"].split("\n"))
    if "f" in values:
        for name in values["f"].split("\n"):
            try:
                data = ctx.fs.read_file(abspath(ctx, name))
            except OSError as exc:
                await error(ctx, f"{name}: {strerror(exc)}")
                return None
            sources.extend(data.decode("utf-8", "surrogateescape").splitlines())
    if "e" in values or "f" in values:
        return sources
    if not operands:
        await show_usage(ctx, USAGE)
        return None
    # A newline in the pattern separates patterns, as with -e.
    return operands.pop(0).split("\n")


async def _parse(ctx: ProgramContext) -> tuple[_Options, list[str]] | None:
    name = applet_name(ctx)
    try:
        flags, values, operands = parse_flags(ctx.argv[1:], _FLAGS, _WITH_VALUE, repeatable="ef")
    except UsageError as exc:
        await error(ctx, str(exc))
        await show_usage(ctx, USAGE)
        return None
    flags |= {"egrep": {"E"}, "fgrep": {"F"}}.get(name, set())
    try:
        context = {k: _number(values[k]) for k in "ABC" if k in values}
        max_count = _number(values["m"]) if "m" in values else None
    except ValueError as exc:
        await error(ctx, str(exc))
        return None
    sources = await _pattern_sources(ctx, values, operands)
    if sources is None:
        return None
    try:
        patterns = _compile(sources, flags)
    except RegexError as exc:
        await error(ctx, f"bad regex '{exc}'")
        return None
    options = _Options(
        flags,
        patterns,
        before=context.get("B", context.get("C", 0)),
        after=context.get("A", context.get("C", 0)),
        max_count=max_count,
        show_names=(len(operands) > 1 or "H" in flags) and "h" not in flags,
    )
    return options, operands


# -- matching one file ------------------------------------------------------------------


def _selected(options: _Options, line: bytes) -> bool:
    found = any(p.search(line) if not options.has("x") else p.match(line) for p in options.patterns)
    return found != options.has("v")


def _only_matching(options: _Options, line: bytes) -> list[bytes]:
    """``-o``: the non-empty matches of the last pattern that matches the line (busybox
    remembers the ranges of the pattern it tried last)."""
    for pattern in reversed(options.patterns):
        if pattern.search(line):
            return [m.group(0) for m in pattern.finditer(line) if m.group(0)]
    return []


async def _emit(
    ctx: ProgramContext,
    options: _Options,
    state: _State,
    scan: _FileScan,
    line: tuple[int, bytes],
    label: str,
    *,
    selected: bool,
) -> None:
    """Write one line with its prefixes (``:`` for selected lines, ``-`` for context)."""
    number, text = line
    if state.printed and scan.last_printed != number - 1 and (options.before or options.after):
        await ctx.stdout.write(b"--\n")
    scan.last_printed = number
    state.printed = True
    mark = ":" if selected else "-"
    prefix = (label + mark if options.show_names else "") + (
        f"{number}{mark}" if options.has("n") else ""
    )
    end = b"\0" if options.has("z") else b"\n"
    pieces = _only_matching(options, text) if selected and options.has("o") else [text]
    for piece in pieces:
        await ctx.stdout.write(prefix.encode() + piece + end)


async def _scan(
    ctx: ProgramContext, options: _Options, state: _State, data: bytes, label: str
) -> int:
    """Print the selected lines of one file (unless -c/-l/-L/-q); their count."""
    separator = b"\0" if options.has("z") else b"\n"
    lines = data.split(separator)
    if lines and lines[-1] == b"":
        lines.pop()
    quiet = bool(options.flags & {"c", "l", "L", "q"})
    scan = _FileScan()
    count = 0
    for number, text in enumerate(lines, 1):
        limit_reached = options.max_count is not None and count >= options.max_count
        if _selected(options, text):
            if limit_reached:
                break  # trailing context stops at the next selected line
            count += 1
            if options.has("q"):
                raise _Quit
            if quiet:
                if options.flags & {"l", "L"}:
                    break  # the answer is known
                continue
            while scan.held:
                await _emit(ctx, options, state, scan, scan.held.popleft(), label, selected=False)
            await _emit(ctx, options, state, scan, (number, text), label, selected=True)
            scan.trailing = options.after
        elif scan.trailing > 0:
            scan.trailing -= 1
            await _emit(ctx, options, state, scan, (number, text), label, selected=False)
        elif limit_reached:
            break
        elif options.before:
            scan.held.append((number, text))
            if len(scan.held) > options.before:
                scan.held.popleft()
    return count


async def _report(
    ctx: ProgramContext, options: _Options, state: _State, data: bytes, label: str
) -> None:
    """Scan one file and print what -c, -l and -L ask for."""
    if options.max_count == 0:
        # busybox stops before printing anything, but a match still counts.
        state.selected |= any(_selected(options, line) for line in data.splitlines())
        return
    count = await _scan(ctx, options, state, data, label)
    if options.has("l"):
        if count:
            await ctx.stdout.write(f"{label}\n".encode())
    elif options.has("L"):
        if not count:
            await ctx.stdout.write(f"{label}\n".encode())
            state.selected = True
        return
    elif options.has("c"):
        prefix = label + ":" if options.show_names else ""
        await ctx.stdout.write(f"{prefix}{count}\n".encode())
    state.selected |= count > 0


# -- files ---------------------------------------------------------------------------


def _tree(ctx: ProgramContext, path: str, shown: str, *, follow: bool) -> list[tuple[str, str]]:
    """(path, shown name) of the files under a directory, for -r (-R follows links)."""
    found: list[tuple[str, str]] = []
    for entry in ctx.fs.listdir(path):
        child, child_shown = posixpath.join(path, entry), posixpath.join(shown, entry)
        try:
            st = ctx.fs.stat(child, follow_symlinks=follow)
        except OSError:
            continue
        if st.kind == "dir":
            found.extend(_tree(ctx, child, child_shown, follow=follow))
        else:
            found.append((child, child_shown))  # a symlink to a file is read all the same
    return found


async def _grep_operand(ctx: ProgramContext, options: _Options, state: _State, name: str) -> None:
    if name == "-":
        await _report(ctx, options, state, await ctx.stdin.read(), STDIN_LABEL)
        return
    path = abspath(ctx, name)
    if ctx.fs.is_dir(path):
        if not options.flags & {"r", "R"}:
            await _report(ctx, options, state, b"", name)  # read(2) fails: an empty file
            return
        options.show_names = not options.has("h")  # and stays so for later operands
        shown = name.rstrip("/") or "/"
        for child, child_shown in _tree(ctx, path, shown, follow=options.has("R")):
            await _grep_file(ctx, options, state, child, child_shown)
        return
    await _grep_file(ctx, options, state, path, name)


async def _grep_file(
    ctx: ProgramContext, options: _Options, state: _State, path: str, name: str
) -> None:
    try:
        data = await open_input(ctx, path).read()  # devices too: grep x /dev/null
    except OSError as exc:
        state.failed = True
        if not options.has("s"):
            await error(ctx, f"{name}: {strerror(exc)}")
        return
    await _report(ctx, options, state, data, name)


async def grep(ctx: ProgramContext) -> int:
    parsed = await _parse(ctx)
    if parsed is None:
        return 2
    options, operands = parsed
    state = _State()
    try:
        for name in operands or ["-"]:
            await _grep_operand(ctx, options, state, name)
    except _Quit:
        return 0
    if state.failed:
        return 2
    return 0 if state.selected else 1
