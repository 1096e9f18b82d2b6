"""``ip``, ``ifconfig`` and ``route`` in a container, on both backends: what they show
agrees with the container's inspect (address, prefix, gateway, MAC); nothing is sent."""

from __future__ import annotations

import re
import uuid
from ipaddress import IPv4Network

import pytest
from backends import Backend

import dockersdk


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def run(
    docker: Backend, client: dockersdk.DockerClient, script: str, **kwargs: object
) -> tuple[str, str, dict[str, object]]:
    """(stdout, stderr) of ``script`` exec'd in a running container, and its networks."""
    name = docker.track("container", f"dockersdk-ip-{uuid.uuid4().hex[:10]}")
    container = client.containers.run("busybox", ["sleep", "300"], name=name, detach=True, **kwargs)
    result = container.exec_run(["sh", "-c", script], demux=True)
    out, err = result.output
    settings = docker.api("GET", f"/v1.41/containers/{name}/json").json()["NetworkSettings"]
    container.kill()
    return (out or b"").decode(), (err or b"").decode(), settings["Networks"]


def test_addresses_and_routes_match_inspect(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    out, err, networks = run(docker, client, "ip addr; echo --; ip route; echo --; route -n; "
                             "echo --; ifconfig eth0; ip route get 127.0.0.1")  # fmt: skip
    assert err == ""
    bridge = networks["bridge"]
    address, prefix, gateway = bridge["IPAddress"], bridge["IPPrefixLen"], bridge["Gateway"]
    subnet = IPv4Network(f"{address}/{prefix}", strict=False)
    addr, routes, table, ifconfig_out = out.split("--\n")[:4]
    assert addr.startswith(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        "    inet 127.0.0.1/8 scope host lo\n"
    )
    assert re.search(
        r"\n\d+: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n"
        rf"    link/ether {bridge['MacAddress']} brd ff:ff:ff:ff:ff:ff\n"
        rf"    inet {address}/{prefix} brd {subnet.broadcast_address} scope global eth0\n",
        addr,
    )
    assert routes == (
        f"default via {gateway} dev eth0 \n{subnet} dev eth0 scope link  src {address} \n"
    )
    assert table.splitlines()[2:] == [
        f"0.0.0.0         {gateway:<15} 0.0.0.0         UG    0      0        0 eth0",
        f"{subnet.network_address!s:<15} 0.0.0.0         {subnet.netmask!s:<15} U     0      0        0 eth0",
    ]
    assert (
        f"inet addr:{address}  Bcast:{subnet.broadcast_address}  Mask:{subnet.netmask}"
        in ifconfig_out
    )
    assert out.endswith("local 127.0.0.1 dev lo  src 127.0.0.1 \n")


def test_no_network_and_refused_changes(docker: Backend, client: dockersdk.DockerClient) -> None:
    out, err, _ = run(docker, client, (
        "ip route; ip route get 1.1.1.1; echo $?; ip route add 10.0.0.0/8 dev lo; echo $?; "
        "ip addr show dev nosuch; echo $?; ifconfig nosuch; echo $?"
    ), network_mode="none")  # fmt: skip
    assert out == "2\n2\n1\n1\n"
    assert err == (
        "ip: RTNETLINK answers: Network is unreachable\n"
        "ip: RTNETLINK answers: Operation not permitted\n"
        "ip: can't find device 'nosuch'\n"
        "ifconfig: nosuch: error fetching interface information: Device not found\n"
    )
