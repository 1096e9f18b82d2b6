"""File applets: ls, mkdir, rm, rmdir, touch, cp, mv, ln, chmod, stat, du, df, find, ..."""

from __future__ import annotations

import posixpath
import time

from mockd.fs.api import FileStat
from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    error,
    names_by_id,
    open_operand,
    parse_flags,
    parse_or_usage,
    read_exactly,
    show_usage,
    strerror,
)
from mockd.programs.applets.datestr import InvalidDate, parse_datestr
from mockd.programs.devices import DeviceWriteError
from mockd.programs.opening import FileOutput, open_input, open_output

_KIND_LETTER = {"dir": "d", "symlink": "l", "char": "c", "block": "b", "fifo": "p", "socket": "s"}


def mode_string(st: FileStat) -> str:
    letters = _KIND_LETTER.get(st.kind, "-")
    for shift, special, special_char in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (st.mode >> shift) & 7
        r = "r" if bits & 4 else "-"
        w = "w" if bits & 2 else "-"
        x = "x" if bits & 1 else "-"
        if st.mode & special:
            x = special_char if bits & 1 else special_char.upper()
        letters += r + w + x
    return letters


def _ls_time(mtime: float, now: float) -> str:
    t = time.gmtime(mtime)
    month = time.strftime("%b", t)
    if abs(now - mtime) < 182 * 86400:
        return f"{month} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}"
    return f"{month} {t.tm_mday:2d}  {t.tm_year}"


