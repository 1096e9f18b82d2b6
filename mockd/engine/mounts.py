"""A container's mounts: the filesystems in front of its own layer.

:class:`MountTable` is what a container's processes see: the ``FileSystem``
protocol over the container's copy-on-write layer, with each path routed to
the filesystem that owns its longest-prefix mount point (a volume's tree, a
tmpfs, a host directory).  Symlinks are resolved across mount points, inside
the container's root.  Read-only mounts refuse writes with ``EROFS``.  The
container's own layer is still ``Container.fs``, so ``changes()``, export and
commit see only it, as with dockerd (volumes are not in the diff).  ``/dev``
(``mockd.programs.devices.dev_tree``, fresh at each start; before the first,
``dev_until_start``) is a runtime mount:
processes see it, the archive endpoints do not, as dockerd's archive code
mounts volumes but not runc's ``/dev`` tmpfs.

:class:`HostDirectory` is the one implementation of the protocol over a real
host directory (bind mounts and ``o=bind`` volumes): every path is resolved
inside it, so a symlink can never lead outside the directory given.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat as stat_mod
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from mockd.fs import ContainerFS, ExtractConflictError, MemoryFileSystem, paths
from mockd.fs.api import FileKind, FileStat, FileSystem, SpecialKind
from mockd.fs.errors import fs_error
from mockd.fs.union import Stack, UnionView, child_stack, stat_of
from mockd.programs.devices import dev_tree, dev_until_start

if TYPE_CHECKING:
    from mockd.engine.mount_info import MountInfo
    from mockd.engine.volumes import VolumeStore

__all__ = [
    "ContainerMounts", "HostDirectory", "Mount", "MountPoint", "MountTable", "archive_view",
    "copy_tree", "merge_tree", "staged_paths", "within_mount",
]  # fmt: skip

MAX_SYMLINKS = 40  # Linux's limit on links followed in one lookup
DEFAULT_SHM_BYTES = 64 * 1024 * 1024  # dockerd's default HostConfig.ShmSize


def _kind(mode: int) -> FileKind:
    if stat_mod.S_ISDIR(mode):
        return "dir"
    if stat_mod.S_ISLNK(mode):
        return "symlink"
    if stat_mod.S_ISCHR(mode):
        return "char"
    if stat_mod.S_ISBLK(mode):
        return "block"
    if stat_mod.S_ISFIFO(mode):
        return "fifo"
    if stat_mod.S_ISSOCK(mode):
        return "socket"
    return "file"


class _QueriesFromStat:
    """``exists`` and ``is_dir`` answered by ``stat``: these filesystems have no cheaper way."""

    def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        try:
            self.stat(path)
        except OSError:
            return False
        return True

    def is_dir(self, path: str) -> bool:
        try:
            return self.stat(path).kind == "dir"
        except OSError:
            return False


class HostDirectory(_QueriesFromStat):
    """``FileSystem`` over a real host directory, confined to it.

    Paths are container paths (``/a/b`` is ``<root>/a/b``); symlinks are
    resolved here, not by the OS, with an absolute target restarting at the
    root and ``..`` stopping at it, as inside a container.  Errors name the
    container path, never the host's.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def root(self) -> Path:
        return Path(os.path.realpath(self.path))

    # -- resolution --------------------------------------------------------

    def _parts(self, path: str, *, follow_last: bool) -> list[str]:
        """The physical components of ``path`` inside the root (missing ones kept as named)."""
        root = self.root
        parts: list[str] = []
        todo = deque(paths.split(path))
        links = 0
        while todo:
            name = todo.popleft()
            if name == "..":
                if parts:
                    parts.pop()
                continue
            host = root.joinpath(*parts, name)
            if os.path.islink(host) and (todo or follow_last):
                links += 1
                if links > MAX_SYMLINKS:
                    raise fs_error(errno.ELOOP, path)
                target = os.readlink(host)
                if target.startswith("/"):
                    parts.clear()
                todo.extendleft(reversed(paths.split(target)))
                continue
            parts.append(name)
        return parts

    def _host(self, path: str, *, follow_last: bool = True) -> Path:
        return self.root.joinpath(*self._parts(path, follow_last=follow_last))

    @staticmethod
    @contextlib.contextmanager
    def _errors(path: str) -> Iterator[None]:
        """Re-raise an ``os`` error with the container path (the host's stays hidden)."""
        try:
            yield
        except OSError as err:
            raise fs_error(err.errno or errno.EIO, path) from None

    # -- reading -----------------------------------------------------------

    def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        host = self._host(path, follow_last=follow_symlinks)
        with self._errors(path):
            st = os.lstat(host)
        kind = _kind(st.st_mode)
        return FileStat(
            path=path, kind=kind, mode=stat_mod.S_IMODE(st.st_mode),
            size=st.st_size if kind == "file" else 0, mtime=st.st_mtime,
            uid=st.st_uid, gid=st.st_gid,
            link_target=os.readlink(host) if kind == "symlink" else "",
            rdev=(os.major(st.st_rdev), os.minor(st.st_rdev)) if kind in ("char", "block") else (0, 0),
            nlink=st.st_nlink, inode=st.st_ino,
        )  # fmt: skip

    def listdir(self, path: str) -> list[str]:
        with self._errors(path):
            return sorted(os.listdir(self._host(path)))

    def read_file(self, path: str) -> bytes:
        host = self._host(path)
        if host.is_dir():
            raise fs_error(errno.EISDIR, path)
        with self._errors(path):
            return host.read_bytes()

    def readlink(self, path: str) -> str:
        with self._errors(path):
            return os.readlink(self._host(path, follow_last=False))

    def realpath(self, path: str) -> str:
        return paths.join(self._parts(path, follow_last=True))

    def size(self) -> int:
        """Bytes of file content under the directory (a volume's UsageData.Size)."""
        total = 0
        for root, _, files in os.walk(self.root):
            for name in files:
                full = os.path.join(root, name)
                if not os.path.islink(full):
                    total += os.lstat(full).st_size
        return total

    # -- writing -----------------------------------------------------------

    def write_file(
        self, path: str, data: bytes, *, append: bool = False, mode: int | None = None
    ) -> None:
        host = self._host(path)
        if host.is_dir():
            raise fs_error(errno.EISDIR, path)
        created = not host.exists()
        with self._errors(path):
            with open(host, "ab" if append else "wb") as fh:
                fh.write(data)
            if created and mode is not None:
                os.chmod(host, mode)

    def mkdir(self, path: str, *, mode: int = 0o755, parents: bool = False) -> None:
        host = self._host(path)
        if parents and host.is_dir():
            return
        with self._errors(path):
            if parents:
                os.makedirs(host, mode)
            else:
                os.mkdir(host, mode)

    def remove(self, path: str, *, recursive: bool = False) -> None:
        host = self._host(path, follow_last=False)
        if host == self.root:
            raise fs_error(errno.EBUSY, path)
        with self._errors(path):
            if host.is_symlink() or not host.is_dir():
                os.unlink(host)
            elif recursive:
                shutil.rmtree(host)
            else:
                os.rmdir(host)

    def rename(self, src: str, dst: str) -> None:
        with self._errors(src):
            os.rename(self._host(src, follow_last=False), self._host(dst))

    def symlink(self, target: str, path: str) -> None:
        # The target is stored as given; it is only ever resolved by _parts.
        with self._errors(path):
            os.symlink(target, self._host(path, follow_last=False))

    def link(self, src: str, dst: str) -> None:
        with self._errors(dst):
            os.link(self._host(src, follow_last=False), self._host(dst, follow_last=False))

    def mknod(
        self, path: str, kind: SpecialKind, *, mode: int = 0o644, rdev: tuple[int, int] = (0, 0)
    ) -> None:
        if kind != "fifo":
            # A device or socket node made in a host directory would be real on
            # the host: refused, as a container without CAP_MKNOD is.
            raise fs_error(errno.EPERM, path)
        with self._errors(path):
            os.mkfifo(self._host(path, follow_last=False), mode)

    def chmod(self, path: str, mode: int) -> None:
        with self._errors(path):
            os.chmod(self._host(path), mode)

    def chown(self, path: str, uid: int, gid: int) -> None:
        try:
            os.chown(self._host(path), uid, gid)
        except PermissionError:
            # The mock rarely runs as root; the container's root may chown, the mock cannot.
            pass
        except OSError as err:
            raise fs_error(err.errno or errno.EIO, path) from None

    def utime(self, path: str, mtime: float) -> None:
        with self._errors(path):
            os.utime(self._host(path), (mtime, mtime))


