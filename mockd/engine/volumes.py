"""Volumes: the ``local`` driver's named and anonymous volumes, and dockerd's rules.

A volume's data is an in-memory tree (``Volume.fs``, a ``MemoryFileSystem``)
that containers mount.  A bind-backed volume (``o=bind``, ``device=/dir``)
copies its host directory in when first mounted and back out when last
unmounted, through :class:`HostDirectory`, the one place that touches the host.
Who uses a volume is counted by container ID (``acquire``/``release``); a
volume in use cannot be removed or pruned.  Messages and events follow moby's
``volume/service`` and ``volume/local``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mockd import filters as flt
from mockd.engine.clock import NANOS, Clock
from mockd.engine.events import EventBus
from mockd.engine.ids import IdGenerator
from mockd.errors import Conflict, InvalidParameter, NotFound, Unavailable
from mockd.fs import MemoryFileSystem

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


class HostDirectory:
    """A host directory behind a bind-backed volume: copied in, copied back out."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def load_into(self, fs: MemoryFileSystem) -> None:
        for root, dirs, files in os.walk(self.path):
            rel = "/" + str(Path(root).relative_to(self.path)).lstrip(".")
            for name in dirs:
                fs.mkdir(f"{rel.rstrip('/')}/{name}", parents=True)
            for name in files:
                fs.write_file(f"{rel.rstrip('/')}/{name}", (Path(root) / name).read_bytes())

    def store_from(self, fs: MemoryFileSystem) -> None:
        def walk(directory: str) -> None:
            for name in fs.listdir(directory):
                inner = f"{directory.rstrip('/')}/{name}"
                target = self.path / inner.lstrip("/")
                if fs.is_dir(inner):
                    target.mkdir(parents=True, exist_ok=True)
                    walk(inner)
                else:
                    target.write_bytes(fs.read_file(inner))

        self.path.mkdir(parents=True, exist_ok=True)
        walk("/")


@dataclass(eq=False)
class Volume:
    name: str
    created_ns: int
    driver: str = "local"
    labels: dict[str, str] | None = None
    options: dict[str, str] | None = None
    fs: MemoryFileSystem = field(default_factory=MemoryFileSystem)
    host: HostDirectory | None = None
    users: set[str] = field(default_factory=set)  # container IDs

    @property
    def mountpoint(self) -> str:
        return MOUNTPOINT.format(self.name)

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS_LABEL in (self.labels or {})

    @property
    def size(self) -> int:
        return self.fs.size_rw()

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
        """Count ``container_id`` as a user; the first user of a bind volume loads its directory."""
        volume = self.get(name)
        if not volume.users and volume.host is not None:
            volume.host.load_into(volume.fs)
        volume.users.add(container_id)
        return volume

    def release(self, name: str, container_id: str) -> None:
        volume = self._volumes.get(name)
        if volume is None or container_id not in volume.users:
            return
        volume.users.discard(container_id)
        if not volume.users and volume.host is not None:
            volume.host.store_from(volume.fs)

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


def volumes_of(engine: Any) -> VolumeStore:
    """``engine.volumes``, made on first use while ``Engine`` does not build it itself."""
    store = getattr(engine, "volumes", None)
    if not isinstance(store, VolumeStore):
        store = VolumeStore(engine.clock, engine.events, engine.ids)
        engine.volumes = store
    return store
