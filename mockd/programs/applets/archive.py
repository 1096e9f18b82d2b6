"""tar, gzip, gunzip and zcat over the container's filesystem.

Archives are built and read whole in memory with ``tarfile`` and ``gzip``
(what a container's tar handles is small).  Extraction strips unsafe name
prefixes as busybox does (a leading ``/``, anything up to a ``../``) and makes
symlinks last, so an archive cannot write through a link it just made.  The
container's filesystem keeps every path inside its root anyway.
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import posixpath
import tarfile
import time
import zlib
from dataclasses import dataclass, field

from mockd.fs.api import FileStat
from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    abspath,
    error,
    names_by_id,
    parse_or_usage,
    show_usage,
    strerror,
)
from mockd.programs.applets.files import mode_string
from mockd.programs.opening import open_input, open_output
from mockd.programs.streams import OutputStream

_TAR_USAGE = "c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] [FILE]..."
_TAR_TYPES = {
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}


class _Fail(Exception):
    """The applet stops with this message (exit 1)."""


@dataclass
class _TarOptions:
    mode: str = ""  # "c", "x" or "t"
    archive: str = "-"
    directory: str = ""
    gzip: bool = False
    verbose: bool = False
    to_stdout: bool = False
    keep_old: bool = False
    no_mtime: bool = False
    no_owner: bool = False
    numeric: bool = False
    follow: bool = False
    recursion: bool = True
    strip: int = 0
    excludes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _tar_arguments(argv: list[str]) -> list[str]:
    """``tar czf x`` is ``tar -czf x``: a first word without a dash holds options."""
    args = list(argv)
    if args and not args[0].startswith("-"):
        args[0] = "-" + args[0]
    return args


async def _parse_tar(ctx: ProgramContext) -> _TarOptions | None:
    options = _TarOptions()
    short: list[str] = []
    args = _tar_arguments(ctx.argv[1:])
    i = 0
    while i < len(args):  # long options first; the rest goes to getopt
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in ("--strip-components", "--exclude"):
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            if name == "--exclude":
                options.excludes.append(value)
            elif value.isdigit():
                options.strip = int(value)
            else:
                await error(ctx, f"invalid number '{value}'")
                return None
        elif arg == "--no-recursion":
            options.recursion = False
        elif arg == "--numeric-owner":
            options.numeric = True
        elif arg in ("--overwrite", "--no-same-permissions"):
            pass
        elif arg.startswith("--") and arg != "--":
            await error(ctx, f"unrecognized option '{arg}'")
            await show_usage(ctx, _TAR_USAGE)
            return None
        else:
            short.append(arg)
        i += 1
    parsed = await parse_or_usage(ctx, _TAR_USAGE, "cxtzvOkmohaZJjp", "fCTX", args=short)
    if parsed is None:
        return None
    flags, values, names = parsed
    modes = [m for m in "cxt" if m in flags]
    if len(modes) != 1:
        await show_usage(ctx, _TAR_USAGE)
        return None
    if flags & set("ZJj"):
        await error(ctx, "only gzip compression is supported here")
        return None
    options.mode = modes[0]
    options.archive = values.get("f", "-")
    options.directory = values.get("C", "")
    options.gzip = "z" in flags
    options.verbose = "v" in flags
    options.to_stdout = "O" in flags
    options.keep_old = "k" in flags
    options.no_mtime = "m" in flags
    options.no_owner = "o" in flags
    options.follow = "h" in flags
    options.names = names
    return options


async def tar(ctx: ProgramContext) -> int:
    options = await _parse_tar(ctx)
    if options is None:
        return 1
    try:
        if options.mode == "c":
            return await _create(ctx, options)
        data = await _read_archive(ctx, options)
        return await _extract_or_list(ctx, options, data)
    except _Fail as exc:
        await error(ctx, str(exc))
        return 1


# -- create -----------------------------------------------------------------------


def _tar_type(st: FileStat) -> bytes:
    return {
        "dir": tarfile.DIRTYPE,
        "symlink": tarfile.SYMTYPE,
        "char": tarfile.CHRTYPE,
        "block": tarfile.BLKTYPE,
        "fifo": tarfile.FIFOTYPE,
    }.get(st.kind, tarfile.REGTYPE)


@dataclass
class _Creating:
    ctx: ProgramContext
    options: _TarOptions
    archive_path: str | None
    out: tarfile.TarFile
    listing: list[str] = field(default_factory=list)
    failed: bool = False
    users: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)


async def _add(job: _Creating, name: str, path: str) -> None:
    ctx = job.ctx
    if any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(posixpath.basename(name), p)
           for p in job.options.excludes):  # fmt: skip
        return
    try:
        st = ctx.fs.stat(path, follow_symlinks=job.options.follow)
    except OSError as exc:
        await error(ctx, f"{name}: {strerror(exc)}")
        job.failed = True
        return
    if path == job.archive_path:
        await error(ctx, f"{name}: file is the archive; skipping")
        return
    stored = name.lstrip("/")
    info = tarfile.TarInfo(stored + ("/" if st.kind == "dir" and stored else ""))
    info.type = _tar_type(st)
    info.mode = st.mode
    info.uid, info.gid = st.uid, st.gid
    info.uname = job.users.get(st.uid, "")
    info.gname = job.groups.get(st.gid, "")
    info.mtime = int(st.mtime)
    data = b""
    if st.kind == "symlink":
        info.linkname = st.link_target
    elif st.kind in ("char", "block"):
        info.devmajor, info.devminor = st.rdev
    elif st.kind in ("file", "hardlink"):
        data = ctx.fs.read_file(path)
        info.size = len(data)
    job.out.addfile(info, io.BytesIO(data) if info.size else None)
    job.listing.append(info.name)
    if st.kind == "dir" and job.options.recursion:
        for child in ctx.fs.listdir(path):
            await _add(job, f"{name.rstrip('/')}/{child}", f"{path.rstrip('/')}/{child}")


async def _create(ctx: ProgramContext, options: _TarOptions) -> int:
    if not options.names:
        raise _Fail("empty archive")
    base = abspath(ctx, options.directory) if options.directory else ctx.cwd
    archive_path = abspath(ctx, options.archive) if options.archive != "-" else None
    buffer = io.BytesIO()
    users = {} if options.numeric else names_by_id(ctx, "/etc/passwd")
    groups = {} if options.numeric else names_by_id(ctx, "/etc/group")
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as out:
        job = _Creating(ctx, options, archive_path, out, users=users, groups=groups)
        warned = False
        for name in options.names:
            if name.startswith("/") and not warned:
                warned = True
                await error(ctx, "removing leading '/' from member names")
            await _add(job, name, posixpath.normpath(posixpath.join(base, name)))
    data = buffer.getvalue()
    if options.gzip:
        data = gzip.compress(data, mtime=0)
    try:
        stream = ctx.stdout if archive_path is None else open_output(ctx, archive_path)
    except OSError as exc:
        raise _Fail(f"can't open '{options.archive}': {strerror(exc)}") from None
    await stream.write(data)
    if options.verbose:
        # The listing goes to stdout, unless the archive itself does.
        await (ctx.stderr if archive_path is None else ctx.stdout).write(
            "".join(n + "\n" for n in job.listing).encode()
        )
    if job.failed:
        await error(ctx, "error exit delayed from previous errors")
        return 1
    return 0


# -- extract and list -------------------------------------------------------------


async def _read_archive(ctx: ProgramContext, options: _TarOptions) -> bytes:
    if options.archive == "-":
        data = await ctx.stdin.read()
    else:
        try:
            data = await open_input(ctx, abspath(ctx, options.archive)).read()
        except OSError as exc:
            raise _Fail(f"can't open '{options.archive}': {strerror(exc)}") from None
    if options.gzip:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise _Fail("invalid magic") from None
    return data


def _members(data: bytes) -> list[tuple[tarfile.TarInfo, bytes]]:
    """Each entry with its content (empty for all but regular files)."""
    if len(data) < 512:
        raise _Fail("short read")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            entries = []
            for info in archive.getmembers():
                extracted = archive.extractfile(info) if info.isfile() else None
                entries.append((info, extracted.read() if extracted else b""))
            return entries
    except (tarfile.TarError, EOFError):
        raise _Fail("invalid tar magic") from None


def _unsafe_prefix(name: str) -> int:
    """Length of what busybox strips from a member name: leading ``/`` and up to a ``../``."""
    i = 0
    while True:
        if name.startswith("/", i):
            i += 1
        elif name.startswith("../", i):
            i += 3
        else:
            found = name.find("/../", i)
            if found < 0:
                return i
            i = found + 4


def _wanted(name: str, selected: list[str], used: set[str]) -> bool:
    if not selected:
        return True
    clean = name.rstrip("/")
    for pattern in selected:
        want = pattern.rstrip("/")
        if clean == want or clean.startswith(want + "/") or fnmatch.fnmatch(clean, want):
            used.add(pattern)
            return True
    return False


def _verbose_line(info: tarfile.TarInfo, name: str) -> str:
    kind = _TAR_TYPES.get(info.type, "file")
    st = FileStat(info.name, kind, info.mode & 0o7777, info.size, info.mtime)  # type: ignore[arg-type]
    user = info.uname or str(info.uid)
    group = info.gname or str(info.gid)
    t = time.gmtime(info.mtime)
    when = time.strftime("%Y-%m-%d %H:%M:%S", t)
    size = 0 if kind in ("dir", "symlink", "hardlink") else info.size
    line = f"{mode_string(st)} {user}/{group} {size:9d} {when} {name}"
    if kind == "symlink":
        line += f" -> {info.linkname}"
    elif kind == "hardlink":
        line += f" link to {info.linkname}"
    return line


async def _extract_or_list(ctx: ProgramContext, options: _TarOptions, data: bytes) -> int:
    base = abspath(ctx, options.directory) if options.directory else ctx.cwd
    used: set[str] = set()
    warned = False
    links: list[tuple[str, str, tarfile.TarInfo]] = []
    status = 0
    for info, content in _members(data):
        # tarfile drops a directory's trailing slash; busybox shows it.
        name = info.name + ("/" if info.isdir() and not info.name.endswith("/") else "")
        strip = _unsafe_prefix(name)
        if strip:
            if not warned:
                warned = True
                await error(ctx, f"removing leading '{name[:strip]}' from member names")
            name = name[strip:]
        if options.strip:
            parts = name.split("/")
            if len(parts) <= options.strip:
                continue
            name = "/".join(parts[options.strip :])
        if not name or not _wanted(name, options.names, used):
            continue
        if options.mode == "t":
            line = _verbose_line(info, name) if options.verbose else name
            await ctx.stdout.write((line + "\n").encode())
            continue
        if options.to_stdout:
            await ctx.stdout.write(content)
            continue
        if options.verbose:
            await ctx.stdout.write((name + "\n").encode())
        path = posixpath.normpath(posixpath.join(base, name))
        if info.issym():
            links.append((name, path, info))  # made last: see the module's docstring
            continue
        try:
            _extract_one(ctx, options, info, content, path, base)
        except OSError as exc:
            await error(ctx, f"can't create '{name}': {strerror(exc)}")
            status = 1
    for name, path, info in links:
        try:
            if ctx.fs.exists(path) or _is_link(ctx, path):
                if options.keep_old:
                    continue
                ctx.fs.remove(path)
            ctx.fs.symlink(info.linkname, path)
            _set_owner(ctx, options, path, info, follow=False)
        except OSError as exc:
            await error(ctx, f"can't create symlink '{name}': {strerror(exc)}")
            status = 1
    for pattern in options.names:
        if pattern not in used:
            await error(ctx, f"{pattern}: not found in archive")
            status = 1
    return status


def _is_link(ctx: ProgramContext, path: str) -> bool:
    try:
        return ctx.fs.stat(path, follow_symlinks=False).kind == "symlink"
    except OSError:
        return False


def _set_owner(
    ctx: ProgramContext, options: _TarOptions, path: str, info: tarfile.TarInfo, *, follow: bool
) -> None:
    if options.no_owner or ctx.user.uid != 0:
        return
    from mockd.programs.applets.ownership import set_owner

    users = {} if options.numeric else _ids(ctx, "/etc/passwd")
    groups = {} if options.numeric else _ids(ctx, "/etc/group")
    uid = users.get(info.uname, info.uid)
    gid = groups.get(info.gname, info.gid)
    set_owner(ctx.fs, path, uid, gid, follow=follow)


def _ids(ctx: ProgramContext, path: str) -> dict[str, int]:
    return {name: number for number, name in names_by_id(ctx, path).items()}


def _extract_one(
    ctx: ProgramContext,
    options: _TarOptions,
    info: tarfile.TarInfo,
    content: bytes,
    path: str,
    base: str,
) -> None:
    parent = posixpath.dirname(path)
    if not ctx.fs.exists(parent):
        ctx.fs.mkdir(parent, parents=True)
    mode = info.mode & 0o7777
    if info.isdir():
        if not ctx.fs.is_dir(path):
            ctx.fs.mkdir(path, mode=mode)
        ctx.fs.chmod(path, mode)
    elif info.isfile() or info.islnk():
        if options.keep_old and ctx.fs.exists(path):
            return
        if info.islnk():
            source = posixpath.join(base, info.linkname[_unsafe_prefix(info.linkname) :])
            content = ctx.fs.read_file(source)
        if _is_link(ctx, path):
            ctx.fs.remove(path)  # replace a link, never write through it
        ctx.fs.write_file(path, content, mode=mode)
        ctx.fs.chmod(path, mode)
    else:
        return  # devices and fifos: the mock's filesystem has no mknod
    _set_owner(ctx, options, path, info, follow=True)
    if not options.no_mtime:
        ctx.fs.utime(path, float(info.mtime))


# -- gzip ---------------------------------------------------------------------------


@dataclass
class _GzipJob:
    decompress: bool
    to_stdout: bool
    keep: bool
    force: bool
    test: bool


async def _gzip_stream(ctx: ProgramContext, job: _GzipJob, data: bytes) -> bytes | None:
    if job.decompress:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            await ctx.stderr.write(b"gunzip: invalid magic\n" if data[:2] != b"\x1f\x8b" else
                                   b"gunzip: corrupted data\n")  # fmt: skip
            return None
    return gzip.compress(data, compresslevel=6, mtime=0)


async def _gzip_file(ctx: ProgramContext, job: _GzipJob, name: str, out: OutputStream) -> int:
    path = abspath(ctx, name)
    suffixed = name.endswith((".gz", ".tgz"))
    if job.decompress and not job.to_stdout and not job.test and not suffixed:
        if not ctx.fs.exists(path):
            await error(ctx, f"{name}: No such file or directory")
        else:
            await error(ctx, f"{name}: unknown suffix - ignored")
        return 1
    try:
        data = await open_input(ctx, path).read()
    except OSError as exc:
        await error(ctx, f"{name}: {strerror(exc)}")
        return 1
    result = await _gzip_stream(ctx, job, data)
    if result is None:
        return 1
    if job.test:
        return 0
    if job.to_stdout:
        await out.write(result)
        return 0
    if job.decompress:
        target = path[: -len(".tgz")] + ".tar" if name.endswith(".tgz") else path[:-3]
    else:
        target = path + ".gz"
    if ctx.fs.exists(target) and not job.force:
        shown = name[:-3] if job.decompress else name + ".gz"
        await error(ctx, f"can't open '{shown}': File exists")
        return 1
    st = ctx.fs.stat(path)
    ctx.fs.write_file(target, result, mode=st.mode)
    ctx.fs.utime(target, st.mtime)
    if not job.keep:
        ctx.fs.remove(path)
    return 0


async def _gzip_main(ctx: ProgramContext, *, decompress: bool, to_stdout: bool) -> int:
    parsed = await parse_or_usage(ctx, "[-cfkdt] [FILE]...", "cfkdtvqn123456789")
    if parsed is None:
        return 1
    flags, _, names = parsed
    job = _GzipJob(
        decompress=decompress or "d" in flags or "t" in flags,
        to_stdout=to_stdout or "c" in flags,
        keep="k" in flags,
        force="f" in flags,
        test="t" in flags,
    )
    status = 0
    for name in names or ["-"]:
        if name == "-":
            result = await _gzip_stream(ctx, job, await ctx.stdin.read())
            if result is None:
                status = 1
            elif not job.test:
                await ctx.stdout.write(result)
            continue
        status |= await _gzip_file(ctx, job, name, ctx.stdout)
    return status


async def gzip_(ctx: ProgramContext) -> int:
    return await _gzip_main(ctx, decompress=False, to_stdout=False)


async def gunzip(ctx: ProgramContext) -> int:
    return await _gzip_main(ctx, decompress=True, to_stdout=False)


async def zcat(ctx: ProgramContext) -> int:
    return await _gzip_main(ctx, decompress=True, to_stdout=True)