# -- the mount table --------------------------------------------------------


@dataclass
class Mount:
    """``source`` (a directory or a file) of ``fs`` mounted at ``destination``.

    The other fields only describe the mount to ``df`` and ``mount``
    (``mockd.engine.mount_info``); they change nothing of how paths are routed.
    """

    destination: str
    fs: FileSystem
    read_only: bool = False
    source: str = "/"
    kind: str = ""  # "volume", "bind", "tmpfs", "etc" (the /etc files) or "" (/dev)
    host_path: str = ""  # the host directory of a bind or o=bind volume ("": in memory)
    tmpfs_size: int = 0  # bytes; 0: the kernel's default (half of RAM)
    tmpfs_options: str = ""  # mode=, uid=, gid= as /proc/mounts shows them
    # dockerd's order before its sort by depth: volumes and binds, then the
    # /etc files, then HostConfig.Tmpfs, then Mounts' tmpfs (see mount_info).
    rank: int = 0


def _erofs(path: str) -> OSError:
    return fs_error(errno.EROFS, path)


def within_mount(path: str, mount_point: str) -> bool:
    """Whether the (resolved, clean) ``path`` is ``mount_point`` or under it."""
    return mount_point == "/" or path == mount_point or path.startswith(mount_point + "/")


def _stack_in(fs: FileSystem, inner: str) -> Stack | None:
    """The nodes at ``inner`` of a layered filesystem (``[]``: nothing there);
    ``None`` for another kind of filesystem, which is asked by ``stat``."""
    return fs.lookup_stack(inner) if isinstance(fs, UnionView) else None


