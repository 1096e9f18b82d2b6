"""Process applets: sleep, kill, ps, top, env, printenv, true, false (xargs: xargs.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import error, run_command
from mockd.programs.applets.formatting import Outcome
from mockd.programs.process import ProcessInfo, ProcessTable
from mockd.programs.signals import SIGTERM, signal_name, signal_number

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


async def sleep(ctx: ProgramContext) -> int:
    total = 0.0
    args = ctx.argv[1:]
    if not args:
        await ctx.stderr.write(b"Usage: sleep [N]...\n")
        return 1
    for arg in args:
        if arg == "infinity":
            total = float("inf")
            continue
        m = _DURATION.fullmatch(arg)
        if m is None:
            await error(ctx, f"invalid number '{arg}'")
            return 1
        total += float(m.group(1)) * _UNIT[m.group(2)]
    if total == float("inf"):
        while True:
            await ctx.clock.sleep(86400.0)
    await ctx.clock.sleep(total)
    return 0


async def true(ctx: ProgramContext) -> int:
    return 0


async def false(ctx: ProgramContext) -> int:
    return 1


def kill_command(args: list[str], processes: ProcessTable) -> Outcome:
    """``kill [-SIG|-s SIG|-n N] PID...`` and ``kill -l [N]``; shared with the shell builtin."""
    outcome = Outcome()
    signum = SIGTERM
    if args[:1] == ["-l"]:
        if len(args) > 1:
            lines = [
                signal_name(int(a) & 127) if a.isdigit() else str(signal_number(a))
                for a in args[1:]
            ]
            outcome.out = ("\n".join(lines) + "\n").encode()
        else:
            outcome.out = "".join(f"{n:2d}) {signal_name(n)}\n" for n in range(1, 32)).encode()
        return outcome
    if args[:1] in (["-s"], ["-n"]) and len(args) > 1:
        spec, args = args[1], args[2:]
    elif args and args[0].startswith("-") and len(args[0]) > 1 and args[0] != "--":
        spec, args = args[0][1:], args[1:]
    else:
        spec = ""
    if args[:1] == ["--"]:
        args = args[1:]
    if spec:
        try:
            signum = signal_number(spec)
        except ValueError:
            outcome.err.append(f"bad signal name '{spec}'")
            outcome.status = 1
            return outcome
    if not args:
        outcome.err.append("usage: kill [-s SIG | -SIG] PID...")
        outcome.status = 1
        return outcome
    for arg in args:
        try:
            pid = int(arg)
        except ValueError:
            outcome.err.append(f"invalid number '{arg}'")
            outcome.status = 1
            continue
        try:
            if pid == -1:
                processes.kill_all(signum)
            else:
                processes.kill(pid, signum)
        except ProcessLookupError:
            outcome.err.append(f"can't kill pid {pid}: No such process")
            outcome.status = 1
    return outcome


async def kill(ctx: ProgramContext) -> int:
    outcome = kill_command(ctx.argv[1:], ctx.processes)
    await ctx.stdout.write(outcome.out)
    for message in outcome.err:
        await error(ctx, message)
    return outcome.status


def _user_column(user: str) -> str:
    return user[:8]


async def ps(ctx: ProgramContext) -> int:
    """busybox ps: ``PID USER TIME COMMAND``, or the ``-o`` columns (-e, -f, aux: ignored,
    as busybox ignores them)."""
    specs: list[str] = []
    args = ctx.argv[1:]
    while args:
        arg = args.pop(0)
        if arg.startswith("-o"):
            listed = arg[2:] or (args.pop(0) if args else "")
            if not listed:
                await error(ctx, "option requires an argument -- 'o'")
                return 1
            specs.extend(listed.split(","))
    if not specs:
        lines = ["PID   USER     TIME  COMMAND"]
        for info in ctx.processes.list():
            cpu = int(info.cpu_seconds)
            lines.append(
                f"{info.pid:5d} {_user_column(info.user):<8} {cpu // 60:2d}:{cpu % 60:02d} "
                f"{info.command}"
            )
        await ctx.stdout.write(("\n".join(lines) + "\n").encode())
        return 0
    columns: list[tuple[str, int, _Cell]] = []
    for spec in specs:
        name, has_header, header = spec.partition("=")
        known = _PS_COLUMNS.get(name)
        if known is None:
            await error(ctx, f"bad -o argument '{name}', supported arguments: {_PS_SUPPORTED}")
            return 1
        title, width, value = known
        if has_header:  # a header given with "=" replaces the title; one not empty, the width
            title, width = header, len(header) or width
        columns.append((title, width, value))
    now = ctx.clock.now()
    rows = [[_cut(value(info, now, width), width) for _, width, value in columns]
            for info in ctx.processes.list()]  # fmt: skip
    lines = []
    if any(title for title, _, _ in columns):
        lines.append(_ps_line([title for title, _, _ in columns], columns))
    lines.extend(_ps_line(row, columns) for row in rows)
    await ctx.stdout.write(("\n".join(lines) + "\n").encode())
    return 0


def _cut(cell: str, width: int) -> str:
    return cell[:width] if width else cell  # args (width 0) is not cut


def _ps_line(cells: list[str], columns: list[tuple[str, int, _Cell]]) -> str:
    """Cells padded to their column's width and a blank, the last one as it is."""
    out = [
        cell.ljust(width) + " " for cell, (_, width, _) in zip(cells[:-1], columns, strict=False)
    ]
    return "".join(out) + cells[-1]


