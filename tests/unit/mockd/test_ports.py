"""Published ports: dockerd's allocation, conflicts and the shapes inspect and list show."""

from __future__ import annotations

import asyncio

import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.ports import EPHEMERAL_FIRST, PortAllocator, PortInUse, summary_ports
from mockd.engine.references import parse_normalized
from mockd.errors import SystemError_


async def settle(rounds: int = 10) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def test_a_binding_without_host_ip_is_published_on_both_families() -> None:
    ports = PortAllocator().publish("c1", {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, None)
    assert ports == {
        "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}]
    }


def test_empty_host_port_and_publish_all_take_ephemeral_ports_in_turn() -> None:
    allocator = PortAllocator()
    first = allocator.publish("c1", {"9090/tcp": [{}]}, None)
    second = allocator.publish("c2", None, {"53/udp": {}, "443/tcp": {}}, publish_all=True)
    assert first["9090/tcp"] == [
        {"HostIp": "0.0.0.0", "HostPort": str(EPHEMERAL_FIRST)},
        {"HostIp": "::", "HostPort": str(EPHEMERAL_FIRST)},
    ]
    assert second["443/tcp"] is not None and second["443/tcp"][0]["HostPort"] == "32769"
    assert second["53/udp"] is not None and second["53/udp"][0]["HostPort"] == "32768"  # udp's own
    allocator.release("c1")
    third = allocator.publish("c3", {"1/tcp": [{}]}, None)
    assert third["1/tcp"] is not None and third["1/tcp"][0]["HostPort"] == "32770"  # serial


def test_a_taken_port_fails_and_gives_back_what_the_call_took() -> None:
    allocator = PortAllocator()
    allocator.publish("c1", {"80/tcp": [{"HostPort": "8080"}]}, None)
    with pytest.raises(PortInUse, match=r"Bind for 0.0.0.0:8080 failed: port is already allocated"):
        allocator.publish(
            "c2", {"81/tcp": [{"HostPort": "8081"}], "80/tcp": [{"HostPort": "8080"}]}, None
        )
    # 8081 was released again, and another IP or protocol does not collide.
    allocator.publish("c3", {"81/tcp": [{"HostPort": "8081"}]}, None)
    allocator.publish("c4", {"80/udp": [{"HostPort": "8080"}]}, None)
    with pytest.raises(PortInUse):
        allocator.publish("c5", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}, None)
    allocator.release("c1")
    allocator.publish("c5", {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}, None)


def test_summary_ports_lists_published_and_exposed_ports() -> None:
    ports = {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}
    assert summary_ports(ports) == [
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 443, "Type": "tcp"},
    ]


def test_containers_hold_ports_while_running() -> None:
    engine = Engine(ManualClock(), seed=5)
    built = catalog.lookup("busybox")
    assert built is not None
    image = engine.images.add(built.config_bytes, built.layers)
    engine.images.add_reference(image, parse_normalized("busybox:latest"))
    store = engine.containers
    body = {
        "Image": "busybox", "Cmd": ["sleep", "100"],
        "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "8080"}]}},
    }  # fmt: skip

    async def scenario() -> None:
        a, _ = store.create(body, "pa")
        b, _ = store.create(body, "pb")
        try:
            await checks(a.id, b.id)
        finally:  # a failed check must not leave sleeping containers behind
            await settle()
            for c in (a, b):
                if c.running:
                    await store.kill(c.id)

    async def checks(a: str, b: str) -> None:
        store.start(a)
        assert store.inspect("pa")["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == "8080"
        with pytest.raises(SystemError_, match="port is already allocated") as caught:
            store.start(b)
        assert "driver failed programming external connectivity on endpoint pb (" in str(
            caught.value
        )
        assert store.get(b).state.status == "created" and store.get(b).state.exit_code == 128
        assert store.inspect("pb")["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] == ""
        await store.stop(a, timeout=0)
        assert store.inspect("pa")["NetworkSettings"]["Ports"] == {}
        store.start(b)
        await settle()  # let the program begin before it is killed (see the report on runtime)
        summary = store.list_containers()[0]
        assert summary["Ports"][0] == {
            "IP": "0.0.0.0",
            "PrivatePort": 80,
            "PublicPort": 8080,
            "Type": "tcp",
        }
        await store.delete(b, force=True)

    asyncio.run(scenario())


def test_host_network_mode_warns_and_publishes_nothing() -> None:
    engine = Engine(ManualClock(), seed=5)
    built = catalog.lookup("busybox")
    assert built is not None
    engine.images.add_reference(
        engine.images.add(built.config_bytes, built.layers), parse_normalized("busybox:latest")
    )
    c, warnings = engine.containers.create({
        "Image": "busybox", "Cmd": ["true"],
        "HostConfig": {"NetworkMode": "host", "PortBindings": {"80/tcp": [{"HostPort": "80"}]}},
    })  # fmt: skip
    assert warnings == ["Published ports are discarded when using host network mode"]
    assert list(engine.containers.inspect(c.id)["NetworkSettings"]["Networks"]) == ["host"]
