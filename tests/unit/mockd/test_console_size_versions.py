"""HostConfig.ConsoleSize is version-shaped: ignored before API 1.42, honoured from it."""

from __future__ import annotations

from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore
from tests.unit.mockd.helpers import EngineTest, run_with_busybox

BODY = {"Image": "busybox", "Cmd": ["sh", "-c", "stty size"], "Tty": True,
        "HostConfig": {"ConsoleSize": [30, 100]}}  # fmt: skip


def run(test: EngineTest) -> None:
    run_with_busybox(test, seed=7, timeout=10)


async def size_seen(store: ContainerStore, name: str) -> bytes:
    store.start(name)
    assert await store.wait(name) == 0
    return b"".join(e.data for e in store.get(name).logs.read())


def test_api_1_41_keeps_the_field_but_not_the_size() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        store.create(BODY, "old", api_version=(1, 41))
        assert await size_seen(store, "old") == b"24 80\r\n"  # the terminal's default
        # dockerd 20.10 still shows what was asked for.
        assert store.inspect("old")["HostConfig"]["ConsoleSize"] == [30, 100]

    run(body)


def test_api_1_42_sizes_the_terminal() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        store.create(BODY, "new", api_version=(1, 42))
        assert await size_seen(store, "new") == b"30 100\r\n"
        # Unversioned: the daemon's own version (1.55 by default) decides.
        store.create(BODY, "own")
        assert await size_seen(store, "own") == b"30 100\r\n"

    run(body)


def test_a_daemon_playing_1_41_ignores_it_on_unversioned_requests() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        engine.system.api_version = "1.41"
        store.create(BODY, "played")
        assert await size_seen(store, "played") == b"24 80\r\n"

    run(body)
