"""Shell and file utilities: mkfifo, sync, truncate, unlink, link, tty, setsid, groups,
logname, hostid, time, run-parts, getopt."""

from __future__ import annotations

import errno
import os
import posixpath

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    applet_name,
    error,
    names_by_id,
    parse_flags,
    parse_or_usage,
    run_command,
    show_usage,
    strerror,
)
from mockd.programs.applets.files import apply_mode
from mockd.programs.applets.network import resolve_host
from mockd.programs.opening import open_output

# -- shared ---------------------------------------------------------------------------


def _leading(args: list[str], with_value: str = "") -> tuple[list[str], list[str]]:
    """(options, the rest): options end at the first operand, as getopt's "+" mode does,
    so ``setsid sh -c CMD`` leaves ``-c`` to the command."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return args[:i], args[i + 1 :]
        if not arg.startswith("-") or arg == "-":
            break
        for j, letter in enumerate(arg[1:], 1):
            if letter in with_value:
                if j == len(arg) - 1:
                    i += 1  # its value is the next word
                break
        i += 1
    return args[:i], args[i:]


# -- files ------------------------------------------------------------------------------


async def mkfifo(ctx: ProgramContext) -> int:
    usage = "[-m MODE] NAME"
    parsed = await parse_or_usage(ctx, usage, "", "m")
    if parsed is None:
        return 1
    _, values, names = parsed
    if not names:
        return await show_usage(ctx, usage)
    status = 0
    for name in names:
        try:
            try:
                mode = apply_mode(values["m"], 0o666) if "m" in values else 0o666 & ~ctx.umask
            except ValueError:
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL)) from None
            ctx.fs.mknod(abspath(ctx, name), "fifo", mode=mode)
        except OSError as exc:
            await error(ctx, f"{name}: {strerror(exc)}")
            status = 1
    return status


async def sync(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-df] [FILE]...", "df")
    if parsed is None:
        return 1
    status = 0
    for name in parsed[2]:
        if not ctx.fs.exists(abspath(ctx, name)):
            await error(ctx, f"can't open '{name}': No such file or directory")
            status = 1
    return status


# The suffixes busybox's truncate takes (kMG_suffixes); no relative sizes.
_SIZE_SUFFIX = {
    "": 1, "k": 1024, "K": 1024, "M": 1024**2, "G": 1024**3,
    "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3,
    "kD": 1000, "MD": 1000**2, "GD": 1000**3,
}  # fmt: skip
# Files are bytes in memory: past this, ftruncate fails as on a full disk quota.
_MAX_FILE_SIZE = 256 * 1024**2


def _size(text: str) -> int | None:
    digits = len(text) - len(text.lstrip("0123456789"))
    if not digits or text[digits:] not in _SIZE_SUFFIX:
        return None
    return int(text[:digits]) * _SIZE_SUFFIX[text[digits:]]


async def truncate(ctx: ProgramContext) -> int:
    usage = "[-c] -s SIZE FILE..."
    parsed = await parse_or_usage(ctx, usage, "c", "s")
    if parsed is None:
        return 1
    flags, values, names = parsed
    if "s" not in values or not names:
        return await show_usage(ctx, usage)
    size = _size(values["s"])
    if size is None:
        await error(ctx, f"invalid number '{values['s']}'")
        return 1
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            if ctx.fs.is_dir(path):
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if not ctx.fs.exists(path):
                if "c" in flags:
                    continue
                if not ctx.fs.is_dir(posixpath.dirname(path)):
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
                data = b""
            else:
                data = ctx.fs.read_file(path)
        except OSError as exc:
            await error(ctx, f"{name}: open: {strerror(exc)}")
            status = 1
            continue
        if size > _MAX_FILE_SIZE:
            await error(ctx, f"{name}: truncate: {os.strerror(errno.EFBIG)}")
            status = 1
            continue
        data = data[:size] + b"\0" * (size - len(data))
        try:
            ctx.fs.write_file(path, data, mode=0o666 & ~ctx.umask)
        except OSError as exc:
            await error(ctx, f"{name}: truncate: {strerror(exc)}")
            status = 1
    return status


async def unlink(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "FILE", "")
    if parsed is None:
        return 1
    if len(parsed[2]) != 1:
        return await show_usage(ctx, "FILE")
    name = parsed[2][0]
    path = abspath(ctx, name)
    try:
        if ctx.fs.stat(path, follow_symlinks=False).kind == "dir":
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        ctx.fs.remove(path)
    except OSError as exc:
        await error(ctx, f"can't remove file '{name}': {strerror(exc)}")
        return 1
    return 0


async def link(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "FILE LINK", "")
    if parsed is None:
        return 1
    if len(parsed[2]) != 2:
        return await show_usage(ctx, "FILE LINK")
    source, target = parsed[2]
    src, dst = abspath(ctx, source), abspath(ctx, target)
    try:
        if ctx.fs.stat(src, follow_symlinks=False).kind == "dir":
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))
        if ctx.fs.exists(dst) or ctx.fs.is_dir(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))
        ctx.fs.link(src, dst)
    except OSError as exc:
        await error(ctx, f"can't create hardlink '{target}' to '{source}': {strerror(exc)}")
        return 1
    return 0


# -- sessions, users, the machine ---------------------------------------------------------


async def tty(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-s]", "s")
    if parsed is None:
        return 1
    flags, _, args = parsed
    if args:
        await error(ctx, "ignoring all arguments")
    if "s" not in flags:
        # A container's terminal is the first pty of its own devpts.
        await ctx.stdout.write(b"/dev/pts/0\n" if ctx.tty else b"not a tty\n")
    return 0 if ctx.tty else 1


async def setsid(ctx: ProgramContext) -> int:
    usage = "[-c] PROG ARGS"
    options, command = _leading(ctx.argv[1:])
    parsed = await parse_or_usage(ctx, usage, "c", args=options)
    if parsed is None:
        return 1
    if not command:
        return await show_usage(ctx, usage)
    return await run_command(ctx, command)


async def groups(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[USER]", "")
    if parsed is None:
        return 1
    args = parsed[2]
    names = names_by_id(ctx, "/etc/group")
    if args:
        found = _group_ids(ctx, args[0])
        if found is None:
            await error(ctx, f"unknown user {args[0]}")
            return 1
        ids = found
    else:
        # As ``id``: runc gives the process its primary group among its groups.
        ids = [ctx.user.gid, *(g for g in ctx.user.groups if g != ctx.user.gid)]
    await ctx.stdout.write((" ".join(names.get(g, str(g)) for g in ids) + "\n").encode())
    return 0


def _group_ids(ctx: ProgramContext, user: str) -> list[int] | None:
    """getgrouplist(): the user's primary group, then the groups listing them as members."""
    try:
        passwd = ctx.fs.read_file("/etc/passwd").decode(errors="replace")
    except OSError:
        return None
    primary = None
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) > 3 and fields[0] == user and fields[3].isdigit():
            primary = int(fields[3])
            break
    if primary is None:
        return None
    ids = [primary]
    try:
        group = ctx.fs.read_file("/etc/group").decode(errors="replace")
    except OSError:
        group = ""
    for line in group.splitlines():
        fields = line.split(":")
        member = len(fields) > 3 and user in fields[3].split(",")
        if member and fields[2].isdigit() and int(fields[2]) not in ids:
            ids.append(int(fields[2]))
    return ids


