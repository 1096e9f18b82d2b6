"""Busybox-like applets, and ``busybox`` itself (dispatch by ``argv[0]`` or ``argv[1]``)."""

from __future__ import annotations

import posixpath

from mockd.programs.api import ProgramContext
from mockd.programs.applets import (
    accounts,
    archive,
    awk,
    files,
    filestat,
    find,
    grep,
    iproute,
    misc,
    mounts_info,
    network,
    ownership,
    process,
    sed,
    shellutils,
    sorting,
    system,
    terminal,
    text,
    textutils,
    xargs,
)
from mockd.programs.applets._common import Applet, error
from mockd.programs.devices import DeviceWriteError, EndlessRead

APPLETS: dict[str, Applet] = {
    # text
    "echo": text.echo, "printf": text.printf, "cat": text.cat, "head": text.head,
    "tail": text.tail, "wc": text.wc, "grep": grep.grep, "egrep": grep.grep, "fgrep": grep.grep,
    "sed": sed.sed, "tr": text.tr, "cut": text.cut, "sort": sorting.sort, "uniq": sorting.uniq,
    "fold": text.fold, "tee": text.tee, "base64": text.base64, "md5sum": text.md5sum,
    "sha1sum": text.sha1sum, "sha256sum": text.sha256sum, "hexdump": text.hexdump,
    "seq": text.seq, "yes": text.yes, "expr": text.expr,
    # files
    "ls": files.ls, "mkdir": files.mkdir, "rm": files.rm, "rmdir": files.rmdir,
    "touch": files.touch, "cp": files.cp, "mv": files.mv, "ln": files.ln, "chmod": files.chmod,
    "stat": filestat.stat, "mknod": filestat.mknod, "du": files.du, "df": mounts_info.df, "mount": mounts_info.mount, "find": find.find,
    "mktemp": files.mktemp, "basename": files.basename, "dirname": files.dirname,
    "pwd": files.pwd, "which": files.which, "dd": files.dd,
    # processes
    "sleep": process.sleep, "true": process.true, "false": process.false, "kill": process.kill,
    "ps": process.ps, "top": process.top, "env": process.env, "printenv": process.printenv,
    "xargs": xargs.xargs,
    # system
    "id": system.id_, "whoami": system.whoami, "hostname": system.hostname,
    "uname": system.uname, "nproc": system.nproc, "free": system.free, "date": system.date,
    "test": system.test, "[": system.test, "[[": system.test,
    # terminal
    "stty": terminal.stty,
    # owners and accounts
    "chown": ownership.chown, "chgrp": ownership.chgrp, "adduser": accounts.adduser,
    "addgroup": accounts.addgroup, "deluser": accounts.deluser, "delgroup": accounts.delgroup,
    # archives
    "tar": archive.tar, "gzip": archive.gzip_, "gunzip": archive.gunzip, "zcat": archive.zcat,
    # awk
    "awk": awk.awk,
    # small ones
    "timeout": misc.timeout, "usleep": misc.usleep, "uptime": misc.uptime,
    "readlink": misc.readlink, "realpath": misc.realpath, "tac": misc.tac, "rev": misc.rev,
    "nl": misc.nl, "paste": misc.paste, "cmp": misc.cmp, "od": misc.od,
    "sha512sum": misc.sha512sum, "pidof": misc.pidof, "killall": misc.killall,
    "pgrep": misc.pgrep, "pkill": misc.pkill,
    # network
    "nslookup": network.nslookup, "ping": network.ping,
    "ip": iproute.ip, "ifconfig": iproute.ifconfig, "route": iproute.route,
    # shellutils and textutils (GNU grouped them so)
    "mkfifo": shellutils.mkfifo, "sync": shellutils.sync, "truncate": shellutils.truncate,
    "unlink": shellutils.unlink, "link": shellutils.link, "tty": shellutils.tty, "setsid": shellutils.setsid,
    "groups": shellutils.groups, "logname": shellutils.logname, "hostid": shellutils.hostid, "time": shellutils.time_,
    "run-parts": shellutils.run_parts, "getopt": shellutils.getopt, "shuf": textutils.shuf,
    "factor": textutils.factor, "xxd": textutils.xxd, "strings": textutils.strings,
    "diff": textutils.diff, "expand": textutils.expand, "unexpand": textutils.unexpand,
    "dos2unix": textutils.dos2unix, "unix2dos": textutils.unix2dos, "crc32": textutils.crc32,
    "uuencode": textutils.uuencode, "uudecode": textutils.uudecode,
}  # fmt: skip

_SHELLS = frozenset({"sh", "ash"})


async def busybox_main(ctx: ProgramContext) -> int:
    """A busybox binary: run the applet named by ``argv[0]``, or ``busybox APPLET ARGS``."""
    name = posixpath.basename(ctx.argv[0]) if ctx.argv else "busybox"
    if name == "busybox":
        if len(ctx.argv) < 2 or ctx.argv[1] in ("--help", "--list"):
            if len(ctx.argv) >= 2 and ctx.argv[1] == "--list":
                names = sorted({*APPLETS, *_SHELLS})
                await ctx.stdout.write(("\n".join(names) + "\n").encode())
                return 0
            await ctx.stdout.write(
                b"BusyBox v1.36.1 (mockd) multi-call binary.\n\n"
                b"Usage: busybox [function [arguments]...]\n"
            )
            return 0
        ctx.argv = ctx.argv[1:]
        name = posixpath.basename(ctx.argv[0])
    if name in _SHELLS:
        from mockd.programs.shell.program import sh_main

        return await sh_main(ctx)
    applet = APPLETS.get(name)
    if applet is None:
        await ctx.stderr.write(f"{name}: applet not found\n".encode())
        return 127
    try:
        return await applet(ctx)
    except DeviceWriteError as exc:  # its output is /dev/full
        await error(ctx, f"write error: {exc.strerror}")
    except EndlessRead:  # "sort /dev/zero": busybox's xmalloc gives up
        await error(ctx, "out of memory")
    return 1


__all__ = ["APPLETS", "busybox_main"]
