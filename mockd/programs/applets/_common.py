"""What the applets share: argument parsing, error messages, file access in the container."""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import AsyncIterator, Awaitable, Callable

from mockd.programs.api import ExecError, ExecFormatError, PermissionDenied, ProgramContext
from mockd.programs.opening import open_input
from mockd.programs.streams import InputStream

Applet = Callable[[ProgramContext], Awaitable[int]]


class UsageError(Exception):
    """Bad options: the applet prints busybox's short usage line and exits 1."""


def applet_name(ctx: ProgramContext) -> str:
    return posixpath.basename(ctx.argv[0]) if ctx.argv else "busybox"


async def error(ctx: ProgramContext, message: str) -> None:
    await ctx.stderr.write(f"{applet_name(ctx)}: {message}\n".encode())


def names_by_id(ctx: ProgramContext, path: str) -> dict[int, str]:
    """ID to name from ``/etc/passwd`` or ``/etc/group`` (first entry wins; none if unreadable)."""
    names: dict[int, str] = {}
    try:
        for line in ctx.fs.read_file(path).decode(errors="replace").splitlines():
            fields = line.split(":")
            if len(fields) > 2 and fields[2].isdigit():
                names.setdefault(int(fields[2]), fields[0])
    except OSError:
        pass
    return names


def exec_reason(exc: ExecError) -> str:
    """Why a command could not start, as execve's errno reads."""
    if isinstance(exc, PermissionDenied):
        return "Permission denied"
    if isinstance(exc, ExecFormatError):
        return "Exec format error"
    return "No such file or directory"


async def run_command(
    ctx: ProgramContext, argv: list[str], *, env: dict[str, str] | None = None
) -> int:
    """Run a command to its end: its exit status, or busybox's complaint (127 or 126)."""
    try:
        child = await ctx.spawn(argv, env=env)
    except ExecError as exc:
        await error(ctx, f"can't execute '{argv[0]}': {exec_reason(exc)}")
        return exc.exit_code
    return await child.wait()


def strerror(exc: OSError) -> str:
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def abspath(ctx: ProgramContext, path: str) -> str:
    return posixpath.normpath(posixpath.join(ctx.cwd, path))


def parse_flags(
    args: list[str],
    flags: str,
    with_value: str = "",
    *,
    repeatable: str = "",
    options_first: bool = False,
) -> tuple[set[str], dict[str, str], list[str]]:
    """Short options as getopt does them: ``-la``, ``-n 5``, ``-n5``, ``--`` ends options.

    ``flags`` are letters without a value; ``with_value`` take one (the last
    one given wins, except for the ``repeatable`` letters, whose values are
    joined by newlines: ``sed -e A -e B``).  Unknown letters raise ``UsageError``.
    ``options_first`` ends the options at the first operand (getopt's ``+``), for
    applets that run a command: ``timeout 5 sh -c ...`` leaves ``-c`` to ``sh``.
    """
    seen: set[str] = set()
    values: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i + 1 :])
            break
        # A lone "-" and negative numbers are operands.
        if not arg.startswith("-") or arg == "-" or (arg[1].isdigit() and arg[1] not in flags):
            if options_first:
                rest.extend(args[i:])
                break
            rest.append(arg)
            i += 1
            continue
        j = 1
        while j < len(arg):
            letter = arg[j]
            if letter in with_value:
                value = arg[j + 1 :]
                if not value:
                    i += 1
                    if i >= len(args):
                        raise UsageError(f"option requires an argument -- '{letter}'")
                    value = args[i]
                if letter in repeatable and letter in values:
                    value = values[letter] + "\n" + value
                values[letter] = value
                break
            if letter not in flags:
                raise UsageError(f"invalid option -- '{letter}'")
            seen.add(letter)
            j += 1
        i += 1
    return seen, values, rest


async def open_operand(
    ctx: ProgramContext, name: str, *, message: str = "{name}: {error}"
) -> InputStream | None:
    """A file operand as a stream (``-`` is stdin); None after printing busybox's error.

    Devices are streams like any file: ``head -c 10 /dev/urandom`` reads 10 bytes.
    """
    if name == "-":
        return ctx.stdin
    try:
        return open_input(ctx, abspath(ctx, name))
    except OSError as exc:
        await error(ctx, message.format(name=name, error=strerror(exc)))
        return None


async def read_input(
    ctx: ProgramContext, name: str, *, message: str = "{name}: {error}"
) -> bytes | None:
    """The content of a file operand (``-`` is stdin); None after printing busybox's error.

    An endless device raises ``EndlessRead`` (the applet runs out of memory).
    """
    stream = await open_operand(ctx, name, message=message)
    return None if stream is None else await stream.read()


async def inputs(ctx: ProgramContext, files: list[str]) -> list[tuple[str, bytes | None]]:
    """(name, data) for each operand, or stdin when there is none."""
    if not files:
        return [("-", await ctx.stdin.read())]
    return [(name, await read_input(ctx, name)) for name in files]


async def chunks(stream: InputStream, size: int = 65536) -> AsyncIterator[bytes]:
    """A stream's content a buffer at a time, until EOF (forever for an endless device)."""
    while chunk := await stream.read(size):
        yield chunk


async def read_exactly(stream: InputStream, n: int) -> bytes:
    """``n`` bytes, fewer only at EOF (a pipe or a device may give less per read)."""
    parts: list[bytes] = []
    while n > 0:
        chunk = await stream.read(n)
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def enoent(path: str) -> OSError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)


async def show_usage(ctx: ProgramContext, usage: str) -> int:
    """Busybox's answer to bad arguments: the usage text on stderr, exit 1."""
    await ctx.stderr.write(
        f"BusyBox v1.36.1 (mockd) multi-call binary.\n\nUsage: {applet_name(ctx)} {usage}\n".encode()
    )
    return 1


async def parse_or_usage(
    ctx: ProgramContext,
    usage: str,
    flags: str,
    with_value: str = "",
    *,
    args: list[str] | None = None,
    options_first: bool = False,
) -> tuple[set[str], dict[str, str], list[str]] | None:
    """``parse_flags`` on the arguments (``args``, or argv's); None after busybox's complaint
    and usage text."""
    try:
        return parse_flags(
            ctx.argv[1:] if args is None else args, flags, with_value, options_first=options_first
        )
    except UsageError as exc:
        await error(ctx, str(exc))
        await show_usage(ctx, usage)
        return None
