"""A process ended before its task took a single step still exits with a code."""

from __future__ import annotations

import asyncio

from mockd.engine.clock import ManualClock
from mockd.engine.logs import LogStore
from mockd.engine.runtime import ContainerProcess, OutputHub
from mockd.fs import MemoryFileSystem
from mockd.programs import ProcessTable, ProgramContext
from mockd.programs.api import User
from mockd.programs.registry import new_registry
from mockd.programs.runner import start_callable
from mockd.programs.signals import SIGKILL, SIGTERM


def _context(table: ProcessTable) -> ProgramContext:
    return ProgramContext(argv=["prog"], fs=MemoryFileSystem(), processes=table)


def test_killed_before_its_first_step_exits_137_without_running() -> None:
    async def body() -> None:
        table = ProcessTable()
        ran: list[str] = []

        async def prog(ctx: ProgramContext) -> int:
            ran.append("ran")
            return 0

        process = start_callable(_context(table), prog)
        process.kill()  # nothing has run yet: the task has not been scheduled
        assert await asyncio.wait_for(process.wait(), 2) == 128 + SIGKILL
        assert process.returncode == 137 and ran == []
        assert len(table) == 0  # the entry went with it

    asyncio.run(body())


def test_a_deadly_signal_before_the_first_step_gives_its_code() -> None:
    async def body() -> None:
        table = ProcessTable()

        async def prog(ctx: ProgramContext) -> int:
            await ctx.clock.sleep(3600)
            return 0

        process = start_callable(_context(table), prog)
        process.send_signal(SIGTERM)
        assert await asyncio.wait_for(process.wait(), 2) == 128 + SIGTERM
        assert len(table) == 0

    asyncio.run(body())


def test_a_container_killed_as_it_starts_reports_137() -> None:
    """What ``ContainerProcess`` used to paper over: ``docker kill`` right after start."""

    async def body() -> None:
        registry = new_registry()

        async def idle(ctx: ProgramContext) -> int:
            await ctx.clock.sleep(3600)
            return 0

        registry.register("idle", idle)
        hub = OutputHub(LogStore())
        process = ContainerProcess(
            fs=MemoryFileSystem(), clock=ManualClock(), output=hub, pid=100,
            hostname="h", registry=registry,
        )  # fmt: skip
        from mockd.programs.registry import marker

        process.fs.write_file("/idle", marker("idle"), mode=0o755)
        process.start(["/idle"], env={}, cwd="/", user=User())
        process.signal(SIGKILL)
        assert await asyncio.wait_for(process.wait(), 2) == 137
        assert process.exit_code == 137 and not process.running
        assert len(process.processes) == 0

    asyncio.run(body())
