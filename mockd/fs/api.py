"""What programs and the engine may ask of a container's filesystem.

``mockd.fs`` implements this over layers (an image's read-only stack plus a
container's copy-on-write layer); programs (the shell, the applets, programs
that users register) see only this protocol, so they never depend on how the
layers are stored.  Paths are absolute POSIX paths inside the container.
Errors are the builtin ``OSError`` subclasses with ``errno`` set
(``FileNotFoundError``, ``FileExistsError``, ``IsADirectoryError``,
``NotADirectoryError``, ``PermissionError``, ``OSError(ENOTEMPTY)``), so that
programs can print the messages a real busybox prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

FileKind = Literal["file", "dir", "symlink", "hardlink", "char", "block", "fifo", "socket"]
SpecialKind = Literal["char", "block", "fifo", "socket"]


@dataclass(frozen=True)
class FileStat:
    path: str
    kind: FileKind
    mode: int  # permission bits only (0o755), without the kind bits
    size: int
    mtime: float  # seconds since the epoch
    uid: int = 0
    gid: int = 0
    link_target: str = ""  # for symlinks
    rdev: tuple[int, int] = (0, 0)  # for devices: (major, minor)
    nlink: int = 1  # hardlinks; a directory merged from several layers shows 1 (overlayfs)
    inode: int = 0


class FileSystem(Protocol):
    def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat: ...

    def exists(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...

    def listdir(self, path: str) -> list[str]:
        """Names in a directory, sorted."""
        ...

    def read_file(self, path: str) -> bytes: ...

    def write_file(
        self, path: str, data: bytes, *, append: bool = False, mode: int | None = None
    ) -> None:
        """Create or replace (or append to) a regular file; parents must exist."""
        ...

    def mkdir(self, path: str, *, mode: int = 0o755, parents: bool = False) -> None: ...

    def remove(self, path: str, *, recursive: bool = False) -> None:
        """Remove a file, a link or (with ``recursive`` or when empty) a directory."""
        ...

    def rename(self, src: str, dst: str) -> None: ...

    def symlink(self, target: str, path: str) -> None: ...

    def link(self, src: str, dst: str) -> None:
        """A hardlink: ``dst`` is ``src``'s file (EXDEV across filesystems, as link(2))."""
        ...

    def mknod(
        self, path: str, kind: SpecialKind, *, mode: int = 0o644, rdev: tuple[int, int] = (0, 0)
    ) -> None:
        """A fifo, socket or device node."""
        ...

    def readlink(self, path: str) -> str: ...

    def chmod(self, path: str, mode: int) -> None: ...

    def chown(self, path: str, uid: int, gid: int) -> None: ...

    def utime(self, path: str, mtime: float) -> None: ...

    def realpath(self, path: str) -> str:
        """Resolve symlinks inside the root (never escaping it)."""
        ...
