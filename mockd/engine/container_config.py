"""A container's Config and HostConfig as dockerd stores them.

``merge_config`` is moby's ``daemon.merge`` (the user's config over the
image's); ``normalize_host_config`` fills dockerd's defaults in dockerd's
field order and applies its adjustments (``MemorySwap`` = 2 x ``Memory``);
``validate_host_config`` raises dockerd's messages (``verifyContainerSettings``
and ``verifyPlatformContainerResources``).  All of it works on the JSON
dicts of the API, so the stored value is exactly what inspect echoes.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

from mockd.engine.mounts import MountPoint
from mockd.engine.system import host_facts
from mockd.errors import InvalidParameter
from mockd.programs.api import DEFAULT_PATH

MIN_MEMORY = 6 * 1024 * 1024  # linuxMinMemory
DEFAULT_SHM_SIZE = 64 * 1024 * 1024

NAME_PATTERN = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

# Config as dockerd echoes it, in its field order, with its empty values.
_CONFIG_DEFAULTS: dict[str, Any] = {
    "Hostname": "",
    "Domainname": "",
    "User": "",
    "AttachStdin": False,
    "AttachStdout": False,
    "AttachStderr": False,
    "ExposedPorts": None,
    "Tty": False,
    "OpenStdin": False,
    "StdinOnce": False,
    "Env": None,
    "Cmd": None,
    "Healthcheck": None,
    "ArgsEscaped": None,
    "Image": "",
    "Volumes": None,
    "WorkingDir": "",
    "Entrypoint": None,
    "NetworkDisabled": None,
    "MacAddress": None,
    "OnBuild": None,
    "Labels": None,
    "StopSignal": None,
    "StopTimeout": None,
    "Shell": None,
}
# Fields dockerd leaves out of inspect when unset (``omitempty`` in its struct).
_OMIT_EMPTY = (
    "ExposedPorts", "Healthcheck", "ArgsEscaped", "NetworkDisabled", "MacAddress",
    "StopSignal", "StopTimeout", "Shell",
)  # fmt: skip

_MASKED_PATHS = [
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
]  # fmt: skip
_READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

# HostConfig as dockerd 20.10 echoes a container created with none.
_HOST_CONFIG_DEFAULTS: dict[str, Any] = {
    "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "default", "PortBindings": None,
    "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}, "AutoRemove": False,
    "VolumeDriver": "", "VolumesFrom": None, "CapAdd": None, "CapDrop": None,
    "CgroupnsMode": "host", "Dns": None, "DnsOptions": None, "DnsSearch": None,
    "ExtraHosts": None, "GroupAdd": None, "IpcMode": "private", "Cgroup": "", "Links": None,
    "OomScoreAdj": 0, "PidMode": "", "Privileged": False, "PublishAllPorts": False,
    "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "",
    "ShmSize": DEFAULT_SHM_SIZE, "ConsoleSize": [0, 0], "Isolation": "", "CpuShares": 0,
    "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
    "BlkioWeightDevice": None, "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
    "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None, "CpuPeriod": 0, "CpuQuota": 0,
    "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
    "Devices": None, "DeviceCgroupRules": None, "DeviceRequests": None, "KernelMemory": 0,
    "KernelMemoryTCP": 0, "MemoryReservation": 0, "MemorySwap": 0, "MemorySwappiness": None,
    "OomKillDisable": False, "PidsLimit": None, "Ulimits": None, "CpuCount": 0,
    "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
    "MaskedPaths": _MASKED_PATHS, "ReadonlyPaths": _READONLY_PATHS,
}  # fmt: skip

RESTART_POLICIES = ("", "no", "always", "unless-stopped", "on-failure")


_CONTAINERS = (dict, list)


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars), several times cheaper than deepcopy."""
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [json_copy(v) if type(v) in _CONTAINERS else v for v in value]
    return value


def _env_key(entry: str) -> str:
    return entry.split("=", 1)[0]


def process_environment(hostname: str, tty: bool, *layers: Sequence[str]) -> dict[str, str]:
    """A process's environment as dockerd builds it (CreateDaemonEnvironment, then
    ReplaceOrAppendEnvValues for each layer: the container's Env, an exec's): PATH and
    HOSTNAME first, TERM with a TTY; an entry replaces its key in place, or is added;
    a bare ``NAME`` unsets it.  The caller adds HOME when it is missing."""
    env = {"PATH": DEFAULT_PATH, "HOSTNAME": hostname}
    if tty:
        env["TERM"] = "xterm"
    for layer in layers:
        for entry in layer:
            key, sep, value = str(entry).partition("=")
            if sep:
                env[key] = value
            else:
                env.pop(key, None)
    return env


