"""Volumes, bind mounts and tmpfs: ``volumes=``, ``mounts=`` and ``tmpfs=``.

``volumes`` follows docker-py (dict of host path -> {"bind", "mode"|"ro"} or a
list of ``-v`` strings) and the Linux rules of dockerd's volume parser:
"/ctr" is an anonymous volume (Config.Volumes), "src:/ctr[:mode]" a bind
(absolute src) or a named volume (HostConfig.Binds).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dockersdk.params.errors import InvalidArgument
from dockersdk.params.units import ByteSize, parse_bytes

MountType = Literal["bind", "volume", "tmpfs", "npipe"]

_PROPAGATION = frozenset({"shared", "rshared", "slave", "rslave", "private", "rprivate"})
_CONSISTENCY = frozenset({"consistent", "cached", "delegated", "default"})
# Mode categories of dockerd's Linux parser: at most one option from each.
_MODE_CATEGORIES: dict[str, frozenset[str]] = {
    "access": frozenset({"rw", "ro"}),
    "label": frozenset({"z", "Z"}),
    "propagation": _PROPAGATION,
    "copy": frozenset({"nocopy"}),
    "consistency": _CONSISTENCY,
}
_VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


@dataclass(frozen=True)
class VolumeConfig:
    """Fields of a create body that ``volumes=`` fills."""

    binds: list[str]
    anonymous: dict[str, dict[str, object]]


def build_volumes(volumes: Mapping[str, Any] | Iterable[str] | str | None) -> VolumeConfig:
    """docker-py's ``volumes`` argument -> Binds and anonymous Volumes."""
    binds: list[str] = []
    anonymous: dict[str, dict[str, object]] = {}
    if volumes is None:
        return VolumeConfig(binds, anonymous)
    if isinstance(volumes, str):
        volumes = [volumes]
    if isinstance(volumes, Mapping):
        for source, spec in volumes.items():
            binds.append(_bind_from_dict_entry(str(source), spec))
        return VolumeConfig(binds, anonymous)
    for text in volumes:
        if not isinstance(text, str):
            raise InvalidArgument(f"volume {text!r} must be a string", argument="volumes")
        source, target, _mode = parse_volume_spec(text)
        if source is None:
            anonymous[target] = {}
        else:
            binds.append(text)
    return VolumeConfig(binds, anonymous)


def parse_volume_spec(spec: str) -> tuple[str | None, str, str]:
    """Split and check a ``-v`` string: "src:/dst:ro" -> ("src", "/dst", "ro").

    The source is None for an anonymous volume ("/dst").
    """
    parts = spec.split(":")
    if not spec or len(parts) > 3 or any(not part for part in parts):
        raise InvalidArgument(
            f"invalid volume specification {spec!r}, expected [source:]/target[:mode]",
            argument="volumes",
        )
    if len(parts) == 1:
        source, target, mode = None, parts[0], ""
    elif len(parts) == 2:
        source, target, mode = parts[0], parts[1], ""
    else:
        source, target, mode = parts
    _check_target(target, spec)
    if source is not None:
        _check_source(source, spec)
    if mode:
        check_mode(mode, spec, named_volume=source is not None and not source.startswith("/"))
    return source, target, mode


def check_mode(mode: str, spec: str, *, named_volume: bool = False) -> None:
    """Validate "ro", "rw,z", "ro,rshared", ... like dockerd's Linux parser."""
    seen: set[str] = set()
    for option in mode.split(","):
        category = next((name for name, opts in _MODE_CATEGORIES.items() if option in opts), None)
        if category is None or category in seen:
            raise InvalidArgument(f"invalid mode {mode!r} in volume {spec!r}", argument="volumes")
        if category == "copy" and not named_volume:
            raise InvalidArgument(
                f"invalid mode {mode!r} in volume {spec!r}: nocopy applies to named volumes only",
                argument="volumes",
            )
        seen.add(category)


