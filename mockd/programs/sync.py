"""Plain (non-async) programs: run in a worker thread with blocking stdio.

Supported: ``ctx.stdin.read(n)`` / ``readline()``, ``ctx.stdout.write(b)`` /
``ctx.stderr.write(b)``, ``ctx.sleep(seconds)`` (through the container's
clock), ``ctx.wait_signal(*signums)`` (as ``ctx.signals.wait`` of an async
program: blocks until one of them arrives, consumes it, returns its number),
``ctx.argv``, ``env``, ``cwd``, ``fs``, ``user``, ``hostname`` and
``report_usage``.  Each blocking call hops to the event loop and waits for it.
A thread cannot be interrupted: when the process is killed its exit code is
reported at once, a blocking call under way is abandoned, and the thread stops
there or at its next call (``ProcessKilled`` is raised).  The thread's CPU
time is charged to the process at each call and at its end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from mockd.programs.api import ProgramContext, SyncProgram

T = TypeVar("T")


class ProcessKilled(BaseException):
    """Raised inside a sync program's thread once its process has ended."""


class _Bridge:
    """The worker thread's way to the event loop, for one process."""

    def __init__(self, loop: asyncio.AbstractEventLoop, ctx: ProgramContext) -> None:
        self.loop = loop
        self.ctx = ctx
        self.killed = threading.Event()
        self._lock = threading.Lock()
        self._pending: set[concurrent.futures.Future[Any]] = set()
        self._cpu_seen = 0  # the thread's CPU clock at the last charge

    def call(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        self.charge_cpu()

        async def guarded() -> T:
            return await make()

        with self._lock:
            if self.killed.is_set():
                raise ProcessKilled
            future = asyncio.run_coroutine_threadsafe(guarded(), self.loop)
            self._pending.add(future)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise ProcessKilled from None
        finally:
            with self._lock:
                self._pending.discard(future)

    def kill(self) -> None:
        """The process has ended: calls under way are abandoned, later ones refused."""
        with self._lock:
            self.killed.set()
            pending, self._pending = self._pending, set()
        for future in pending:
            future.cancel()  # cancels the call's task on the loop; its thread gets ProcessKilled

    def start_cpu_clock(self) -> None:
        self._cpu_seen = time.thread_time_ns()

    def charge_cpu(self) -> None:
        """Charge the thread's CPU time since the last charge (from the worker thread)."""
        now = time.thread_time_ns()
        used, self._cpu_seen = now - self._cpu_seen, now
        if used > 0:
            processes, pid = self.ctx.processes, self.ctx.pid
            with contextlib.suppress(RuntimeError):  # the daemon's loop is already closed
                self.loop.call_soon_threadsafe(processes.charge_cpu, pid, used)


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

    def wait_signal(self, *signums: int) -> int:
        """Block until one of ``signums`` arrives; it is consumed here (no handler, no default
        action runs for it) and its number returned, as ``ctx.signals.wait`` of an async program.
        """
        return self._bridge.call(lambda: self.async_context.signals.wait(*signums))

    def report_usage(
        self, *, memory_bytes: int | None = None, cpu_seconds: float | None = None
    ) -> None:
        def report() -> None:
            self.async_context.report_usage(memory_bytes=memory_bytes, cpu_seconds=cpu_seconds)

        self._bridge.loop.call_soon_threadsafe(report)


async def run_sync(program: SyncProgram, ctx: ProgramContext) -> int:
    bridge = _Bridge(asyncio.get_running_loop(), ctx)
    sync_ctx = SyncContext(ctx, bridge)

    def body() -> int:
        bridge.start_cpu_clock()
        try:
            return int(program(sync_ctx))
        except ProcessKilled:
            return 137
        finally:
            if not bridge.killed.is_set():
                bridge.charge_cpu()

    try:
        return await asyncio.to_thread(body)
    finally:
        bridge.kill()