class _Place(NamedTuple):
    """Where a resolved container path is: the filesystem owning it, the path in it."""

    fs: FileSystem
    inner: str
    mount: Mount | None  # None: the container's own layer
    stack: Stack | None  # in a layered filesystem, the nodes there ([]: nothing)

    @property
    def read_only(self) -> bool:
        return self.mount is not None and self.mount.read_only


def _link_target(fs: FileSystem, inner: str) -> str | None:
    """The target of the symlink at ``inner`` of ``fs`` (``None``: no link, or nothing)."""
    try:
        st = fs.stat(inner, follow_symlinks=False)
    except OSError:
        return None
    return st.link_target if st.kind == "symlink" else None


class MountTable(_QueriesFromStat):
    """``FileSystem`` over a root filesystem and the mounts in front of it."""

    def __init__(self, root: FileSystem, mounts: list[Mount] | None = None) -> None:
        self.root = root
        # HostConfig.ReadonlyRootfs: processes get EROFS outside the mounts.
        self.root_read_only = False
        # What the archive endpoints see too (volumes, binds, tmpfs, the /etc files)...
        self.mounts: list[Mount] = []
        # ...and what only processes see: runc's /dev (dockerd's archive code
        # mounts the volumes, not the /dev tmpfs).
        self.runtime_mounts: list[Mount] = []
        self._routing: list[Mount] = []
        self._by_destination: dict[str, Mount] = {}  # a walk meets mount points by name
        # What only df and mount read (mockd.engine.mount_info): the mounts
        # runc makes besides these, as the container's HostConfig asks.
        self.added: dict[str, int] = {}  # destination: when it was added (ties in dockerd's sort)
        self.shm_size = DEFAULT_SHM_BYTES  # HostConfig.ShmSize
        self.masked_paths: list[str] = []  # HostConfig.MaskedPaths
        self.readonly_paths: list[str] = []  # HostConfig.ReadonlyPaths
        self.layer_id = ""  # names the overlay's upperdir in its mount options
        for mount in mounts or []:
            self.add(mount)

    def mount_info(self) -> list[MountInfo]:
        """The container's mounts as its ``/proc/mounts`` lists them, with their usage."""
        from mockd.engine.mount_info import describe

        return describe(self)

    def add(self, mount: Mount, *, runtime: bool = False) -> None:
        mount.destination = paths.clean(mount.destination)
        self.mounts = [m for m in self.mounts if m.destination != mount.destination]
        self.runtime_mounts = [m for m in self.runtime_mounts if m.destination != mount.destination]
        (self.runtime_mounts if runtime else self.mounts).append(mount)
        self.added[mount.destination] = len(self.added)
        # Longest first, so the first prefix hit is the owner.
        self.mounts.sort(key=lambda m: len(m.destination), reverse=True)
        self._routing = sorted(
            [*self.mounts, *self.runtime_mounts], key=lambda m: len(m.destination), reverse=True
        )
        self._by_destination = {m.destination: m for m in self._routing}

    def replace_fs(self, destination: str, fs: FileSystem) -> None:
        for mount in self._routing:
            if mount.destination == paths.clean(destination):
                mount.fs = fs

    # -- routing -----------------------------------------------------------

    def _at(self, here: str) -> _Place:
        """Where the resolved container path ``here`` is (``""`` for the root)."""
        mount: Mount | None = None
        if not here:  # where every walk starts
            mount = self._by_destination.get("/")
        else:
            for candidate in self._routing:
                if within_mount(here, candidate.destination):
                    mount = candidate
                    break
        if mount is None:
            return _Place(self.root, here or "/", None, _stack_in(self.root, here or "/"))
        rest = here[len(mount.destination) :] if mount.destination != "/" else here
        inner = paths.clean(mount.source + rest)
        return _Place(mount.fs, inner, mount, _stack_in(mount.fs, inner))

    def _walk(self, path: str, *, follow_last: bool) -> tuple[str, _Place]:
        """``path`` with its symlinks resolved across mounts (missing tails kept), and
        where it is.

        One lookup per name: the walk carries the owning filesystem and, in a
        layered one, the stack of nodes at the current directory, so the cost
        is O(depth), not a lookup from the root for every prefix (this runs
        for every path a process touches: six times in a ``$PATH`` search).
        """
        by_destination = self._by_destination
        here = ""  # the resolved path so far ("" at the root)
        fs, inner, mount, stack = self._at("")
        todo = [part for part in reversed(path.split("/")) if part and part != "."]
        links = 0
        while todo:
            name = todo.pop()
            if name == "..":
                if here:
                    here = here[: here.rfind("/")]
                    fs, inner, mount, stack = self._at(here)
                continue
            child_path = here + "/" + name
            child_mount = by_destination.get(child_path)
            if child_mount is not None:  # a mount point: its filesystem's source from here on
                child_fs, child_inner = child_mount.fs, paths.clean(child_mount.source)
                child_nodes = _stack_in(child_fs, child_inner)
            else:
                child_fs, child_mount = fs, mount
                child_inner = ("" if inner == "/" else inner) + "/" + name
                if stack is None:
                    child_nodes = None
                elif stack and stack[0].kind == "dir":
                    child_nodes = child_stack(stack, name)
                else:  # under something missing or not a directory (ENOENT, ENOTDIR)
                    child_nodes = []
            if todo or follow_last:
                if child_nodes is not None:
                    node = child_nodes[0] if child_nodes else None
                    target = node.target if node is not None and node.kind == "symlink" else None
                else:
                    target = _link_target(child_fs, child_inner)
                if target is not None:
                    links += 1
                    if links > MAX_SYMLINKS:
                        raise fs_error(errno.ELOOP, path)
                    if target.startswith("/"):
                        here = ""
                        fs, inner, mount, stack = self._at("")
                    todo.extend(reversed(paths.split(target)))
                    continue
            here = child_path
            fs, inner, mount, stack = child_fs, child_inner, child_mount, child_nodes
        return here or "/", _Place(fs, inner, mount, stack)

    def _resolve(self, path: str, *, follow_last: bool) -> str:
        """``path`` with its symlinks resolved across mounts (missing tails kept)."""
        return self._walk(path, follow_last=follow_last)[0]

    def _route(self, path: str, *, follow_last: bool = True) -> tuple[FileSystem, str, bool]:
        place = self._walk(path, follow_last=follow_last)[1]
        read_only = place.read_only if place.mount is not None else self.root_read_only
        return place.fs, place.inner, read_only

    def _writable(self, path: str, *, follow_last: bool = True) -> tuple[FileSystem, str]:
        fs, inner, read_only = self._route(path, follow_last=follow_last)
        if read_only:
            raise _erofs(path)
        return fs, inner

    # -- reading -----------------------------------------------------------

    def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        place = self._walk(path, follow_last=follow_symlinks)[1]
        if place.stack:  # found in a layered filesystem: no second lookup
            return stat_of(place.stack[0], path, place.stack)
        return replace(place.fs.stat(place.inner, follow_symlinks=False), path=path)

    def probe(self, path: str) -> tuple[str, int] | None:
        """(kind, permission bits) of what ``path`` names, symlinks followed; ``None``
        where nothing is (``stat`` without the error a miss costs)."""
        try:
            place = self._walk(path, follow_last=True)[1]
        except OSError:
            return None
        if place.stack is not None:
            return (place.stack[0].kind, place.stack[0].mode & 0o7777) if place.stack else None
        try:
            st = place.fs.stat(place.inner, follow_symlinks=False)
        except OSError:
            return None
        return st.kind, st.mode

    def exists(self, path: str) -> bool:
        return self.probe(path) is not None

    def is_dir(self, path: str) -> bool:
        found = self.probe(path)
        return found is not None and found[0] == "dir"

    def listdir(self, path: str) -> list[str]:
        resolved, place = self._walk(path, follow_last=True)
        names = set(place.fs.listdir(place.inner))
        # Mount points show in their directory even where nothing was made for them.
        for mount in self._routing:
            parent, _, name = mount.destination.rpartition("/")
            if (parent or "/") == resolved and name:
                names.add(name)
        return sorted(names)

    def read_file(self, path: str) -> bytes:
        fs, inner, _ = self._route(path)
        return fs.read_file(inner)

    def readlink(self, path: str) -> str:
        fs, inner, _ = self._route(path, follow_last=False)
        return fs.readlink(inner)

    def realpath(self, path: str) -> str:
        resolved = self._resolve(path, follow_last=True)
        self.stat(resolved)  # a missing path is an error, as realpath(3)
        return resolved

    # -- writing -----------------------------------------------------------

    def write_file(
        self, path: str, data: bytes, *, append: bool = False, mode: int | None = None
    ) -> None:
        fs, inner = self._writable(path)
        fs.write_file(inner, data, append=append, mode=mode)

    def mkdir(self, path: str, *, mode: int = 0o755, parents: bool = False) -> None:
        if parents and self.is_dir(path):
            return
        if parents:
            parent = paths.join(paths.split(path)[:-1])
            if parent != "/" and not self.is_dir(parent):
                self.mkdir(parent, mode=mode, parents=True)
        fs, inner = self._writable(path)
        fs.mkdir(inner, mode=mode)

    def remove(self, path: str, *, recursive: bool = False) -> None:
        resolved = self._resolve(path, follow_last=False)
        if any(m.destination == resolved for m in self._routing):
            raise fs_error(errno.EBUSY, path)  # a mount point cannot be removed
        fs, inner = self._writable(path, follow_last=False)
        fs.remove(inner, recursive=recursive)

    def rename(self, src: str, dst: str) -> None:
        src_fs, src_inner = self._writable(src, follow_last=False)
        dst_fs, dst_inner = self._writable(dst, follow_last=False)
        if src_fs is not dst_fs:
            raise fs_error(errno.EXDEV, src)  # as rename(2) across mounts
        src_fs.rename(src_inner, dst_inner)

    def symlink(self, target: str, path: str) -> None:
        fs, inner = self._writable(path, follow_last=False)
        fs.symlink(target, inner)

    def link(self, src: str, dst: str) -> None:
        src_fs, src_inner = self._writable(src, follow_last=False)
        dst_fs, dst_inner = self._writable(dst, follow_last=False)
        if src_fs is not dst_fs:
            raise fs_error(errno.EXDEV, dst)  # as link(2) across mounts
        src_fs.link(src_inner, dst_inner)

    def mknod(
        self, path: str, kind: SpecialKind, *, mode: int = 0o644, rdev: tuple[int, int] = (0, 0)
    ) -> None:
        fs, inner = self._writable(path, follow_last=False)
        fs.mknod(inner, kind, mode=mode, rdev=rdev)

    def chmod(self, path: str, mode: int) -> None:
        fs, inner = self._writable(path)
        fs.chmod(inner, mode)

    def chown(self, path: str, uid: int, gid: int) -> None:
        fs, inner = self._writable(path)
        fs.chown(inner, uid, gid)

    def utime(self, path: str, mtime: float) -> None:
        fs, inner = self._writable(path)
        fs.utime(inner, mtime)


