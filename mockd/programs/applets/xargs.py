"""``xargs`` as busybox 1.35 does it.

Input words are split on blanks and newlines; ``'...'`` and ``"..."`` group
(a backslash is literal inside them), a backslash outside quotes escapes the
next character, newline included.  ``-0`` takes NUL-terminated items as they
are; ``-I STR`` takes lines (leading blanks dropped, empty lines skipped) and
runs the command once per line.

Exit status: 123 when a command exited 1-254, 124 (at once) when one exited
255, 125 when one was killed by a signal, 126/127 when it could not be run,
1 for xargs' own errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from mockd.programs.api import ExecError, ProgramContext
from mockd.programs.applets._common import (
    abspath,
    error,
    exec_reason,
    parse_or_usage,
    strerror,
)
from mockd.programs.opening import open_input

USAGE = "[OPTIONS] [PROG ARGS]"
_DEFAULT_MAX_CHARS = 128 * 1024 - 2048  # what busybox allows a command line by default
_INT_MAX = 2147483647
_BLANKS = b" \t\n"


class XargsError(Exception):
    """xargs gives up: the message is printed and it exits 1."""


class _Stop(Exception):
    """A command's outcome ends xargs at once with this status (124-127)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class _Options:
    command: list[str]
    max_args: int | None = None
    max_chars: int = _DEFAULT_MAX_CHARS
    replace: str | None = None
    input_file: str | None = None  # -a FILE, instead of stdin
    eof: str | None = None
    nul: bool = False
    no_run_if_empty: bool = False
    trace: bool = False


def _positive(text: str) -> int:
    if not text.isdigit():
        raise XargsError(f"invalid number '{text}'")
    value = int(text)
    if not 1 <= value <= _INT_MAX:
        raise XargsError(f"number {value} is not in 1..{_INT_MAX} range")
    return value


def _eof_options(args: list[str]) -> list[str]:
    """``-e[STR]`` has an optional, attached argument getopt-style: spell it ``-E STR``
    (a bare ``-e`` turns the end-of-file string off, the default)."""
    out: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--" or not arg.startswith("-") or arg == "-":
            return out + args[index:]
        if arg == "-e":
            continue
        out.extend(["-E", arg[2:]] if arg.startswith("-e") else [arg])
    return out


# -- reading the items --------------------------------------------------------------------


def _words(data: bytes) -> Iterator[str]:
    """Blank-separated words with busybox's quoting rules."""
    word = bytearray()
    in_word = False
    quote = 0
    i = 0
    while i < len(data):
        c = data[i]
        i += 1
        if quote:
            if c == quote:
                quote = 0
            else:
                word.append(c)
        elif c in b"'\"":
            quote, in_word = c, True
        elif c == ord("\\") and i < len(data):
            word.append(data[i])
            i, in_word = i + 1, True
        elif c in _BLANKS:
            if in_word:
                yield word.decode("utf-8", "surrogateescape")
                word, in_word = bytearray(), False
        else:
            word.append(c)
            in_word = True
    if quote:
        kind = "double" if quote == ord('"') else "single"
        raise XargsError(f"unmatched {kind} quote")
    if in_word:
        yield word.decode("utf-8", "surrogateescape")


def _nul_items(data: bytes) -> Iterator[str]:
    items = data.split(b"\0")
    if items[-1] == b"":
        items.pop()  # the terminator of the last item
    for item in items:
        yield item.decode("utf-8", "surrogateescape")


def _lines(data: bytes) -> Iterator[str]:
    """-I: whole lines, leading blanks dropped, empty lines skipped; quotes are kept."""
    for line in data.split(b"\n"):
        line = line.lstrip(b" \t")
        if line:
            yield line.decode("utf-8", "surrogateescape")


