"""Plain (non-async) programs: run in a worker thread with blocking stdio.

Supported: ``ctx.stdin.read(n)`` / ``readline()``, ``ctx.stdout.write(b)`` /
``ctx.stderr.write(b)``, ``ctx.sleep(seconds)`` (through the container's
clock), ``ctx.argv``, ``env``, ``cwd``, ``fs``, ``user``, ``hostname`` and
``report_usage``.  Each blocking call hops to the event loop and waits for it.
A thread cannot be interrupted: when the process is killed its exit code is
reported at once, and the thread stops at its next stdio or sleep call
(``ProcessKilled`` is raised there).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from mockd.programs.api import ProgramContext, SyncProgram

T = TypeVar("T")


class ProcessKilled(BaseException):
    """Raised inside a sync program's thread once its process has ended."""


class _Bridge:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.killed = threading.Event()

    def call(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self.killed.is_set():
            raise ProcessKilled

        async def guarded() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(guarded(), self.loop).result()


class SyncInput:
    def __init__(self, bridge: _Bridge, ctx: ProgramContext) -> None:
        self._bridge, self._ctx = bridge, ctx

    def read(self, n: int = -1) -> bytes:
        return self._bridge.call(lambda: self._ctx.stdin.read(n))

    def readline(self) -> bytes:
        return self._bridge.call(self._ctx.stdin.readline)


class SyncOutput:
    def __init__(self, bridge: _Bridge, write: Callable[[bytes], Awaitable[None]]) -> None:
        self._bridge, self._write = bridge, write

    def write(self, data: bytes) -> None:
        async def do() -> None:
            await self._write(data)

        self._bridge.call(do)


class SyncContext:
    """What a sync program receives instead of a ``ProgramContext``."""

    def __init__(self, ctx: ProgramContext, bridge: _Bridge) -> None:
        self.async_context = ctx
        self.argv, self.env, self.cwd, self.fs = ctx.argv, ctx.env, ctx.cwd, ctx.fs
        self.user, self.hostname, self.tty = ctx.user, ctx.hostname, ctx.tty
        self.stdin = SyncInput(bridge, ctx)
        self.stdout = SyncOutput(bridge, ctx.stdout.write)
        self.stderr = SyncOutput(bridge, ctx.stderr.write)
        self._bridge = bridge

    def sleep(self, seconds: float) -> None:
        self._bridge.call(lambda: self.async_context.clock.sleep(seconds))

    def report_usage(
        self, *, memory_bytes: int | None = None, cpu_seconds: float | None = None
    ) -> None:
        def report() -> None:
            self.async_context.report_usage(memory_bytes=memory_bytes, cpu_seconds=cpu_seconds)

        self._bridge.loop.call_soon_threadsafe(report)


async def run_sync(program: SyncProgram, ctx: ProgramContext) -> int:
    bridge = _Bridge(asyncio.get_running_loop())
    sync_ctx = SyncContext(ctx, bridge)

    def body() -> int:
        try:
            return int(program(sync_ctx))
        except ProcessKilled:
            return 137

    try:
        return await asyncio.to_thread(body)
    finally:
        bridge.killed.set()