def _walk(fs: FileSystem, path: str) -> Iterator[tuple[str, FileStat]]:
    """Entries under ``path`` (parents before children), paths relative to it."""
    for name in fs.listdir(path):
        full = f"{path.rstrip('/')}/{name}"
        st = fs.stat(full, follow_symlinks=False)
        yield full[len(path.rstrip("/")) :], st
        if st.kind == "dir":
            for rel, inner in _walk(fs, full):
                yield f"/{name}{rel}", inner


def copy_tree(src: FileSystem, src_path: str, dst: FileSystem, dst_path: str = "/") -> None:
    """Copy what is under ``src_path`` into ``dst_path`` (an image path into a new volume)."""
    for rel, st in _walk(src, src_path):
        target = f"{dst_path.rstrip('/')}{rel}"
        if st.kind == "dir":
            if not dst.is_dir(target):
                dst.mkdir(target, mode=st.mode)
        elif st.kind == "symlink":
            dst.symlink(st.link_target, target)
        elif st.kind in ("file", "hardlink"):
            dst.write_file(target, src.read_file(src_path.rstrip("/") + rel), mode=st.mode)
        else:
            continue  # devices and fifos are not copied into volumes
        if st.kind != "symlink":
            dst.utime(target, st.mtime)
    top = src.stat(src_path)
    dst.chmod(dst_path, top.mode)