async def logname(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "", "")
    if parsed is None:
        return 1
    if parsed[2]:
        return await show_usage(ctx, "")
    # glibc's getlogin(): a container's processes have no login uid (ENXIO).
    await error(ctx, "getlogin: No such device or address")
    return 1


async def hostid(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "", "")
    if parsed is None:
        return 1
    if parsed[2]:
        return await show_usage(ctx, "")
    # glibc's gethostid(): /etc/hostid, else the host name's IPv4 address, halves swapped.
    value = 0
    try:
        data = ctx.fs.read_file("/etc/hostid")
        if len(data) >= 4:
            value = int.from_bytes(data[:4], "little", signed=True)
    except OSError:
        address = resolve_host(ctx, ctx.hostname)
        if address is not None:
            a, b, c, d = (int(part) for part in address.split("."))
            value = int.from_bytes(bytes((c, d, a, b)), "little", signed=True)
    await ctx.stdout.write(f"{value & 0xFFFFFFFFFFFFFFFF:08x}\n".encode())  # a signed long
    return 0


# -- time ---------------------------------------------------------------------------------

_TIME_DEFAULT = "real\t%E\nuser\t%u\nsys\t%T"
_TIME_POSIX = "real %e\nuser %U\nsys %S"


def _time_report(fmt: str, elapsed: float, argv: list[str], status: int) -> str:
    """busybox time's format directives; the mock's children use no measurable CPU."""
    cs = int(elapsed * 100)
    seconds, hundredths = divmod(cs, 100)
    if seconds >= 3600:
        clock = f"{seconds // 3600}h {seconds % 3600 // 60}m {seconds % 60:02d}s"
    else:
        clock = f"{seconds // 60}m {seconds % 60}.{hundredths:02d}s"
    fields = {
        "E": clock, "e": f"{seconds}.{hundredths:02d}", "U": "0.00", "S": "0.00",
        "u": "0m 0.00s", "T": "0m 0.00s", "C": " ".join(argv), "x": str(status), "%": "%",
    }  # fmt: skip
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char in "%\\" and i + 1 < len(fmt):
            i += 1
            code = fmt[i]
            if char == "%":
                out.append(fields.get(code, "0" if code.isalpha() else "?%" + code))
            else:
                out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(code, "?\\" + code))
        else:
            out.append(char)
        i += 1
    return "".join(out) + "\n"


