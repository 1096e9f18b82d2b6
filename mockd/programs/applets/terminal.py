"""``stty``: the terminal's size (``stty size``, ``stty rows N cols N``), on a TTY only.

The size is the container's (or the TTY exec's) pty size, ``ctx.tty_size``,
set at create from ``ConsoleSize`` and by the resize endpoints.  Line
settings (``raw``, ``-echo``...) are not modelled and are refused rather than
silently ignored.
"""

from __future__ import annotations

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import error

NOT_A_TTY = "standard input: Inappropriate ioctl for device"  # busybox on a pipe or /dev/null


async def stty(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if not ctx.tty:
        await error(ctx, NOT_A_TTY)
        return 1
    if not args:
        await ctx.stdout.write(b"speed 38400 baud; line = 0;\n")
        return 0
    if args == ["size"]:
        rows, cols = ctx.tty_size
        await ctx.stdout.write(f"{rows} {cols}\n".encode())
        return 0
    rows, cols = ctx.tty_size
    words = iter(args)
    for word in words:
        if word not in ("rows", "cols", "columns"):
            await error(ctx, f"invalid argument '{word}'")
            return 1
        value = next(words, None)
        if value is None or not value.isdigit():
            await error(ctx, f"invalid number '{value or ''}'")
            return 1
        if word == "rows":
            rows = int(value)
        else:
            cols = int(value)
    ctx.terminal.resize(rows, cols)
    return 0