# -- what the archive endpoints see ------------------------------------------------


def _relevant(path: str, mount_point: str) -> bool:
    """Whether the mount shows in a copy of ``path``: it holds the path, or is under it."""
    return within_mount(path, mount_point) or within_mount(mount_point, path)


def archive_view(table: MountTable, own: ContainerFS, path: str) -> ContainerFS:
    """The container's filesystem as ``docker cp`` sees it at ``path``: with its mounts.

    dockerd mounts a container's volumes, binds (and its ``/etc`` files once
    started) for the archive endpoints, running or not; the mock overlays the
    content of the mounts that ``path`` is in or holds on a copy-on-write view
    of the container's own layer (nothing of ``own`` is changed).  Without
    such a mount ``own`` itself is returned.
    """
    wanted = {table._resolve(path, follow_last=False), table._resolve(path, follow_last=True)}
    mounts = [m for m in table.mounts if any(_relevant(p, m.destination) for p in wanted)]
    if not mounts:
        return own
    view = ContainerFS(own, clock=own.clock)
    for mount in sorted(mounts, key=lambda m: len(m.destination)):  # outer mounts first
        try:
            top = mount.fs.stat(mount.source)
        except OSError:
            continue  # nothing there yet (a never-started container's /etc files)
        if view.lexists(mount.destination):
            view.remove(mount.destination, recursive=True)  # the mount hides what is under it
        view.mkdir(paths.parent_of(mount.destination), parents=True)
        _graft(mount.fs, mount.source, top, view, mount.destination)
    return view


