"""Container lookup at scale: an ID prefix is a binary search, not a scan of every container."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, NoReturn, TypeVar

import msgspec
import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import Container, ContainerStore
from mockd.engine.ids import PrefixIndex
from mockd.engine.references import parse_normalized
from mockd.errors import NotFound, SystemError_


class CountingStr(str):
    """A key that counts how often the index compares it (``<``) or tests its prefix."""

    calls = 0

    def __lt__(self, other: object) -> bool:
        CountingStr.calls += 1
        return str.__lt__(self, other)  # type: ignore[operator]

    def startswith(self, *args: Any) -> bool:
        CountingStr.calls += 1
        return str.startswith(self, *args)


V = TypeVar("V")


class NoScan(dict[str, V]):
    """A store's map that fails the test if anything walks over every entry."""

    def _scan(self, *args: Any) -> NoReturn:
        raise AssertionError("a lookup iterated over every entry")

    __iter__ = values = items = keys = _scan


def make_store(count: int) -> tuple[Engine, ContainerStore, list[Container]]:
    engine = Engine(ManualClock(), seed=11)
    built = catalog.lookup("busybox")
    assert built is not None
    image = engine.images.add(built.config_bytes, built.layers)
    engine.images.add_reference(image, parse_normalized("busybox:latest"))
    store = engine.containers
    made = [store.create({"Image": "busybox", "Cmd": ["true"]}, f"c{i}")[0] for i in range(count)]
    return engine, store, made


def shared_prefix(ids: list[str]) -> str:
    """A one-character prefix at least two of ``ids`` start with."""
    firsts = [i[0] for i in ids]
    return next(ch for ch in firsts if firsts.count(ch) > 1)


def test_index_finds_prefixes_in_logarithmic_comparisons() -> None:
    index = PrefixIndex()
    keys = [CountingStr(hashlib.sha256(str(n).encode()).hexdigest()) for n in range(10_000)]
    for key in keys:
        index.add(key)
    target = keys[5_000]
    CountingStr.calls = 0
    assert index.matching(target[:12]) == [target]
    # log2(10,000) is about 14: a scan would compare thousands of keys.
    assert CountingStr.calls < 40


def test_index_matching_stops_at_the_limit_and_after_removal() -> None:
    index = PrefixIndex()
    for key in ("abc1", "abc2", "abc3", "abd0", "b000"):
        index.add(key)
    assert index.matching("abc") == ["abc1", "abc2"]
    assert index.matching("abc", limit=5) == ["abc1", "abc2", "abc3"]
    assert index.matching("ab", limit=5) == ["abc1", "abc2", "abc3", "abd0"]
    assert index.matching("c") == []
    index.discard("abc2")
    index.discard("zzzz")  # not there: nothing happens
    assert index.matching("abc", limit=5) == ["abc1", "abc3"]
    assert len(index) == 4


def test_prefix_lookup_does_not_iterate_the_containers() -> None:
    _, store, made = make_store(200)
    target = made[123]
    store._by_id = NoScan(store._by_id)  # the test guards the store's own map
    assert store.get(target.id[:12]) is target
    assert store.get(target.id) is target
    assert store.get("c123") is target
    assert store.get("/c123") is target


def test_ambiguous_prefix_is_dockerds_error_and_resolves_after_a_removal() -> None:
    _, store, made = make_store(40)
    prefix = shared_prefix([c.id for c in made])
    with pytest.raises(SystemError_, match=f"^Multiple IDs found with provided prefix: {prefix}$"):
        store.get(prefix)
    sharing = [c for c in made if c.id.startswith(prefix)]
    for extra in sharing[1:]:
        asyncio.run(store.delete(extra.id, force=True))
    assert store.get(prefix) is sharing[0]
    with pytest.raises(NotFound, match=f"^No such container: {sharing[1].id[:12]}$"):
        store.get(sharing[1].id[:12])


def test_a_name_wins_over_an_id_prefix() -> None:
    _, store, made = make_store(3)
    prefix = made[0].id[:6]
    named, _ = store.create({"Image": "busybox", "Cmd": ["true"]}, prefix)
    assert store.get(prefix) is named
    store.rename(named.id, "other")
    assert store.get(prefix) is made[0]


def add_images(engine: Engine, count: int) -> list[str]:
    built = catalog.lookup("busybox")
    assert built is not None
    config = msgspec.json.decode(built.config_bytes)
    made = []
    for n in range(count):
        config["config"]["Labels"] = {"n": str(n)}
        made.append(engine.images.add(msgspec.json.encode(config), built.layers).id)
    return made


def test_image_prefix_lookup_does_not_iterate_the_images() -> None:
    engine = Engine(ManualClock(), seed=3)
    made = add_images(engine, 100)
    images = engine.images
    images._images = NoScan(images._images)  # the store's own map
    target = made[42]
    assert images.get(target[7:19]).id == target
    assert images.get(target).id == target
    assert images.get("sha256:" + target[7:19]).id == target


def test_ambiguous_or_deleted_image_prefixes_are_not_found() -> None:
    engine = Engine(ManualClock(), seed=3)
    made = add_images(engine, 40)
    prefix = shared_prefix([i[7:] for i in made])
    with pytest.raises(NotFound, match=f"^No such image: {prefix}:latest$"):
        engine.images.get(prefix)
    sharing = [i for i in made if i[7:].startswith(prefix)]
    for extra in sharing[1:]:
        engine.images.delete(extra)
    assert engine.images.get(prefix).id == sharing[0]
    with pytest.raises(NotFound):
        engine.images.get(sharing[1][7:19])
