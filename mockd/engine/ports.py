"""Published ports: which host ports running containers hold, as dockerd's portallocator.

Nothing listens: the mock never opens a host port.  A published port is only
a record, so that inspect, ``docker ps`` and ``docker port`` show what dockerd
shows and that two running containers cannot hold the same host port.

A binding with no ``HostIp`` is published on ``0.0.0.0`` and ``::``; an empty
``HostPort`` (and ``PublishAllPorts``) takes the next free port of the
ephemeral range, serially and per address and protocol as dockerd's
allocator does (so the IPv4 and IPv6 ports of one binding can differ).
Ports are given back when the container stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockd.errors import SystemError_

__all__ = ["EPHEMERAL_FIRST", "EPHEMERAL_LAST", "PortAllocator", "PortInUse", "summary_ports"]

# dockerd's defaults (/proc/sys/net/ipv4/ip_local_port_range on most hosts).
EPHEMERAL_FIRST = 32768
EPHEMERAL_LAST = 60999
WILDCARDS = ("0.0.0.0", "::")

PortMap = dict[str, list[dict[str, str]] | None]


class PortInUse(SystemError_):
    """``Bind for 0.0.0.0:8080 failed: port is already allocated`` (dockerd's 500)."""

    def __init__(self, host_ip: str, port: int) -> None:
        shown = f"[{host_ip}]" if ":" in host_ip else host_ip
        super().__init__(f"Bind for {shown}:{port} failed: port is already allocated")
        self.reason = str(self)


@dataclass(frozen=True)
class _Held:
    proto: str
    host_ip: str
    port: int
    container_id: str


def _family(ip: str) -> int:
    return 6 if ":" in ip else 4


def _overlaps(a: str, b: str) -> bool:
    if _family(a) != _family(b):
        return False
    return a == b or a in WILDCARDS or b in WILDCARDS


def _split(key: str) -> tuple[int, str]:
    port, _, proto = key.partition("/")
    return int(port.split("-")[0]), proto or "tcp"


class PortAllocator:
    """Host ports held by running containers."""

    def __init__(self) -> None:
        self._held: list[_Held] = []
        self._last: dict[tuple[str, str], int] = {}  # (protocol, IP): the last ephemeral port

    def _taken(self, proto: str, host_ip: str, port: int) -> bool:
        return any(
            h.proto == proto and h.port == port and _overlaps(h.host_ip, host_ip)
            for h in self._held
        )

    def _ephemeral(self, proto: str, ip: str) -> int:
        last = self._last.get((proto, ip), EPHEMERAL_FIRST - 1)
        span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1
        for step in range(1, span + 1):
            port = EPHEMERAL_FIRST + (last - EPHEMERAL_FIRST + step) % span
            if not self._taken(proto, ip, port):
                self._last[(proto, ip)] = port
                return port
        raise SystemError_("no available ports in the ephemeral range")

    def publish(
        self,
        container_id: str,
        bindings: Mapping[str, Any] | None,
        exposed: Mapping[str, Any] | None,
        *,
        publish_all: bool = False,
    ) -> PortMap:
        """Hold the container's host ports; returns ``NetworkSettings.Ports``.

        All or nothing: on a port already held, what this call took is given
        back and :class:`PortInUse` raised.
        """
        wanted: dict[str, list[dict[str, str]]] = {
            key: [dict(b or {}) for b in (value or [{}])] for key, value in (bindings or {}).items()
        }
        if publish_all:
            for key in exposed or {}:
                wanted.setdefault(key, [{}])
        out: PortMap = {key: None for key in exposed or {}}
        taken: list[_Held] = []
        try:
            for key in sorted(wanted, key=_split):
                port, proto = _split(key)
                entries: list[dict[str, str]] = []
                for binding in wanted[key]:
                    ips = [binding["HostIp"]] if binding.get("HostIp") else list(WILDCARDS)
                    text = str(binding.get("HostPort") or "").split("-")[0]
                    for ip in ips:
                        host_port = int(text) if text else self._ephemeral(proto, ip)
                        if self._taken(proto, ip, host_port):
                            raise PortInUse(ip, host_port)
                        held = _Held(proto, ip, host_port, container_id)
                        self._held.append(held)
                        taken.append(held)
                        entries.append({"HostIp": ip, "HostPort": str(host_port)})
                out[f"{port}/{proto}"] = entries
        except PortInUse:
            self._held = [h for h in self._held if h not in taken]
            raise
        return out

    def release(self, container_id: str) -> None:
        self._held = [h for h in self._held if h.container_id != container_id]


def summary_ports(ports: Mapping[str, list[dict[str, str]] | None]) -> list[dict[str, Any]]:
    """``ContainerSummary.Ports`` from ``NetworkSettings.Ports``."""
    out: list[dict[str, Any]] = []
    for key, entries in ports.items():
        port, proto = _split(key)
        if not entries:
            out.append({"PrivatePort": port, "Type": proto})
            continue
        for entry in entries:
            out.append({
                "IP": entry["HostIp"], "PrivatePort": port,
                "PublicPort": int(entry["HostPort"]), "Type": proto,
            })  # fmt: skip
    return out