def _graft(src: FileSystem, src_path: str, top: FileStat, dst: ContainerFS, dst_path: str) -> None:
    """Copy ``src_path`` (stat ``top``) of ``src`` to ``dst_path``, owners and times kept."""
    entries = [("", top)]
    if top.kind == "dir":
        entries += list(_walk(src, src_path))
    dir_times: list[tuple[str, float]] = []
    for rel, st in entries:
        target = dst_path + rel
        if st.kind == "dir":
            dst.mkdir(target, mode=st.mode)
            dir_times.append((target, st.mtime))
        elif st.kind == "symlink":
            dst.symlink(st.link_target, target)
        elif st.kind in ("file", "hardlink"):
            dst.write_file(target, src.read_file(src_path.rstrip("/") + rel), mode=st.mode)
        else:
            continue  # devices, fifos and sockets are not archived from mounts
        dst.set_attrs(
            target, mode=st.mode, uid=st.uid, gid=st.gid, mtime=st.mtime, follow_symlinks=False
        )
    for target, mtime in reversed(dir_times):  # after their content changed them
        dst.set_attrs(target, mtime=mtime)


def staged_paths(fs: FileSystem) -> list[str]:
    """Every path under ``/`` of ``fs`` (an unpacked archive), parents first."""
    return [rel for rel, _ in _walk(fs, "/")]


