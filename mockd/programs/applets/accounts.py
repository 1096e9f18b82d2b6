"""adduser, addgroup, deluser, delgroup as busybox (Alpine's) does them.

They rewrite ``/etc/passwd`` and ``/etc/group`` (and ``/etc/shadow`` /
``/etc/gshadow`` when the image has them), and adduser makes the home
directory owned by the new user.  IDs are picked as busybox configured for
Alpine picks them: system accounts from 100 to 999, others from 1000.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import error, parse_or_usage, show_usage
from mockd.programs.applets.userdb import (
    GROUP,
    GSHADOW,
    PASSWD,
    SHADOW,
    Table,
    field,
    group_id,
    members,
)

FIRST_SYSTEM_ID = 100
LAST_SYSTEM_ID = 999
LAST_ID = 64999
LAST_VALID_ID = 256000
_BAD_NAME = re.compile(r"^-|[^A-Za-z0-9._@$-]|^$")


class _Fail(Exception):
    """The applet dies with this message (exit 1)."""


def _check_name(name: str) -> None:
    if _BAD_NAME.search(name) or name in (".", "..") or len(name) > 32:
        raise _Fail(f"illegal character with code {ord((name or ' ')[0])} at position 0")


def _number(text: str, *, limit: int = LAST_VALID_ID) -> int:
    if not text.isdigit() or int(text) > limit:
        raise _Fail(f"invalid number '{text}'")
    return int(text)


def _free_id(table: Table, start: int | None, *, system: bool, what: str) -> int:
    """The requested id (it must be free), or the first free one in the account's range."""
    if start is not None:
        if table.find_id(start) is not None:
            raise _Fail(f"{what}id '{start}' in use")
        return start
    number, last = (FIRST_SYSTEM_ID, LAST_SYSTEM_ID) if system else (LAST_SYSTEM_ID + 1, LAST_ID)
    while table.find_id(number) is not None:
        if number == last:
            raise _Fail(f"no {what}ids left")
        number += 1
    return number


def _write_optional(ctx: ProgramContext, path: str, change: Table) -> None:
    """Shadow files are kept in step only when the image has them."""
    if ctx.fs.exists(path):
        change.write(ctx.fs)


def _add_member(ctx: ProgramContext, user: str, group: str) -> None:
    for path in (GROUP, GSHADOW):
        if path == GSHADOW and not ctx.fs.exists(path):
            continue
        table = Table.read(ctx.fs, path)
        row = table.find(group)
        if row is None:
            continue
        row.extend([""] * (4 - len(row)))
        if user not in members(row):
            row[3] = ",".join([*members(row), user])
        table.write(ctx.fs)


def _new_group(ctx: ProgramContext, name: str, gid: int | None, *, system: bool) -> None:
    groups = Table.read(ctx.fs, GROUP)
    if groups.find(name) is not None:
        raise _Fail(f"group '{name}' in use")
    number = _free_id(groups, gid, system=system, what="g")
    groups.rows.append([name, "x", str(number), ""])
    groups.write(ctx.fs)
    gshadow = Table.read(ctx.fs, GSHADOW)
    gshadow.rows.append([name, "!", "", ""])
    _write_optional(ctx, GSHADOW, gshadow)


async def _run(ctx: ProgramContext, work: Callable[[], None]) -> int:
    try:
        work()
    except _Fail as exc:
        await error(ctx, str(exc))
        return 1
    except OSError as exc:
        await error(ctx, f"{exc.filename or ''}: {exc.strerror}")
        return 1
    return 0


def _root_check(ctx: ProgramContext) -> None:
    if ctx.user.uid != 0:
        raise _Fail("permission denied (are you root?)")


