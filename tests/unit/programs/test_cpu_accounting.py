"""CPU time comes from the work programs do: the runner times their steps."""

from __future__ import annotations

import time

from mockd.engine.clock import SystemClock
from mockd.programs import ProgramContext, marker, new_registry
from mockd.programs.sync import SyncContext
from tests.unit.programs.helpers import Box

MS = 1_000_000


def timed(box: Box, script: str) -> tuple[int, int]:
    """(the container's CPU account, the thread's CPU time) after running ``script``."""
    start = time.thread_time_ns()
    result = box.sh(script)
    used = time.thread_time_ns() - start
    assert result.status == 0, result.stderr
    return box.processes.cpu_ns, used


def test_a_busy_loop_is_charged_most_of_the_cpu_it_used() -> None:
    box = Box()
    charged, used = timed(box, "i=0; while [ $i -lt 1000 ]; do i=$((i+1)); done")
    assert used > 20 * MS  # the loop does real work
    # What ran outside the program (the event loop itself) is not charged.
    assert used * 0.5 < charged <= used
    assert len(box.processes) == 0  # the account keeps what ended processes used


def test_an_idle_sleep_is_charged_almost_nothing() -> None:
    box = Box(clock=SystemClock())
    charged, _ = timed(box, "sleep 0.3")
    assert charged < 20 * MS


def test_pipeline_elements_and_children_count_for_the_container() -> None:
    box = Box()
    charged, used = timed(box, "i=0; while [ $i -lt 800 ]; do i=$((i+1)); done | cat")
    assert used > 20 * MS
    assert used * 0.5 < charged <= used


def test_a_sync_program_is_charged_its_thread_time() -> None:
    registry = new_registry()

    def burn(ctx: SyncContext) -> int:
        deadline = time.thread_time() + 0.08
        while time.thread_time() < deadline:
            pass
        ctx.stdout.write(b"done\n")
        return 0

    registry.register("burn", burn)
    box = Box(registry=registry)
    box.fs.write_file("/usr/bin/burn", marker("burn"), mode=0o755)
    result = box.run(["burn"])
    assert result.stdout == "done\n"
    assert 70 * MS < box.processes.cpu_ns < 200 * MS


def test_reported_cpu_adds_to_the_measured_time() -> None:
    registry = new_registry()

    async def report(ctx: ProgramContext) -> int:
        ctx.report_usage(cpu_seconds=1.0)
        ctx.report_usage(cpu_seconds=1.5)  # a running total: the account grows by 0.5
        info = ctx.processes.get(ctx.pid)
        assert info is not None and 1.5 <= info.cpu_seconds < 1.6
        return 0

    registry.register("report", report)
    box = Box(registry=registry)
    box.fs.write_file("/usr/bin/report", marker("report"), mode=0o755)
    assert box.run(["report"]).status == 0
    assert 1500 * MS <= box.processes.cpu_ns < 1600 * MS
