"""Resource limits: CPUs, cpusets, block I/O, ulimits, devices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from dockersdk.params.errors import InvalidArgument
from dockersdk.params.units import parse_bytes

_CPUSET = re.compile(r"^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$")
_ULIMIT = re.compile(r"^(?P<name>[a-z]+)=(?P<soft>-?\d+)(?::(?P<hard>-?\d+))?$")


def nano_cpus(cpus: float | int | str) -> int:
    """``cpus=1.5`` -> NanoCpus 1500000000; at most nine decimals (as the CLI)."""
    if isinstance(cpus, bool):
        raise InvalidArgument("cpus must be a number", argument="cpus")
    try:
        exact = Fraction(str(cpus))
    except ValueError:
        raise InvalidArgument(f"invalid cpus {cpus!r}: not a number", argument="cpus") from None
    nanos = exact * 1_000_000_000
    if nanos.denominator != 1:
        raise InvalidArgument(f"invalid cpus {cpus!r}: value is too precise", argument="cpus")
    if nanos <= 0:
        raise InvalidArgument(f"invalid cpus {cpus!r}: must be greater than 0", argument="cpus")
    return int(nanos)


def cpuset(value: str, *, argument: str) -> str:
    """Check a cpuset list such as "0-2,4" and return it unchanged."""
    if not isinstance(value, str) or not _CPUSET.match(value):
        raise InvalidArgument(
            f"invalid {argument} {value!r}, expected a list like '0-2,4'", argument=argument
        )
    for item in value.split(","):
        low, _, high = item.partition("-")
        if high and int(high) < int(low):
            raise InvalidArgument(
                f"invalid {argument} {value!r}: range {item} is reversed", argument=argument
            )
    return value


def blkio_weight(value: int) -> int:
    """10..1000, as dockerd requires (0 leaves it unset)."""
    _int(value, "blkio_weight")
    if value != 0 and not 10 <= value <= 1000:
        raise InvalidArgument(
            f"invalid blkio_weight {value}: must be between 10 and 1000", argument="blkio_weight"
        )
    return value


def weight_devices(devices: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    """[{"Path": "/dev/sda", "Weight": 200}] or ["/dev/sda:200"]."""
    result = []
    for path, raw in _device_pairs(devices, "Weight", "blkio_weight_device"):
        weight = _int(
            int(raw) if isinstance(raw, str) and raw.isdigit() else raw, "blkio_weight_device"
        )
        if not 10 <= weight <= 1000:
            raise InvalidArgument(
                f"invalid weight {weight} for {path}: must be between 10 and 1000",
                argument="blkio_weight_device",
            )
        result.append({"Path": path, "Weight": weight})
    return result


def throttle_devices(
    devices: Iterable[Mapping[str, Any] | str], *, argument: str, units: bool
) -> list[dict[str, Any]]:
    """Device rate limits: bytes/s with units ("1mb") when ``units``, else plain IOPS."""
    result = []
    for path, raw in _device_pairs(devices, "Rate", argument):
        if units:
            rate = parse_bytes(raw, argument=argument)
        else:
            rate = _int(int(raw) if isinstance(raw, str) and raw.isdigit() else raw, argument)
            if rate < 0:
                raise InvalidArgument(f"invalid {argument} rate {raw!r}", argument=argument)
        result.append({"Path": path, "Rate": rate})
    return result


def _device_pairs(
    devices: Iterable[Mapping[str, Any] | str], value_key: str, argument: str
) -> list[tuple[str, Any]]:
    if isinstance(devices, str | Mapping):
        devices = [devices]
    pairs = []
    for device in devices:
        if isinstance(device, str):
            path, sep, value = device.rpartition(":")
            if not sep or not path:
                raise InvalidArgument(
                    f"invalid {argument} {device!r}, expected '/dev/path:value'", argument=argument
                )
        elif isinstance(device, Mapping):
            path = device.get("Path", device.get("path"))
            value = device.get(value_key, device.get(value_key.lower()))
            if not isinstance(path, str) or value is None:
                raise InvalidArgument(
                    f"invalid {argument} {device!r}, expected {{'Path': ..., '{value_key}': ...}}",
                    argument=argument,
                )
        else:
            raise InvalidArgument(f"invalid {argument} entry {device!r}", argument=argument)
        if not path.startswith("/dev/"):
            raise InvalidArgument(
                f"invalid {argument}: {path!r} is not a device path", argument=argument
            )
        pairs.append((path, value))
    return pairs


def ulimits(limits: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    """[{"name": "nofile", "soft": 1024, "hard": 2048}] or ["nofile=1024:2048"]."""
    result = []
    for limit in limits:
        if isinstance(limit, str):
            match = _ULIMIT.match(limit)
            if match is None:
                raise InvalidArgument(
                    f"invalid ulimit {limit!r}, expected 'name=soft[:hard]'", argument="ulimits"
                )
            name, soft = match["name"], int(match["soft"])
            hard = int(match["hard"]) if match["hard"] is not None else soft
        elif isinstance(limit, Mapping):
            name = limit.get("name", limit.get("Name"))
            soft = limit.get("soft", limit.get("Soft"))
            hard = limit.get("hard", limit.get("Hard"))
            if not isinstance(name, str):
                raise InvalidArgument("a ulimit needs a string 'name'", argument="ulimits")
            if soft is not None:
                _int(soft, "ulimits")
            if hard is not None:
                _int(hard, "ulimits")
        else:
            raise InvalidArgument(f"invalid ulimit {limit!r}", argument="ulimits")
        if soft is not None and hard is not None and soft > hard >= 0:
            raise InvalidArgument(
                f"ulimit {name}: soft limit {soft} is above hard limit {hard}", argument="ulimits"
            )
        result.append({"Name": name, "Soft": soft, "Hard": hard})
    return result


def devices(entries: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    """["/dev/sda:/dev/xvda:rwm"] -> DeviceMapping objects (docker-py's parse_devices)."""
    result: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            result.append(dict(entry))
            continue
        if not isinstance(entry, str):
            raise InvalidArgument(f"invalid device {entry!r}", argument="devices")
        parts = entry.split(":")
        if len(parts) > 3 or not parts[0]:
            raise InvalidArgument(
                f"invalid device {entry!r}, expected host[:container[:permissions]]",
                argument="devices",
            )
        host = parts[0]
        container = parts[1] if len(parts) > 1 else host
        permissions = parts[2] if len(parts) > 2 else "rwm"
        if not permissions or set(permissions) - set("rwm"):
            raise InvalidArgument(f"invalid device permissions {permissions!r}", argument="devices")
        result.append(
            {"PathOnHost": host, "PathInContainer": container, "CgroupPermissions": permissions}
        )
    return result


def _int(value: object, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{argument} must be an int, not {value!r}", argument=argument)
    return value