def _items(options: _Options, data: bytes) -> Iterator[str]:
    if options.nul:
        source = _nul_items(data)
    elif options.replace is not None:
        source = _lines(data)
    else:
        source = _words(data)
    for item in source:
        if options.eof is not None and options.replace is None and item == options.eof:
            return
        yield item


def _batches(options: _Options, items: Iterator[str]) -> Iterator[list[str]]:
    """Argument lists within -n and -s; each item costs its length plus a NUL."""
    room = options.max_chars - sum(len(a) + 1 for a in options.command)
    if room <= 0:
        raise XargsError("can't fit single argument within argument list size limit")
    batch: list[str] = []
    used = 0
    for item in items:
        cost = len(item.encode("utf-8", "surrogateescape")) + 1
        if batch and used + cost > room:
            yield batch
            batch, used = [], 0
        if cost > room:
            raise XargsError("argument line too long")
        batch.append(item)
        used += cost
        if len(batch) == options.max_args:
            yield batch  # at once: busybox runs a full list before reading on
            batch, used = [], 0
    if batch:
        yield batch


# -- running ------------------------------------------------------------------------------


async def _run(ctx: ProgramContext, options: _Options, argv: list[str]) -> int:
    """Run one command: 0, or 123 for a failure xargs goes on after; ``_Stop`` otherwise."""
    if options.trace:
        await ctx.stderr.write((" ".join(argv) + "\n").encode("utf-8", "surrogateescape"))
    try:
        child = await ctx.spawn(argv)
    except ExecError as exc:
        await error(ctx, f"{argv[0]}: {exec_reason(exc)}")
        raise _Stop(exc.exit_code) from exc
    code = await child.wait()
    if child.signaled:
        await error(ctx, f"'{argv[0]}' terminated by signal {code - 128}")
        raise _Stop(125)
    if code == 255:
        await error(ctx, f"{argv[0]}: exited with status 255; aborting")
        raise _Stop(124)
    return 123 if code else 0


async def _run_all(ctx: ProgramContext, options: _Options, data: bytes) -> int:
    status = 0
    items = _items(options, data)
    if options.replace is not None:
        marker = options.replace
        for line in items:
            argv = [arg.replace(marker, line) for arg in options.command]
            status = max(status, await _run(ctx, options, argv))
        return status
    ran = False
    for batch in _batches(options, items):
        ran = True
        status = max(status, await _run(ctx, options, options.command + batch))
    if not ran and not options.no_run_if_empty:
        status = await _run(ctx, options, options.command)  # no input: run once, bare
    return status


async def _parse(ctx: ProgramContext) -> _Options | None:
    parsed = await parse_or_usage(
        ctx, USAGE, "0rtx", "nsIEaP", args=_eof_options(ctx.argv[1:]), options_first=True
    )
    if parsed is None:
        return None
    flags, values, command = parsed
    options = _Options(
        command=command or ["echo"],
        replace=values.get("I"),
        input_file=values.get("a"),
        eof=values.get("E") or None,
        nul="0" in flags,
        no_run_if_empty="r" in flags,
        trace="t" in flags,
    )
    if "n" in values:
        options.max_args = _positive(values["n"])
    if "s" in values:
        options.max_chars = _positive(values["s"])
    if "P" in values:
        _positive(values["P"])  # checked, but the mock runs one command at a time
    return options


async def _read_input(ctx: ProgramContext, values_file: str | None) -> bytes:
    if values_file is None:
        return await ctx.stdin.read()
    try:
        return await open_input(ctx, abspath(ctx, values_file)).read()
    except OSError as exc:
        raise XargsError(f"can't open '{values_file}': {strerror(exc)}") from exc


async def xargs(ctx: ProgramContext) -> int:
    try:
        options = await _parse(ctx)
        if options is None:
            return 1
        data = await _read_input(ctx, options.input_file)
        return await _run_all(ctx, options, data)
    except XargsError as exc:
        await error(ctx, str(exc))
        return 1
    except _Stop as stop:
        return stop.status