async def addgroup(ctx: ProgramContext) -> int:
    usage = "[-g GID] [-S] [USER] GROUP"
    parsed = await parse_or_usage(ctx, usage, "S", "g")
    if parsed is None:
        return 1
    flags, values, args = parsed
    if not 1 <= len(args) <= 2 or (len(args) == 2 and "g" in values):
        return await show_usage(ctx, usage)

    def work() -> None:
        _root_check(ctx)
        if len(args) == 2:  # addgroup USER GROUP: add a member
            user, group = args
            if Table.read(ctx.fs, PASSWD).find(user) is None:
                raise _Fail(f"unknown user {user}")
            if Table.read(ctx.fs, GROUP).find(group) is None:
                raise _Fail(f"unknown group {group}")
            _add_member(ctx, user, group)
            return
        _check_name(args[0])
        gid = _number(values["g"]) if "g" in values else None
        _new_group(ctx, args[0], gid, system="S" in flags)

    return await _run(ctx, work)


def _login_shell(ctx: ProgramContext) -> str:
    if ctx.env.get("SHELL"):
        return ctx.env["SHELL"]
    row = Table.read(ctx.fs, PASSWD).find(ctx.user.name)
    return field(row, 6) if row is not None and field(row, 6) else "/bin/sh"


async def adduser(ctx: ProgramContext) -> int:
    usage = "[OPTIONS] USER [GROUP]"
    parsed = await parse_or_usage(ctx, usage, "DSH", "hgsGuk")
    if parsed is None:
        return 1
    flags, values, args = parsed
    if not 1 <= len(args) <= 2:
        return await show_usage(ctx, usage)
    if len(args) == 2:
        if flags or values:
            return await show_usage(ctx, usage)
        return await _run(ctx, lambda: _add_existing(ctx, args[0], args[1]))
    name = args[0]
    system = "S" in flags

    def work() -> None:
        _root_check(ctx)
        uid = _number(values["u"]) if "u" in values else None
        _check_name(name)
        home = values.get("h", f"/home/{name}")
        shell = values.get("s") or ("/sbin/nologin" if system else _login_shell(ctx))
        gecos = values.get("g", "Linux User,,,")
        group = values.get("G") or ("nogroup" if system else None)
        gid = None
        if group is not None:
            gid = group_id(ctx.fs, group)
            if gid is None:
                raise _Fail(f"unknown group {group}")
        passwd = Table.read(ctx.fs, PASSWD)
        if passwd.find(name) is not None:
            raise _Fail(f"user '{name}' in use")
        groups = Table.read(ctx.fs, GROUP)
        number = _free_user_id(passwd, groups, uid, system=system, own_group=gid is None)
        if gid is None:
            if groups.find(name) is not None:
                raise _Fail(f"group '{name}' in use")
            gid = number
        passwd.rows.append([name, "x", str(number), str(gid), gecos, home, shell])
        passwd.write(ctx.fs)
        shadow = Table.read(ctx.fs, SHADOW)
        days = int(ctx.clock.now()) // 86400
        shadow.rows.append([name, "!", str(days), "0", "99999", "7", "", "", ""])
        _write_optional(ctx, SHADOW, shadow)
        if group is not None:
            _add_member(ctx, name, group)
        else:
            _new_group(ctx, name, gid, system=system)
        if "H" not in flags:
            _make_home(ctx, home, number, gid)

    return await _run(ctx, work)


def _free_user_id(
    passwd: Table, groups: Table, uid: int | None, *, system: bool, own_group: bool
) -> int:
    """busybox's passwd_study: a uid free in passwd (and as a gid, when the user gets its own group)."""

    def taken(n: int) -> bool:
        return passwd.find_id(n) is not None or (own_group and groups.find_id(n) is not None)

    if uid is not None:
        if taken(uid):
            raise _Fail(f"uid '{uid}' in use")
        return uid
    number, last = (FIRST_SYSTEM_ID, LAST_SYSTEM_ID) if system else (LAST_SYSTEM_ID + 1, LAST_ID)
    while taken(number):
        if number == last:
            raise _Fail("no uids left")
        number += 1
    return number


def _make_home(ctx: ProgramContext, home: str, uid: int, gid: int) -> None:
    if not ctx.fs.exists(home):
        ctx.fs.mkdir(home, mode=0o755)
    ctx.fs.chown(home, uid, gid)
    ctx.fs.chmod(home, 0o2755)  # busybox sets the setgid bit on the new home