def _check_target(target: str, spec: str) -> None:
    if not target.startswith("/"):
        raise InvalidArgument(
            f"invalid volume {spec!r}: the target {target!r} must be an absolute path",
            argument="volumes",
        )
    if posixpath.normpath(target) == "/":
        raise InvalidArgument(
            f"invalid volume {spec!r}: the target cannot be '/'", argument="volumes"
        )


def _check_source(source: str, spec: str) -> None:
    if source.startswith("/"):
        return
    if not _VOLUME_NAME.match(source):
        raise InvalidArgument(
            f"invalid volume {spec!r}: {source!r} is neither an absolute host path nor a "
            "volume name (relative paths are not resolved here; pass an absolute path)",
            argument="volumes",
        )


def _bind_from_dict_entry(source: str, spec: object) -> str:
    """One docker-py dict entry -> "src:dst:mode" (docker-py always writes a mode)."""
    if isinstance(spec, str):
        target, mode = spec, "rw"
    elif isinstance(spec, Mapping):
        if "bind" not in spec:
            raise InvalidArgument(
                f"volume {source!r}: the dict needs a 'bind' key", argument="volumes"
            )
        if "ro" in spec and "mode" in spec:
            raise InvalidArgument(
                f"volume {source!r}: give either 'ro' or 'mode', not both", argument="volumes"
            )
        target = str(spec["bind"])
        if "ro" in spec:
            mode = "ro" if spec["ro"] else "rw"
        else:
            mode = str(spec.get("mode", "rw"))
        propagation = spec.get("propagation")
        if propagation is not None:
            if propagation not in _PROPAGATION:
                raise InvalidArgument(
                    f"volume {source!r}: invalid propagation {propagation!r}", argument="volumes"
                )
            mode = f"{mode},{propagation}"
    else:
        raise InvalidArgument(
            f"volume {source!r}: expected {{'bind': path, 'mode': 'rw'}} or a path",
            argument="volumes",
        )
    text = f"{source}:{target}:{mode}"
    parse_volume_spec(text)
    return text


