"""A container's ``/dev`` over its life: made at create, new at every start."""

from __future__ import annotations

import asyncio

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore
from mockd.engine.references import parse_normalized


def _engine() -> tuple[Engine, ContainerStore, ManualClock]:
    clock = ManualClock()
    engine = Engine(clock, seed=8)
    built = catalog.lookup("busybox")
    assert built is not None
    image = engine.images.add(built.config_bytes, built.layers)
    engine.images.add_reference(image, parse_normalized("busybox:latest"))
    return engine, engine.containers, clock


def test_what_is_made_in_dev_before_a_start_is_gone_after_it() -> None:
    _, store, clock = _engine()

    async def scenario() -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sleep", "100"],
             "HostConfig": {"Tmpfs": {"/dev/scratch": ""}}}
        )  # fmt: skip
        view = c.view
        assert view.is_dir("/dev/scratch")  # its mount point, made in /dev at create
        view.write_file("/dev/shm/early", b"x")
        clock.advance(30)
        store.start(c.id)
        assert not view.exists("/dev/shm/early")
        assert view.listdir("/dev/shm") == []
        assert "scratch" in view.listdir("/dev")  # a mount point still shows
        started = clock.now()
        assert view.stat("/dev/null").mtime == started  # made at this start
        assert view.stat("/dev/null").rdev == (1, 3)

        view.write_file("/dev/shm/during", b"y")
        await store.stop(c.id, timeout=0)
        clock.advance(30)
        store.start(c.id)  # a restart: a new tmpfs again
        assert not view.exists("/dev/shm/during")
        assert view.stat("/dev/null").mtime == clock.now() != started
        await store.stop(c.id, timeout=0)
        await store.delete(c.id)

    asyncio.run(scenario())
