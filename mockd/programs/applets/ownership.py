"""chown and chgrp: owners resolved through the container's /etc/passwd and /etc/group."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from mockd.fs.api import FileSystem
from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    abspath,
    error,
    parse_or_usage,
    show_usage,
    strerror,
)
from mockd.programs.applets.userdb import group_id, user_id

_FLAGS = "RhLHPcvf"


@runtime_checkable
class _LinkOwners(Protocol):
    """A filesystem that can change a symlink's own attributes (lchown)."""

    def set_attrs(
        self,
        path: str,
        *,
        uid: int | None = ...,
        gid: int | None = ...,
        follow_symlinks: bool = ...,
    ) -> None: ...


def set_owner(fs: FileSystem, path: str, uid: int, gid: int, *, follow: bool) -> None:
    if not follow and fs.stat(path, follow_symlinks=False).kind == "symlink":
        if isinstance(fs, _LinkOwners):
            fs.set_attrs(path, uid=uid, gid=gid, follow_symlinks=False)
        return
    fs.chown(path, uid, gid)


def _parse_owner(ctx: ProgramContext, spec: str) -> tuple[int | None, int | None] | str:
    """(uid, gid) from ``USER[:[GROUP]]`` (or ``USER.GROUP``); the message when unknown."""
    separator = ":" if ":" in spec else ("." if "." in spec else "")
    if not separator:
        found = user_id(ctx.fs, spec)
        return (found[0], None) if found else f"unknown user {spec}"
    user, _, group = spec.partition(separator)
    uid: int | None = None
    gid: int | None = None
    if user:
        found = user_id(ctx.fs, user)
        if found is None:
            return f"unknown user/group {user}:{group}"
        uid = found[0]
        # "user:" takes the user's login group (a bare number: the same number).
        gid = (found[1] if found[1] is not None else uid) if not group else None
    if group:
        gid = group_id(ctx.fs, group)
        if gid is None:
            return f"unknown user/group {user}:{group}"
    return uid, gid


async def _change(
    ctx: ProgramContext, flags: set[str], owner: tuple[int | None, int | None], names: list[str]
) -> int:
    status = 0
    for name in names:
        if not await _change_one(ctx, flags, owner, name, abspath(ctx, name), top=True):
            status = 1
    return status


async def _change_one(
    ctx: ProgramContext,
    flags: set[str],
    owner: tuple[int | None, int | None],
    shown: str,
    path: str,
    *,
    top: bool,
) -> bool:
    """Change one entry (with -R, its contents first, as busybox's depth-first walk does)."""
    recurse = "R" in flags
    # -h, and -R below the operands (default -P), change links themselves.
    follow = not ("h" in flags or (recurse and ("P" in flags or not top)))
    if (recurse and "L" in flags) or (top and "H" in flags):
        follow = True
    ok = True
    try:
        st = ctx.fs.stat(path, follow_symlinks=follow)
        if recurse and st.kind == "dir":
            for child in ctx.fs.listdir(path):
                child_path = f"{path.rstrip('/')}/{child}"
                ok &= await _change_one(
                    ctx, flags, owner, f"{shown}/{child}", child_path, top=False
                )
        uid = st.uid if owner[0] is None else owner[0]
        gid = st.gid if owner[1] is None else owner[1]
        set_owner(ctx.fs, path, uid, gid, follow=follow)
    except OSError as exc:
        # busybox 1.35 prints this one even with -f.
        await error(ctx, f"{shown}: {strerror(exc)}")
        return False
    if "v" in flags or ("c" in flags and (uid, gid) != (st.uid, st.gid)):
        await ctx.stdout.write(f"changed ownership of '{shown}' to {uid}:{gid}\n".encode())
    return ok


async def chown(ctx: ProgramContext) -> int:
    usage = "[-RhLHPcvf]... USER[:[GRP]] FILE..."
    parsed = await parse_or_usage(ctx, usage, _FLAGS)
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) < 2:
        return await show_usage(ctx, usage)
    owner = _parse_owner(ctx, args[0])
    if isinstance(owner, str):
        await error(ctx, owner)
        return 1
    return await _change(ctx, flags, owner, args[1:])


async def chgrp(ctx: ProgramContext) -> int:
    usage = "[-RhLHPcvf]... GROUP FILE..."
    parsed = await parse_or_usage(ctx, usage, _FLAGS)
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) < 2:
        return await show_usage(ctx, usage)
    gid = group_id(ctx.fs, args[0])
    if gid is None:
        await error(ctx, f"unknown group {args[0]}")
        return 1
    return await _change(ctx, flags, (None, gid), args[1:])
