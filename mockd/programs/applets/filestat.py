"""``stat`` (its ``-c`` directives, ``-t``, the default report) and ``mknod``.

The container's files live in memory, so the device is a fixed overlay-like
number and inodes are numbered as nodes are first asked for (``FileStat.inode``);
access and change times are the modification time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from mockd.fs.api import FileStat, SpecialKind
from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    abspath,
    error,
    names_by_id,
    parse_or_usage,
    show_usage,
    strerror,
)
from mockd.programs.applets.files import apply_mode, mode_string

# What a container's overlay root reports as its device (st_dev); any fixed number does.
OVERLAY_DEVICE = 0x27
BLOCK_SIZE = 4096

_KIND_NAME = {
    "file": "regular file", "hardlink": "regular file", "dir": "directory",
    "symlink": "symbolic link", "char": "character special file",
    "block": "block special file", "fifo": "fifo", "socket": "socket",
}  # fmt: skip
_KIND_BITS = {
    "file": 0o100000, "hardlink": 0o100000, "dir": 0o040000, "symlink": 0o120000,
    "char": 0o020000, "block": 0o060000, "fifo": 0o010000, "socket": 0o140000,
}  # fmt: skip
# A directive: % then printf flags and width, then one letter (busybox passes the
# flags and width to printf; an unknown letter prints as itself).
_DIRECTIVE = re.compile(r"%([-#0 +'I]*[0-9]*(?:\.[0-9]+)?)(.?)", re.DOTALL)


def kind_name(st: FileStat) -> str:
    return _KIND_NAME.get(st.kind, "regular file")


def _blocks(st: FileStat) -> int:
    """512-byte blocks allocated: whole 4 KiB blocks for data, none for links and devices."""
    if st.kind == "dir":
        return BLOCK_SIZE // 512
    if st.kind not in ("file", "hardlink") or not st.size:
        return 0
    return -(-st.size // BLOCK_SIZE) * (BLOCK_SIZE // 512)


def _stamp(seconds: float) -> str:
    whole = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    return f"{whole}{f'{seconds % 1:.9f}'[1:]} +0000"


def _quoted_name(name: str, st: FileStat) -> str:
    return f"'{name}' -> '{st.link_target}'" if st.kind == "symlink" else name


class _Report:
    """The values of one file's directives."""

    def __init__(self, name: str, st: FileStat, users: dict[int, str], groups: dict[int, str]):
        self.name, self.st = name, st
        self.values: dict[str, Callable[[], str | int]] = {
            "a": lambda: f"{st.mode:o}",
            "A": lambda: mode_string(st),
            "b": lambda: _blocks(st),
            "B": lambda: 512,
            "d": lambda: OVERLAY_DEVICE,
            "D": lambda: f"{OVERLAY_DEVICE:x}",
            "f": lambda: f"{st.mode | _KIND_BITS.get(st.kind, 0):x}",
            "F": lambda: kind_name(st),
            "g": lambda: st.gid,
            "G": lambda: groups.get(st.gid, "UNKNOWN"),
            "h": lambda: st.nlink,
            "i": lambda: st.inode,
            "n": lambda: name,
            "N": lambda: _quoted_name(name, st),
            "o": lambda: BLOCK_SIZE,
            "s": lambda: st.size,
            "t": lambda: f"{st.rdev[0]:x}",
            "T": lambda: f"{st.rdev[1]:x}",
            "u": lambda: st.uid,
            "U": lambda: users.get(st.uid, "UNKNOWN"),
            "x": lambda: _stamp(st.mtime),
            "X": lambda: int(st.mtime),
            "y": lambda: _stamp(st.mtime),
            "Y": lambda: int(st.mtime),
            "z": lambda: _stamp(st.mtime),
            "Z": lambda: int(st.mtime),
        }

    def format(self, template: str) -> str:
        return _DIRECTIVE.sub(self._directive, template)

    def _directive(self, match: re.Match[str]) -> str:
        spec, letter = match.groups()
        if letter == "%":
            return "%"
        value = self.values.get(letter)
        if value is None:
            return letter or "%"  # busybox prints an unknown directive's letter
        shown = value()
        if not spec:
            return str(shown)
        if isinstance(shown, int):
            return f"%{spec}d" % shown
        return f"%{spec}s" % shown

    def terse(self) -> str:
        return self.format("%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %o")

    def full(self) -> str:
        st = self.st
        shown = self.name + (f" -> {st.link_target}" if st.kind == "symlink" else "")
        device = f"Device: {OVERLAY_DEVICE:x}h/{OVERLAY_DEVICE}d\tInode: {st.inode:<11d} Links: {st.nlink:<5d}"
        if st.kind in ("char", "block"):
            device += f" Device type: {st.rdev[0]:x},{st.rdev[1]:x}"
        return "\n".join((
            f"  File: {shown}",
            f"  Size: {st.size:<10d}\tBlocks: {_blocks(st):<10d} IO Block: {BLOCK_SIZE}   {kind_name(st)}",
            device.rstrip(),
            f"Access: ({st.mode:04o}/{mode_string(st)})  Uid: ({st.uid:5d}/{self.values['U']():>8})   Gid: ({st.gid:5d}/{self.values['G']():>8})",
            f"Access: {_stamp(st.mtime)}",
            f"Modify: {_stamp(st.mtime)}",
            f"Change: {_stamp(st.mtime)}",
        ))  # fmt: skip


