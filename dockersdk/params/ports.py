"""Published and exposed ports: docker-py's ``ports={...}`` and the CLI's ``-p`` specs.

Produces ``ExposedPorts`` ({"80/tcp": {}}) and ``HostConfig.PortBindings``
({"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}; HostPort is always a string,
"" asks dockerd for a random port).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dockersdk.params.errors import InvalidArgument

PROTOCOLS = ("tcp", "udp", "sctp")

# One host side of a binding, as docker-py accepts it: a port, a range string,
# None (random), (ip,), (ip, port) or {"HostIp": ..., "HostPort": ...}.
HostBinding = int | str | None | tuple[str] | tuple[str, int | str | None] | Mapping[str, str]
PortsArgument = Mapping[int | str, HostBinding | list[HostBinding]] | Iterable[int | str]

# [ip:][hostPort[-end]]:containerPort[-end][/proto], IPv6 ip in brackets.
_CLI_SPEC = re.compile(
    r"^(?:(?:(?:\[(?P<ip6>[0-9a-fA-F:.]+)\]|(?P<ip4>\d+\.\d+\.\d+\.\d+))"
    r":(?P<host>\d*(?:-\d+)?)|(?P<host_only>\d+(?:-\d+)?)):)?"
    r"(?P<container>\d+(?:-\d+)?)(?:/(?P<proto>[a-z]+))?$"
)


@dataclass(frozen=True)
class PortConfig:
    """The two port fields of a create body."""

    exposed_ports: dict[str, dict[str, object]]
    port_bindings: dict[str, list[dict[str, str]]]


def build_ports(
    ports: PortsArgument | None, expose: Iterable[int | str] | None = None
) -> PortConfig:
    """Turn ``ports`` (docker-py dict or CLI ``-p`` strings) and ``expose`` into body fields."""
    bindings: dict[str, list[dict[str, str]]] = {}
    exposed: dict[str, dict[str, object]] = {}
    if isinstance(ports, Mapping):
        for key, value in ports.items():
            container_ports = _container_ports(str(key))
            values = value if isinstance(value, list) else [value]
            for host in values:
                _bind(bindings, container_ports, _host_binding(host, str(key)), str(key))
    elif ports is not None:
        if isinstance(ports, str | bytes):
            raise InvalidArgument("ports must be a dict or a list of specs", argument="ports")
        for spec in ports:
            container_ports, host = _parse_cli_spec(str(spec))
            _bind(bindings, container_ports, host, str(spec))
    for port in expose or ():
        for name in _container_ports(str(port)):
            exposed[name] = {}
    for name in bindings:
        exposed[name] = {}
    return PortConfig(exposed_ports=dict(sorted(exposed.items())), port_bindings=bindings)


def _bind(
    bindings: dict[str, list[dict[str, str]]],
    container_ports: list[str],
    host: tuple[str, list[str] | None],
    spec: str,
) -> None:
    host_ip, host_ports = host
    if host_ports is None:
        per_port = [""] * len(container_ports)
    elif len(host_ports) == len(container_ports):
        per_port = host_ports
    else:
        raise InvalidArgument(
            f"port {spec!r}: host and container port ranges differ in length",
            argument="ports",
        )
    for name, host_port in zip(container_ports, per_port, strict=True):
        bindings.setdefault(name, []).append({"HostIp": host_ip, "HostPort": host_port})


def _container_ports(key: str) -> list[str]:
    """ "80" -> ["80/tcp"]; "1000-1002/udp" -> three "N/udp" keys."""
    number, _, protocol = key.partition("/")
    protocol = protocol or "tcp"
    if protocol not in PROTOCOLS:
        raise InvalidArgument(
            f"port {key!r}: protocol must be one of {', '.join(PROTOCOLS)}", argument="ports"
        )
    first, last = _port_range(number, key)
    return [f"{port}/{protocol}" for port in range(first, last + 1)]


def _port_range(text: str, spec: str) -> tuple[int, int]:
    start, dash, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if dash else first
    except ValueError:
        raise InvalidArgument(f"invalid port {spec!r}", argument="ports") from None
    if not (1 <= first <= 65535 and 1 <= last <= 65535):
        raise InvalidArgument(f"port {spec!r}: ports must be between 1 and 65535", argument="ports")
    if last < first:
        raise InvalidArgument(f"port {spec!r}: range end is below its start", argument="ports")
    return first, last


def _host_ports(text: str, spec: str) -> list[str]:
    """A host port or range, as HostPort strings: "8080" -> ["8080"]."""
    first, last = _port_range(text, spec)
    return [str(port) for port in range(first, last + 1)]


def _host_binding(value: object, key: str) -> tuple[str, list[str] | None]:
    """docker-py's host side of one binding -> (HostIp, HostPorts or None for random)."""
    host_ip = ""
    port: object = value
    if isinstance(value, tuple):
        if len(value) == 2:
            host_ip, port = value
        elif len(value) == 1 and isinstance(value[0], str):
            host_ip, port = value[0], None
        elif len(value) == 1:
            port = value[0]
        else:
            raise InvalidArgument(
                f"port {key!r}: binding tuple must be (ip, port)", argument="ports"
            )
    elif isinstance(value, Mapping):
        if "HostPort" not in value:
            raise InvalidArgument(f"port {key!r}: binding dict needs 'HostPort'", argument="ports")
        host_ip, port = value.get("HostIp", ""), value["HostPort"]
    if not isinstance(host_ip, str):
        raise InvalidArgument(f"port {key!r}: host IP must be a string", argument="ports")
    _check_ip(host_ip, key)
    if port is None or port == "":
        return host_ip, None
    if isinstance(port, bool) or not isinstance(port, int | str):
        raise InvalidArgument(
            f"port {key!r}: host port must be an int or a string", argument="ports"
        )
    text = str(port)
    if "-" in text:
        # A host range for a single container port means "any free port in it".
        _port_range(text, key)
        container_count = len(_container_ports(key))
        host_ports = _host_ports(text, key)
        return host_ip, [text] if container_count == 1 else host_ports
    return host_ip, _host_ports(text, key)


def _parse_cli_spec(spec: str) -> tuple[list[str], tuple[str, list[str] | None]]:
    """ "127.0.0.1:8080:80/tcp" -> (["80/tcp"], ("127.0.0.1", ["8080"]))."""
    match = _CLI_SPEC.match(spec.strip())
    if match is None:
        raise InvalidArgument(
            f"invalid port {spec!r}, expected [ip:][host_port[-end]:]port[-end][/protocol]",
            argument="ports",
        )
    host_ip = match["ip6"] or match["ip4"] or ""
    _check_ip(host_ip, spec)
    protocol = match["proto"] or "tcp"
    container_ports = _container_ports(f"{match['container']}/{protocol}")
    host = match["host"] or match["host_only"]
    if not host:
        return container_ports, (host_ip, None)
    if "-" in host and len(container_ports) == 1:
        _port_range(host, spec)
        return container_ports, (host_ip, [host])
    return container_ports, (host_ip, _host_ports(host, spec))


def _check_ip(text: str, spec: str) -> None:
    if not text:
        return
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise InvalidArgument(
            f"port {spec!r}: {text!r} is not an IP address", argument="ports"
        ) from None
