"""The container lifecycle against a ManualClock: stop timeouts, pause, restart policies."""

from __future__ import annotations

import asyncio

import pytest

from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore, human_duration
from mockd.engine.images import images_of
from mockd.engine.logs import LogStore
from mockd.errors import Conflict, InvalidParameter, NotFound, NotModified, SystemError_
from tests.unit.mockd.helpers import EngineTest, actions, run_with_busybox, yield_rounds


def run(test: EngineTest) -> None:
    run_with_busybox(test, seed=7)


async def settle(rounds: int = 50) -> None:
    await yield_rounds(rounds)


def test_stop_sends_sigkill_after_the_timeout() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "s1")
        store.start("s1")
        stopping = asyncio.ensure_future(store.stop("s1", 5))
        await settle()
        clock.advance(4.9)
        await settle()
        assert not stopping.done() and c.running
        clock.advance(0.2)
        await stopping
        assert c.state.exit_code == 137 and c.state.status == "exited"
        assert actions(engine, c.id) == ["create", "start", "kill", "kill", "die", "stop"]
        kills = [
            dict(ev.attributes)["signal"] for ev in engine.events.history() if ev.action == "kill"
        ]
        assert kills == ["15", "9"]
        with pytest.raises(NotModified):
            await store.stop("s1")

    run(body)


def test_stop_signal_from_config_and_trap() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        script = "trap 'exit 7' USR1; while true; do sleep 1; done"
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sh", "-c", script], "StopSignal": "SIGUSR1"}
        )
        store.start(c.id)
        await settle()
        stopping = asyncio.ensure_future(store.stop(c.id, 10))
        await settle()
        clock.advance(1)  # the shell runs its trap once the current sleep ends
        await asyncio.wait_for(stopping, 1)
        assert c.state.exit_code == 7
        assert "kill" in actions(engine, c.id)

    run(body)


def test_pause_freezes_sleep_and_output() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sh", "-c", "sleep 2; echo done"]}, "p1")
        store.start("p1")
        await settle()
        store.pause("p1")
        with pytest.raises(Conflict, match="is already paused"):
            store.pause("p1")
        clock.advance(10)
        await settle()
        assert c.running and c.logs.read() == []
        store.unpause("p1")
        await settle()
        clock.advance(1.9)
        await settle()
        assert c.logs.read() == []
        clock.advance(0.2)
        code = await store.wait("p1")
        assert code == 0
        assert [e.data for e in c.logs.read()] == [b"done\n"]
        with pytest.raises(SystemError_, match="is not paused"):
            store.unpause("p1")

    run(body)


def test_on_failure_restarts_with_backoff_and_counts() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "exit 1"],
             "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}}}
        )  # fmt: skip
        store.start(c.id)
        await settle()
        assert c.state.status == "restarting" and c.restart_count == 1
        clock.advance(0.1)  # first back-off: 100 ms
        await settle()
        assert c.restart_count == 2 and c.state.status == "restarting"
        clock.advance(0.1)
        await settle()
        assert c.state.status == "restarting"  # the second back-off is 200 ms
        clock.advance(0.1)
        await settle()
        assert c.state.status == "exited" and c.restart_count == 2
        assert actions(engine, c.id).count("start") == 3

    run(body)


def test_auto_remove_and_wait_before_start() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "exit 4"], "HostConfig": {"AutoRemove": True}}
        )
        removed = store.wait(c.id, "removed")
        next_exit = store.wait(c.id, "next-exit")
        store.start(c.id)
        assert await next_exit == 4
        assert await removed == 4
        with pytest.raises(NotFound, match=f"^No such container: {c.id}$"):
            store.get(c.id)
        assert actions(engine, c.id)[-2:] == ["die", "destroy"]

    run(body)


def test_lookup_by_name_prefix_and_ambiguity() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        made = [store.create({"Image": "busybox", "Cmd": ["true"]})[0] for _ in range(40)]
        first = made[0]
        assert store.get(first.name) is first and store.get(first.name.lstrip("/")) is first
        assert store.get(first.id[:10]) is first
        shared = next(
            (a.id[0] for a in made for b in made if a is not b and a.id[0] == b.id[0]), None
        )
        assert shared is not None
        with pytest.raises(SystemError_, match="Multiple IDs found with provided prefix"):
            store.get(shared)
        with pytest.raises(NotFound, match=r"^No such container: zzz$"):
            store.get("zzz")

    run(body)


def test_unknown_command_keeps_created_with_127() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["nope"]})
        with pytest.raises(InvalidParameter, match='exec: "nope": executable file not found'):
            store.start(c.id)
        assert c.state.status == "created" and c.state.exit_code == 127
        assert c.network is None

    run(body)


def test_image_in_use_blocks_image_delete() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        store.create({"Image": "busybox", "Cmd": ["true"]})
        with pytest.raises(Conflict, match="is using its referenced image"):
            images_of(engine).delete("busybox")

    run(body)


def test_log_store_splits_lines_like_json_file() -> None:
    log = LogStore()
    log.append("stdout", b"a\nb", 1)
    log.append("stdout", b"c\n", 2)
    log.append("stderr", b"e\n", 3)
    log.append("stdout", b"tail", 4)
    assert [(e.stream, e.data, e.time_ns) for e in log.read()] == [
        ("stdout", b"a\n", 1), ("stdout", b"bc\n", 1), ("stderr", b"e\n", 3),
    ]  # fmt: skip
    log.close()
    assert log.read(tail=1)[0].data == b"tail"
    assert [e.data for e in log.read(stdout=False)] == [b"e\n"]
    assert [e.data for e in log.read(since_ns=3, until_ns=3)] == [b"e\n"]


def test_log_follow_ends_when_closed() -> None:
    async def body() -> list[bytes]:
        log = LogStore()
        log.append("stdout", b"1\n", 1)
        got: list[bytes] = []

        async def reader() -> None:
            async for entry in log.follow():
                got.append(entry.data)

        task = asyncio.ensure_future(reader())
        await settle(5)
        log.append("stdout", b"2\n", 2)
        log.close()
        await asyncio.wait_for(task, 1)
        return got

    assert asyncio.run(body()) == [b"1\n", b"2\n"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.5, "Less than a second"), (1, "1 second"), (5, "5 seconds"), (61, "About a minute"),
     (300, "5 minutes"), (3600, "About an hour"), (7200, "2 hours"), (3 * 86400, "3 days")],
)  # fmt: skip
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text
