"""A shell's open file descriptors, and files opened by redirections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from mockd.fs.api import FileSystem
from mockd.programs.scheduling import checkpoint
from mockd.programs.streams import InputStream, OutputStream


class FileOutput:
    """``> file`` / ``>> file``: each write appends to the file in the container's fs."""

    def __init__(self, fs: FileSystem, path: str, *, append: bool, mode: int = 0o644) -> None:
        self._fs = fs
        self._path = path
        if not append or not fs.exists(path):
            fs.write_file(path, b"", mode=mode)
        elif fs.is_dir(path):
            raise IsADirectoryError(21, "Is a directory", path)
        else:
            # Opening for append fails up front (read-only mount, permissions), as open(2) does.
            fs.write_file(path, b"", append=True)

    async def write(self, data: bytes) -> None:
        await checkpoint()
        if data:
            self._fs.write_file(self._path, data, append=True)


@dataclass
class FdTable:
    """File descriptor number → stream (fd 0 reads; the others mostly write)."""

    fds: dict[int, Any] = field(default_factory=dict)

    def copy(self) -> FdTable:
        return FdTable(dict(self.fds))

    def input(self, fd: int = 0) -> InputStream:
        return cast(InputStream, self.fds[fd])

    def output(self, fd: int) -> OutputStream:
        return cast(OutputStream, self.fds[fd])

    @property
    def stdin(self) -> InputStream:
        return self.input(0)

    @property
    def stdout(self) -> OutputStream:
        return self.output(1)

    @property
    def stderr(self) -> OutputStream:
        return self.output(2)
