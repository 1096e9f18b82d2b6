"""ContainerList at scale: entries are cached, and every change a list shows still shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import msgspec

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import Container, ContainerStore
from mockd.engine.references import parse_normalized

V = (1, 55)


def make_store(clock: ManualClock) -> ContainerStore:
    engine = Engine(clock, seed=5)
    built = catalog.lookup("busybox")
    assert built is not None
    image = engine.images.add(built.config_bytes, built.layers)
    engine.images.add_reference(image, parse_normalized("busybox:latest"))
    return engine.containers


def run(test: Callable[[ManualClock, ContainerStore], Coroutine[Any, Any, None]]) -> None:
    clock = ManualClock()
    asyncio.run(test(clock, make_store(clock)))


async def settle() -> None:
    for _ in range(50):
        await asyncio.sleep(0)


def fresh(store: ContainerStore, c: Container, api_version: tuple[int, int] = V) -> dict[str, Any]:
    """The entry built from nothing, to compare the cached one against."""
    c.summary_cache = None
    return store.summary(c, api_version=api_version)


def entry(store: ContainerStore, c: Container) -> dict[str, Any]:
    (found,) = [e for e in store.list_containers(all=True, api_version=V) if e["Id"] == c.id]
    return found


def test_an_unchanged_container_is_not_rebuilt() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["true"], "Labels": {"a": "b"}}, "one")
        first = entry(store, c)
        assert entry(store, c) is first  # the same object: nothing was built again
        assert first == fresh(store, c)
        assert first["Labels"] == {"a": "b"} and first["Status"] == "Created"

    run(body)


def test_rename_start_and_the_clock_show_in_the_list() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "one")
        assert entry(store, c)["Names"] == ["/one"]
        store.rename(c.id, "two")
        assert entry(store, c)["Names"] == ["/two"]
        store.start(c.id)
        await settle()
        listed = entry(store, c)
        assert listed["State"] == "running"
        assert listed["Status"] == "Up Less than a second"
        assert listed["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
        clock.advance(120)
        assert entry(store, c)["Status"] == "Up 2 minutes"
        assert entry(store, c) == fresh(store, c)
        await store.stop(c.id, 0)
        listed = entry(store, c)
        assert listed["State"] == "exited"
        assert listed["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] == ""
        assert listed == fresh(store, c)

    run(body)


def test_network_connect_and_disconnect_show_in_the_list() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["true"]}, "one")
        assert set(entry(store, c)["NetworkSettings"]["Networks"]) == {"bridge"}
        networks = store.networks
        mine = networks.create("mine")
        networks.connect(mine, c.id, "one", aliases=["web"], running=False)
        joined = entry(store, c)["NetworkSettings"]["Networks"]
        assert set(joined) == {"bridge", "mine"}
        assert joined["mine"]["Aliases"] == ["web"]
        networks.disconnect(mine, c.id)
        assert set(entry(store, c)["NetworkSettings"]["Networks"]) == {"bridge"}

    run(body)


def test_each_api_version_gets_its_own_entry() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["true"]}, "one")
        store.networks.connect(store.networks.create("mine"), c.id, "one", running=False)
        old = store.list_containers(all=True, api_version=(1, 43))[0]
        new = store.list_containers(all=True, api_version=(1, 55))[0]
        assert "DNSNames" not in old["NetworkSettings"]["Networks"]["mine"]
        assert new["NetworkSettings"]["Networks"]["mine"]["DNSNames"] == ["one", c.short_id]
        assert store.list_containers(all=True, api_version=(1, 43))[0] == old

    run(body)


def test_update_and_size_give_current_entries() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["true"]}, "one")
        before = entry(store, c)
        store.update(c.id, {"Memory": 64 * 1024 * 1024, "MemorySwap": -1})
        assert entry(store, c) is not before  # a new host config: built again
        sized = store.list_containers(all=True, size=True, api_version=V)[0]
        assert sized["SizeRw"] == 0 and sized["SizeRootFs"] > 0
        assert "SizeRw" not in entry(store, c)  # the sized answer is not cached

    run(body)


def test_filters_still_apply() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        a, _ = store.create({"Image": "busybox", "Cmd": ["true"], "Labels": {"k": "1"}}, "aa")
        store.create({"Image": "busybox", "Cmd": ["true"], "Labels": {"k": "2"}}, "bb")
        found = store.list_containers(all=True, filters={"label": ["k=1"]}, api_version=V)
        assert [e["Id"] for e in found] == [a.id]
        assert store.list_containers(api_version=V) == []  # none running

    run(body)


def test_the_encoded_list_is_the_list_encoded() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        for name in ("aa", "bb", "cc"):
            store.create({"Image": "busybox", "Cmd": ["sleep", "100"], "Labels": {"n": name}}, name)
        store.start("bb")
        await settle()

        def both(**options: Any) -> tuple[bytes, bytes]:
            listed = store.list_containers(api_version=V, **options)
            return store.list_containers_json(api_version=V, **options), msgspec.json.encode(listed)

        for options in ({}, {"all": True}, {"all": True, "size": True}, {"limit": 1},
                        {"filters": {"label": ["n=cc"]}}):  # fmt: skip
            encoded, expected = both(**options)
            assert encoded == expected
        clock.advance(3600)  # "Up About an hour": the kept encoding must not be stale
        encoded, expected = both(all=True)
        assert b"Up About an hour" in encoded and encoded == expected
        store.rename("cc", "dd")
        encoded, expected = both(all=True)
        assert b'"/dd"' in encoded and encoded == expected
        assert store.list_containers_json(filters={"name": ["zz"]}, api_version=V) == b"[]"

    run(body)


def test_fields_set_after_create_show_in_the_list() -> None:
    async def body(clock: ManualClock, store: ContainerStore) -> None:
        # As a state restore does: the container is made, then its saved fields put back.
        c, _ = store.create({"Image": "busybox", "Cmd": ["true"]}, "one")
        assert entry(store, c)["Created"] == c.created_ns // 1_000_000_000
        c.created_ns = 86_400 * 1_000_000_000
        c.image_id = "sha256:" + "0" * 64
        listed = entry(store, c)
        assert listed["Created"] == 86_400 and listed["ImageID"] == c.image_id

    run(body)
