from pathlib import Path

import pytest

from mockd.engine import Engine, ManualClock
from mockd.engine.volumes import ANONYMOUS_LABEL, VolumeStore, volumes_of
from mockd.errors import Conflict, InvalidParameter, NotFound


@pytest.fixture
def engine() -> Engine:
    return Engine(ManualClock(), seed=1)


@pytest.fixture
def store(engine: Engine) -> VolumeStore:
    return volumes_of(engine)


def test_create_named_and_existing_name_returns_it(store: VolumeStore) -> None:
    v = store.create("data", labels={"a": "b"})
    assert v.to_wire()["Mountpoint"] == "/var/lib/docker/volumes/data/_data"
    assert v.to_wire()["Options"] is None and v.to_wire()["Scope"] == "local"
    assert store.create("data", labels={"x": "y"}) is v
    assert v.labels == {"a": "b"}


def test_anonymous_volume_has_64_hex_name_and_label(store: VolumeStore) -> None:
    v = store.create_anonymous()
    assert len(v.name) == 64 and int(v.name, 16) >= 0
    assert v.labels == {ANONYMOUS_LABEL: ""}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "x"}, InvalidParameter, "create x: volume name is too short"),
        ({"name": "bad/name"}, InvalidParameter, 'create bad/name: "bad/name" includes invalid'),
        ({"name": "xx", "driver": "foo"}, NotFound, 'plugin "foo" not found'),
        ({"name": "xx", "driver_opts": {"foo": "1"}}, InvalidParameter, 'invalid option: "foo"'),
        ({"name": "xx", "driver_opts": {"o": "bind"}}, InvalidParameter, 'required option: "device"'),
    ],
)
def test_create_errors(store: VolumeStore, kwargs: dict, error: type, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(error, match=message):
        store.create(**kwargs)


def test_in_use_volume_cannot_be_removed_or_pruned(store: VolumeStore) -> None:
    store.create("busy")
    store.acquire("busy", "c1")
    with pytest.raises(Conflict, match=r"remove busy: volume is in use - \[c1\]"):
        store.remove("busy", force=True)
    assert store.prune({"all": ["true"]}) == ([], 0)
    assert store.list_volumes({"dangling": ["false"]})[0].name == "busy"
    store.release("busy", "c1")
    assert store.in_use_by("busy") == []
    store.remove("busy")
    with pytest.raises(NotFound, match="get busy: no such volume"):
        store.get("busy")
    store.remove("busy", force=True)  # force: a missing volume is not an error


def test_prune_by_api_version(store: VolumeStore) -> None:
    store.create("named")
    anon = store.create_anonymous()
    anon.fs.write_file("/f", b"12345")
    assert store.prune({}, (1, 44)) == ([anon.name], 5)
    assert store.prune({}, (1, 41)) == (["named"], 0)


def test_list_filters(store: VolumeStore) -> None:
    store.create("alpha", labels={"k": "1"})
    store.create("beta")
    names = lambda f: [v.name for v in store.list_volumes(f)]  # noqa: E731
    assert names({"name": ["alp"]}) == ["alpha"]
    assert names({"label": ["k=1"]}) == ["alpha"]
    assert names({"driver": ["loc"]}) == []
    with pytest.raises(InvalidParameter):
        store.list_volumes({"foo": ["x"]})


def test_events_create_destroy(engine: Engine, store: VolumeStore) -> None:
    store.create("ev")
    store.remove("ev")
    events = [(e.type, e.action, e.actor_id, dict(e.attributes)) for e in engine.events.history()]
    assert events[-2:] == [
        ("volume", "create", "ev", {"driver": "local"}),
        ("volume", "destroy", "ev", {"driver": "local"}),
    ]


def test_bind_volume_reads_and_writes_host_directory(store: VolumeStore, tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"hello")
    v = store.create("bv", driver_opts={"type": "none", "o": "bind", "device": str(tmp_path)})
    store.acquire("bv", "c1")
    assert v.fs.read_file("/in.txt") == b"hello"
    v.fs.write_file("/out.txt", b"back")
    store.release("bv", "c1")
    assert (tmp_path / "out.txt").read_bytes() == b"back"
