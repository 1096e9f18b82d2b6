"""System: ping, version, info, events, disk usage (``df``) and ``system prune``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, overload

import msgspec

from dockersdk.api import APIGroup
from dockersdk.api.build import BuildAPI
from dockersdk.api.containers import ContainersAPI
from dockersdk.api.images import ImagesAPI
from dockersdk.api.networks import NetworksAPI
from dockersdk.api.volumes import VolumesAPI
from dockersdk.auth import AuthConfig
from dockersdk.models import (
    AuthResponse,
    BuildCache,
    ContainerSummary,
    EventMessage,
    ImageSummary,
    SystemInfo,
    SystemVersion,
    Volume,
)
from dockersdk.params.durations import PointInTime, to_timestamp
from dockersdk.streams import Stream
from dockersdk.transport import version_tuple

DiskUsageType = Literal["container", "image", "volume", "build-cache"]
DISK_USAGE_TYPES: Final[tuple[DiskUsageType, ...]] = ("container", "image", "volume", "build-cache")
EventType = Literal[
    "builder", "config", "container", "daemon", "image", "network", "node", "plugin",
    "secret", "service", "volume",
]  # fmt: skip

# API versions where /system/df changed: ``type`` appeared in 1.42; the per-kind
# ``*Usage`` summaries (with ``Items`` under ``verbose``) replaced the flat lists in 1.52.
_DF_TYPE_SINCE: Final = (1, 42)
_DF_USAGE_SINCE: Final = (1, 52)
# Volume prune keeps named volumes unless ``all=true`` (a filter added in 1.42).
_VOLUME_PRUNE_ALL_SINCE: Final = (1, 42)
# The build cache has no labels: dockerd ignores a label filter there and would
# prune unrelated cache, so ``system.prune`` leaves the cache alone under one.
_LABEL_FILTERS: Final = ("label", "label!")


class Event(EventMessage, kw_only=True):
    """An event, with the three fields dockerd sent before API 1.52 beside
    ``Action``/``Actor``: ``status`` (the action), ``id`` (the actor's ID) and
    ``from`` (a container's image).  The API document never described them, so
    they are declared here; docker-py code reads them (``event["status"]``)."""

    status: str | None = None
    id: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")


@dataclass(frozen=True)
class PingInfo:
    """What ``/_ping`` tells in its headers."""

    ok: bool
    api_version: str | None
    os_type: str | None
    experimental: bool
    builder_version: str | None
    swarm: str | None  # "inactive", "pending", "error", "locked", or "active/worker|manager"


@dataclass(frozen=True)
class DiskUsage:
    """What ``GET /system/df`` reports, the same shape whatever the API version.

    A kind that was not asked for (``df(type=...)``) is ``None``; a kind asked
    for and empty is ``[]``.  ``layers_size`` is the bytes of all image layers,
    each counted once (from API 1.52 on, the images' ``TotalSize``).

    docker-py code reads ``df()`` by wire name: ``df["Images"]``, ``df["LayersSize"]``
    answer on every API version; any other key (``df["ImageUsage"]`` from 1.52)
    reads the daemon's answer as it came (``wire``).
    """

    layers_size: int | None
    images: list[ImageSummary] | None
    containers: list[ContainerSummary] | None
    volumes: list[Volume] | None
    build_cache: list[BuildCache] | None
    wire: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def images_size(self) -> int:
        """The sum of the images' ``Size`` (shared layers counted once per image)."""
        return sum(image.size or 0 for image in self.images or [])

    @property
    def containers_size_rw(self) -> int:
        """The bytes the containers wrote (their copy-on-write layers)."""
        return sum(c.size_rw or 0 for c in self.containers or [])

    @property
    def volumes_size(self) -> int:
        """The bytes in volumes (``-1`` sizes, which dockerd reports when unknown, skipped)."""
        return sum(
            max(v.usage_data.size or 0, 0) for v in self.volumes or [] if v.usage_data is not None
        )

    @property
    def build_cache_size(self) -> int:
        """The bytes of the build cache records."""
        return sum(record.size or 0 for record in self.build_cache or [])

    def __getitem__(self, key: str) -> Any:
        """docker-py's reads of ``df()`` by wire name: ``df["Images"]``, ``df["LayersSize"]``."""
        attribute = _DISK_USAGE_WIRE_NAMES.get(key)
        if attribute is not None:
            return getattr(self, attribute)
        try:
            return self.wire[key]
        except KeyError:
            raise KeyError(key) from None


_DISK_USAGE_WIRE_NAMES: Final[dict[str, str]] = {
    "LayersSize": "layers_size",
    "Images": "images",
    "Containers": "containers",
    "Volumes": "volumes",
    "BuildCache": "build_cache",
}


@dataclass
class PruneReport:
    """What ``system.prune`` removed, per kind, and the bytes it freed."""

    containers: list[str] = field(default_factory=list)
    images_deleted: list[str] = field(default_factory=list)
    images_untagged: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    build_cache: list[str] = field(default_factory=list)
    space_reclaimed: int = 0


def event_filters(
    filters: Mapping[str, Any] | None = None,
    *,
    type: EventType | Iterable[EventType] | None = None,
    action: str | Iterable[str] | None = None,
) -> dict[str, Any] | None:
    """``filters`` with ``type`` and ``action`` added (each a value or a list of values)."""
    merged: dict[str, Any] = dict(filters or {})
    for key, value in (("type", type), ("action", action)):
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        existing = merged.get(key)
        if existing is None:
            merged[key] = values
        else:
            merged[key] = ([existing] if isinstance(existing, str) else list(existing)) + values
    return merged or None


class SystemAPI(APIGroup):
    """``client.system``: the daemon as a whole."""

    def ping(self) -> bool:
        """Whether the daemon answers ``/_ping`` with OK.  Unreachable raises."""
        return self.ping_info().ok

    def ping_info(self) -> PingInfo:
        """The daemon's ``/_ping`` headers: API version, OS type, builder, swarm state."""
        response = self._transport.ping()
        headers = response.headers
        return PingInfo(
            ok=response.status_code == 200,
            api_version=headers.get("API-Version"),
            os_type=headers.get("OSType"),
            experimental=headers.get("Docker-Experimental", "").lower() == "true",
            builder_version=headers.get("Builder-Version"),
            swarm=headers.get("Swarm"),
        )

    def version(self) -> SystemVersion:
        """``docker version``'s server half: versions of the engine and its components."""
        return self._json("GET", "/version", SystemVersion, operation="SystemVersion")

    def info(self) -> SystemInfo:
        """``docker info``: counts, drivers, limits and configuration of the daemon."""
        return self._json("GET", "/info", SystemInfo, operation="SystemInfo")

    def login(
        self,
        username: str,
        password: str | None = None,
        email: str | None = None,
        registry: str | None = None,
        reauth: bool = False,
    ) -> AuthResponse:
        """``docker login``: the daemon checks ``username`` and ``password`` against
        ``registry`` (Docker Hub when ``None``); ``email`` is passed along, as
        docker-py does.  Failures raise (``Unauthorized`` for refused credentials).
        Nothing is stored: pass the credentials to pulls and pushes as
        ``auth_config``, or keep them in ``config.json``.  ``reauth`` is docker-py's
        (it skips docker-py's cache); with no cache here, every call asks the daemon.
        """
        del reauth  # no cache to bypass
        body = AuthConfig(username=username, password=password, email=email,
                          serveraddress=registry)  # fmt: skip
        return self._json("POST", "/auth", AuthResponse, json=body.to_wire(),
                          operation="SystemAuth")  # fmt: skip

    # -- events ------------------------------------------------------------------------

    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        decode: Literal[True] = ...,
        *,
        type: EventType | Iterable[EventType] | None = ...,
        action: str | Iterable[str] | None = ...,
    ) -> Stream[Event]: ...
    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        *,
        decode: Literal[False],
        type: EventType | Iterable[EventType] | None = ...,
        action: str | Iterable[str] | None = ...,
    ) -> Stream[bytes]: ...
    def events(
        self,
        since: PointInTime | None = None,
        until: PointInTime | None = None,
        filters: Mapping[str, Any] | None = None,
        decode: bool = True,
        *,
        type: EventType | Iterable[EventType] | None = None,
        action: str | Iterable[str] | None = None,
    ) -> Stream[Event] | Stream[bytes]:
        """The daemon's events as they happen (or those between ``since`` and
        ``until``, after which the stream ends), as typed ``Event`` (an
        ``EventMessage`` with the pre-1.52 ``status``/``id``/``from``).

        ``since``/``until``: a datetime, a unix timestamp, or a duration such as
        "10m" counting back from now.  ``filters`` maps a filter name to a value
        or a list of values (``{"container": "web", "event": ["start", "die"]}``);
        ``type`` and ``action`` add the ``type`` and ``action`` filters.
        ``decode=False`` yields each event's JSON bytes.  Close the stream (or
        use ``with``) to stop; closing from another thread ends the iteration.
        """
        params = {
            "since": None if since is None else to_timestamp(since, argument="since"),
            "until": None if until is None else to_timestamp(until, argument="until"),
            "filters": event_filters(filters, type=type, action=action),
        }
        if decode:
            return self._json_stream(
                "GET", "/events", Event, params=params, operation="SystemEvents"
            )
        raw = self._json_stream(
            "GET", "/events", msgspec.Raw, params=params, operation="SystemEvents"
        )
        return Stream((bytes(item) for item in raw), raw.close)

    # -- disk usage ----------------------------------------------------------------------

    def df(self, type: DiskUsageType | Iterable[DiskUsageType] | None = None) -> DiskUsage:
        """``docker system df -v``: the images, containers, volumes and build cache
        records with their sizes.

        ``type`` restricts the report to some kinds ("container", "image",
        "volume", "build-cache").  Before API 1.42 dockerd has no ``type``
        parameter and computes everything; the kinds not asked for are then
        dropped here, so the result has the same shape on every version.
        """
        wanted = _disk_usage_types(type)
        version = version_tuple(self._transport.api_version)[:2]
        params: dict[str, Any] = {}
        if wanted is not None and version >= _DF_TYPE_SINCE:
            params["type"] = list(wanted)
        if version >= _DF_USAGE_SINCE:
            params["verbose"] = True  # the per-kind Items come only with verbose
        body = self._json(
            "GET", "/system/df", dict[str, Any], params=params, operation="SystemDataUsage"
        )
        usage = _usage_from_summaries(body) if version >= _DF_USAGE_SINCE else _usage_from_lists(
            body)  # fmt: skip
        if wanted is None:
            return usage
        return DiskUsage(
            wire=body,
            layers_size=usage.layers_size if "image" in wanted else None,
            images=usage.images if "image" in wanted else None,
            containers=usage.containers if "container" in wanted else None,
            volumes=usage.volumes if "volume" in wanted else None,
            build_cache=usage.build_cache if "build-cache" in wanted else None,
        )

    # -- prune ---------------------------------------------------------------------------

    def prune(
        self,
        all: bool = False,
        volumes: bool = False,
        filters: Mapping[str, Any] | None = None,
        *,
        build_cache: bool = True,
    ) -> PruneReport:
        """``docker system prune``: remove stopped containers, unused networks,
        dangling images (every unused image with ``all=True``), the build cache,
        and unused volumes when ``volumes=True``.

        ``filters`` (``until``, ``label``, ``label!``) apply to every kind.  With
        ``all=True`` the volume step also removes named volumes (API 1.42+; older
        daemons always do).  The build cache is skipped when ``build_cache`` is
        false, or when ``filters`` holds a label filter: cache records have no
        labels and dockerd would prune all of them.
        """
        transport = self._transport
        base = dict(filters or {})
        report = PruneReport()

        containers = ContainersAPI(transport).prune(base or None)
        report.containers = list(containers.containers_deleted or [])
        report.space_reclaimed += containers.space_reclaimed or 0

        networks = NetworksAPI(transport).prune(base or None)
        report.networks = list(networks.networks_deleted or [])

        if volumes:
            volume_filters = dict(base)
            if all and version_tuple(transport.api_version)[:2] >= _VOLUME_PRUNE_ALL_SINCE:
                volume_filters["all"] = True
            pruned = VolumesAPI(transport).prune(volume_filters or None)
            report.volumes = list(pruned.volumes_deleted or [])
            report.space_reclaimed += pruned.space_reclaimed or 0

        images = ImagesAPI(transport).prune({**base, "dangling": not all})
        for item in images.images_deleted or []:
            if item.deleted:
                report.images_deleted.append(item.deleted)
            if item.untagged:
                report.images_untagged.append(item.untagged)
        report.space_reclaimed += images.space_reclaimed or 0

        if build_cache and not any(key in base for key in _LABEL_FILTERS):
            cache = BuildAPI(transport).prune(all=all, filters=base or None)
            report.build_cache = list(cache.caches_deleted or [])
            report.space_reclaimed += cache.space_reclaimed or 0
        return report


def _disk_usage_types(
    type: DiskUsageType | Iterable[DiskUsageType] | None,
) -> tuple[DiskUsageType, ...] | None:
    if type is None:
        return None
    wanted = (type,) if isinstance(type, str) else tuple(type)
    unknown = [t for t in wanted if t not in DISK_USAGE_TYPES]
    if unknown:
        raise ValueError(f"unknown disk usage type {unknown[0]!r}; one of {DISK_USAGE_TYPES}")
    return wanted


def _items(value: Any, item_type: type[Any]) -> Any:
    """A wire list converted to ``list[item_type]`` (``None`` stays ``None``)."""
    if value is None:
        return None
    return msgspec.convert(value, list[item_type])  # type: ignore[valid-type]


def _usage_from_lists(body: Mapping[str, Any]) -> DiskUsage:
    """The reply before API 1.52: ``LayersSize`` and one list per kind.

    The generated models describe the current API only, so these removed
    fields are read from the JSON and each item is converted to its model.
    """
    return DiskUsage(
        wire=body,
        layers_size=body.get("LayersSize"),
        images=_items(body.get("Images"), ImageSummary) or [],
        containers=_items(body.get("Containers"), ContainerSummary) or [],
        volumes=_items(body.get("Volumes"), Volume) or [],
        build_cache=_items(body.get("BuildCache"), BuildCache) or [],
    )


def _usage_from_summaries(body: Mapping[str, Any]) -> DiskUsage:
    """The reply from API 1.52 on (with ``verbose``): one ``*Usage`` object per kind."""

    def kind(key: str, item_type: type[Any]) -> Any:
        summary = body.get(key)
        if summary is None:
            return []
        return _items(summary.get("Items") or [], item_type)

    images = body.get("ImageUsage") or {}
    return DiskUsage(
        wire=body,
        layers_size=images.get("TotalSize", body.get("LayersSize")),
        images=kind("ImageUsage", ImageSummary),
        containers=kind("ContainerUsage", ContainerSummary),
        volumes=kind("VolumeUsage", Volume),
        build_cache=kind("BuildCacheUsage", BuildCache),
    )


__all__ = [
    "DISK_USAGE_TYPES",
    "DiskUsage",
    "DiskUsageType",
    "Event",
    "EventType",
    "PingInfo",
    "PruneReport",
    "SystemAPI",
    "event_filters",
]