async def time_(ctx: ProgramContext) -> int:
    usage = "[-vpa] [-o FILE] PROG ARGS"
    options, command = _leading(ctx.argv[1:], "of")
    parsed = await parse_or_usage(ctx, usage, "vpa", "of", args=options)
    if parsed is None:
        return 1
    flags, values, _ = parsed
    if not command:
        return await show_usage(ctx, usage)
    fmt = values.get("f", _TIME_POSIX if "p" in flags else _TIME_DEFAULT)
    started = ctx.clock.now()
    status = await run_command(ctx, command)
    text = _time_report(fmt, max(0.0, ctx.clock.now() - started), command, status)
    if status:
        text = f"Command exited with non-zero status {status}\n" + text
    if "o" in values:
        try:
            out = open_output(ctx, abspath(ctx, values["o"]), append="a" in flags)
        except OSError as exc:
            await error(ctx, f"can't open '{values['o']}': {strerror(exc)}")
            return 1
        await out.write(text.encode())
    else:
        await ctx.stderr.write(text.encode())
    return status


# -- run-parts ------------------------------------------------------------------------------

_RUN_PARTS_USAGE = (
    "[-a ARG]... [-u UMASK] [--reverse] [--test] [--exit-on-error] [--list] DIRECTORY"
)
_RUN_PARTS_LONG = ("--reverse", "--test", "--exit-on-error", "--list")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


async def run_parts(ctx: ProgramContext) -> int:
    long_options: set[str] = set()
    short: list[str] = []
    for arg in ctx.argv[1:]:
        if arg.startswith("--") and arg != "--":
            if arg not in _RUN_PARTS_LONG:
                await error(ctx, f"unrecognized option '{arg}'")
                return await show_usage(ctx, _RUN_PARTS_USAGE)
            long_options.add(arg)
        else:
            short.append(arg)
    try:
        _, values, args = parse_flags(short, "", "au", repeatable="a")
    except UsageError as exc:
        await error(ctx, str(exc))
        return await show_usage(ctx, _RUN_PARTS_USAGE)
    if len(args) != 1:
        return await show_usage(ctx, _RUN_PARTS_USAGE)
    extra = values["a"].split("\n") if "a" in values else []
    if "u" in values:
        try:
            ctx.umask = int(values["u"], 8) & 0o777
        except ValueError:
            await error(ctx, f"invalid number '{values['u']}'")
            return 1
    directory = args[0]
    try:
        entries = ctx.fs.listdir(abspath(ctx, directory))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            await error(ctx, f"{directory}: {strerror(exc)}")
        return 0  # busybox's run-parts does not fail for a missing directory
    status = 0
    for name in sorted(entries, reverse="--reverse" in long_options):
        if name.startswith(".") or not set(name) <= _NAME_CHARS:
            continue
        path = directory.rstrip("/") + "/" + name if directory != "/" else "/" + name
        try:
            st = ctx.fs.stat(abspath(ctx, path))
        except OSError:
            continue
        if st.kind not in ("file", "hardlink"):
            continue
        if "--list" in long_options:
            await ctx.stdout.write((path + "\n").encode())
            continue
        if not st.mode & 0o111:
            continue
        if "--test" in long_options:
            await ctx.stdout.write((path + "\n").encode())
            continue
        code = await run_command(ctx, [path, *extra])
        if code:
            await error(ctx, f"{path}: exit status {code}")
            status = 1
            if "--exit-on-error" in long_options:
                return 1
    return status


# -- getopt ---------------------------------------------------------------------------------

_GETOPT_USAGE = "[OPTIONS] [--] OPTSTRING PARAMS"
_GETOPT_LONG = {
    "--alternative": "-a", "--longoptions": "-l", "--name": "-n", "--options": "-o",
    "--quiet": "-q", "--quiet-output": "-Q", "--shell": "-s", "--test": "-T", "--unquoted": "-u",
}  # fmt: skip


def _quote(text: str, shell: str) -> str:
    """getopt's output quoting: single quotes, and ``!`` and newlines escaped for csh."""
    if shell == "":
        return text
    quoted = text.replace("'", "'\\''")
    if shell == "csh":
        quoted = quoted.replace("!", "'\\!'").replace("\n", "'\\\n'")
    return f"'{quoted}'"


