"""What the applets share: argument parsing, error messages, file access in the container."""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Awaitable, Callable

from mockd.programs.api import ProgramContext

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


def strerror(exc: OSError) -> str:
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def abspath(ctx: ProgramContext, path: str) -> str:
    return posixpath.normpath(posixpath.join(ctx.cwd, path))


def parse_flags(
    args: list[str], flags: str, with_value: str = ""
) -> tuple[set[str], dict[str, str], list[str]]:
    """Short options as getopt does them: ``-la``, ``-n 5``, ``-n5``, ``--`` ends options.

    ``flags`` are letters without a value; ``with_value`` take one.  Unknown
    letters raise ``UsageError``.
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
                values[letter] = value
                break
            if letter not in flags:
                raise UsageError(f"invalid option -- '{letter}'")
            seen.add(letter)
            j += 1
        i += 1
    return seen, values, rest


async def read_input(ctx: ProgramContext, name: str) -> bytes | None:
    """The content of a file operand (``-`` is stdin); None after printing busybox's error."""
    if name == "-":
        return await ctx.stdin.read()
    path = abspath(ctx, name)
    if path in ("/dev/null", "/dev/zero"):
        return b""
    try:
        return ctx.fs.read_file(path)
    except OSError as exc:
        await error(ctx, f"{name}: {strerror(exc)}")
        return None


async def inputs(ctx: ProgramContext, files: list[str]) -> list[tuple[str, bytes | None]]:
    """(name, data) for each operand, or stdin when there is none."""
    if not files:
        return [("-", await ctx.stdin.read())]
    return [(name, await read_input(ctx, name)) for name in files]


def enoent(path: str) -> OSError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
