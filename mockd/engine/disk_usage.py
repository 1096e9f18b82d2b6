"""``GET /system/df``: what images, containers, volumes and the build cache take.

The figures come from the same places as everywhere else, so they agree with
the rest of the API: ``LayersSize`` is the layer store's total (layers shared
by images count once), an image's ``Size``/``SharedSize`` are the image store's,
a container's ``SizeRw`` is its copy-on-write layer and ``SizeRootFs`` that
plus its image, a volume's ``UsageData`` is its content and the number of
containers that reference it.  The build cache is the builder's
``engine.build_cache`` (anything with ``usage()`` returning the API's
``BuildCache`` records): ``mockd.builder.cache`` sets it on the first build,
one record per committed step; before that there is nothing to report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mockd.errors import InvalidParameter

if TYPE_CHECKING:
    from mockd.engine import Engine

__all__ = ["OBJECT_TYPES", "BuildCacheSource", "DiskUsage", "disk_usage"]

OBJECT_TYPES = ("container", "image", "volume", "build-cache")


@runtime_checkable
class BuildCacheSource(Protocol):
    """What ``engine.build_cache`` offers ``system df`` when the builder keeps a cache."""

    def usage(self) -> list[dict[str, Any]]: ...


@dataclass
class Usage:
    """One kind of object: its records and the summary figures API 1.52+ reports."""

    items: list[dict[str, Any]] = field(default_factory=list)
    active_count: int = 0
    total_size: int = 0
    reclaimable: int = 0

    def summary(self, *, verbose: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ActiveCount": self.active_count,
            "TotalCount": len(self.items),
            "Reclaimable": self.reclaimable,
            "TotalSize": self.total_size,
        }
        if verbose:
            out["Items"] = self.items
        return out


@dataclass
class DiskUsage:
    """The computed figures; ``None`` for a kind that was not asked for."""

    layers_size: int | None = None
    images: Usage | None = None
    containers: Usage | None = None
    volumes: Usage | None = None
    build_cache: Usage | None = None


def parse_types(values: Iterable[str]) -> set[str]:
    """The ``type`` query parameter; none means all kinds."""
    wanted = {v for v in values if v}
    for value in wanted:
        if value not in OBJECT_TYPES:
            raise InvalidParameter(f"unknown object type: {value}")
    return wanted or set(OBJECT_TYPES)


def disk_usage(engine: Engine, types: Iterable[str] = OBJECT_TYPES) -> DiskUsage:
    wanted = set(types)
    out = DiskUsage()
    if "image" in wanted:
        out.layers_size = engine.layers.total_size()
        out.images = _images(engine, out.layers_size)
    if "container" in wanted:
        out.containers = _containers(engine)
    if "volume" in wanted:
        out.volumes = _volumes(engine)
    if "build-cache" in wanted:
        out.build_cache = _build_cache(engine)
    return out


def _images(engine: Engine, layers_size: int) -> Usage:
    store = engine.images
    usage = Usage(total_size=layers_size)
    active_layers: set[str] = set()
    for image in sorted(store.all(), key=lambda i: i.created_ns, reverse=True):
        users = len(store.in_use_by(image.id))
        if users:
            usage.active_count += 1
            active_layers.update(layer.diff_id for layer in image.layers)
        usage.items.append({
            "Containers": users, "Created": image.created_ns // 1_000_000_000, "Id": image.id,
            "Labels": image.labels or None, "ParentId": image.parent,
            "RepoDigests": store.repo_digests(image.id) or None,
            "RepoTags": store.repo_tags(image.id) or None,
            "SharedSize": store.shared_size(image), "Size": image.size,
        })  # fmt: skip
    unique: dict[str, int] = {}
    for image in store.all():
        for layer in image.layers:
            unique[layer.diff_id] = layer.size
    used = sum(size for diff_id, size in unique.items() if diff_id in active_layers)
    usage.reclaimable = max(0, layers_size - used)
    return usage


def _containers(engine: Engine) -> Usage:
    store = engine.containers
    usage = Usage()
    for c in store.all():
        summary = store.summary(c, size=True)
        usage.items.append(summary)
        usage.total_size += int(summary["SizeRw"])
        if c.running:
            usage.active_count += 1
        else:
            usage.reclaimable += int(summary["SizeRw"])
    return usage


def _volumes(engine: Engine) -> Usage:
    usage = Usage()
    for volume in engine.volumes.all():
        record = volume.to_wire(usage=True)
        usage.items.append(record)
        size = int(record["UsageData"]["Size"])
        usage.total_size += size
        if volume.users:
            usage.active_count += 1
        else:
            usage.reclaimable += size
    return usage


def _build_cache(engine: Engine) -> Usage:
    source = getattr(engine, "build_cache", None)
    records = source.usage() if isinstance(source, BuildCacheSource) else []
    usage = Usage(items=list(records))
    for record in usage.items:
        size = int(record.get("Size") or 0)
        usage.total_size += size
        if record.get("InUse"):
            usage.active_count += 1
        elif not record.get("Shared"):
            usage.reclaimable += size
    return usage