class _Getopt:
    """One run of util-linux-style getopt over PARAMS, as glibc's getopt_long does it."""

    def __init__(self, optstring: str, longs: list[str], *, alternative: bool) -> None:
        self.posix = optstring.startswith("+")
        self.short = optstring.lstrip("+-")
        self.longs: dict[str, int] = {}  # name: 0 no argument, 1 required, 2 optional
        for spec in longs:
            name = spec.rstrip(":")
            self.longs.setdefault(name, min(len(spec) - len(name), 2))
        self.alternative = alternative
        self.errors: list[str] = []
        self.out: list[tuple[str, str | None]] = []  # (option, its argument)

    def _long(self, text: str, prefix: str, params: list[str], i: int) -> int:
        name, eq, value = text.partition("=")
        matches = [n for n in self.longs if n == name] or [
            n for n in self.longs if n.startswith(name)
        ]
        if not matches:
            self.errors.append(f"unrecognized option '{prefix}{text}'")
            return i
        if len({self.longs[n] for n in matches}) > 1:
            listed = " ".join(f"'{prefix}{n}'" for n in matches)
            self.errors.append(f"option '{prefix}{name}' is ambiguous; possibilities: {listed}")
            return i
        full, kind = matches[0], self.longs[matches[0]]
        if kind == 0 and eq:
            self.errors.append(f"option '{prefix}{full}' doesn't allow an argument")
        elif kind == 1 and not eq:
            if i >= len(params):
                self.errors.append(f"option '{prefix}{full}' requires an argument")
            else:
                self.out.append(("--" + full, params[i]))
                return i + 1
        else:
            self.out.append(("--" + full, value if kind else None))
        return i

    def _short(self, arg: str, params: list[str], i: int) -> int:
        j = 1
        while j < len(arg):
            letter = arg[j]
            at = self.short.find(letter)
            if letter == ":" or at < 0:
                self.errors.append(f"invalid option -- '{letter}'")
                j += 1
                continue
            colons = len(self.short[at + 1 :]) - len(self.short[at + 1 :].lstrip(":"))
            if not colons:
                self.out.append(("-" + letter, None))
                j += 1
                continue
            rest = arg[j + 1 :]
            if rest or colons >= 2:
                self.out.append(("-" + letter, rest))
            elif i < len(params):
                self.out.append(("-" + letter, params[i]))
                i += 1
            else:
                self.errors.append(f"option requires an argument -- '{letter}'")
            break
        return i

    def parse(self, params: list[str], posix: bool) -> list[str]:
        """The options found (in ``out``), and the operands."""
        operands: list[str] = []
        i = 0
        while i < len(params):
            arg = params[i]
            i += 1
            if arg == "--":
                operands += params[i:]
                break
            if arg.startswith("--"):
                i = self._long(arg[2:], "--", params, i)
            elif self.alternative and arg.startswith("-") and len(arg) > 1 and (
                any(n.startswith(arg[1:].partition("=")[0]) for n in self.longs)
                or arg[1] not in self.short
            ):  # fmt: skip
                i = self._long(arg[1:], "-", params, i)
            elif arg.startswith("-") and arg != "-":
                i = self._short(arg, params, i)
            elif posix or self.posix:
                operands += params[i - 1 :]
                break
            else:
                operands.append(arg)
        return operands


async def getopt(ctx: ProgramContext) -> int:
    args: list[str] = []
    for arg in ctx.argv[1:]:
        name, eq, value = arg.partition("=")
        if name in _GETOPT_LONG and (eq or name == arg):
            args += [_GETOPT_LONG[name], value] if eq else [_GETOPT_LONG[name]]
        else:
            args.append(arg)
    options, params = _leading(args, "lnos")
    try:
        flags, values, _ = parse_flags(options, "aqQTu", "lnos", repeatable="l")
    except UsageError as exc:
        await error(ctx, str(exc))
        return await show_usage(ctx, _GETOPT_USAGE)
    if "T" in flags:
        return 4  # "this is the enhanced getopt"
    if "o" in values:
        optstring = values["o"]
    elif params:
        optstring, params = params[0], params[1:]
    else:
        await error(ctx, "missing optstring argument")
        return 1
    shell = values.get("s", "sh")
    if shell in ("tcsh", "csh"):
        shell = "csh"
    elif shell not in ("sh", "bash"):
        await error(ctx, f"unknown shell '{shell}', assuming bash")
    if "u" in flags:
        shell = ""
    longs = values.get("l", "").replace(",", " ").split()
    run = _Getopt(optstring, longs, alternative="a" in flags)
    operands = run.parse(params, posix="POSIXLY_CORRECT" in ctx.env)
    prefix = values.get("n", applet_name(ctx))
    if "q" not in flags and run.errors:
        await ctx.stderr.write("".join(f"{prefix}: {e}\n" for e in run.errors).encode())
    if "Q" not in flags:
        text = "".join(
            f" {option}" + ("" if value is None else " " + _quote(value, shell))
            for option, value in run.out
        )
        text += " --" + "".join(" " + _quote(word, shell) for word in operands)
        await ctx.stdout.write((text + "\n").encode(errors="surrogateescape"))
    return 1 if run.errors else 0