def merge_config(user: dict[str, Any], image: dict[str, Any]) -> dict[str, Any]:
    """moby's ``daemon.merge``: fill the user's config from the image's.

    Env is merged by key (the user's first, then the image's others); Labels,
    ExposedPorts and Volumes are unions with the user's winning; an
    Entrypoint given by the user drops the image's Cmd; WorkingDir, User,
    StopSignal and Healthcheck fields come from the image when not given.
    """
    out = {**_CONFIG_DEFAULTS, **json_copy(user)}
    image = image or {}
    if not out.get("User"):
        out["User"] = image.get("User") or ""
    for key in ("ExposedPorts", "Volumes"):
        if image.get(key):
            merged = dict(image[key])
            merged.update(out.get(key) or {})
            out[key] = merged
    if image.get("Env"):
        env = list(out.get("Env") or [])
        keys = {_env_key(e) for e in env}
        env += [e for e in image["Env"] if _env_key(e) not in keys]
        out["Env"] = env
    if image.get("Labels"):
        labels = dict(image["Labels"])
        labels.update(out.get("Labels") or {})
        out["Labels"] = labels
    # ``--entrypoint ""`` ([""]): no entrypoint, and none of the image's Cmd either.
    cleared = out.get("Entrypoint") in ([""], "")
    if cleared:
        out["Entrypoint"] = None
    elif not out.get("Entrypoint"):
        if not out.get("Cmd"):
            out["Cmd"] = json_copy(image.get("Cmd"))
            if image.get("ArgsEscaped") is not None:
                out["ArgsEscaped"] = image.get("ArgsEscaped")
        if out.get("Entrypoint") is None:
            out["Entrypoint"] = json_copy(image.get("Entrypoint"))
    if image.get("Healthcheck"):
        check = dict(out.get("Healthcheck") or {})
        for key, value in image["Healthcheck"].items():
            if not check.get(key):
                check[key] = value
        out["Healthcheck"] = check
    if not out.get("WorkingDir"):
        out["WorkingDir"] = image.get("WorkingDir") or ""
    if not out.get("StopSignal") and image.get("StopSignal"):
        out["StopSignal"] = image["StopSignal"]
    if not out.get("OnBuild") and image.get("OnBuild"):
        out["OnBuild"] = None  # OnBuild triggers are for builds, never copied
    return out


def inspect_config(config: dict[str, Any]) -> dict[str, Any]:
    """Config as inspect shows it: the ``omitempty`` fields dropped when empty."""
    return {k: v for k, v in config.items() if not (k in _OMIT_EMPTY and v in (None, "", {}))}


def command_of(config: dict[str, Any]) -> list[str]:
    """Entrypoint + Cmd; ``No command specified`` (400) when both are empty."""
    argv = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    if not argv:
        raise InvalidParameter("No command specified")
    return [str(a) for a in argv]


def validate_name(name: str) -> str:
    """The stored form of a requested name (with its ``/``); dockerd's 400 when invalid."""
    if not NAME_PATTERN.match(name):
        raise InvalidParameter(
            f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )
    return name if name.startswith("/") else "/" + name


def normalize_host_config(given: dict[str, Any] | None) -> dict[str, Any]:
    """HostConfig as dockerd stores it: its defaults under what was given."""
    given = json_copy(given or {})
    # The defaults' only mutable values are lists (the dicts are rebuilt below).
    out: dict[str, Any] = {
        k: list(v) if type(v) is list else v for k, v in _HOST_CONFIG_DEFAULTS.items()
    }
    for key, value in given.items():
        if value is None and out.get(key) is not None:
            continue  # a null keeps dockerd's default (LogConfig, ConsoleSize...)
        out[key] = value
    log = out.get("LogConfig") or {}
    out["LogConfig"] = {"Type": log.get("Type") or "json-file", "Config": log.get("Config") or {}}
    if not out.get("NetworkMode"):
        out["NetworkMode"] = "default"
    policy = out.get("RestartPolicy") or {}
    out["RestartPolicy"] = {
        "Name": policy.get("Name") or "",
        "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
    }
    if not out.get("ShmSize"):
        out["ShmSize"] = DEFAULT_SHM_SIZE
    if not out.get("IpcMode"):
        out["IpcMode"] = "private"
    # daemon_unix adaptContainerSettings: swap defaults to twice the memory.
    if out.get("Memory") and not out.get("MemorySwap"):
        out["MemorySwap"] = 2 * int(out["Memory"])
    return out


def parse_cpuset(text: str) -> set[int]:
    """``0-2,5`` → {0, 1, 2, 5}; ``ValueError`` on a malformed list (parsers.ParseUintList)."""
    cpus: set[int] = set()
    for part in text.split(","):
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise ValueError(f"invalid format: {text}")
        first, last = int(low), int(high) if sep else int(low)
        if last < first:
            raise ValueError(f"invalid range format: {part}")
        cpus.update(range(first, last + 1))
    return cpus