async def stat(ctx: ProgramContext) -> int:
    usage = "[-ltf] [-c FMT] FILE..."
    # -f (the filesystem's statfs) is not emulated: refused as an unknown option.
    parsed = await parse_or_usage(ctx, usage, "Llt", "c")
    if parsed is None:
        return 1
    flags, values, names = parsed
    if not names:
        return await show_usage(ctx, usage)
    status = 0
    users = names_by_id(ctx, "/etc/passwd")
    groups = names_by_id(ctx, "/etc/group")
    for name in names:
        try:
            st = ctx.fs.stat(abspath(ctx, name), follow_symlinks="L" in flags)
        except OSError as exc:
            await error(ctx, f"can't stat '{name}': {strerror(exc)}")
            status = 1
            continue
        report = _Report(name, st, users, groups)
        if "c" in values:
            text = report.format(values["c"])
        elif "t" in flags:
            text = report.terse()
        else:
            text = report.full()
        await ctx.stdout.write((text + "\n").encode())
    return status


_MKNOD_TYPES: dict[str, SpecialKind] = {"b": "block", "c": "char", "u": "char", "p": "fifo"}


async def mknod(ctx: ProgramContext) -> int:
    """``mknod [-m MODE] NAME TYPE [MAJOR MINOR]``: a device or fifo node."""
    usage = "[-m MODE] NAME TYPE [MAJOR MINOR]"
    parsed = await parse_or_usage(ctx, usage, "", "m")
    if parsed is None:
        return 1
    _, values, args = parsed
    kind = _MKNOD_TYPES.get(args[1]) if len(args) > 1 else None
    wants_numbers = kind in ("block", "char")
    if kind is None or len(args) != (4 if wants_numbers else 2):
        return await show_usage(ctx, usage)
    rdev = (0, 0)
    if wants_numbers:
        if not (args[2].isdigit() and args[3].isdigit()):
            await error(ctx, f"invalid number '{args[2] if not args[2].isdigit() else args[3]}'")
            return 1
        rdev = (int(args[2]), int(args[3]))
    try:
        mode = apply_mode(values["m"], 0o666) if "m" in values else 0o666 & ~ctx.umask
    except ValueError:
        await error(ctx, f"{args[0]}: Invalid argument")
        return 1
    try:
        ctx.fs.mknod(abspath(ctx, args[0]), kind, mode=mode, rdev=rdev)
    except OSError as exc:
        await error(ctx, f"{args[0]}: {strerror(exc)}")
        return 1
    return 0