def merge_tree(
    src: FileSystem, dst: FileSystem, dst_path: str, *, no_overwrite_dir_non_dir: bool = False
) -> None:
    """Lay what is under ``/`` of ``src`` (an unpacked archive) over ``dst_path`` of ``dst``.

    For an archive put across mounts: ``dst`` is the container's ``MountTable``,
    so every entry lands in the filesystem that owns its path.  Existing
    entries are replaced as tar extraction replaces them; with
    ``no_overwrite_dir_non_dir`` a directory and a non-directory never replace
    each other (``ExtractConflictError``, checked before anything is written).
    """
    entries = list(_walk(src, "/"))
    base = dst_path.rstrip("/")

    def existing(target: str) -> FileStat | None:
        try:
            return dst.stat(target, follow_symlinks=False)
        except OSError:
            return None

    if no_overwrite_dir_non_dir:
        for rel, st in entries:
            there = existing(base + rel)
            if there is not None and (there.kind == "dir") != (st.kind == "dir"):
                what = "non-directory" if st.kind == "dir" else "directory"
                other = "directory" if st.kind == "dir" else "non-directory"
                raise ExtractConflictError(
                    f"cannot overwrite {what} {base + rel!r} with {other} {rel.lstrip('/')!r}"
                )
    dir_times: list[tuple[str, float]] = []
    for rel, st in entries:
        target = base + rel
        there = existing(target)
        if there is not None and (st.kind != "dir" or there.kind != "dir"):
            dst.remove(target, recursive=True)
            there = None
        if st.kind == "dir":
            if there is None:
                dst.mkdir(target, mode=st.mode)
            dir_times.append((target, st.mtime))
        elif st.kind == "symlink":
            dst.symlink(st.link_target, target)
            continue  # a link's own mode, owner and time are not kept here
        elif st.kind in ("file", "hardlink"):
            dst.write_file(target, src.read_file(rel), mode=st.mode)
        else:
            continue
        dst.chmod(target, st.mode)
        dst.chown(target, st.uid, st.gid)
        if st.kind != "dir":
            dst.utime(target, st.mtime)
    for target, mtime in reversed(dir_times):
        dst.utime(target, mtime)


# -- a container's mount points ------------------------------------------------


@dataclass
class MountPoint:
    """One mount of a container, as dockerd keeps it from create to removal."""

    type: str  # "volume", "bind" or "tmpfs"
    destination: str
    rw: bool = True
    name: str = ""  # the volume's
    source: str = ""  # the host directory of a bind
    mode: str = ""
    propagation: str = ""
    anonymous: bool = False
    copy_data: bool = True  # fill an empty volume from the image (not with nocopy)
    listed: bool = True  # HostConfig.Tmpfs mounts are not in inspect's Mounts
    # A tmpfs's root directory: mode (1777 unless given), owner.
    tmpfs_mode: int = 0o1777
    tmpfs_uid: int = 0
    tmpfs_gid: int = 0
    tmpfs_size: int = 0  # bytes (size= or TmpfsOptions.SizeBytes); 0: the kernel's half of RAM

    def to_wire(self, *, summary: bool = False) -> dict[str, object]:
        """An entry of ``Mounts`` (inspect, or with ``summary`` the list's)."""
        out: dict[str, object] = {"Type": self.type}
        if self.type == "volume":
            # dockerd's list shows no Source for anonymous volumes (its snapshot's quirk).
            source = "" if summary and self.anonymous else MOUNTPOINT.format(self.name)
            out.update(Name=self.name, Source=source)
        else:
            out["Source"] = self.source
        out["Destination"] = self.destination
        if self.type == "volume":
            out["Driver"] = "local"
        out.update(Mode=self.mode, RW=self.rw, Propagation=self.propagation)
        return out


MOUNTPOINT = "/var/lib/docker/volumes/{}/_data"


DEV = "/dev"  # runc's tmpfs with the devices (a volume or bind there is under it)


def _clock_of(own: FileSystem) -> Callable[[], float]:
    return own.clock if isinstance(own, ContainerFS) else time.time


def _fresh_dev(own: FileSystem) -> FileSystem:
    """A new /dev, stamped by the container's clock."""
    return dev_tree(_clock_of(own))


