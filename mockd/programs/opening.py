"""Opening a path in the container as a stream: regular files, devices, ``/proc/self/fd/N``.

The one way programs open files by name (the shell's redirections, the
applets' file operands), so that every one of them sees ``/dev/zero``,
``/dev/full``, ``/dev/stdout`` and a regular file the same way.  A path that
leads (through links such as ``/dev/stdout`` or ``/dev/fd``) to
``/proc/<pid>/fd/N`` is that process's descriptor ``N``: ``fds``, the opener's
table (the shell's current one), or the program's own stdio.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
from collections.abc import Mapping
from typing import cast

from mockd.fs.api import FileStat, FileSystem
from mockd.fs.union import MAX_SYMLINKS
from mockd.programs.api import ProgramContext
from mockd.programs.devices import open_device, standard_device
from mockd.programs.scheduling import checkpoint
from mockd.programs.streams import BytesInput, EmptyInput, InputStream, NullOutput, OutputStream

_PROC_FD = re.compile(r"/proc/(self|\d+)/fd/(\d+)")


class FileOutput:
    """``> file`` / ``>> file``: each write appends to the file in the container's fs."""

    def __init__(self, fs: FileSystem, path: str, *, append: bool, mode: int = 0o644) -> None:
        self._fs = fs
        self._path = path
        if not append or not fs.exists(path):
            fs.write_file(path, b"", mode=mode)
        elif fs.is_dir(path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        else:
            # Opening for append fails up front (read-only mount, permissions), as open(2) does.
            fs.write_file(path, b"", append=True)

    async def write(self, data: bytes) -> None:
        await checkpoint()
        if data:
            self._fs.write_file(self._path, data, append=True)


def _enoent(path: str) -> OSError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)


def proc_fd(fs: FileSystem, path: str) -> tuple[str, int] | None:
    """(pid or ``self``, fd) when ``path`` leads through symlinks to ``/proc/<pid>/fd/<fd>``.

    The mock has no procfs: the links in ``/dev`` point at paths that do not
    exist in the filesystem, so they are followed here, one component at a time.
    """
    path = posixpath.normpath(path)
    for _ in range(MAX_SYMLINKS + 1):
        match = _PROC_FD.fullmatch(path)
        if match:
            return match.group(1), int(match.group(2))
        parts = [p for p in path.split("/") if p]
        built = ""
        for index, name in enumerate(parts):
            here = f"{built}/{name}"
            try:
                st = fs.stat(here, follow_symlinks=False)
            except OSError:
                return None
            if st.kind == "symlink":
                base = (
                    st.link_target
                    if st.link_target.startswith("/")
                    else f"{built}/{st.link_target}"
                )
                path = posixpath.normpath("/".join([base, *parts[index + 1 :]]))
                break
            built = here
        else:
            return None
    return None


def _descriptor(
    ctx: ProgramContext, link: tuple[str, int], fds: Mapping[int, object] | None, path: str
) -> object:
    pid, fd = link
    own = pid == "self" or int(pid) == ctx.pid
    table: Mapping[int, object] = (
        fds if own and fds is not None else {0: ctx.stdin, 1: ctx.stdout, 2: ctx.stderr}
    )
    if fd not in table:
        raise _enoent(path)
    return table[fd]


def _terminal(ctx: ProgramContext) -> tuple[InputStream, OutputStream] | None:
    return (ctx.stdin, ctx.stdout) if ctx.tty else None


def _stat(ctx: ProgramContext, path: str) -> FileStat | None:
    """The entry at ``path`` (links followed); None when there is none."""
    try:
        return ctx.fs.stat(path)
    except FileNotFoundError:
        return None


def _outside_container_device(ctx: ProgramContext, path: str) -> tuple[int, int] | None:
    """A filesystem with no ``/dev`` at all (programs run on a bare tree) still has the
    standard devices, so ``> /dev/null`` works there too."""
    device = standard_device(path)
    if device is None or ctx.fs.exists("/dev"):
        return None
    return device.major, device.minor


def open_input(
    ctx: ProgramContext, path: str, *, fds: Mapping[int, object] | None = None
) -> InputStream:
    """``path`` (absolute) opened for reading; raises ``OSError`` as open(2) would.

    A directory raises ``IsADirectoryError`` (callers differ in what they make of it).
    """
    link = proc_fd(ctx.fs, path)
    if link is not None:
        return cast(InputStream, _descriptor(ctx, link, fds, path))
    st = _stat(ctx, path)
    if st is None:
        rdev = _outside_container_device(ctx, path)
        if rdev is None:
            raise _enoent(path)
        return cast(InputStream, open_device(rdev, path, write=False, terminal=_terminal(ctx)))
    if st.kind == "char":
        return cast(InputStream, open_device(st.rdev, path, write=False, terminal=_terminal(ctx)))
    if st.kind == "dir":
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if st.kind not in ("file", "hardlink"):
        return EmptyInput()  # fifos and sockets with no one at the other end
    return BytesInput(ctx.fs.read_file(path))


def open_output(
    ctx: ProgramContext,
    path: str,
    *,
    append: bool = False,
    fds: Mapping[int, object] | None = None,
) -> OutputStream:
    """``path`` (absolute) opened for writing, created (mode 0666 less the umask) or
    truncated unless ``append``; raises ``OSError`` as open(2) would."""
    link = proc_fd(ctx.fs, path)
    if link is not None:
        return cast(OutputStream, _descriptor(ctx, link, fds, path))
    st = _stat(ctx, path)
    rdev = st.rdev if st is not None and st.kind == "char" else None
    if st is None:
        rdev = _outside_container_device(ctx, path)
    if rdev is not None:
        return cast(OutputStream, open_device(rdev, path, write=True, terminal=_terminal(ctx)))
    if st is not None and st.kind in ("fifo", "socket", "block"):
        return NullOutput()
    return FileOutput(ctx.fs, path, append=append, mode=0o666 & ~ctx.umask)
