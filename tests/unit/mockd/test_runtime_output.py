"""The container's output hub: subscribe before start, replay + live in one step, TTY output."""

from __future__ import annotations

import asyncio

from mockd.engine import Engine, ManualClock
from mockd.engine.containers import Container, ContainerStore
from mockd.engine.runtime import OutputSubscription, onlcr
from mockd.programs.api import ProgramContext
from mockd.programs.registry import marker
from tests.unit.mockd.helpers import EngineTest, register_once, run_with_busybox, yield_rounds

STEPS = "test-runtime-steps"


def run(test: EngineTest) -> None:
    register_once(STEPS, steps)
    run_with_busybox(test, seed=3, timeout=10)


async def settle(rounds: int = 30) -> None:
    await yield_rounds(rounds)


async def steps(ctx: ProgramContext) -> int:
    """Writes ``argv[1:]`` one piece per second (``\\n`` spelled ``/``), then exits."""
    for piece in ctx.argv[1:]:
        await ctx.stdout.write(piece.replace("/", "\n").encode())
        await ctx.clock.sleep(1)
    return 0


def stepper(store: ContainerStore, *pieces: str, tty: bool = False) -> Container:
    c, _ = store.create({"Image": "busybox", "Cmd": ["/steps", *pieces], "Tty": tty})
    c.fs.write_file("/steps", marker(STEPS), mode=0o755)
    return c


async def drain(subscription: OutputSubscription) -> bytes:
    return b"".join([data async for _, data in subscription])


def test_a_subscription_made_before_start_gets_the_first_byte() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["echo", "hello"]})
        subscription = c.output.subscribe()
        store.start(c.id)  # the program runs at the loop's next turn: no polling needed
        assert await drain(subscription) == b"hello\n"

    run(body)


def test_replay_and_live_output_join_without_gap_or_repeat() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c = stepper(store, "one/tw", "o/", "three/")
        store.start(c.id)
        await settle()
        # "one\ntw" written: a whole line in the log and a partial one held back.
        assert [e.data for e in c.logs.read()] == [b"one\n"]
        subscription = c.output.subscribe(replay=True)
        assert subscription.backlog == [("stdout", b"one\n"), ("stdout", b"tw")]
        for _ in range(3):
            clock.advance(1)
            await settle()
        assert await drain(subscription) == b"one\ntwo\nthree\n"

    run(body)


def test_replay_can_pick_one_stream() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "echo out; echo err >&2; sleep 5"]}
        )
        store.start(c.id)
        await settle(200)
        only_err = c.output.subscribe(replay=True, stdout=False)
        assert only_err.backlog == [("stderr", b"err\n")]
        only_err.close()

    run(body)


def test_subscriptions_end_with_the_run_and_at_removal() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c = stepper(store, "a/")
        first = c.output.subscribe()
        store.start(c.id)
        await settle()
        clock.advance(1)
        assert await drain(first) == b"a\n"
        assert await store.wait(c.id) == 0
        # Stopped: a new subscription waits for the next run, and ends at removal.
        waiting = c.output.subscribe()
        stdin_wait = asyncio.ensure_future(c.output.stdin())
        await settle()
        assert not stdin_wait.done()
        await store.delete(c.id)
        assert await drain(waiting) == b""
        assert await stdin_wait is None

    run(body)


def test_tty_output_goes_through_onlcr_once() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["printf", "a\\nb\\r\\n"], "Tty": True})
        subscription = c.output.subscribe()
        store.start(c.id)
        # As a pty: every \n gains a \r, even one that had one (dockerd's log shows a\r\r\n too).
        assert await drain(subscription) == b"a\r\nb\r\r\n"
        assert b"".join(e.data for e in c.logs.read()) == b"a\r\nb\r\r\n"

    run(body)


def test_onlcr_maps_every_newline() -> None:
    assert onlcr(b"a\nb") == b"a\r\nb"
    assert onlcr(b"x\r\n") == b"x\r\r\n"
    assert onlcr(b"") == b""
