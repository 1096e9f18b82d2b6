"""A container's log, kept the way the json-file driver keeps it.

Output is split into lines at ``\\n`` (the newline stays with its line); a
partial line waits in a per-stream buffer until its newline comes or the
stream ends (``flush``), as the driver's line copier does.  Each entry keeps
its stream and its time in nanoseconds, which ``docker logs --since/--until/
--timestamps`` read.  ``follow`` ends once the log is closed (the container
stopped) and everything written so far has been handed out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

Stream = Literal["stdout", "stderr"]

# The json-file driver's line copier reads in 16 KiB pieces and emits a
# longer line in pieces (moby daemon/logger/copier.go: bufSize).
MAX_LINE = 16 * 1024


@dataclass(frozen=True)
class LogEntry:
    stream: Stream
    data: bytes  # one line, with its trailing ``\n`` when it had one
    time_ns: int


class LogStore:
    """Every log line of one container, in order, and followers of new ones."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._partial: dict[str, tuple[bytearray, int]] = {}
        self._closed = False
        self._waiters: list[asyncio.Future[None]] = []

    # -- writing ----------------------------------------------------------

    def append(self, stream: Stream, data: bytes, time_ns: int) -> None:
        """Add output; complete lines become entries now, a partial line waits."""
        if not data:
            return
        buffer, first_ns = self._partial.get(stream, (bytearray(), time_ns))
        buffer += data
        while True:
            nl = buffer.find(b"\n")
            if nl < 0 and len(buffer) < MAX_LINE:
                break
            end = nl + 1 if 0 <= nl < MAX_LINE else MAX_LINE
            self._entries.append(LogEntry(stream, bytes(buffer[:end]), first_ns))
            del buffer[:end]
            first_ns = time_ns
        if buffer:
            self._partial[stream] = (buffer, first_ns)
        else:
            self._partial.pop(stream, None)
        self._notify()

    def flush(self) -> None:
        """End partial lines (the process's streams closed)."""
        for stream, (buffer, first_ns) in sorted(self._partial.items()):
            self._entries.append(LogEntry(stream, bytes(buffer), first_ns))  # type: ignore[arg-type]
        self._partial.clear()
        self._notify()

    def open(self) -> None:
        """The container (re)started: followers wait for more again."""
        self._closed = False

    def close(self) -> None:
        """The container stopped: flush, and let followers end once drained."""
        self.flush()
        self._closed = True
        self._notify()

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._entries)

    # -- reading ----------------------------------------------------------

    def read(
        self,
        since_ns: int = 0,
        until_ns: int = 0,
        tail: int = -1,
        stdout: bool = True,
        stderr: bool = True,
    ) -> list[LogEntry]:
        """Entries of the selected streams in ``[since, until]`` (0: no bound), the last ``tail`` (-1: all)."""
        picked = [
            e
            for e in self._entries
            if (stdout if e.stream == "stdout" else stderr)
            and (not since_ns or e.time_ns >= since_ns)
            and (not until_ns or e.time_ns <= until_ns)
        ]
        if tail >= 0:
            picked = picked[len(picked) - tail :] if tail else []
        return picked

    async def follow(
        self,
        since_ns: int = 0,
        until_ns: int = 0,
        tail: int = -1,
        stdout: bool = True,
        stderr: bool = True,
    ) -> AsyncIterator[LogEntry]:
        """``read(...)``, then new entries as they come, until the log is closed and drained.

        An entry after ``until_ns`` (when given) also ends the stream.
        """
        for entry in self.read(since_ns, until_ns, tail, stdout, stderr):
            yield entry
        position = len(self._entries)
        while True:
            while position < len(self._entries):
                entry = self._entries[position]
                position += 1
                if until_ns and entry.time_ns > until_ns:
                    return
                if (stdout if entry.stream == "stdout" else stderr) and (
                    not since_ns or entry.time_ns >= since_ns
                ):
                    yield entry
            if self._closed:
                return
            await self._wait()

    # -- plumbing -----------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter
