"""A shell's open file descriptors (files are opened by ``mockd.programs.opening``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from mockd.programs.streams import InputStream, OutputStream


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