def validate_restart_policy(policy: dict[str, Any], *, auto_remove: bool = False) -> None:
    name = policy.get("Name") or ""
    count = int(policy.get("MaximumRetryCount") or 0)
    if name not in RESTART_POLICIES:
        raise InvalidParameter(f"invalid restart policy '{name}'")
    if name in ("always", "unless-stopped") and count != 0:
        raise InvalidParameter(f"maximum retry count cannot be used with restart policy '{name}'")
    if name == "on-failure" and count < 0:
        raise InvalidParameter("maximum retry count cannot be negative")
    if auto_remove and name not in ("", "no"):
        raise InvalidParameter("can't create 'AutoRemove' container with restart policy")


def validate_resources(host: dict[str, Any], ncpu: int) -> None:
    """dockerd's resource checks (verifyPlatformContainerResources), in its order."""
    memory = int(host.get("Memory") or 0)
    swap = int(host.get("MemorySwap") or 0)
    if 0 < memory < MIN_MEMORY:
        raise InvalidParameter("Minimum memory limit allowed is 6MB")
    if swap > 0 and memory == 0:
        raise InvalidParameter(
            "You should always set the Memory limit when using Memoryswap limit, see usage"
        )
    if memory > 0 and swap > 0 and swap < memory:
        raise InvalidParameter(
            "Minimum memoryswap limit should be larger than memory limit, see usage"
        )
    nano = int(host.get("NanoCpus") or 0)
    if nano > 0 and int(host.get("CpuPeriod") or 0) > 0:
        raise InvalidParameter("Conflicting options: Nano CPUs and CPU Period cannot both be set")
    if nano > 0 and int(host.get("CpuQuota") or 0) > 0:
        raise InvalidParameter("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
    if nano < 0 or nano > ncpu * 10**9:
        raise InvalidParameter(
            f"Range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs available"
        )
    cpuset = host.get("CpusetCpus") or ""
    if cpuset:
        try:
            wanted = parse_cpuset(cpuset)
        except ValueError as exc:
            raise InvalidParameter(f"Invalid value {cpuset} for cpuset cpus: {exc}") from None
        if not wanted <= set(range(ncpu)):
            available = f"0-{ncpu - 1}" if ncpu > 1 else "0"
            raise InvalidParameter(
                f"Requested CPUs are not available - requested {cpuset}, available: {available}"
            )


def validate_host_config(host: dict[str, Any], ncpu: int) -> None:
    """Everything dockerd checks of a HostConfig at create (and update)."""
    validate_resources(host, ncpu)
    validate_restart_policy(
        host.get("RestartPolicy") or {}, auto_remove=bool(host.get("AutoRemove"))
    )


# -- mounts ------------------------------------------------------------------

_PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")


def _mount_error(kind: str, reason: str) -> InvalidParameter:
    return InvalidParameter(f'invalid mount config for type "{kind}": {reason}')


def _absolute(kind: str, target: str) -> str:
    if not target.startswith("/"):
        raise _mount_error(kind, f"invalid mount path: '{target}' mount path must be absolute")
    return "/" + "/".join(p for p in target.split("/") if p and p != ".")


def _bind_spec(spec: str) -> MountPoint:
    """One ``Binds`` entry: ``name:/dst[:opts]`` (a volume) or ``/host:/dst[:opts]`` (a bind)."""
    fields = spec.split(":")
    if len(fields) not in (2, 3) or not fields[0] or not fields[1]:
        raise InvalidParameter(f"invalid volume specification: '{spec}'")
    source, target = fields[0], fields[1]
    opts = fields[2].split(",") if len(fields) == 3 and fields[2] else []
    kind = "bind" if source.startswith("/") else "volume"
    try:
        destination = _absolute(kind, target)
    except InvalidParameter as err:  # dockerd names the whole spec first
        raise InvalidParameter(f"invalid volume specification: '{spec}': {err}") from None
    for opt in opts:
        if opt not in ("ro", "rw", "z", "Z", "nocopy", *_PROPAGATIONS):
            raise InvalidParameter(f"invalid mode: {opt}")
    propagation = next((o for o in opts if o in _PROPAGATIONS), "")
    mode = ",".join(opts)
    if kind == "bind":
        return MountPoint(
            "bind", destination, rw="ro" not in opts, source=source, mode=mode,
            propagation=propagation or "rprivate",
        )  # fmt: skip
    # dockerd 20.10 shows a named volume's Binds entry with the SELinux "z" mode.
    return MountPoint(
        "volume", destination, rw="ro" not in opts, name=source, mode=mode or "z",
        copy_data="nocopy" not in opts,
    )  # fmt: skip


def _mount_spec(spec: dict[str, Any]) -> MountPoint:
    """One ``Mounts`` entry (``--mount``)."""
    kind = str(spec.get("Type") or "")
    source = str(spec.get("Source") or "")
    target = str(spec.get("Target") or "")
    if not target:
        raise _mount_error(kind, "field Target must not be empty")
    destination = _absolute(kind, target)
    rw = not spec.get("ReadOnly")
    if kind == "bind":
        if not source:
            raise _mount_error(kind, "field Source must not be empty")
        if not os.path.exists(source):
            raise _mount_error(kind, f"bind source path does not exist: {source}")
        propagation = str((spec.get("BindOptions") or {}).get("Propagation") or "rprivate")
        return MountPoint("bind", destination, rw=rw, source=source, propagation=propagation)
    if kind == "volume":
        nocopy = bool((spec.get("VolumeOptions") or {}).get("NoCopy"))
        return MountPoint(
            "volume", destination, rw=rw, name=source, anonymous=not source, copy_data=not nocopy
        )
    if kind == "tmpfs":
        if source:
            raise _mount_error(kind, "field Source must not be specified")
        options = spec.get("TmpfsOptions") or {}
        mode = int(options.get("Mode") or 0o1777)
        size = int(options.get("SizeBytes") or 0)
        return MountPoint("tmpfs", destination, rw=rw, tmpfs_mode=mode, tmpfs_size=size)
    raise _mount_error(kind, "mount type unknown")


def mount_points(
    config: dict[str, Any],
    host: dict[str, Any],
    volumes_from: Callable[[str], list[MountPoint]],
) -> list[MountPoint]:
    """A new container's mount points, from VolumesFrom, Binds, Mounts, Tmpfs and Volumes.

    Later sources override earlier ones at the same destination, as dockerd's
    ``registerMountPoints`` does; a destination given twice by Binds or Mounts
    is dockerd's ``Duplicate mount point``.  ``volumes_from`` gives another
    container's mount points.
    """
    by_dest: dict[str, MountPoint] = {}
    for entry in host.get("VolumesFrom") or []:
        ref, _, mode = str(entry).partition(":")
        for point in volumes_from(ref):
            copied = dataclasses.replace(point)
            if mode in ("ro", "rw"):
                copied.rw = mode == "rw"
            by_dest[copied.destination] = copied
    explicit: set[str] = set()
    given = [_bind_spec(str(b)) for b in host.get("Binds") or []]
    given += [_mount_spec(dict(m)) for m in host.get("Mounts") or []]
    for point in given:
        if point.destination in explicit:
            raise InvalidParameter(f"Duplicate mount point: {point.destination}")
        explicit.add(point.destination)
        by_dest[point.destination] = point
    for target, options in (host.get("Tmpfs") or {}).items():
        destination = _absolute("tmpfs", str(target))
        if destination in explicit:
            raise InvalidParameter(f"Duplicate mount point: {destination}")
        by_dest[destination] = _tmpfs_point(destination, str(options or ""))
    for target in config.get("Volumes") or {}:
        destination = _absolute("volume", str(target))
        if destination not in by_dest:  # image VOLUMEs and -v /path: anonymous volumes
            by_dest[destination] = MountPoint("volume", destination, anonymous=True)
    return list(by_dest.values())


def _tmpfs_point(destination: str, options: str) -> MountPoint:
    """A HostConfig.Tmpfs entry: its mount options (``size=64m,mode=700,uid=5,ro``)
    give the root directory's mode and owner, and read-only."""
    point = MountPoint("tmpfs", destination, listed=False)
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        try:
            if key == "mode":
                point.tmpfs_mode = int(value, 8)
            elif key == "uid":
                point.tmpfs_uid = int(value)
            elif key == "gid":
                point.tmpfs_gid = int(value)
            elif key == "size":
                point.tmpfs_size = _tmpfs_size(value)
        except ValueError:
            raise InvalidParameter(f"invalid tmpfs option {option!r}") from None
        if key in ("ro", "rw"):
            point.rw = key == "rw"
    return point


def _tmpfs_size(value: str) -> int:
    """A tmpfs ``size=`` in bytes, as the kernel reads it: a number with an optional
    k/m/g/t/p/e suffix (powers of 1024), or a percentage of the host's RAM."""
    if value.endswith("%"):
        return host_facts().mem_total * int(value[:-1]) // 100
    suffixes = "kmgtpe"
    unit = value[-1:].lower()
    if unit in suffixes:
        return int(value[:-1]) << (10 * (suffixes.index(unit) + 1))
    return int(value)