_Cell = Callable[[ProcessInfo, float, int], str]


def _comm_of(info: ProcessInfo) -> str:
    return (info.argv[0].rsplit("/", 1)[-1] if info.argv else "")[:15]


def _kilobytes(kb: int, width: int) -> str:
    """busybox's smart_ulltoa: the number when it fits, else m, g suffixes."""
    for suffix, scale in (("", 1), ("m", 1024), ("g", 1024 * 1024)):
        text = f"{kb // scale}{suffix}"
        if len(text) <= width:
            return text.rjust(width)
    return f"{kb // (1024 * 1024 * 1024)}t".rjust(width)


def _minutes(seconds: float, width: int) -> str:
    s = max(0, int(seconds))
    return f"{s // 60:{max(width - 3, 1)}d}:{s % 60:02d}"


# busybox's out_spec: title, width, and the cell (given the process, now, the width).
_PS_COLUMNS: dict[str, tuple[str, int, _Cell]] = {
    "user": ("USER", 8, lambda p, now, w: p.user),
    "group": ("GROUP", 8, lambda p, now, w: "root" if p.uid == 0 else str(p.uid)),
    "comm": ("COMMAND", 16, lambda p, now, w: _comm_of(p)),
    "args": ("COMMAND", 0, lambda p, now, w: p.command),
    "pid": ("PID", 5, lambda p, now, w: f"{p.pid:{w}d}"),
    "ppid": ("PPID", 5, lambda p, now, w: f"{p.ppid:{w}d}"),
    "pgid": ("PGID", 5, lambda p, now, w: f"{p.pid:{w}d}"),
    "etime": ("ELAPSED", 7, lambda p, now, w: _minutes(now - p.start_time, w)),
    "nice": ("NI", 5, lambda p, now, w: f"{0:{w}d}"),
    "rgroup": ("RGROUP", 8, lambda p, now, w: "root" if p.uid == 0 else str(p.uid)),
    "ruser": ("RUSER", 8, lambda p, now, w: p.user),
    "time": ("TIME", 6, lambda p, now, w: _minutes(p.cpu_seconds, w)),
    "tty": ("TT", 6, lambda p, now, w: "pts/0" if p.tty else "?"),
    "vsz": ("VSZ", 4, lambda p, now, w: _kilobytes(max(p.memory_bytes // 1024, 1) + 888, w)),
    "sid": ("SID", 5, lambda p, now, w: f"{1:{w}d}"),
    "stat": ("STAT", 4, lambda p, now, w: p.state),
    "rss": ("RSS", 4, lambda p, now, w: _kilobytes(max(p.memory_bytes // 1024, 1), w)),
}
_PS_SUPPORTED = ",".join(_PS_COLUMNS)


async def top(ctx: ProgramContext) -> int:
    from mockd.programs.applets.system import memory_info

    total, free_kb = memory_info()
    processes = ctx.processes.list()
    used = total - free_kb
    header = [
        f"Mem: {used}K used, {free_kb}K free, 0K shrd, 0K buff, 0K cached",
        "CPU:   0% usr   0% sys   0% nic 100% idle   0% io   0% irq   0% sirq",
        f"Load average: 0.00 0.00 0.00 1/{len(processes)} {max((p.pid for p in processes), default=1)}",
        "  PID  PPID USER     STAT   VSZ %VSZ CPU %CPU COMMAND",
    ]
    rows = []
    for info in processes:
        vsz_kb = max(info.memory_bytes // 1024, 1)
        rows.append(
            f"{info.pid:5d} {info.ppid:5d} {_user_column(info.user):<8} {info.state:<4} {vsz_kb:5d} "
            f"{vsz_kb * 100 // max(total, 1):3d}%   0   0% {info.command}"
        )
    await ctx.stdout.write(("\n".join(header + rows) + "\n").encode())
    return 0


async def env(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    environment = dict(ctx.env)
    if args[:1] in (["-i"], ["-"]):
        environment = {}
        args = args[1:]
    while args and args[0] == "-u" and len(args) > 1:
        environment.pop(args[1], None)
        args = args[2:]
    while args and "=" in args[0] and not args[0].startswith("="):
        name, _, value = args.pop(0).partition("=")
        environment[name] = value
    if not args:
        await ctx.stdout.write("".join(f"{k}={v}\n" for k, v in environment.items()).encode())
        return 0
    return await run_command(ctx, args, env=environment)


async def printenv(ctx: ProgramContext) -> int:
    names = ctx.argv[1:]
    if not names:
        await ctx.stdout.write("".join(f"{k}={v}\n" for k, v in ctx.env.items()).encode())
        return 0
    status = 0
    for name in names:
        if name in ctx.env:
            await ctx.stdout.write((ctx.env[name] + "\n").encode())
        else:
            status = 1
    return status
