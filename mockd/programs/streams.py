"""The byte streams programs read and write: async pipes, buffers and sinks.

Every stream is asyncio-only: reads and writes await, never block the loop.
A program's stdin is an ``InputStream``; stdout and stderr are ``OutputStream``s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from mockd.programs.scheduling import checkpoint


@runtime_checkable
class InputStream(Protocol):
    async def read(self, n: int = -1) -> bytes:
        """Up to ``n`` bytes (all until EOF when ``n < 0``); ``b""`` at EOF."""
        ...

    async def readline(self) -> bytes:
        """One line with its ``\\n`` (the last may lack it); ``b""`` at EOF."""
        ...


@runtime_checkable
class OutputStream(Protocol):
    async def write(self, data: bytes) -> None:
        """Write all of ``data``; raises ``BrokenPipeError`` when no one reads any more."""
        ...


class EmptyInput:
    """Standard input that is at EOF at once (``docker run`` without ``-i``)."""

    async def read(self, n: int = -1) -> bytes:
        return b""

    async def readline(self) -> bytes:
        return b""


class BytesInput:
    """Standard input from bytes known up front (a file, a here-document)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    async def read(self, n: int = -1) -> bytes:
        await checkpoint()
        end = len(self._data) if n < 0 else min(len(self._data), self._pos + n)
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    async def readline(self) -> bytes:
        await checkpoint()
        nl = self._data.find(b"\n", self._pos)
        end = len(self._data) if nl < 0 else nl + 1
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk


class NullOutput:
    """``/dev/null``."""

    async def write(self, data: bytes) -> None:
        await checkpoint()  # a sink that never waits must still share the loop


class BufferOutput:
    """Collects everything written (command substitution, tests)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    async def write(self, data: bytes) -> None:
        await checkpoint()
        if data:
            self._chunks.append(data)

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


class CallbackOutput:
    """Hands each write to a function (how the engine routes output to its logs)."""

    def __init__(self, callback: Callable[[bytes], None]) -> None:
        self._callback = callback

    async def write(self, data: bytes) -> None:
        await checkpoint()
        if data:
            self._callback(data)


class Pipe:
    """A one-way pipe with a bounded buffer, as between the commands of ``a | b``.

    The writer waits while the buffer is full (back-pressure, so ``yes | head``
    does not fill memory); the reader sees EOF once the writer end is closed;
    the writer gets ``BrokenPipeError`` once the reader end is closed.
    """

    CAPACITY = 65536  # Linux's default pipe size

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._write_closed = False
        self._read_closed = False
        self._changed = asyncio.Event()

    # -- writer end ---------------------------------------------------------

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._read_closed:
                raise BrokenPipeError(32, "Broken pipe")
            room = self.CAPACITY - len(self._buffer)
            if room <= 0:
                await self._wait()
                continue
            self._buffer += view[:room]
            view = view[room:]
            self._notify()

    def close_write(self) -> None:
        self._write_closed = True
        self._notify()

    # -- reader end ---------------------------------------------------------

    async def read(self, n: int = -1) -> bytes:
        while not self._buffer and not self._write_closed:
            await self._wait()
        if n < 0:
            while not self._write_closed:
                await self._wait()
            n = len(self._buffer)
        chunk = bytes(self._buffer[:n])
        del self._buffer[:n]
        self._notify()
        return chunk

    async def readline(self) -> bytes:
        while b"\n" not in self._buffer and not self._write_closed:
            if len(self._buffer) >= self.CAPACITY:
                break  # a line longer than the buffer comes out in pieces
            await self._wait()
        nl = self._buffer.find(b"\n")
        end = len(self._buffer) if nl < 0 else nl + 1
        chunk = bytes(self._buffer[:end])
        del self._buffer[:end]
        self._notify()
        return chunk

    def close_read(self) -> None:
        self._read_closed = True
        self._buffer.clear()
        self._notify()

    # -- plumbing -----------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()

    async def _wait(self) -> None:
        self._changed.clear()
        await self._changed.wait()
