"""What /version and /info report, and the System handlers called directly."""

from __future__ import annotations

import asyncio
import json
import os
import platform
from dataclasses import dataclass

import msgspec
import pytest

from dockersdk.models import SystemInfo, SystemVersion
from mockd.engine import Engine
from mockd.engine.clock import NANOS, ManualClock
from mockd.engine.system import ContainerCounts
from mockd.errors import InvalidParameter
from mockd.handlers import HANDLERS
from mockd.http import Request, Response, StreamResponse


def _request(operation: str, query: dict[str, list[str]] | None = None,
             version: tuple[int, int] = (1, 55), headers: dict[str, str] | None = None) -> Request:  # fmt: skip
    return Request(
        method="GET",
        path="/",
        query=query or {},
        headers=headers or {},
        operation_id=operation,
        api_version=version,
    )


def _call(engine: Engine, operation: str, **kwargs: object) -> Response | StreamResponse:
    reply = asyncio.run(HANDLERS[operation](_request(operation, **kwargs), engine))  # type: ignore[arg-type]
    assert isinstance(reply, Response | StreamResponse)
    return reply


def test_version_is_self_consistent_and_names_mockd() -> None:
    engine = Engine()
    reply = _call(engine, "SystemVersion")
    assert isinstance(reply, Response)
    version = msgspec.json.decode(reply.body, type=SystemVersion)
    assert version.api_version == "1.55" and version.min_api_version == "1.24"
    assert version.version is not None and "mockd" in version.version
    assert version.os == "linux"
    assert version.kernel_version == platform.release()
    assert version.arch == {"x86_64": "amd64", "aarch64": "arm64"}.get(
        platform.machine(), platform.machine()
    )
    assert version.components is not None
    engine_part = version.components[0]
    assert engine_part.name == "Engine" and engine_part.version == version.version
    assert engine_part.details is not None
    assert engine_part.details["ApiVersion"] == version.api_version
    assert engine.system.server_header == f"Docker/{version.version} (linux)"


def test_info_reports_host_facts_and_engine_identity() -> None:
    clock = ManualClock(start=1_795_812_771.5)
    engine = Engine(clock, name="testd", insecure_registries=["myreg:5000", "10.0.0.0/8"])
    reply = _call(engine, "SystemInfo")
    assert isinstance(reply, Response)
    info = msgspec.json.decode(reply.body, type=SystemInfo)
    assert info.id == engine.system.id and info.name == "testd"
    assert info.ncpu == os.cpu_count()
    assert info.mem_total is not None and info.mem_total > 0
    assert info.architecture == platform.machine()
    assert info.kernel_version == platform.release()
    assert info.os_type == "linux" and info.driver == "overlay2"
    assert info.server_version == engine.system.version
    assert info.system_time == "2026-11-27T20:52:51.5Z"
    assert (info.containers, info.images) == (0, 0)
    assert info.swarm is not None and info.swarm.local_node_state == "inactive"
    assert info.default_runtime == "runc"
    assert info.runtimes is not None and "runc" in info.runtimes
    registry = info.registry_config
    assert registry is not None and registry.insecure_registry_cidrs is not None
    assert registry.insecure_registry_cidrs == ["127.0.0.0/8", "10.0.0.0/8"]
    assert registry.index_configs is not None
    assert registry.index_configs["myreg:5000"].secure is False
    assert registry.index_configs["docker.io"].official is True


def test_info_counts_come_from_the_engine_areas() -> None:
    @dataclass
    class Containers:
        def counts(self) -> ContainerCounts:
            return ContainerCounts(total=3, running=1, paused=1, stopped=1)

    @dataclass
    class Images:
        def count(self) -> int:
            return 4

    engine = Engine()
    engine.containers = Containers()  # type: ignore[attr-defined]
    engine.images = Images()  # type: ignore[attr-defined]
    body = json.loads(_call(engine, "SystemInfo").body)  # type: ignore[union-attr]
    assert (body["Containers"], body["ContainersRunning"], body["ContainersPaused"],
            body["ContainersStopped"], body["Images"]) == (3, 1, 1, 1, 4)  # fmt: skip


def test_info_keeps_fields_older_versions_had() -> None:
    engine = Engine()
    new = json.loads(_call(engine, "SystemInfo").body)  # type: ignore[union-attr]
    old = json.loads(_call(engine, "SystemInfo", version=(1, 41)).body)  # type: ignore[union-attr]
    assert "BridgeNfIptables" not in new and "KernelMemoryTCP" not in new
    assert old["BridgeNfIptables"] is True and "KernelMemoryTCP" in old


def test_ping_replies_like_dockerd() -> None:
    engine = Engine()
    reply = _call(engine, "SystemPing")
    assert isinstance(reply, Response)
    assert reply.body == b"OK"
    assert reply.content_type == "text/plain; charset=utf-8"
    assert reply.headers["Api-Version"] == "1.55"
    assert reply.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert reply.headers["Pragma"] == "no-cache"
    assert reply.headers["Ostype"] == "linux"
    assert reply.headers["Docker-Experimental"] == "false"
    head = _call(engine, "SystemPingHead")
    assert isinstance(head, Response) and head.body == b""
    assert head.headers["Content-Length"] == "0"


