"""Signals, traps, kill and the clock: busybox ash's semantics on a clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from mockd.engine.clock import ManualClock
from mockd.programs import run_program, start_program
from mockd.programs.signals import SIGINT, SIGKILL, SIGTERM
from tests.unit.programs.helpers import Box


async def settle(predicate: Callable[[], bool], rounds: int = 200) -> None:
    """Let the loop run until ``predicate`` holds (programs run on the same loop)."""
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def scenario(
    script: str,
    body: Callable[[Box, ManualClock, asyncio.Task[int]], Awaitable[None]],
    *,
    init: bool = False,
) -> tuple[str, int]:
    clock = ManualClock()
    box = Box(clock=clock)
    ctx, out, _ = box.context()

    async def main() -> int:
        task = asyncio.ensure_future(run_program(["sh", "-c", script], ctx, init=init))
        await body(box, clock, task)
        return await asyncio.wait_for(task, 5)

    status = asyncio.run(main())
    return out.getvalue().decode(), status


def test_trap_runs_after_the_foreground_sleep_ends() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        box.processes.kill(1, SIGTERM)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()  # ash waits for the foreground command first
        clock.advance(5)

    out, status = scenario(
        'trap "echo got TERM; exit 3" TERM; echo start; sleep 5; echo after', body
    )
    assert (out, status) == ("start\ngot TERM\n", 3)


def test_trap_that_returns_lets_the_script_go_on() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        box.processes.kill(1, SIGINT)
        clock.advance(1)

    out, status = scenario('trap "echo got INT" INT; sleep 1; echo after', body)
    assert (out, status) == ("got INT\nafter\n", 0)


def test_trapped_signal_interrupts_wait() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        box.processes.kill(1, SIGTERM)  # no time passes: the background sleep is still running

    out, status = scenario('trap "echo got TERM" TERM; sleep 20 & wait; echo "after $?"', body)
    assert (out, status) == ("got TERM\nafter 143\n", 0)


def test_default_term_ends_with_143_and_kill_with_137() -> None:
    for signum, expected in ((SIGTERM, 143), (SIGKILL, 137)):

        async def body(
            box: Box, clock: ManualClock, task: asyncio.Task[int], signum: int = signum
        ) -> None:
            await settle(lambda: clock.sleepers == 1)
            box.processes.kill(1, signum)

        out, status = scenario("echo start; sleep 100; echo after", body)
        assert (out, status) == ("start\n", expected)


def test_init_process_ignores_signals_it_has_no_handler_for() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        box.processes.kill(1, SIGTERM)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()
        box.processes.kill(1, SIGKILL)

    _out, status = scenario("sleep 100", body, init=True)
    assert status == 137


def test_cancelling_the_task_is_sigkill() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        task.cancel()

    out, status = scenario("echo start; sleep 100", body)
    assert (out, status) == ("start\n", 137)


def test_sleep_only_advances_with_the_clock() -> None:
    """A paused container's clock stands still: its sleep does not end."""

    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)
        clock.advance(2.4)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done()
        clock.advance(0.1)

    out, status = scenario("sleep 2.5; echo woke", body)
    assert (out, status) == ("woke\n", 0)


def test_kill_applet_and_ps_see_the_process_table() -> None:
    async def body(box: Box, clock: ManualClock, task: asyncio.Task[int]) -> None:
        await settle(lambda: clock.sleepers == 1)

    out, status = scenario("sleep 50 & ps; kill $!; wait $!; echo $?", body)
    lines = out.splitlines()
    assert lines[0] == "PID   USER     TIME  COMMAND"
    assert lines[1] == "    1 root      0:00 sh -c sleep 50 & ps; kill $!; wait $!; echo $?"
    assert lines[2].split()[3:] == ["sleep", "50"]
    assert lines[3].split()[3:] == ["ps"]
    assert lines[4] == "143"
    assert status == 0


def test_process_wait_and_signals_outside_a_shell() -> None:
    box = Box(clock=ManualClock())
    ctx, _out, _ = box.context()

    async def main() -> int:
        ctx.argv = ["sleep", "10"]
        process = start_program(ctx)
        await asyncio.sleep(0)
        assert [p.command for p in box.processes.list()] == ["sleep 10"]
        process.send_signal(SIGTERM)
        return await process.wait()

    assert asyncio.run(main()) == 143
    assert len(box.processes) == 0
