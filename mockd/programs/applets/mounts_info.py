"""``df`` and ``mount`` (listing): the container's mounts, as busybox 1.35 prints them.

Both read the mount list the container's filesystem gives
(``MountTable.mount_info``, see ``mockd.engine.mount_info``); a filesystem
without one (a bare tree in a test) is shown as the overlay alone, sized as
the host's root filesystem.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import abspath, error, parse_or_usage

if TYPE_CHECKING:
    from mockd.engine.mount_info import MountInfo

__all__ = ["df", "human_readable", "mount", "mounts_of"]

_DF_USAGE = """[-PkmhTa] [-B SIZE] [-t TYPE] [FILESYSTEM]...

Print filesystem usage statistics

\t-P\tPOSIX output format
\t-k\t1024-byte blocks (default)
\t-m\t1M-byte blocks
\t-h\tHuman readable (e.g. 1K 243M 2G)
\t-T\tPrint filesystem type
\t-t TYPE\tPrint only mounts of this type
\t-a\tShow all filesystems
\t-B SIZE\tBlocksize"""

_MOUNT_USAGE = """[OPTIONS] [-o OPT] DEVICE NODE

Mount a filesystem. Filesystem autodetection requires /proc.

\t-a\t\tMount all mounts in /etc/fstab
\t-r\t\tRead-only mount
\t-w\t\tRead-write mount (default)
\t-t FSTYPE[,...]\tFilesystem type(s)
\t-O OPT\t\tMount only filesystems with option OPT (-a only)"""

# libbb's kmg_i_suffixes, what ``df -B`` takes (``1kB`` is not among them).
_BLOCK_SUFFIXES = {
    "KiB": 1024, "kiB": 1024, "K": 1024, "k": 1024,
    "MiB": 1 << 20, "miB": 1 << 20, "M": 1 << 20, "m": 1 << 20,
    "GiB": 1 << 30, "giB": 1 << 30, "G": 1 << 30, "g": 1 << 30,
    "KB": 1000, "MB": 1000_000, "GB": 1000_000_000,
}  # fmt: skip
_ULONG_MAX = (1 << 64) - 1


def mounts_of(ctx: ProgramContext) -> list[MountInfo]:
    """The mounts the process sees, in the kernel's order."""
    listed = getattr(ctx.fs, "mount_info", None)
    if callable(listed):
        found: list[MountInfo] = listed()
        return found
    from mockd.engine.mount_info import MountInfo

    st = os.statvfs("/")
    return [
        MountInfo(
            "overlay",
            "/",
            "overlay",
            "rw,relatime",
            st.f_frsize or st.f_bsize,
            st.f_blocks,
            st.f_bfree,
            st.f_bavail,
            "overlay",
        )
    ]


