"""Ports: every accepted form -> exact ExposedPorts and PortBindings."""

from __future__ import annotations

from typing import Any

import pytest

from dockersdk.params import InvalidArgument, build_ports


def binding(port: str, ip: str = "") -> dict[str, str]:
    return {"HostIp": ip, "HostPort": port}


@pytest.mark.parametrize(
    ("ports", "bindings"),
    [
        ({"80/tcp": 8080}, {"80/tcp": [binding("8080")]}),
        ({"80": 8080}, {"80/tcp": [binding("8080")]}),
        ({80: "8080"}, {"80/tcp": [binding("8080")]}),
        ({"80/tcp": ("127.0.0.1", 8080)}, {"80/tcp": [binding("8080", "127.0.0.1")]}),
        ({"80/tcp": ("127.0.0.1",)}, {"80/tcp": [binding("", "127.0.0.1")]}),
        ({"80/tcp": (8080,)}, {"80/tcp": [binding("8080")]}),
        ({"80/tcp": ("::1", None)}, {"80/tcp": [binding("", "::1")]}),
        ({"80/tcp": None}, {"80/tcp": [binding("")]}),
        ({"80/tcp": [8080, 8081]}, {"80/tcp": [binding("8080"), binding("8081")]}),
        (
            {"80/tcp": [("127.0.0.1", 1), ("0.0.0.0", 2)]},
            {"80/tcp": [binding("1", "127.0.0.1"), binding("2", "0.0.0.0")]},
        ),
        (
            {"80/tcp": {"HostIp": "127.0.0.1", "HostPort": "9"}},
            {"80/tcp": [binding("9", "127.0.0.1")]},
        ),
        (
            {"1000-1002/tcp": "2000-2002"},
            {
                "1000/tcp": [binding("2000")],
                "1001/tcp": [binding("2001")],
                "1002/tcp": [binding("2002")],
            },
        ),
        (
            {"1000-1001/udp": None},
            {"1000/udp": [binding("")], "1001/udp": [binding("")]},
        ),
        (
            {"1000-1001": ("127.0.0.1", "3000-3001")},
            {
                "1000/tcp": [binding("3000", "127.0.0.1")],
                "1001/tcp": [binding("3001", "127.0.0.1")],
            },
        ),
        ({"80/tcp": "8000-8010"}, {"80/tcp": [binding("8000-8010")]}),
        ({"53/udp": 53}, {"53/udp": [binding("53")]}),
        ({"132/sctp": 132}, {"132/sctp": [binding("132")]}),
        (["127.0.0.1:8080:80/tcp"], {"80/tcp": [binding("8080", "127.0.0.1")]}),
        (["8080:80"], {"80/tcp": [binding("8080")]}),
        (["80"], {"80/tcp": [binding("")]}),
        ([80], {"80/tcp": [binding("")]}),
        (["127.0.0.1::80"], {"80/tcp": [binding("", "127.0.0.1")]}),
        (["[::1]:8080:80"], {"80/tcp": [binding("8080", "::1")]}),
        (["53:53/udp"], {"53/udp": [binding("53")]}),
        (
            ["5000-5001:6000-6001/udp"],
            {"6000/udp": [binding("5000")], "6001/udp": [binding("5001")]},
        ),
        (["9000-9010:80"], {"80/tcp": [binding("9000-9010")]}),
        (["8080:80", "8081:80"], {"80/tcp": [binding("8080"), binding("8081")]}),
    ],
)
def test_bindings(ports: Any, bindings: dict[str, list[dict[str, str]]]) -> None:
    result = build_ports(ports)
    assert result.port_bindings == bindings
    assert result.exposed_ports == {name: {} for name in bindings}


@pytest.mark.parametrize(
    "ports",
    [
        {"80/xyz": 1},
        {"abc": 1},
        {"0": 1},
        {"70000": 1},
        {"80": 70000},
        {"80": "x"},
        {"80": True},
        {"80": ("not-an-ip", 1)},
        {"80": (1, 2, 3)},
        {"80": {"HostIp": "127.0.0.1"}},
        {"1000-1002": "2000-2001"},
        {"1000-1002": 2000},
        {"1002-1000": None},
        ["0.0.0.0:80"],
        ["a:80"],
        ["1-2:5-7"],
        ["80/xyz"],
        ["1.2.3.4:5:6:7"],
        "8080:80",
    ],
)
def test_invalid_ports(ports: Any) -> None:
    with pytest.raises(InvalidArgument) as caught:
        build_ports(ports)
    assert caught.value.argument == "ports"


def test_expose_without_publishing() -> None:
    result = build_ports(None, expose=[80, "53/udp", "9000-9001"])
    assert result.port_bindings == {}
    assert result.exposed_ports == {"80/tcp": {}, "53/udp": {}, "9000/tcp": {}, "9001/tcp": {}}


@pytest.mark.parametrize(
    "ports",
    [
        {"80/tcp": 8080},
        {"80": 8080},
        {"80/tcp": ("127.0.0.1", 8080)},
        {"80/tcp": None},
        {"80/tcp": [8080, 8081]},
        {"53/udp": 53, "8080": ("0.0.0.0",)},
    ],
)
def test_agrees_with_docker_py(ports: dict[str, Any]) -> None:
    from docker.utils.utils import convert_port_bindings

    assert build_ports(ports).port_bindings == convert_port_bindings(ports)