def _add_existing(ctx: ProgramContext, user: str, group: str) -> None:
    """``adduser USER GROUP``: an existing user joins an existing group."""
    _root_check(ctx)
    if Table.read(ctx.fs, PASSWD).find(user) is None:
        raise _Fail(f"unknown user {user}")
    if Table.read(ctx.fs, GROUP).find(group) is None:
        raise _Fail(f"unknown group {group}")
    _add_member(ctx, user, group)


def _remove_member(ctx: ProgramContext, user: str, group: str | None) -> None:
    """Take ``user`` out of ``group``'s members (of every group when None)."""
    for path in (GROUP, GSHADOW):
        if path == GSHADOW and not ctx.fs.exists(path):
            continue
        table = Table.read(ctx.fs, path)
        for row in table.rows:
            if (group is None or row[0] == group) and user in members(row):
                row[3] = ",".join(m for m in members(row) if m != user)
        table.write(ctx.fs)


def _remove_entry(ctx: ProgramContext, paths: tuple[str, str], name: str) -> None:
    for path in paths:
        if not ctx.fs.exists(path):
            continue
        table = Table.read(ctx.fs, path)
        table.rows = [row for row in table.rows if row[0] != name]
        table.write(ctx.fs)


def _delete_group(ctx: ProgramContext, name: str, *, quiet: bool) -> None:
    row = Table.read(ctx.fs, GROUP).find(name)
    if row is None:
        if quiet:
            return
        raise _Fail(f"unknown group {name}")
    for user in Table.read(ctx.fs, PASSWD).rows:
        if field(user, 3) == field(row, 2):
            if quiet:
                return
            raise _Fail(f"'{user[0]}' still has '{name}' as their primary group!")
    _remove_entry(ctx, (GROUP, GSHADOW), name)


async def deluser(ctx: ProgramContext) -> int:
    usage = "[--remove-home] USER [GROUP]"
    remove_home = "--remove-home" in ctx.argv[1:]
    ctx.argv = [a for a in ctx.argv if a != "--remove-home"]
    parsed = await parse_or_usage(ctx, usage, "")
    if parsed is None:
        return 1
    _, _, args = parsed
    if not 1 <= len(args) <= 2:
        return await show_usage(ctx, usage)

    def work() -> None:
        _root_check(ctx)
        if len(args) == 2:
            _member_of(ctx, args[0], args[1])
            return
        row = Table.read(ctx.fs, PASSWD).find(args[0])
        if row is None:
            raise _Fail(f"unknown user {args[0]}")
        if remove_home and field(row, 5) and ctx.fs.exists(field(row, 5)):
            ctx.fs.remove(field(row, 5), recursive=True)
        _remove_entry(ctx, (PASSWD, SHADOW), args[0])
        _remove_member(ctx, args[0], None)
        _delete_group(ctx, args[0], quiet=True)  # the user's own group goes too

    return await _run(ctx, work)


def _member_of(ctx: ProgramContext, user: str, group: str) -> None:
    """``deluser USER GROUP`` / ``delgroup USER GROUP``: leave a group."""
    row = Table.read(ctx.fs, GROUP).find(group)
    if row is None:
        raise _Fail(f"unknown group {group}")
    if user not in members(row):
        raise _Fail(f"can't find {user} in {GROUP}")
    _remove_member(ctx, user, group)


async def delgroup(ctx: ProgramContext) -> int:
    usage = "[USER] GROUP"
    parsed = await parse_or_usage(ctx, usage, "")
    if parsed is None:
        return 1
    _, _, args = parsed
    if not 1 <= len(args) <= 2:
        return await show_usage(ctx, usage)

    def work() -> None:
        _root_check(ctx)
        if len(args) == 2:
            _member_of(ctx, args[0], args[1])
        else:
            _delete_group(ctx, args[0], quiet=False)

    return await _run(ctx, work)