def human_readable(value: int, block_size: int, display_unit: int) -> str:
    """libbb's ``make_human_readable_str``: ``value`` blocks of ``block_size`` bytes in
    ``display_unit``s, rounded; with ``display_unit`` 0 the largest unit with one decimal
    (none with ``block_size`` 0): ``64.0M``, ``252.0G``."""
    if value == 0:
        return "0"
    if block_size > 1:
        value *= block_size
    if display_unit:
        return str((value + display_unit // 2) // display_unit)
    units = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"]
    unit = frac = 0
    while value >= 1024:
        unit += 1
        frac = ((value % 1024) * 10 + 512) // 1024
        value //= 1024
    if frac >= 10:
        value += 1
        frac = 0
    if block_size == 0:
        return f"{value + (frac >= 5)}{units[unit]}"
    return f"{value}.{frac}{units[unit]}" if unit else str(value)


def _block_size(text: str) -> int | None:
    """``-B SIZE`` in bytes; None when busybox would not take it."""
    for suffix, factor in sorted(_BLOCK_SUFFIXES.items(), key=lambda s: -len(s[0])):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * factor
    return int(text) if text.isdigit() else None


def _last_unit(args: list[str]) -> str:
    """Which of ``-k``, ``-m``, ``-B`` was given last: busybox's getopt makes them exclusive,
    the last one winning (``k-mB:m-Bk:B-km``)."""
    last = ""
    for arg in args:
        if arg == "--" or not arg.startswith("-") or arg == "-":
            if arg == "--":
                break
            continue
        for letter in arg[1:]:
            if letter in "kmB":
                last = letter
            if letter in "Bt":  # the rest of the word is the option's value
                break
    return last


def _find_mount(ctx: ProgramContext, name: str, mounts: list[MountInfo]) -> MountInfo | None:
    """busybox's ``find_mount_point``: the first mount named ``name`` (its directory or
    device) or holding a file of the same filesystem; None where ``name`` does not exist."""
    path = abspath(ctx, name)
    try:
        st = ctx.fs.stat(path)
        resolved = ctx.fs.realpath(path)
    except OSError:
        # The mock has no /proc or /sys trees: their mount points still answer by name.
        if not any(m.mount_point == name for m in mounts):
            return None
        st, resolved = None, path
    if st is not None and st.kind in ("char", "block"):
        # A device file: busybox looks for a mount of that device (none of them is one).
        return next((m for m in mounts if name in (m.mount_point, m.device)), None)
    owner = max(
        (m for m in mounts if resolved == m.mount_point or m.mount_point == "/"
         or resolved.startswith(m.mount_point + "/")),
        key=lambda m: len(m.mount_point),
        default=None,
    )  # fmt: skip
    for entry in mounts:
        if name in (entry.mount_point, entry.device):
            return entry
        if owner is not None and entry.identity == owner.identity:
            return entry
    return None


async def df(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, _DF_USAGE, "kPTahm", "Bt")
    if parsed is None:
        return 1
    flags, values, operands = parsed
    unit = 1024
    last = _last_unit(ctx.argv[1:])
    if last == "m":
        unit = 1 << 20
    elif last == "B":
        size = _block_size(values["B"])
        if size is None:
            await error(ctx, f"invalid number '{values['B']}'")
            return 1
        if not 1 <= size <= _ULONG_MAX:
            await error(ctx, f"number {size} is not in 1..{_ULONG_MAX} range")
            return 1
        unit = size
    if "POSIXLY_CORRECT" in ctx.env:
        unit = 512
    posix = "P" in flags
    if "h" in flags:
        unit, units_header = 0, "     Size"
    else:
        units_header = human_readable(unit, 0, 1 if posix else 0) + "-blocks"
    out = [
        "Filesystem           "
        + ("Type       " if "T" in flags else "")
        + f"{units_header:<15}Used Available {'Capacity' if posix else 'Use%'} Mounted on\n"
    ]
    mounts = mounts_of(ctx)
    status = 0
    shown: list[MountInfo] = []
    if operands:
        for name in operands:
            found = _find_mount(ctx, name, mounts)
            if found is None:
                # On stderr at once; the table (buffered stdout, in busybox) comes at exit.
                await error(ctx, f"{name}: can't find mount point")
                status = 1
            else:
                shown.append(found)  # named: shown even without blocks (proc)
    else:
        shown = [m for m in mounts if m.blocks > 0 or "a" in flags]
    for entry in shown:
        if "t" not in values or entry.fs_type == values["t"]:
            out.append(_df_line(entry, flags, unit))
    await ctx.stdout.write("".join(out).encode())
    return status


def _df_line(entry: MountInfo, flags: set[str], unit: int) -> str:
    used = entry.blocks - entry.free
    percent = 0
    if used + entry.available:
        percent = (used * 100 + (used + entry.available) // 2) // (used + entry.available)
    posix = "P" in flags
    line = f"{entry.device:<20}"
    if len(entry.device) > 20 and not posix:
        line += "\n" + " " * 20
    if "T" in flags:
        line += f" {entry.fs_type:<10}"
        if len(entry.fs_type) > 10 and not posix:
            line += "\n" + " " * 30
    size = entry.block_size

    def shown(blocks: int) -> str:
        return human_readable(blocks, size, unit)

    return (
        f"{line} {shown(entry.blocks):>9} {shown(used):>9} {shown(entry.available):>9}"
        f" {percent:3d}% {entry.mount_point}\n"
    )


async def mount(ctx: ProgramContext) -> int:
    """``mount`` lists the mounts (``-t TYPE``: of those types); mounting is refused, as
    to a container's root without CAP_SYS_ADMIN."""
    parsed = await parse_or_usage(ctx, _MOUNT_USAGE, "arwnfvisT", "toO")
    if parsed is None:
        return 1
    flags, values, operands = parsed
    if operands or "a" in flags:
        if len(operands) < 2 and not ctx.fs.exists("/etc/fstab"):
            await error(ctx, "can't read '/etc/fstab': No such file or directory")
        else:
            await error(ctx, "permission denied (are you root?)")
        return 1
    types = set(values["t"].split(",")) if "t" in values else None
    lines = [
        f"{m.device} on {m.mount_point} type {m.fs_type} ({m.options})\n"
        for m in mounts_of(ctx)
        if types is None or m.fs_type in types
    ]
    await ctx.stdout.write("".join(lines).encode())
    return 0