async def _collect(reply: StreamResponse) -> list[dict[str, object]]:
    lines = [chunk async for chunk in reply.chunks]
    return [json.loads(line) for line in lines]


def _events_reply(engine: Engine, **query: str) -> StreamResponse:
    reply = _call(engine, "SystemEvents", query={k: [v] for k, v in query.items()})
    assert isinstance(reply, StreamResponse)
    return reply


def test_events_handler_replays_a_past_window_and_ends() -> None:
    clock = ManualClock(start=1000.0)
    engine = Engine(clock)
    engine.events.publish("container", "create", "c" * 64, {"image": "busybox", "name": "x"})
    clock.advance(5)
    engine.events.publish("volume", "create", "data", {"driver": "local"})
    clock.advance(5)
    reply = _events_reply(engine, since="999", until="1004.999999999")
    assert reply.content_type == "application/json"
    events = asyncio.run(_collect(reply))
    assert [e["Action"] for e in events] == ["create"]
    assert events[0]["Type"] == "container"
    assert events[0]["timeNano"] == 1000 * NANOS and events[0]["time"] == 1000
    assert "status" not in events[0]  # gone from API 1.52 on


def test_events_handler_empty_window_in_the_past() -> None:
    engine = Engine()
    assert asyncio.run(_collect(_events_reply(engine, since="1", until="2"))) == []


def test_events_legacy_fields_before_1_52() -> None:
    engine = Engine(ManualClock(start=1000.0))
    engine.events.publish("container", "start", "c" * 64, {"image": "busybox", "name": "x"})
    engine.events.publish("volume", "create", "data", {"driver": "local"})
    engine.clock.advance(5)  # type: ignore[attr-defined]
    reply = _call(engine, "SystemEvents", query={"since": ["0"], "until": ["1001"]},
                  version=(1, 41))  # fmt: skip
    assert isinstance(reply, StreamResponse)
    container, volume = asyncio.run(_collect(reply))
    assert (container["status"], container["id"], container["from"]) == (
        "start",
        "c" * 64,
        "busybox",
    )
    assert "status" not in volume


def test_events_handler_filters_and_errors() -> None:
    engine = Engine(ManualClock(start=1000.0))
    engine.events.publish("container", "start", "c" * 64, {"name": "x"})
    engine.events.publish("volume", "create", "data", {})
    engine.clock.advance(5)  # type: ignore[attr-defined]
    reply = _events_reply(engine, since="0", until="1001", filters='{"type":{"volume":true}}')
    assert [e["Type"] for e in asyncio.run(_collect(reply))] == ["volume"]
    legacy = _events_reply(engine, since="0", until="1001", filters='{"container":["x"]}')
    assert [e["Type"] for e in asyncio.run(_collect(legacy))] == ["container"]
    with pytest.raises(InvalidParameter, match="cannot be after"):
        _events_reply(engine, since="5", until="2")
    with pytest.raises(InvalidParameter):
        _events_reply(engine, since="abc")
    with pytest.raises(InvalidParameter):
        _events_reply(engine, filters="notjson")


def test_events_json_seq_when_asked() -> None:
    engine = Engine(ManualClock(start=1000.0))
    engine.events.publish("volume", "create", "data", {})
    engine.clock.advance(5)  # type: ignore[attr-defined]
    reply = _call(engine, "SystemEvents", query={"since": ["0"], "until": ["1001"]},
                  headers={"accept": "application/json-seq, application/x-ndjson"})  # fmt: skip
    assert isinstance(reply, StreamResponse)
    assert reply.content_type == "application/json-seq"

    async def chunks() -> list[bytes]:
        return [c async for c in reply.chunks]

    (chunk,) = asyncio.run(chunks())
    assert chunk.startswith(b"\x1e{") and chunk.endswith(b"}\n")


def test_events_handler_follows_until_the_manual_clock_passes_until() -> None:
    clock = ManualClock(start=1000.0)
    engine = Engine(clock)
    reply = _events_reply(engine, since="1000", until="1060")

    async def main() -> list[dict[str, object]]:
        task = asyncio.create_task(_collect(reply))
        await asyncio.sleep(0.01)
        engine.events.publish("volume", "create", "live", {})
        await asyncio.sleep(0.01)
        assert not task.done()
        clock.advance(61)
        return await asyncio.wait_for(task, 5)

    events = asyncio.run(main())
    assert [e["Actor"] for e in events] == [{"ID": "live", "Attributes": {}}]


def test_ping_advertises_the_classic_builder() -> None:
    # The mock serves no BuildKit session, so clients must choose the classic builder.
    from mockd import MockDaemon

    with MockDaemon() as daemon:
        assert daemon.client().system.ping_info().builder_version == "1"
