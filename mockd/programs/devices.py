"""The character devices dockerd gives every container, as streams and as a ``/dev`` tree.

A device node in the filesystem is metadata only (kind ``char``, major and
minor); what reading and writing it does lives here, looked up by its numbers
as the kernel does.  The streams are lazy: ``/dev/zero`` and ``/dev/urandom``
produce only what their reader asks for, so ``head -c 10 /dev/urandom`` ends
and ``cat /dev/zero | head -c 100`` is held back by the pipe between them.

:func:`dev_tree` builds what runc mounts at ``/dev`` (a tmpfs with these
nodes, the ``/proc/self/fd`` links and ``pts``, ``shm`` and ``mqueue``); the
engine mounts it in front of the container's layer, so nothing of it is in
``docker diff``, ``docker export`` or a commit, as with dockerd.
"""

from __future__ import annotations

import errno
import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from mockd.fs import ContainerFS, MemoryFileSystem
from mockd.fs.nodes import Node, stamped_copy
from mockd.fs.union import UnionView
from mockd.programs.scheduling import checkpoint
from mockd.programs.streams import EmptyInput, InputStream, NullOutput, OutputStream

# The most one read of an endless device returns (``dd bs=1M`` gets a block a read).
READ_CHUNK = 1 << 20


class DeviceWriteError(OSError):
    """A write a device refuses (``/dev/full``): busybox reports ``write error: ...``."""


class EndlessRead(MemoryError):
    """Reading an endless device to its end: a real program runs out of memory."""


def _no_device(path: str) -> OSError:
    return OSError(errno.ENXIO, os.strerror(errno.ENXIO), path)


# -- the streams ------------------------------------------------------------------


class _EndlessInput:
    """Bytes forever: each read gives what was asked for (bounded by ``READ_CHUNK``)."""

    async def read(self, n: int = -1) -> bytes:
        await checkpoint()
        if n < 0:
            raise EndlessRead("out of memory")
        return self._produce(min(n, READ_CHUNK))

    async def readline(self) -> bytes:
        # Zeros and random bytes have newlines rarely or never: give a buffer's worth.
        await checkpoint()
        data = self._produce(READ_CHUNK // 16)
        newline = data.find(b"\n")
        return data if newline < 0 else data[: newline + 1]

    def _produce(self, n: int) -> bytes:
        raise NotImplementedError


class ZeroInput(_EndlessInput):
    """Reading ``/dev/zero`` (and ``/dev/full``): NUL bytes forever."""

    def _produce(self, n: int) -> bytes:
        return bytes(n)


class RandomInput(_EndlessInput):
    """Reading ``/dev/random`` and ``/dev/urandom``: random bytes forever."""

    def _produce(self, n: int) -> bytes:
        return os.urandom(n)


class FullOutput:
    """Writing ``/dev/full``: every write fails with ``ENOSPC``."""

    async def write(self, data: bytes) -> None:
        await checkpoint()
        if data:
            raise DeviceWriteError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# -- the devices ------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    name: str  # its node under /dev
    major: int
    minor: int
    reader: Callable[[], InputStream]
    writer: Callable[[], OutputStream]


# What dockerd's default spec (oci.DefaultLinuxSpec) creates in every container.
DEVICES = (
    Device("null", 1, 3, EmptyInput, NullOutput),
    Device("zero", 1, 5, ZeroInput, NullOutput),
    Device("full", 1, 7, ZeroInput, FullOutput),
    Device("random", 1, 8, RandomInput, NullOutput),
    Device("urandom", 1, 9, RandomInput, NullOutput),
    Device("tty", 5, 0, EmptyInput, NullOutput),  # the controlling terminal: see ``open_device``
)
TTY = (5, 0)
_BY_NUMBER = {(d.major, d.minor): d for d in DEVICES}
_BY_PATH = {f"/dev/{d.name}": d for d in DEVICES}


def device_by_number(rdev: tuple[int, int]) -> Device | None:
    return _BY_NUMBER.get(rdev)


def standard_device(path: str) -> Device | None:
    """The device a process outside any container still finds at ``path`` (no ``/dev`` there)."""
    return _BY_PATH.get(path)


# -- /dev as runc mounts it --------------------------------------------------------

# (name, target): the links runc adds (the ``fd`` ones go through procfs).
DEV_LINKS = (
    ("fd", "/proc/self/fd"),
    ("ptmx", "pts/ptmx"),
    ("stderr", "/proc/self/fd/2"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
)
PTMX = (5, 2)


def dev_tree(clock: Callable[[], float] = time.time) -> MemoryFileSystem:
    """A fresh ``/dev`` (a container's tmpfs, new at each start), every entry made now.

    Copied from a tree built once (every start of every container makes one):
    copying its 16 nodes is cheaper than creating them path by path.
    """
    return MemoryFileSystem(clock=clock, root=stamped_copy(_dev_template(), clock()))


def dev_until_start(clock: Callable[[], float] = time.time) -> ContainerFS:
    """The ``/dev`` of a container not started yet: a copy-on-write view of the
    template, made in O(1).

    Nothing runs in it: its first start mounts a :func:`dev_tree` over it,
    before its process runs.  Until then it only takes what is made under
    ``/dev`` at create (mount points, an archive put), which that start
    discards as runc's new tmpfs does; the template itself is never written.
    """
    return ContainerFS(UnionView([_dev_template()]), clock=clock)


@functools.cache
def _dev_template() -> Node:
    """What :func:`dev_tree` copies (never handed out itself)."""
    fs = MemoryFileSystem(clock=lambda: 0.0)
    for device in DEVICES:
        fs.mknod(f"/{device.name}", "char", mode=0o666, rdev=(device.major, device.minor))
    for name, target in DEV_LINKS:
        fs.symlink(target, f"/{name}")
    fs.mkdir("/pts", mode=0o755)  # devpts
    fs.mknod("/pts/ptmx", "char", mode=0o666, rdev=PTMX)
    fs.mkdir("/shm", mode=0o1777)  # tmpfs
    fs.mkdir("/mqueue", mode=0o1777)  # mqueue
    return fs.upper


# -- opening a device --------------------------------------------------------------


def open_device(
    rdev: tuple[int, int],
    path: str,
    *,
    write: bool,
    terminal: tuple[InputStream, OutputStream] | None,
) -> InputStream | OutputStream:
    """The stream of the device numbered ``rdev``; ``ENXIO`` for one the mock does not have.

    ``terminal`` is the process's terminal (stdin, stdout) when it has one:
    ``/dev/tty`` is that terminal, and without one opening it fails, as in a
    container run without ``-t``.
    """
    if rdev == TTY:
        if terminal is None:
            raise _no_device(path)
        return terminal[1] if write else terminal[0]
    device = device_by_number(rdev)
    if device is None:
        raise _no_device(path)
    return device.writer() if write else device.reader()
