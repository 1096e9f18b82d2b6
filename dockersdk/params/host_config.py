"""``HostConfig`` of a create body from docker-py-named keyword arguments.

``build_host_config`` pops the arguments it knows from ``options`` and leaves
the rest for the caller, which reports any left over as unexpected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dockersdk.params import policies, resources
from dockersdk.params.errors import InvalidArgument
from dockersdk.params.mounts import build_mounts, build_tmpfs
from dockersdk.params.units import parse_bytes

Converter = Callable[[Any], Any]


def _int(name: str) -> Converter:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(f"{name} must be an int, not {value!r}", argument=name)
        return value

    return convert


def _str(name: str) -> Converter:
    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidArgument(f"{name} must be a string, not {value!r}", argument=name)
        return value

    return convert


def _bool(name: str) -> Converter:
    def convert(value: Any) -> bool:
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name} must be a bool, not {value!r}", argument=name)
        return value

    return convert


def _str_list(name: str) -> Converter:
    def convert(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if not isinstance(value, Iterable):
            raise InvalidArgument(f"{name} must be a list of strings", argument=name)
        return [str(item) for item in value]

    return convert


def _bytes(name: str, *, allow_unlimited: bool = False) -> Converter:
    def convert(value: Any) -> int:
        return parse_bytes(value, argument=name, allow_unlimited=allow_unlimited)

    return convert


def _range(name: str, low: int, high: int) -> Converter:
    def convert(value: Any) -> int:
        number: int = _int(name)(value)
        if not low <= number <= high:
            raise InvalidArgument(f"{name} must be between {low} and {high}", argument=name)
        return number

    return convert


def _string_map(name: str) -> Converter:
    def convert(value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise InvalidArgument(f"{name} must be a dict", argument=name)
        return {str(key): str(item) for key, item in value.items()}

    return convert


def _extra_hosts(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [f"{host}:{address}" for host, address in sorted(value.items())]
    return _str_list("extra_hosts")(value)  # type: ignore[no-any-return]


def normalize_links(value: Any) -> list[str]:
    """Legacy links as dockerd takes them (``name:alias``), from docker-py's forms:
    ``{name: alias}``, ``[(name, alias)]`` or ``["name:alias"]`` (sorted, as docker-py)."""
    pairs = (
        value.items()
        if isinstance(value, Mapping)
        else [tuple(item) if isinstance(item, list | tuple) else (item, None) for item in value]
    )
    return [f"{name}:{alias}" if alias else str(name) for name, alias in sorted(pairs)]


def _volumes_from(value: Any) -> list[str]:
    return value.split(",") if isinstance(value, str) else _str_list("volumes_from")(value)


def _only_host(name: str) -> Converter:
    # docker-py accepts only "host" for these two modes.
    def convert(value: Any) -> str:
        if value != "host":
            raise InvalidArgument(
                f"invalid {name} {value!r}: only 'host' is supported", argument=name
            )
        return "host"

    return convert


def _oom_score_adj(value: Any) -> int:
    return _range("oom_score_adj", -1000, 1000)(value)  # type: ignore[no-any-return]


def _sequence(name: str) -> Converter:
    def convert(value: Any) -> list[Any]:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise InvalidArgument(f"{name} must be a list", argument=name)
        return list(value)

    return convert


# argument -> (HostConfig key, converter, sent when the value is falsy?).
# The last flag follows docker-py, which skips most falsy values (0, False, []).
FIELDS: dict[str, tuple[str, Converter, bool]] = {
    "auto_remove": ("AutoRemove", _bool("auto_remove"), False),
    "privileged": ("Privileged", _bool("privileged"), False),
    "publish_all_ports": ("PublishAllPorts", _bool("publish_all_ports"), False),
    "read_only": ("ReadonlyRootfs", _bool("read_only"), True),
    "init": ("Init", _bool("init"), True),
    "oom_kill_disable": ("OomKillDisable", _bool("oom_kill_disable"), False),
    "oom_score_adj": ("OomScoreAdj", _oom_score_adj, False),
    "cap_add": ("CapAdd", _str_list("cap_add"), False),
    "cap_drop": ("CapDrop", _str_list("cap_drop"), False),
    "dns": ("Dns", _str_list("dns"), True),
    "dns_opt": ("DnsOptions", _str_list("dns_opt"), True),
    "dns_search": ("DnsSearch", _str_list("dns_search"), False),
    "security_opt": ("SecurityOpt", _str_list("security_opt"), True),
    "sysctls": ("Sysctls", _string_map("sysctls"), False),
    "storage_opt": ("StorageOpt", _string_map("storage_opt"), True),
    "volumes_from": ("VolumesFrom", _volumes_from, True),
    "group_add": ("GroupAdd", _str_list("group_add"), False),
    "links": ("Links", normalize_links, True),
    "extra_hosts": ("ExtraHosts", _extra_hosts, True),
    "cgroup_parent": ("CgroupParent", _str("cgroup_parent"), True),
    "cgroupns": ("CgroupnsMode", _str("cgroupns"), False),
    "pid_mode": ("PidMode", _str("pid_mode"), False),
    "ipc_mode": ("IpcMode", _str("ipc_mode"), False),
    "uts_mode": ("UTSMode", _only_host("uts_mode"), False),
    "userns_mode": ("UsernsMode", _only_host("userns_mode"), False),
    "runtime": ("Runtime", _str("runtime"), False),
    "isolation": ("Isolation", _str("isolation"), False),
    "volume_driver": ("VolumeDriver", _str("volume_driver"), True),
    "device_cgroup_rules": ("DeviceCgroupRules", _str_list("device_cgroup_rules"), True),
    "device_requests": ("DeviceRequests", _sequence("device_requests"), True),
    "cpu_shares": ("CpuShares", _int("cpu_shares"), False),
    "cpu_period": ("CpuPeriod", _int("cpu_period"), False),
    "cpu_quota": ("CpuQuota", _int("cpu_quota"), False),
    "cpu_rt_period": ("CPURealtimePeriod", _int("cpu_rt_period"), False),
    "cpu_rt_runtime": ("CPURealtimeRuntime", _int("cpu_rt_runtime"), False),
    "cpu_count": ("CpuCount", _int("cpu_count"), False),
    "cpu_percent": ("CpuPercent", _range("cpu_percent", 0, 100), False),
    "cpuset_cpus": ("CpusetCpus", lambda v: resources.cpuset(v, argument="cpuset_cpus"), False),
    "cpuset_mems": ("CpusetMems", lambda v: resources.cpuset(v, argument="cpuset_mems"), False),
    "cpus": ("NanoCpus", resources.nano_cpus, False),
    "nano_cpus": ("NanoCpus", _int("nano_cpus"), False),
    "memory": ("Memory", _bytes("memory"), True),
    "mem_limit": ("Memory", _bytes("mem_limit"), True),
    "memory_swap": ("MemorySwap", _bytes("memory_swap", allow_unlimited=True), True),
    "memswap_limit": ("MemorySwap", _bytes("memswap_limit", allow_unlimited=True), True),
    "memory_reservation": ("MemoryReservation", _bytes("memory_reservation"), False),
    "mem_reservation": ("MemoryReservation", _bytes("mem_reservation"), False),
    "mem_swappiness": ("MemorySwappiness", _range("mem_swappiness", 0, 100), True),
    "shm_size": ("ShmSize", _bytes("shm_size"), True),
    "pids_limit": ("PidsLimit", _int("pids_limit"), False),
    "blkio_weight": ("BlkioWeight", resources.blkio_weight, False),
    "blkio_weight_device": ("BlkioWeightDevice", resources.weight_devices, False),
    "device_read_bps": (
        "BlkioDeviceReadBps",
        lambda v: resources.throttle_devices(v, argument="device_read_bps", units=True),
        False,
    ),
    "device_write_bps": (
        "BlkioDeviceWriteBps",
        lambda v: resources.throttle_devices(v, argument="device_write_bps", units=True),
        False,
    ),
    "device_read_iops": (
        "BlkioDeviceReadIOps",
        lambda v: resources.throttle_devices(v, argument="device_read_iops", units=False),
        False,
    ),
    "device_write_iops": (
        "BlkioDeviceWriteIOps",
        lambda v: resources.throttle_devices(v, argument="device_write_iops", units=False),
        False,
    ),
    "ulimits": ("Ulimits", resources.ulimits, True),
    "devices": ("Devices", resources.devices, False),
    "restart_policy": ("RestartPolicy", policies.restart_policy, False),
    "log_config": ("LogConfig", policies.log_config, True),
    "mounts": ("Mounts", build_mounts, True),
    "tmpfs": ("Tmpfs", build_tmpfs, False),
}

# Pairs naming one field twice (our readable name and docker-py's).
_ALIASES = (
    ("memory", "mem_limit"),
    ("memory_swap", "memswap_limit"),
    ("memory_reservation", "mem_reservation"),
    ("cpus", "nano_cpus"),
)


def build_host_config(options: dict[str, Any]) -> dict[str, Any]:
    """Pop the HostConfig arguments out of ``options`` and convert them."""
    for readable, docker_py in _ALIASES:
        if options.get(readable) is not None and options.get(docker_py) is not None:
            raise InvalidArgument(f"give {readable} or {docker_py}, not both", argument=readable)
    host_config: dict[str, Any] = {}
    for name in [key for key in options if key in FIELDS]:
        value = options.pop(name)
        key, convert, send_falsy = FIELDS[name]
        if value is None or (not value and not send_falsy):
            continue
        host_config[key] = convert(value)
    if "NanoCpus" in host_config and ("CpuPeriod" in host_config or "CpuQuota" in host_config):
        raise InvalidArgument(
            "cpus (NanoCpus) cannot be combined with cpu_period or cpu_quota", argument="cpus"
        )
    return host_config