@dataclass(frozen=True)
class Mount:
    """One entry of HostConfig.Mounts (the ``--mount`` flag), docker-py's field names."""

    target: str
    source: str | None = None
    type: MountType = "volume"
    read_only: bool = False
    consistency: str | None = None
    propagation: str | None = None
    no_copy: bool = False
    labels: Mapping[str, str] | None = None
    driver_config: Mapping[str, Any] | None = None
    subpath: str | None = None
    tmpfs_size: ByteSize | None = None
    tmpfs_mode: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in ("bind", "volume", "tmpfs", "npipe"):
            raise InvalidArgument(f"unsupported mount type {self.type!r}", argument="mounts")
        if not self.target.startswith("/"):
            raise InvalidArgument(
                f"mount target {self.target!r} must be an absolute path", argument="mounts"
            )
        if self.consistency is not None and self.consistency not in _CONSISTENCY:
            raise InvalidArgument(f"invalid consistency {self.consistency!r}", argument="mounts")
        volume_only = (self.no_copy, self.labels, self.driver_config, self.subpath)
        tmpfs_only = (self.tmpfs_size, self.tmpfs_mode)
        if self.type == "bind":
            if self.propagation is not None and self.propagation not in _PROPAGATION:
                raise InvalidArgument(
                    f"invalid propagation {self.propagation!r}", argument="mounts"
                )
            if any(volume_only) or any(v is not None for v in tmpfs_only):
                raise InvalidArgument(
                    "options given do not apply to a bind mount", argument="mounts"
                )
            if not self.source:
                raise InvalidArgument("a bind mount needs a source", argument="mounts")
        elif self.type == "volume":
            if self.propagation is not None or any(v is not None for v in tmpfs_only):
                raise InvalidArgument(
                    "options given do not apply to a volume mount", argument="mounts"
                )
        elif self.type == "tmpfs":
            if self.source:
                raise InvalidArgument("a tmpfs mount takes no source", argument="mounts")
            if self.propagation is not None or any(volume_only):
                raise InvalidArgument(
                    "options given do not apply to a tmpfs mount", argument="mounts"
                )
            if self.tmpfs_mode is not None and (
                isinstance(self.tmpfs_mode, bool) or not isinstance(self.tmpfs_mode, int)
            ):
                raise InvalidArgument("tmpfs_mode must be an int (e.g. 0o1777)", argument="mounts")

    @classmethod
    def parse(cls, spec: str) -> Mount:
        """A ``-v``-style string as a Mount ("name:/data:ro")."""
        source, target, mode = parse_volume_spec(spec)
        if source is None:
            return cls(target=target)
        options = set(mode.split(",")) if mode else set()
        kind: MountType = "bind" if source.startswith("/") else "volume"
        propagation = next(iter(options & _PROPAGATION), None)
        return cls(
            target=target,
            source=source,
            type=kind,
            read_only="ro" in options,
            propagation=propagation if kind == "bind" else None,
            no_copy="nocopy" in options,
        )

    def to_api(self) -> dict[str, Any]:
        """The Engine API's Mount object (keys as docker-py writes them)."""
        body: dict[str, Any] = {
            "Target": self.target,
            "Source": self.source,
            "Type": self.type,
            "ReadOnly": self.read_only,
        }
        if self.consistency:
            body["Consistency"] = self.consistency
        if self.type == "bind" and self.propagation is not None:
            body["BindOptions"] = {"Propagation": self.propagation}
        elif self.type == "volume":
            options: dict[str, Any] = {}
            if self.no_copy:
                options["NoCopy"] = True
            if self.labels:
                options["Labels"] = dict(self.labels)
            if self.driver_config:
                options["DriverConfig"] = dict(self.driver_config)
            if self.subpath:
                options["Subpath"] = self.subpath
            if options:
                body["VolumeOptions"] = options
        elif self.type == "tmpfs":
            tmpfs: dict[str, Any] = {}
            if self.tmpfs_mode is not None:
                tmpfs["Mode"] = self.tmpfs_mode
            if self.tmpfs_size is not None:
                tmpfs["SizeBytes"] = parse_bytes(self.tmpfs_size, argument="tmpfs_size")
            if tmpfs:
                body["TmpfsOptions"] = tmpfs
        body.update(self.extra)
        return body


def build_mounts(mounts: Iterable[Mount | Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    """``mounts=[Mount(...), "name:/data", {...API shape...}]`` -> HostConfig.Mounts."""
    result: list[dict[str, Any]] = []
    for item in mounts:
        if isinstance(item, Mount):
            result.append(item.to_api())
        elif isinstance(item, str):
            result.append(Mount.parse(item).to_api())
        elif isinstance(item, Mapping):
            if "Target" not in item:
                raise InvalidArgument("a mount dict needs 'Target'", argument="mounts")
            result.append(dict(item))  # already API-shaped (e.g. docker.types.Mount)
        else:
            raise InvalidArgument(f"invalid mount {item!r}", argument="mounts")
    return result


def build_tmpfs(tmpfs: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """``{"/run": "size=64m"}`` or ``["/run:size=64m", "/tmp"]`` -> HostConfig.Tmpfs."""
    if isinstance(tmpfs, Mapping):
        items = [(str(path), str(options or "")) for path, options in tmpfs.items()]
    elif isinstance(tmpfs, str):
        raise InvalidArgument("tmpfs must be a dict or a list of strings", argument="tmpfs")
    else:
        items = []
        for entry in tmpfs:
            if not isinstance(entry, str):
                raise InvalidArgument(f"tmpfs entry {entry!r} must be a string", argument="tmpfs")
            path, _, options = entry.partition(":")
            items.append((path, options))
    for path, _options in items:
        if not path.startswith("/"):
            raise InvalidArgument(f"tmpfs path {path!r} must be absolute", argument="tmpfs")
    return dict(items)
