"""System-information applets: id, whoami, hostname, uname, nproc, free, date, test."""

from __future__ import annotations

import time

from mockd.programs.api import ProgramContext, User
from mockd.programs.applets import formatting, userdb
from mockd.programs.applets._common import abspath, error, names_by_id, parse_flags, strerror
from mockd.programs.applets.datestr import InvalidDate, parse_datestr
from mockd.programs.applets.network import hosts_entry

KERNEL_RELEASE = "5.15.0-mockd"
KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC"
MACHINE = "x86_64"
CPUS = 2
MEMORY_KB = 24_684_092


def memory_info() -> tuple[int, int]:
    """(total, free) in KiB, as the mock reports them."""
    return MEMORY_KB, MEMORY_KB - 449_116


def _named_user(ctx: ProgramContext, name: str) -> User | None:
    """``id NAME``: the user as /etc/passwd has it, in every group that lists it."""
    row = userdb.Table.read(ctx.fs, userdb.PASSWD).find(name)
    if row is None or len(row) < 4 or not (row[2].isdigit() and row[3].isdigit()):
        return None
    gid = int(row[3])
    listed = [
        int(group[2])
        for group in userdb.Table.read(ctx.fs, userdb.GROUP).rows
        if len(group) > 2 and group[2].isdigit() and name in userdb.members(group)
    ]
    return User(uid=int(row[2]), gid=gid, name=name, groups=tuple(g for g in listed if g != gid))


async def id_(ctx: ProgramContext) -> int:
    flags, _, operands = parse_flags(ctx.argv[1:], "ugnGr")
    user = ctx.user
    if operands:
        named = _named_user(ctx, operands[0])
        if named is None:
            await error(ctx, f"unknown user {operands[0]}")
            return 1
        user = named
    groups = names_by_id(ctx, "/etc/group")
    group_name = groups.get(user.gid, user.group_name if user.gid == 0 else "")
    if "u" in flags:
        await ctx.stdout.write(((user.name if "n" in flags else str(user.uid)) + "\n").encode())
        return 0
    if "g" in flags:
        await ctx.stdout.write(((group_name if "n" in flags else str(user.gid)) + "\n").encode())
        return 0
    # getgroups(): runc gives the process its primary group among its groups, and the
    # kernel keeps them sorted (without duplicates).
    listed = sorted({user.gid, *user.groups})
    if "G" in flags:
        shown = [groups.get(g, str(g)) if "n" in flags else str(g) for g in listed]
        await ctx.stdout.write((" ".join(shown) + "\n").encode())
        return 0
    text = f"uid={user.uid}" + (f"({user.name})" if user.name else "")
    text += f" gid={user.gid}" + (f"({group_name})" if group_name else "")
    text += " groups=" + ",".join(f"{g}({groups[g]})" if g in groups else str(g) for g in listed)
    await ctx.stdout.write((text + "\n").encode())
    return 0


async def whoami(ctx: ProgramContext) -> int:
    if not ctx.user.name:
        await error(ctx, f"unknown uid {ctx.user.uid}")
        return 1
    await ctx.stdout.write((ctx.user.name + "\n").encode())
    return 0


async def hostname(ctx: ProgramContext) -> int:
    flags, _, _ = parse_flags(ctx.argv[1:], "sfdi")
    if not flags:
        await ctx.stdout.write((ctx.hostname + "\n").encode())
        return 0
    # -d -f -i -s look the name up (gethostbyname: /etc/hosts here, where the runtime
    # writes the container's own line) and print one thing, the first of f, s, d, i.
    entry = hosts_entry(ctx, ctx.hostname)
    if entry is None:
        await error(ctx, f"{ctx.hostname}: Host name lookup failure")
        return 1
    address, canonical = entry
    if "f" in flags:
        out = canonical + "\n"
    elif "s" in flags:
        out = canonical.split(".")[0] + "\n"
    elif "d" in flags:
        out = canonical.split(".", 1)[1] + "\n" if "." in canonical else ""
    else:
        out = address + "\n"
    await ctx.stdout.write(out.encode())
    return 0


async def uname(ctx: ProgramContext) -> int:
    flags, _, _ = parse_flags(ctx.argv[1:], "asnrvmpio")
    fields = {
        "s": "Linux",
        "n": ctx.hostname,
        "r": KERNEL_RELEASE,
        "v": KERNEL_VERSION,
        "m": MACHINE,
        "o": "GNU/Linux",
    }
    order = "snrvmo" if "a" in flags else "".join(f for f in "snrvmo" if f in flags) or "s"
    if "p" in flags:
        order += "p"
    words = [fields.get(f, "unknown") for f in order]
    await ctx.stdout.write((" ".join(words) + "\n").encode())
    return 0


async def nproc(ctx: ProgramContext) -> int:
    await ctx.stdout.write(f"{CPUS}\n".encode())
    return 0


async def free(ctx: ProgramContext) -> int:
    flags, _, _ = parse_flags(ctx.argv[1:], "bkmgh")
    total, free_kb = memory_info()
    divide = 1024 if "m" in flags else (1024 * 1024 if "g" in flags else 1)
    used = total - free_kb
    lines = [
        "              total        used        free      shared  buff/cache   available",
        f"Mem:    {total // divide:11d} {used // divide:11d} {free_kb // divide:11d} {0:11d} {0:11d} {free_kb // divide:11d}",
        f"Swap:   {0:11d} {0:11d} {0:11d}",
    ]
    await ctx.stdout.write(("\n".join(lines) + "\n").encode())
    return 0


async def date(ctx: ProgramContext) -> int:
    flags, values, args = parse_flags(ctx.argv[1:], "uR", "dr")
    when = ctx.clock.now()
    if "r" in values:
        try:
            when = ctx.fs.stat(abspath(ctx, values["r"])).mtime
        except OSError as exc:
            await error(ctx, f"can't stat '{values['r']}': {strerror(exc)}")
            return 1
    if "d" in values:
        try:
            # Fields the TIME leaves out are today's, at midnight (busybox zeroes them).
            when = parse_datestr(values["d"], when, midnight=True)
        except InvalidDate:
            await error(ctx, f"invalid date '{values['d']}'")
            return 1
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    if "R" in flags:
        fmt = "%a, %d %b %Y %H:%M:%S +0000"
    for arg in args:
        if arg.startswith("+"):
            fmt = arg[1:]
    # The container's TZ is UTC unless TZ says otherwise; the mock keeps UTC.
    t = time.gmtime(when)
    fraction = f"{int((when % 1) * 1e9):09d}"
    text = (
        fmt.replace("%N", fraction)
        .replace("%Z", "UTC")
        .replace("%z", "+0000")
        .replace("%e", f"{t.tm_mday:2d}")
        .replace("%s", str(int(when)))
    )
    await ctx.stdout.write((time.strftime(text, t) + "\n").encode())
    return 0


async def test(ctx: ProgramContext) -> int:
    name = ctx.argv[0].rsplit("/", 1)[-1]
    outcome = formatting.test(
        ctx.argv[1:], ctx.fs, ctx.cwd, bracket=name == "[", double=name == "[["
    )
    for message in outcome.err:
        await error(ctx, message)
    return outcome.status
