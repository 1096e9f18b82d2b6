"""Volumes: the ``local`` driver's named and anonymous volumes, and dockerd's rules.

A volume's data is an in-memory tree (``Volume.fs``, a ``MemoryFileSystem``)
that containers mount.  A bind-backed volume (``o=bind``, ``device=/dir``)
reads and writes its host directory directly, through
:class:`~mockd.engine.mounts.HostDirectory` (the one place that touches the
host, shared with bind mounts).
Who uses a volume is counted by container ID (``acquire``/``release``); a
volume in use cannot be removed or pruned.  Messages and events follow moby's
``volume/service`` and ``volume/local``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mockd import filters as flt
from mockd.engine.clock import NANOS, Clock
from mockd.engine.events import EventBus
from mockd.engine.ids import IdGenerator
from mockd.engine.mounts import HostDirectory
from mockd.errors import Conflict, InvalidParameter, NotFound, Unavailable
from mockd.fs import MemoryFileSystem
from mockd.fs.api import FileSystem

if TYPE_CHECKING:
    from mockd.engine import Engine

__all__ = ["ANONYMOUS_LABEL", "HostDirectory", "Volume", "VolumeStore", "volumes_of"]

# moby (23.0+) labels the volumes it names itself; API 1.42+ prune only takes those.
ANONYMOUS_LABEL = "com.docker.volume.anonymous"
MOUNTPOINT = "/var/lib/docker/volumes/{}/_data"
LIST_FILTERS = ("dangling", "driver", "label", "name")
PRUNE_FILTERS = ("label", "label!", "all")
_VALID_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
_VALID_OPTS = ("type", "device", "o", "size")
# volume/local: an option that needs another one with it.
_REQUIRED_WITH = {"device": "type", "type": "device", "o": "device"}


@dataclass(eq=False)
class Volume:
    name: str
    created_ns: int
    driver: str = "local"
    labels: dict[str, str] | None = None
    options: dict[str, str] | None = None
    host: HostDirectory | None = None
    users: set[str] = field(default_factory=set)  # container IDs
    memory: MemoryFileSystem = field(default_factory=MemoryFileSystem)

    @property
    def fs(self) -> FileSystem:
        """What containers mount: the host directory of a bind volume, else the tree."""
        return self.host if self.host is not None else self.memory

    @property
    def mountpoint(self) -> str:
        return MOUNTPOINT.format(self.name)

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS_LABEL in (self.labels or {})

    @property
    def size(self) -> int:
        return self.host.size() if self.host is not None else self.memory.size_rw()

    def to_wire(self, *, usage: bool = False) -> dict[str, Any]:
        """The API's ``Volume``, as dockerd writes it (``null`` for no labels or options)."""
        created = datetime.fromtimestamp(self.created_ns // NANOS, UTC)
        out: dict[str, Any] = {
            "CreatedAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Driver": self.driver,
            "Labels": self.labels,
            "Mountpoint": self.mountpoint,
            "Name": self.name,
            "Options": self.options,
            "Scope": "local",
        }
        if usage:  # only system df asks for it
            out["UsageData"] = {"RefCount": len(self.users), "Size": self.size}
        return out


class VolumeStore:
    """``engine.volumes``: every volume of the daemon."""

    def __init__(self, clock: Clock, events: EventBus, ids: IdGenerator) -> None:
        self.clock = clock
        self.events = events
        self.ids = ids
        self._volumes: dict[str, Volume] = {}

    # -- lookup ------------------------------------------------------------------

    def all(self) -> list[Volume]:
        return list(self._volumes.values())

    def find(self, name: str) -> Volume | None:
        return self._volumes.get(name)

    def get(self, name: str) -> Volume:
        volume = self._volumes.get(name)
        if volume is None:
            raise NotFound(f"get {name}: no such volume")
        return volume

    # -- create ------------------------------------------------------------------

    def create(
        self,
        name: str = "",
        driver: str = "",
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """Create a volume, or return the existing one of that name (as dockerd does)."""
        labels = dict(labels) if labels else None
        if not name:
            name = self.ids.new_id()
            labels = {**(labels or {}), ANONYMOUS_LABEL: ""}
        driver = driver or "local"
        if driver != "local":
            raise NotFound(
                f'create {name}: error looking up volume plugin {driver}: plugin "{driver}" not found'
            )
        existing = self._volumes.get(name)
        if existing is not None:
            return existing
        if len(name) == 1:
            raise InvalidParameter(
                f"create {name}: volume name is too short, names should be at least two "
                "alphanumeric characters"
            )
        if not _VALID_NAME.match(name):
            raise InvalidParameter(
                f'create {name}: "{name}" includes invalid characters for a local volume name, '
                'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
                "directory, use absolute path"
            )
        options = dict(driver_opts) if driver_opts else None
        host = _validate_options(name, options or {})
        volume = Volume(name, self.clock.now_ns(), labels=labels, options=options, host=host)
        self._volumes[name] = volume
        self.events.publish("volume", "create", name, {"driver": volume.driver})
        return volume

    def get_or_create(self, name: str) -> Volume:
        """For ``-v name:/path``: the named volume, made if missing."""
        return self._volumes.get(name) or self.create(name)

    def create_anonymous(self) -> Volume:
        """For ``-v /path`` and image VOLUMEs: a new volume with a generated name."""
        return self.create()

    # -- users -------------------------------------------------------------------

    def acquire(self, name: str, container_id: str) -> Volume:
        """Count ``container_id`` as a user (a volume in use cannot be removed)."""
        volume = self.get(name)
        volume.users.add(container_id)
        return volume

    def release(self, name: str, container_id: str) -> None:
        volume = self._volumes.get(name)
        if volume is None or container_id not in volume.users:
            return
        volume.users.discard(container_id)

    def in_use_by(self, name: str) -> list[str]:
        return sorted(self.get(name).users)

    def mount_event(
        self, volume: Volume, container_id: str, destination: str, *, read_write: bool = True,
        propagation: str = "",
    ) -> None:  # fmt: skip
        """dockerd's ``mount`` event, published when a container starts with the volume."""
        self.events.publish("volume", "mount", volume.name, {
            "container": container_id, "destination": destination, "driver": volume.driver,
            "propagation": propagation, "read/write": str(read_write).lower(),
        })  # fmt: skip

    def unmount_event(self, volume: Volume, container_id: str) -> None:
        self.events.publish(
            "volume", "unmount", volume.name, {"container": container_id, "driver": volume.driver}
        )

    # -- list, remove, prune -------------------------------------------------------

    def list_volumes(self, filters: Mapping[str, list[str]]) -> list[Volume]:
        flt.validate_filters(filters, LIST_FILTERS)
        dangling = flt.get_bool(filters, "dangling", False) if "dangling" in filters else None
        return [
            v
            for v in self._volumes.values()
            if flt.match(filters, "name", v.name)
            and flt.exact_match(filters, "driver", v.driver)
            and flt.match_kv_list(filters, "label", v.labels or {})
            and (dangling is None or dangling == (not v.users))
        ]

    def remove(self, name: str, *, force: bool = False) -> None:
        volume = self._volumes.get(name)
        if volume is None:
            if force:
                return
            raise NotFound(f"get {name}: no such volume")
        if volume.users:
            raise Conflict(f"remove {name}: volume is in use - [{', '.join(sorted(volume.users))}]")
        del self._volumes[name]
        self.events.publish("volume", "destroy", name, {"driver": volume.driver})

    def prune(
        self, filters: Mapping[str, list[str]], api_version: tuple[int, int] = (1, 55)
    ) -> tuple[list[str], int]:
        """Remove unused volumes; from API 1.42 only anonymous ones unless ``all=true``."""
        flt.validate_filters(filters, PRUNE_FILTERS)
        everything = api_version < (1, 42) or flt.get_bool(filters, "all", False)
        deleted: list[str] = []
        reclaimed = 0
        for volume in list(self._volumes.values()):
            labels = volume.labels or {}
            if volume.users or not (everything or volume.anonymous):
                continue
            if not flt.match_kv_list(filters, "label", labels):
                continue
            if filters.get("label!") and _any_label(filters["label!"], labels):
                continue
            size = volume.size if volume.host is None else 0  # a bind volume's data stays
            self.remove(volume.name)
            deleted.append(volume.name)
            reclaimed += size
        self.events.publish("volume", "prune", "", {"reclaimed": str(reclaimed)})
        return deleted, reclaimed

    def update(self, name: str) -> None:
        """``PUT /volumes/{name}``: only cluster volumes, and there is no swarm."""
        raise Unavailable(
            "volume update only valid for cluster volumes, but swarm is not initialized"
        )


def _validate_options(name: str, opts: Mapping[str, str]) -> HostDirectory | None:
    for key in opts:
        if key not in _VALID_OPTS:
            raise InvalidParameter(f'create {name}: invalid option: "{key}"')
    for key, needed in _REQUIRED_WITH.items():
        if key in opts and needed not in opts:
            raise InvalidParameter(f'create {name}: missing required option: "{needed}"')
    if "bind" in opts.get("o", "").split(","):
        return HostDirectory(opts["device"])
    return None


def _any_label(values: list[str], labels: Mapping[str, str]) -> bool:
    """``label!``: true when the volume has one of these labels (with the value, if given)."""
    for value in values:
        key, sep, wanted = value.partition("=")
        if key in labels and (not sep or labels[key] == wanted):
            return True
    return False


def volumes_of(engine: Engine) -> VolumeStore:
    """``engine.volumes`` (the Engine builds it)."""
    return engine.volumes