class ContainerMounts:
    """What the engine does with a container's mount points over its life.

    ``prepare`` (at create) makes the volumes a container names, counts it as
    their user, fills new volumes from the image and returns the mount table;
    ``start``/``stop`` publish dockerd's ``mount``/``unmount`` events and give
    tmpfs mounts a fresh, empty tree; ``release`` (at removal) stops counting
    the container and removes its anonymous volumes when asked.
    """

    def __init__(self, volumes: VolumeStore) -> None:
        self.volumes = volumes

    def prepare(
        self, container_id: str, points: list[MountPoint], image: FileSystem, own: FileSystem
    ) -> MountTable:
        table = MountTable(own)
        table.layer_id = container_id
        # First: mount points under /dev are made in it, not in the container's layer.
        table.add(Mount(DEV, dev_until_start(_clock_of(own))), runtime=True)
        acquired: list[str] = []
        try:
            for point in sorted(points, key=lambda p: len(p.destination)):
                fs = self._source_fs(point, container_id, image, acquired)
                with contextlib.suppress(OSError):
                    table.mkdir(point.destination, parents=True)  # dockerd's mountpoint dirs
                table.add(_described(Mount(point.destination, fs, read_only=not point.rw), point))
        except Exception:
            for name in acquired:
                self.volumes.release(name, container_id)
            raise
        return table

    def _source_fs(
        self, point: MountPoint, container_id: str, image: FileSystem, acquired: list[str]
    ) -> FileSystem:
        if point.type == "bind":
            Path(point.source).mkdir(parents=True, exist_ok=True)  # as dockerd does for Binds
            return HostDirectory(point.source)
        if point.type == "tmpfs":
            return _fresh_tmpfs(point)
        if point.anonymous and not point.name:
            point.name = self.volumes.create_anonymous().name
        volume = self.volumes.get_or_create(point.name)
        self.volumes.acquire(volume.name, container_id)
        acquired.append(volume.name)
        if point.copy_data and not volume.fs.listdir("/") and image.is_dir(point.destination):
            with contextlib.suppress(OSError):
                copy_tree(image, point.destination, volume.fs)
        return volume.fs

    def start(self, container_id: str, points: list[MountPoint], table: MountTable) -> None:
        table.replace_fs(DEV, _fresh_dev(table.root))
        for point in sorted(points, key=lambda p: p.destination):
            if point.type == "tmpfs":
                table.replace_fs(point.destination, _fresh_tmpfs(point))
            elif point.type == "volume":
                self.volumes.mount_event(
                    self.volumes.get(point.name), container_id, point.destination,
                    read_write=point.rw, propagation=point.propagation,
                )  # fmt: skip

    def stop(self, container_id: str, points: list[MountPoint], table: MountTable) -> None:
        for point in sorted(points, key=lambda p: p.destination):
            if point.type == "tmpfs":
                table.replace_fs(point.destination, _fresh_tmpfs(point))  # gone at stop
            elif point.type == "volume":
                volume = self.volumes.find(point.name)
                if volume is not None:
                    self.volumes.unmount_event(volume, container_id)

    def release(
        self, container_id: str, points: list[MountPoint], *, remove_anonymous: bool
    ) -> None:
        for point in points:
            if point.type != "volume":
                continue
            self.volumes.release(point.name, container_id)
            volume = self.volumes.find(point.name)
            if remove_anonymous and point.anonymous and volume is not None and not volume.users:
                self.volumes.remove(point.name)


def _fresh_tmpfs(point: MountPoint) -> MemoryFileSystem:
    """An empty tmpfs, its root with the mount's mode and owner."""
    tmpfs = MemoryFileSystem()
    tmpfs.upper.mode = point.tmpfs_mode & 0o7777
    tmpfs.upper.uid, tmpfs.upper.gid = point.tmpfs_uid, point.tmpfs_gid
    return tmpfs


def _described(mount: Mount, point: MountPoint) -> Mount:
    """``mount`` with what ``df`` and ``mount`` show of ``point``."""
    mount.kind = point.type
    if isinstance(mount.fs, HostDirectory):  # a bind, or an o=bind volume
        mount.host_path = str(mount.fs.root)
    if point.type == "tmpfs":
        mount.tmpfs_size = point.tmpfs_size
        shown = [f"mode={point.tmpfs_mode & 0o7777:o}"] if point.tmpfs_mode & 0o7777 != 0o1777 else []
        shown += [f"uid={point.tmpfs_uid}"] if point.tmpfs_uid else []
        shown += [f"gid={point.tmpfs_gid}"] if point.tmpfs_gid else []
        mount.tmpfs_options = ",".join(shown)
        # dockerd appends HostConfig.Tmpfs (not listed in inspect) before Mounts' tmpfs.
        mount.rank = 3 if point.listed else 2
    return mount
