"""``system df`` figures agree with the layer, image, container and volume stores."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.disk_usage import disk_usage, parse_types
from mockd.engine.references import parse_normalized
from mockd.errors import InvalidParameter
from mockd.handlers.system import system_data_usage
from mockd.http import Reply, Request, Response


def _engine() -> Engine:
    engine = Engine(ManualClock(), seed=9)
    for name in ("busybox", "alpine"):
        built = catalog.lookup(name)
        assert built is not None
        image = engine.images.add(built.config_bytes, built.layers)
        engine.images.add_reference(image, parse_normalized(f"{name}:latest"))
    return engine


def test_figures_come_from_the_stores() -> None:
    engine = _engine()
    c, _ = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"Binds": ["vol:/data"]}}
    )
    c.fs.write_file("/written", b"12345")
    engine.volumes.get("vol").fs.write_file("/f", b"abc")
    unused = engine.volumes.create("unused")
    unused.fs.write_file("/g", b"xy")
    usage = disk_usage(engine)
    assert usage.layers_size == engine.layers.total_size() > 0
    assert usage.images is not None and usage.containers is not None
    assert usage.volumes is not None and usage.build_cache is not None
    by_tag = {i["RepoTags"][0]: i for i in usage.images.items}
    busybox = engine.images.get("busybox")
    assert (
        by_tag["busybox:latest"]["Containers"] == 1 and by_tag["alpine:latest"]["Containers"] == 0
    )
    assert by_tag["busybox:latest"]["Size"] == busybox.size
    assert usage.images.active_count == 1
    # Only the unused image's layers can be reclaimed.
    assert usage.images.reclaimable == usage.layers_size - busybox.size
    (record,) = usage.containers.items
    assert record["SizeRw"] == 5 and record["SizeRootFs"] == 5 + busybox.size
    assert usage.containers.reclaimable == 5 and usage.containers.active_count == 0
    volumes = {v["Name"]: v["UsageData"] for v in usage.volumes.items}
    assert volumes == {"vol": {"RefCount": 1, "Size": 3}, "unused": {"RefCount": 0, "Size": 2}}
    assert usage.volumes.reclaimable == 2 and usage.volumes.total_size == 5
    assert usage.build_cache.items == [] and usage.build_cache.total_size == 0


def test_types_select_what_is_computed() -> None:
    usage = disk_usage(_engine(), parse_types(["volume"]))
    assert usage.volumes is not None
    assert usage.images is None and usage.containers is None and usage.layers_size is None
    assert parse_types([]) == {"container", "image", "volume", "build-cache"}
    with pytest.raises(InvalidParameter, match="unknown object type: nope"):
        parse_types(["nope"])


def test_a_builder_cache_is_reported_when_the_engine_has_one() -> None:
    class Cache:
        def usage(self) -> list[dict[str, object]]:
            return [{"ID": "a", "Size": 10, "InUse": False, "Shared": False},
                    {"ID": "b", "Size": 4, "InUse": True, "Shared": False}]  # fmt: skip

    engine = _engine()
    engine.build_cache = Cache()
    usage = disk_usage(engine, ["build-cache"])
    assert usage.build_cache is not None
    assert usage.build_cache.summary(verbose=False) == {
        "ActiveCount": 1, "TotalCount": 2, "Reclaimable": 10, "TotalSize": 14,
    }  # fmt: skip


def _df(engine: Engine, version: tuple[int, int], **query: list[str]) -> dict[str, Any]:
    req = Request("GET", "/system/df", query=dict(query), headers={}, api_version=version)

    async def call() -> Reply:
        return await system_data_usage(req, engine)

    reply = asyncio.run(call())
    assert isinstance(reply, Response) and reply.status == 200
    body: dict[str, Any] = json.loads(reply.body)
    return body


def test_the_reply_has_each_api_versions_shape() -> None:
    engine = _engine()
    old = _df(engine, (1, 41))
    assert old["BuilderSize"] == 0 and old["BuildCache"] is None
    assert all(i["VirtualSize"] == i["Size"] for i in old["Images"])
    assert "ImageUsage" not in old
    assert _df(engine, (1, 41), type=["volume"])["Images"] is not None  # type came in 1.42
    typed = _df(engine, (1, 44), type=["volume"])
    assert typed["Images"] is None and typed["Volumes"] == [] and "VirtualSize" not in str(typed)
    both = _df(engine, (1, 52))
    assert both["LayersSize"] == old["LayersSize"] and both["ImageUsage"]["TotalCount"] == 2
    assert "Items" not in both["ImageUsage"]
    new = _df(engine, (1, 55), verbose=["1"])
    assert "LayersSize" not in new and "Images" not in new
    assert new["ImageUsage"]["TotalSize"] == old["LayersSize"]
    assert len(new["ImageUsage"]["Items"]) == 2 and new["ContainerUsage"]["Items"] == []