async def ls(ctx: ProgramContext) -> int:
    try:
        flags, _, operands = parse_flags(ctx.argv[1:], "lad1AhFRSrtind")
    except UsageError as exc:
        await error(ctx, str(exc))
        return 1
    # -n: the long format with numeric owners.
    users = {} if "n" in flags else names_by_id(ctx, "/etc/passwd")
    groups = {} if "n" in flags else names_by_id(ctx, "/etc/group")
    if "n" in flags:
        flags.add("l")
    now = ctx.clock.now()
    status = 0
    files: list[tuple[str, FileStat]] = []
    dirs: list[tuple[str, str]] = []
    for name in operands or ["."]:
        path = abspath(ctx, name)
        try:
            st = ctx.fs.stat(path, follow_symlinks="l" not in flags)
        except OSError as exc:
            await error(ctx, f"{name}: {strerror(exc)}")
            status = 1
            continue
        if st.kind == "dir" and "d" not in flags:
            dirs.append((name, path))
        else:
            files.append((name, st))

    def line(name: str, st: FileStat) -> str:
        shown = name
        if "F" in flags:
            shown += (
                "/" if st.kind == "dir" else ("*" if st.mode & 0o111 and st.kind == "file" else "")
            )
        if "l" not in flags:
            return shown
        user = users.get(st.uid, str(st.uid))
        group = groups.get(st.gid, str(st.gid))
        if st.kind == "symlink":
            shown += " -> " + st.link_target
        size = (
            f"{st.rdev[0]:4d},{st.rdev[1]:4d}" if st.kind in ("char", "block") else f"{st.size:9d}"
        )
        return f"{mode_string(st)} {st.nlink:4d} {user:<8} {group:<8} {size} {_ls_time(st.mtime, now)} {shown}"

    out: list[str] = [line(name, st) for name, st in sorted(files)]
    for index, (name, path) in enumerate(sorted(dirs)):
        try:
            names = ctx.fs.listdir(path)
        except OSError as exc:
            await error(ctx, f"{name}: {strerror(exc)}")
            status = 1
            continue
        if "a" in flags:
            names = [".", "..", *names]
        elif "A" not in flags:
            names = [n for n in names if not n.startswith(".")]
        entries: list[tuple[str, FileStat]] = []
        for entry in names:
            try:
                entries.append(
                    (entry, ctx.fs.stat(posixpath.join(path, entry), follow_symlinks=False))
                )
            except OSError:
                continue
        if "t" in flags:
            entries.sort(key=lambda e: -e[1].mtime)
        elif "S" in flags:
            entries.sort(key=lambda e: -e[1].size)
        if "r" in flags:
            entries.reverse()
        if len(dirs) > 1 or files:
            if out or index:
                out.append("")
            out.append(f"{name}:")
        if "l" in flags:
            blocks = sum((st.size + 4095) // 4096 * 4 for _, st in entries if st.kind != "symlink")
            out.append(f"total {blocks}")
        out.extend(line(entry, st) for entry, st in entries)
    if out:
        await ctx.stdout.write(("\n".join(out) + "\n").encode())
    return status


async def mkdir(ctx: ProgramContext) -> int:
    flags, values, names = parse_flags(ctx.argv[1:], "p", "m")
    mode = int(values["m"], 8) if "m" in values else 0o777 & ~ctx.umask
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            if "p" in flags and ctx.fs.is_dir(path):
                continue
            ctx.fs.mkdir(path, mode=mode, parents="p" in flags)
        except OSError as exc:
            await error(ctx, f"can't create directory '{name}': {strerror(exc)}")
            status = 1
    return status


async def rm(ctx: ProgramContext) -> int:
    flags, _, names = parse_flags(ctx.argv[1:], "rRfiv")
    recursive = bool(flags & {"r", "R"})
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            st = ctx.fs.stat(path, follow_symlinks=False)
            if st.kind == "dir" and not recursive:
                await error(ctx, f"'{name}' is a directory")
                status = 1
                continue
            ctx.fs.remove(path, recursive=recursive)
        except OSError as exc:
            if "f" in flags and isinstance(exc, FileNotFoundError):
                continue
            await error(ctx, f"can't remove '{name}': {strerror(exc)}")
            status = 1
    return status


async def rmdir(ctx: ProgramContext) -> int:
    _flags, _, names = parse_flags(ctx.argv[1:], "p")
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            if not ctx.fs.is_dir(path):
                if not ctx.fs.exists(path):
                    raise FileNotFoundError(2, "No such file or directory")
                raise NotADirectoryError(20, "Not a directory")
            ctx.fs.remove(path)
        except OSError as exc:
            await error(ctx, f"'{name}': {strerror(exc)}")
            status = 1
    return status


async def touch(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(
        ctx, "[-cham] [-d DATE] [-t DATE] [-r FILE] FILE...", "cham", "dtr"
    )
    if parsed is None:
        return 1
    flags, values, names = parsed
    if not names:
        return await show_usage(ctx, "[-cham] [-d DATE] [-t DATE] [-r FILE] FILE...")
    when = await _touch_time(ctx, values)
    if when is None:
        return 1
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            if not ctx.fs.exists(path):
                if "c" in flags:
                    continue
                ctx.fs.write_file(path, b"", mode=0o666 & ~ctx.umask)
            ctx.fs.utime(path, when)
        except OSError as exc:
            await error(ctx, f"{name}: {strerror(exc)}")
            status = 1
    return status


async def _touch_time(ctx: ProgramContext, values: dict[str, str]) -> float | None:
    """The time -r, -d or -t asks for (now without them); None after busybox's complaint."""
    if "r" in values:
        try:
            return ctx.fs.stat(abspath(ctx, values["r"])).mtime
        except OSError as exc:
            await error(ctx, f"can't stat '{values['r']}': {strerror(exc)}")
            return None
    text = values.get("d", values.get("t"))
    if text is None:
        return ctx.clock.now()
    try:
        # Both take parse_datestr's formats; what they leave out stays as now.
        return parse_datestr(text, ctx.clock.now())
    except InvalidDate:
        await error(ctx, f"invalid date '{text}'")
        return None


async def _copy_tree(
    ctx: ProgramContext, src: str, dst: str, *, recursive: bool, preserve: bool = False
) -> None:
    st = ctx.fs.stat(src, follow_symlinks=False)
    if st.kind == "symlink" and recursive:
        ctx.fs.symlink(ctx.fs.readlink(src), dst)
        return
    st = ctx.fs.stat(src)
    if st.kind == "dir":
        if not recursive:
            raise IsADirectoryError(21, "Is a directory")
        if not ctx.fs.is_dir(dst):
            ctx.fs.mkdir(dst, mode=st.mode)
        for name in ctx.fs.listdir(src):
            await _copy_tree(
                ctx, posixpath.join(src, name), posixpath.join(dst, name),
                recursive=True, preserve=preserve,
            )  # fmt: skip
        return
    # A device is read as a stream ("cp /dev/null f" makes an empty file); a new
    # file gets the source's mode less the umask unless -p/-a keep it.
    data = await open_input(ctx, src).read()
    ctx.fs.write_file(dst, data, mode=st.mode if preserve else st.mode & ~ctx.umask)


async def cp(ctx: ProgramContext) -> int:
    flags, _, names = parse_flags(ctx.argv[1:], "rRapfdPLiv")
    if len(names) < 2:
        await error(
            ctx,
            "missing file operand"
            if not names
            else f"missing destination file operand after '{names[0]}'",
        )
        return 1
    *sources, target = names
    target_path = abspath(ctx, target)
    into_dir = ctx.fs.is_dir(target_path)
    if len(sources) > 1 and not into_dir:
        await error(ctx, f"'{target}' is not a directory")
        return 1
    status = 0
    for source in sources:
        src = abspath(ctx, source)
        dst = posixpath.join(target_path, posixpath.basename(src)) if into_dir else target_path
        try:
            ctx.fs.stat(src)
        except OSError as exc:
            await error(ctx, f"can't stat '{source}': {strerror(exc)}")
            status = 1
            continue
        try:
            await _copy_tree(
                ctx, src, dst, recursive=bool(flags & {"r", "R", "a"}),
                preserve=bool(flags & {"p", "a"}),
            )  # fmt: skip
        except IsADirectoryError:
            await error(ctx, f"omitting directory '{source}'")
            status = 1
        except OSError as exc:
            await error(ctx, f"can't create '{dst}': {strerror(exc)}")
            status = 1
    return status


async def mv(ctx: ProgramContext) -> int:
    _, _, names = parse_flags(ctx.argv[1:], "fin")
    if len(names) < 2:
        await error(ctx, "missing file operand")
        return 1
    *sources, target = names
    target_path = abspath(ctx, target)
    into_dir = ctx.fs.is_dir(target_path)
    status = 0
    for source in sources:
        src = abspath(ctx, source)
        dst = posixpath.join(target_path, posixpath.basename(src)) if into_dir else target_path
        try:
            ctx.fs.rename(src, dst)
        except OSError as exc:
            await error(ctx, f"can't rename '{source}': {strerror(exc)}")
            status = 1
    return status


async def ln(ctx: ProgramContext) -> int:
    flags, _, names = parse_flags(ctx.argv[1:], "sfnv")
    if len(names) < 2:
        await error(ctx, "missing file operand")
        return 1
    target, link = names[0], names[1]
    path = abspath(ctx, link)
    if ctx.fs.is_dir(path):
        path = posixpath.join(path, posixpath.basename(target))
    try:
        if "f" in flags and ctx.fs.exists(path):
            ctx.fs.remove(path)
        if "s" in flags:
            ctx.fs.symlink(target, path)
        else:
            ctx.fs.link(abspath(ctx, target), path)
    except OSError as exc:
        await error(ctx, f"{link}: {strerror(exc)}")
        return 1
    return 0


async def chmod(ctx: ProgramContext) -> int:
    _, _, args = parse_flags(ctx.argv[1:], "Rfv")
    if len(args) < 2:
        await error(ctx, "missing operand")
        return 1
    spec, names = args[0], args[1:]
    status = 0
    for name in names:
        path = abspath(ctx, name)
        try:
            current = ctx.fs.stat(path).mode
            ctx.fs.chmod(path, apply_mode(spec, current))
        except ValueError:
            await error(ctx, f"invalid mode '{spec}'")
            return 1
        except OSError as exc:
            await error(ctx, f"{name}: {strerror(exc)}")
            status = 1
    return status


def apply_mode(spec: str, current: int) -> int:
    if spec.isdigit():
        return int(spec, 8)
    mode = current
    for clause in spec.split(","):
        who = ""
        i = 0
        while i < len(clause) and clause[i] in "ugoa":
            who += clause[i]
            i += 1
        if i >= len(clause) or clause[i] not in "+-=":
            raise ValueError(spec)
        op = clause[i]
        perms = clause[i + 1 :]
        bits = 0
        for p in perms:
            bits |= {"r": 0o444, "w": 0o222, "x": 0o111, "X": 0o111, "s": 0o6000, "t": 0o1000}.get(
                p, -1
            )
            if bits < 0:
                raise ValueError(spec)
        mask = 0
        for w in who or "a":
            mask |= {"u": 0o4700, "g": 0o2070, "o": 0o1007, "a": 0o7777}[w]
        bits &= mask
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            mode = (mode & ~mask) | bits
    return mode


def _walk(ctx: ProgramContext, path: str) -> list[tuple[str, FileStat]]:
    """Depth-first, parents before children, names sorted."""
    out: list[tuple[str, FileStat]] = []
    try:
        st = ctx.fs.stat(path, follow_symlinks=False)
    except OSError:
        return out
    out.append((path, st))
    if st.kind == "dir":
        for name in ctx.fs.listdir(path):
            out.extend(_walk(ctx, posixpath.join(path, name)))
    return out


async def du(ctx: ProgramContext) -> int:
    flags, _, names = parse_flags(ctx.argv[1:], "skhac")
    status = 0
    for name in names or ["."]:
        path = abspath(ctx, name)
        if not ctx.fs.exists(path):
            await error(ctx, f"{name}: No such file or directory")
            status = 1
            continue
        entries = _walk(ctx, path)
        sizes: dict[str, int] = {}
        for entry, st in reversed(entries):
            own = 0 if st.kind == "symlink" else (st.size + 4095) // 4096 * 4
            sizes[entry] = sizes.get(entry, 0) + own
            parent = posixpath.dirname(entry)
            if entry != path:
                sizes[parent] = sizes.get(parent, 0) + sizes[entry]
        rows = (
            [(path, sizes[path])]
            if "s" in flags
            else [
                (entry, sizes[entry])
                for entry, st in reversed(entries)
                if st.kind == "dir" or "a" in flags or entry == path
            ]
        )
        for entry, size in rows:
            shown = name + entry[len(path) :] if entry != path else name
            await ctx.stdout.write(f"{size}\t{shown}\n".encode())
    return status


async def mktemp(ctx: ProgramContext) -> int:
    import secrets

    flags, values, names = parse_flags(ctx.argv[1:], "dqut", "p")
    template = names[0] if names else "tmp.XXXXXX"
    directory = values.get("p", ctx.env.get("TMPDIR", "/tmp"))
    count = len(template) - len(template.rstrip("X"))
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    name = template[: len(template) - count] + "".join(
        secrets.choice(alphabet) for _ in range(count)
    )
    # Without a template (or with -t / -p) the name goes in the temporary directory.
    if not names or "t" in flags or "p" in values:
        path = posixpath.join(directory, name)
    else:
        path = abspath(ctx, name)
    try:
        if "d" in flags:
            ctx.fs.mkdir(path, mode=0o700)
        elif "u" not in flags:
            ctx.fs.write_file(path, b"", mode=0o600)
    except OSError as exc:
        await error(ctx, f"{strerror(exc)}")
        return 1
    await ctx.stdout.write((path + "\n").encode())
    return 0


async def basename(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if not args:
        await error(ctx, "missing operand")
        return 1
    name = args[0].rstrip("/") or "/"
    name = posixpath.basename(name) or name
    if len(args) > 1 and name != args[1] and name.endswith(args[1]):
        name = name[: -len(args[1])]
    await ctx.stdout.write((name + "\n").encode())
    return 0


async def dirname(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if not args:
        await error(ctx, "missing operand")
        return 1
    path = args[0].rstrip("/") or "/"
    parent = posixpath.dirname(path).rstrip("/") or ("/" if path.startswith("/") else ".")
    await ctx.stdout.write((parent + "\n").encode())
    return 0


async def pwd(ctx: ProgramContext) -> int:
    await ctx.stdout.write((ctx.cwd + "\n").encode())
    return 0


async def which(ctx: ProgramContext) -> int:
    status = 0
    for name in ctx.argv[1:]:
        try:
            path = ctx.registry.find_executable(ctx.fs, name, env=ctx.env, cwd=ctx.cwd)
        except Exception:
            status = 1
            continue
        await ctx.stdout.write((path + "\n").encode())
    return status


_DD_FILE_WRITE = 8 << 20


async def dd(ctx: ProgramContext) -> int:
    options = dict(arg.split("=", 1) for arg in ctx.argv[1:] if "=" in arg)

    def size(text: str) -> int:
        units = {"k": 1024, "K": 1024, "M": 1024**2, "G": 1024**3, "c": 1, "w": 2, "b": 512}
        return int(text[:-1]) * units[text[-1]] if text[-1:] in units else int(text)

    bs = size(options.get("bs", "512"))
    count = int(options["count"]) if "count" in options else None
    source = options.get("if", "-")
    target = options.get("of", "-")
    source_stream = await open_operand(ctx, source, message="can't open '{name}': {error}")
    if source_stream is None:
        return 1
    if target == "-":
        out = ctx.stdout
    else:
        try:
            out = open_output(ctx, abspath(ctx, target))
        except OSError as exc:
            await error(ctx, f"can't open '{target}': {strerror(exc)}")
            return 1
    await read_exactly(source_stream, int(options.get("skip", "0")) * bs)
    # Block by block, so that "dd if=/dev/urandom bs=1M count=5" reads 5 MiB and ends;
    # into a regular file in larger writes (each append copies the file's content).
    pending: list[bytes] | None = [] if isinstance(out, FileOutput) else None
    records_in, records_out = [0, 0], [0, 0]  # full, partial
    status = 0
    while count is None or sum(records_in) < count:
        block = await read_exactly(source_stream, bs)
        if not block:
            break
        records_in[len(block) < bs] += 1
        if pending is not None:
            pending.append(block)
            if len(pending) * bs >= _DD_FILE_WRITE:
                await out.write(b"".join(pending))
                pending.clear()
        else:
            try:
                await out.write(block)
            except DeviceWriteError as exc:
                await error(ctx, f"error writing '{target}': {exc.strerror}")
                status = 1
                break
        records_out[len(block) < bs] += 1
    if pending:
        await out.write(b"".join(pending))
    # busybox prints no third (bytes copied) line unless built with it, as the image's is not.
    await ctx.stderr.write(
        f"{records_in[0]}+{records_in[1]} records in\n"
        f"{records_out[0]}+{records_out[1]} records out\n".encode()
    )
    return status
