"""``SyncContext.wait_signal``: a sync program waits for a signal as an async one does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mockd.fs import MemoryFileSystem
from mockd.programs import ProcessTable, ProgramContext
from mockd.programs.runner import start_callable
from mockd.programs.signals import SIGHUP, SIGKILL, SIGTERM, SIGUSR1
from mockd.programs.streams import BufferOutput
from mockd.programs.sync import SyncContext


async def _until(condition: Callable[[], bool], rounds: int = 500) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("timed out")


def _context(out: BufferOutput) -> ProgramContext:
    return ProgramContext(argv=["w"], fs=MemoryFileSystem(), stdout=out, processes=ProcessTable())


def test_wait_signal_returns_the_signal_and_consumes_it() -> None:
    def waiter(ctx: SyncContext) -> int:
        ctx.stdout.write(b"ready\n")
        got = ctx.wait_signal(SIGTERM, SIGUSR1)
        ctx.stdout.write(f"got {got}\n".encode())
        return 0

    async def body() -> None:
        out = BufferOutput()
        process = start_callable(_context(out), waiter)
        await _until(lambda: out.getvalue() == b"ready\n")
        process.send_signal(SIGHUP)  # not waited for: its default action ends the process...
        assert await asyncio.wait_for(process.wait(), 2) == 128 + SIGHUP

        out = BufferOutput()
        process = start_callable(_context(out), waiter)
        await _until(lambda: out.getvalue() == b"ready\n")
        process.send_signal(SIGTERM)  # ...a waited-for one is consumed: no default action
        assert await asyncio.wait_for(process.wait(), 2) == 0
        assert out.getvalue() == b"ready\ngot 15\n"

    asyncio.run(body())


def test_a_process_killed_while_waiting_frees_its_thread() -> None:
    left: list[str] = []

    def waiter(ctx: SyncContext) -> int:
        try:
            ctx.stdout.write(b"ready\n")
            ctx.wait_signal(SIGUSR1)
        finally:
            left.append("left")  # the blocked call was abandoned, the thread went on
        return 0

    async def body() -> None:
        out = BufferOutput()
        process = start_callable(_context(out), waiter)
        await _until(lambda: out.getvalue() == b"ready\n")
        process.send_signal(SIGKILL)
        assert await asyncio.wait_for(process.wait(), 2) == 128 + SIGKILL
        await _until(lambda: left == ["left"])

    asyncio.run(body())
