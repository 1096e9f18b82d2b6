"""Small applets: timeout, usleep, readlink, realpath, tac, rev, nl, paste, cmp, od,
sha512sum, uptime, and the process finders pidof, pgrep, pkill, killall."""

from __future__ import annotations

import asyncio
import posixpath
import re
import time

from mockd.programs.api import ExecError, ProgramContext
from mockd.programs.applets._common import (
    abspath,
    error,
    exec_reason,
    inputs,
    parse_or_usage,
    read_input,
    show_usage,
)
from mockd.programs.applets.process import _DURATION, _UNIT
from mockd.programs.applets.text import _digest
from mockd.programs.process import ProcessInfo
from mockd.programs.signals import SIGKILL, SIGTERM, signal_number

# -- timing ------------------------------------------------------------------------


def _seconds(text: str) -> float | None:
    match = _DURATION.fullmatch(text)
    return float(match.group(1)) * _UNIT[match.group(2)] if match else None


async def timeout(ctx: ProgramContext) -> int:
    """busybox's timeout: the program runs; after SECS it gets SIG (and KILL after -k)."""
    usage = "[-s SIG] [-k KILL_SECS] SECS PROG ARGS"
    parsed = await parse_or_usage(ctx, usage, "", "sk", options_first=True)
    if parsed is None:
        return 1
    _, values, args = parsed
    if len(args) < 2:
        return await show_usage(ctx, usage)
    try:
        signum = signal_number(values.get("s", "TERM"))
    except ValueError:
        await error(ctx, f"unknown signal '{values['s']}'")
        return 1
    for text in (args[0], values.get("k", "0")):
        if _seconds(text) is None:
            await error(ctx, f"invalid number '{text}'")
            return 1
    limit, grace = _seconds(args[0]) or 0.0, _seconds(values.get("k", "0")) or 0.0
    try:
        child = await ctx.spawn(args[1:])
    except ExecError as exc:
        await error(ctx, f"can't execute '{args[1]}': {exec_reason(exc)}")
        return exc.exit_code
    waiting = asyncio.ensure_future(child.wait())
    timer = asyncio.ensure_future(ctx.clock.sleep(limit))
    try:
        await asyncio.wait({waiting, timer}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            child.send_signal(signum)
            if grace:
                killer = asyncio.ensure_future(ctx.clock.sleep(grace))
                await asyncio.wait({waiting, killer}, return_when=asyncio.FIRST_COMPLETED)
                killer.cancel()
                if not waiting.done():
                    child.send_signal(SIGKILL)
        return await waiting
    finally:
        timer.cancel()


async def usleep(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if len(args) != 1:
        return await show_usage(ctx, "N")
    if not args[0].isdigit():
        await error(ctx, f"invalid number '{args[0]}'")
        return 1
    await ctx.clock.sleep(int(args[0]) / 1e6)
    return 0


async def uptime(ctx: ProgramContext) -> int:
    now = ctx.clock.now()
    started = min((p.start_time for p in ctx.processes.list()), default=now)
    up = max(0, int(now - started))
    t = time.gmtime(now)
    text = f" {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} up "
    days, minutes = up // 86400, up // 60
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    hours, minutes = (minutes // 60) % 24, minutes % 60
    text += f"{hours:2d}:{minutes:02d}" if hours else f"{minutes} min"
    text += ",  0 users,  load average: 0.00, 0.00, 0.00\n"
    await ctx.stdout.write(text.encode())
    return 0


# -- paths ---------------------------------------------------------------------------


def _canonical(ctx: ProgramContext, name: str, *, must_exist: bool) -> str | None:
    """The path with every link resolved; None when a parent (or, if required, it) is missing.

    A missing last component is still named (``readlink -f /tmp/new`` prints it).
    """
    path = abspath(ctx, name)
    parent, base = posixpath.split(path)
    try:
        resolved_parent = ctx.fs.realpath(parent)
    except OSError:
        return None
    if not ctx.fs.is_dir(resolved_parent):
        return None
    try:
        resolved = ctx.fs.realpath(path)
        if ctx.fs.exists(resolved):
            return resolved
    except OSError:
        pass
    if must_exist:
        return None
    return posixpath.join(resolved_parent, base) if base else resolved_parent


async def readlink(ctx: ProgramContext) -> int:
    usage = "[-fnv] FILE"
    parsed = await parse_or_usage(ctx, usage, "fnve")
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) != 1:
        return await show_usage(ctx, usage)
    end = "" if "n" in flags else "\n"
    if "f" in flags or "e" in flags:
        result = _canonical(ctx, args[0], must_exist="e" in flags)
    else:
        try:
            result = ctx.fs.readlink(abspath(ctx, args[0]))
        except OSError:
            result = None
    if result is None:
        return 1
    await ctx.stdout.write((result + end).encode())
    return 0


async def realpath(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if not args:
        return await show_usage(ctx, "FILE...")
    status = 0
    for name in args:
        result = _canonical(ctx, name, must_exist=False)
        if result is None:
            await error(ctx, f"{name}: No such file or directory")
            status = 1
            continue
        await ctx.stdout.write((result + "\n").encode())
    return status


# -- text ----------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    """Lines with their newlines (the last may have none)."""
    return data.splitlines(keepends=True)


async def tac(ctx: ProgramContext) -> int:
    status = 0
    for _, data in await inputs(ctx, ctx.argv[1:]):
        if data is None:
            status = 1
            continue
        await ctx.stdout.write(b"".join(reversed(_lines(data))))
    return status


async def rev(ctx: ProgramContext) -> int:
    status = 0
    for _, data in await inputs(ctx, ctx.argv[1:]):
        if data is None:
            status = 1
            continue
        out = []
        for line in _lines(data):
            body = line.rstrip(b"\n")
            text = body.decode("utf-8", "surrogateescape")[::-1]
            out.append(text.encode("utf-8", "surrogateescape") + line[len(body) :])
        await ctx.stdout.write(b"".join(out))
    return status


async def nl(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[OPTIONS] [FILE]...", "p", "bisvw")
    if parsed is None:
        return 1
    _, values, files = parsed
    style = values.get("b", "t")
    separator = values.get("s", "\t")
    width = int(values.get("w", "6"))
    number = int(values.get("v", "1"))
    step = int(values.get("i", "1"))
    status = 0
    out: list[bytes] = []
    for _, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        for line in _lines(data):
            body = line.rstrip(b"\n")
            if style == "a" or (style == "t" and body.strip()):
                out.append(f"{number:{width}d}{separator}".encode() + line)
                number += step
            else:
                out.append(b" " * (width + len(separator)) + line)
    await ctx.stdout.write(b"".join(out))
    return status


async def paste(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-d LIST] [-s] [FILE]...", "s", "d")
    if parsed is None:
        return 1
    flags, values, files = parsed
    delimiters = values.get("d", "\t").replace("\\t", "\t").replace("\\n", "\n") or "\t"
    columns: list[list[str]] = []
    stdin_lines: list[str] | None = None
    status = 0
    for name in files or ["-"]:
        if name == "-":
            # Several "-" read lines of stdin in turn: "paste - -" joins pairs.
            if stdin_lines is None:
                stdin_lines = (await ctx.stdin.read()).decode(errors="surrogateescape").splitlines()
            columns.append([])
            continue
        data = await read_input(ctx, name)
        if data is None:
            status = 1
            continue
        columns.append(data.decode(errors="surrogateescape").splitlines())
    dashes = [i for i, name in enumerate(files or ["-"]) if name == "-"]
    if stdin_lines is not None:
        for n, line in enumerate(stdin_lines):
            columns[dashes[n % len(dashes)]].append(line)
    out: list[str] = []
    if "s" in flags:
        for column in columns:
            out.append(_join(column, delimiters) + "\n")
    else:
        for row in range(max((len(c) for c in columns), default=0)):
            # busybox leaves a file that has ended out of the row, delimiter and all.
            cells = [c[row] for c in columns if row < len(c)]
            out.append(_join(cells, delimiters) + "\n")
    await ctx.stdout.write("".join(out).encode(errors="surrogateescape"))
    return status


def _join(cells: list[str], delimiters: str) -> str:
    text = cells[0] if cells else ""
    for i, cell in enumerate(cells[1:]):
        text += delimiters[i % len(delimiters)] + cell
    return text


async def cmp(ctx: ProgramContext) -> int:
    usage = "[-ls] [-n NUM] FILE1 [FILE2]"
    parsed = await parse_or_usage(ctx, usage, "ls", "n")
    if parsed is None:
        return 1
    flags, _, args = parsed
    if not 1 <= len(args) <= 2:
        return await show_usage(ctx, usage)
    names = [args[0], args[1] if len(args) == 2 else "-"]
    first = await read_input(ctx, names[0])
    second = await read_input(ctx, names[1]) if first is not None else None
    if first is None or second is None:
        return 2
    line = 1
    differ = False
    for index, (a, b) in enumerate(zip(first, second, strict=False)):
        if a != b:
            differ = True
            if "l" in flags:
                await ctx.stdout.write(f"{index + 1} {a:o} {b:o}\n".encode())
                continue
            if "s" not in flags:
                await ctx.stdout.write(
                    f"{names[0]} {names[1]} differ: char {index + 1}, line {line}\n".encode()
                )
            return 1
        if a == 0x0A:
            line += 1
    if len(first) != len(second):
        if "s" not in flags:
            await error(ctx, f"EOF on {names[0] if len(first) < len(second) else names[1]}")
        return 1
    return 1 if differ else 0


# -- od ------------------------------------------------------------------------------

_OD_NAMES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_OD_ADDRESS = {"o": "{:07o}", "d": "{:07d}", "x": "{:06x}", "n": ""}


def _od_char(byte: int) -> str:
    if byte in _OD_NAMES:
        return f"{_OD_NAMES[byte]:>4}"
    if 32 <= byte < 127:
        return f"{chr(byte):>4}"
    return f" {byte:03o}"


def _od_fields(chunk: bytes, kind: str) -> str:
    if kind == "c":
        return "".join(_od_char(b) for b in chunk)
    if kind == "x1":
        return "".join(f" {b:02x}" for b in chunk)
    padded = chunk + b"\0" * (len(chunk) % 2)
    words = [int.from_bytes(padded[i : i + 2], "little") for i in range(0, len(padded), 2)]
    if kind == "x":
        return "".join(f" {w:04x}" for w in words)
    if kind == "d":
        return "".join(f" {w:5d}" for w in words)
    return "".join(f" {w:06o}" for w in words)


async def od(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(
        ctx, "[-abcdfhilovxs] [-t TYPE] [-A RADIX] [FILE]...", "cxdob", "AtNj"
    )
    if parsed is None:
        return 1
    flags, values, files = parsed
    kind = "o"
    for letter in "cxdo":
        if letter in flags:
            kind = letter
    if "b" in flags:
        kind = "o1"
    kind = {"x1": "x1", "c": "c", "x2": "x", "o2": "o", "d2": "d"}.get(values.get("t", ""), kind)
    radix = values.get("A", "o")
    if radix not in _OD_ADDRESS:
        await error(ctx, f"bad output address radix '{radix}' (must be d, o, x or n)")
        return 1
    address = _OD_ADDRESS[radix]
    data = b""
    status = 0
    for _, content in await inputs(ctx, files):
        if content is None:
            status = 1
            continue
        data += content
    if kind == "o1":
        kind = "c"
    lines: list[str] = []
    previous: bytes | None = None
    starred = False
    for offset in range(0, len(data), 16):
        chunk = data[offset : offset + 16]
        if chunk == previous and len(chunk) == 16:
            if not starred:
                lines.append("*")
                starred = True
            continue
        previous, starred = chunk, False
        lines.append(address.format(offset) + _od_fields(chunk, kind))
    if address:
        lines.append(address.format(len(data)))
    await ctx.stdout.write("".join(line + "\n" for line in lines).encode())
    return status


async def sha512sum(ctx: ProgramContext) -> int:
    return await _digest(ctx, "sha512")


# -- processes -------------------------------------------------------------------------


def _comm(info: ProcessInfo) -> str:
    return posixpath.basename(info.argv[0]) if info.argv else ""


def _named(ctx: ProgramContext, name: str) -> list[ProcessInfo]:
    """Processes whose program is ``name`` (not the asker itself), newest first."""
    found = [
        p
        for p in ctx.processes.list()
        if p.pid != ctx.pid and name in (_comm(p), p.argv[0] if p.argv else "")
    ]
    return sorted(found, key=lambda p: -p.pid)


async def pidof(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[NAME]...", "")
    if parsed is None:
        return 1
    _, _, names = parsed
    pids = [p.pid for name in names for p in _named(ctx, name)]
    if pids:
        await ctx.stdout.write((" ".join(map(str, pids)) + "\n").encode())
    return 0 if pids else 1


def _signal_option(args: list[str]) -> tuple[int, list[str]] | str:
    """A leading ``-SIG`` / ``-s SIG``: (signal, the rest), or the bad name."""
    if args[:1] == ["-s"] and len(args) > 1:
        spec, args = args[1], args[2:]
    elif args and args[0].startswith("-") and len(args[0]) > 1 and args[0] not in ("-q", "-l"):
        spec, args = args[0][1:], args[1:]
    else:
        return SIGTERM, args
    try:
        return signal_number(spec), args
    except ValueError:
        return spec


async def killall(ctx: ProgramContext) -> int:
    choice = _signal_option(ctx.argv[1:])
    if isinstance(choice, str):
        await error(ctx, f"bad signal name '{choice}'")
        return 1
    signum, rest = choice
    quiet = "-q" in rest
    names = [a for a in rest if a != "-q"]
    if not names:
        return await show_usage(ctx, "[-l] [-q] [-SIG] PROCESS_NAME...")
    status = 0
    for name in names:
        found = _named(ctx, name)
        for info in found:
            ctx.processes.kill(info.pid, signum)
        if not found:
            if not quiet:
                await error(ctx, f"{name}: no process killed")
            status = 1
    return status


def _matching(ctx: ProgramContext, flags: set[str], pattern: str) -> list[ProcessInfo] | None:
    try:
        regex = re.compile(pattern)
    except re.error:
        return None
    found = []
    for info in ctx.processes.list():
        if info.pid == ctx.pid:
            continue
        text = info.command if "f" in flags else _comm(info)
        hit = regex.fullmatch(text) if "x" in flags else regex.search(text)
        if bool(hit) != ("v" in flags):
            found.append(info)
    if found and "n" in flags:
        found = [found[-1]]
    if found and "o" in flags:
        found = [found[0]]
    return found


async def pgrep(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-flanovx] [-s SID|-P PPID|PATTERN]", "flanovx", "sP")
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) != 1:
        return await show_usage(ctx, "[-flanovx] [-s SID|-P PPID|PATTERN]")
    found = _matching(ctx, flags, args[0]) or []
    lines = [
        f"{p.pid} {p.command if 'a' in flags else _comm(p)}" if ("l" in flags or "a" in flags)
        else str(p.pid)
        for p in found
    ]  # fmt: skip
    await ctx.stdout.write("".join(line + "\n" for line in lines).encode())
    return 0 if found else 1


async def pkill(ctx: ProgramContext) -> int:
    choice = _signal_option(ctx.argv[1:])
    if isinstance(choice, str):
        await error(ctx, f"bad signal name '{choice}'")
        return 1
    signum, rest = choice
    parsed = await parse_or_usage(ctx, "[-l|-SIG] [-fnovx] [PATTERN]", "fnovx", "sP", args=rest)
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) != 1:
        return await show_usage(ctx, "[-l|-SIG] [-fnovx] [PATTERN]")
    found = _matching(ctx, flags, args[0]) or []
    for info in found:
        ctx.processes.kill(info.pid, signum)
    return 0 if found else 1
