"""The classic builder's cache, kept as build-cache records.

As moby's ``image/cache.LocalImageCache`` does, a step hits the cache when a
child of the current image was built with the same ``container_config`` (the
step's command, with the COPY/ADD content hash or the RUN's build args in it,
and the config it ran with).  The mock goes further than dockerd 20.10, whose
classic builder reports no build cache and ignores ``build prune``: every step
image the builder commits is also a record here, in the API's ``BuildCache``
shape (``system df`` lists them), and only images that still have a record
are cache candidates, so ``build prune`` removing a record makes the next
identical build miss.  Prune also deletes the step images nothing else keeps
(no tag, no container, no child), which is the space it reports reclaimed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mockd import filters as flt
from mockd.engine.clock import rfc3339_nano
from mockd.errors import Conflict, InvalidParameter, NotFound, SystemError_

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.engine.images import Image, ImageStore

__all__ = ["PRUNE_FILTERS", "BuildCache", "CacheRecord", "build_cache_of", "find_cached"]

# What moby's cache compare leaves out: who ran the step and from what.
_IGNORED = frozenset({"Hostname", "Image"})
# The filters moby's builder-next accepts for build prune (``unused-for`` is ``until``).
# dockerd also takes ``label``/``label!`` (``docker system prune --filter label=...`` sends
# them here): cache records carry no labels, so ``label`` keeps every record and
# ``label!`` excludes none.
PRUNE_FILTERS = ("until", "unused-for", "id", "parent", "type", "description", "inuse",
                 "shared", "private", "label", "label!")  # fmt: skip
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
            "h": 3600 * 10**9}  # fmt: skip
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _key(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in _IGNORED and v not in (None, "", False)}


def _record_id(image_id: str) -> str:
    """A BuildKit-looking record ID (25 base-36 characters), stable for a step image."""
    number = int.from_bytes(hashlib.sha256(b"build-cache:" + image_id.encode()).digest(), "big")
    chars = []
    for _ in range(25):
        number, digit = divmod(number, 36)
        chars.append(_ID_ALPHABET[digit])
    return "".join(chars)


@dataclass
class CacheRecord:
    """One cached step: the image it committed and how it has been used."""

    id: str
    image_id: str
    parent_image: str  # the image the step ran on ("" over scratch)
    description: str
    size: int  # bytes of the layer the step produced (0 for a config-only step)
    created_ns: int
    last_used_ns: int
    usage_count: int = 1


class BuildCache:
    """``engine.build_cache``: the records of the steps the builder committed."""

    def __init__(self, engine: Engine) -> None:
        self.images: ImageStore = engine.images
        self.clock = engine.clock
        self._records: dict[str, CacheRecord] = {}  # by image ID

    def _live(self) -> list[CacheRecord]:
        """Records whose image still exists (``rmi``/``image prune`` may have removed it)."""
        for image_id in [i for i in self._records if self.images.get_by_id(i) is None]:
            del self._records[image_id]
        return list(self._records.values())

    def record(self, image: Image, parent_image: str, description: str, layer_size: int) -> None:
        """A step committed ``image`` (a new record, or a use of the same one)."""
        now = self.clock.now_ns()
        found = self._records.get(image.id)
        if found is not None:
            found.last_used_ns, found.usage_count = now, found.usage_count + 1
            return
        self._records[image.id] = CacheRecord(
            _record_id(image.id), image.id, parent_image, description, layer_size, now, now
        )

    def find(self, parent_id: str, container_config: dict[str, Any]) -> Image | None:
        """The newest cached image built from ``parent_id`` by the same step; counts the use."""
        wanted = _key(container_config)
        hits: list[tuple[Image, CacheRecord]] = []
        for record in self._live():
            image = self.images.get_by_id(record.image_id)
            if (
                image is not None
                and image.parent == parent_id
                and isinstance(image.config.get("container_config"), dict)
                and _key(image.config["container_config"]) == wanted
            ):
                hits.append((image, record))
        if not hits:
            return None
        image, record = max(hits, key=lambda hit: hit[0].created_ns)
        record.last_used_ns, record.usage_count = self.clock.now_ns(), record.usage_count + 1
        return image

    # -- what system df shows -----------------------------------------------------------

    def _kept_images(self) -> set[str]:
        """Images prune would not delete (tagged, used, not a step image) and their ancestors."""
        kept: set[str] = set()
        for image in self.images.all():
            if (
                image.id not in self._records
                or self.images.references(image.id)
                or self.images.in_use_by(image.id)
            ):
                current: Image | None = image
                while current is not None and current.id not in kept:
                    kept.add(current.id)
                    current = self.images.get_by_id(current.parent) if current.parent else None
        return kept

    def _wire(self, record: CacheRecord, kept: set[str]) -> dict[str, Any]:
        parent = self._records.get(record.parent_image)
        parents = [parent.id] if parent is not None else None
        return {
            "ID": record.id,
            "Parent": parents[0] if parents else "",  # API < 1.42; 1.42+ reads Parents
            "Parents": parents,
            "Type": "regular",
            "Description": record.description,
            "InUse": bool(self.images.in_use_by(record.image_id)),
            "Shared": record.image_id in kept,
            "Size": record.size,
            "CreatedAt": rfc3339_nano(record.created_ns),
            "LastUsedAt": rfc3339_nano(record.last_used_ns),
            "UsageCount": record.usage_count,
        }

    def usage(self) -> list[dict[str, Any]]:
        """The records in the API's ``BuildCache`` shape, oldest first."""
        kept = self._kept_images()
        records = sorted(self._live(), key=lambda r: r.created_ns)
        return [self._wire(record, kept) for record in records]

    # -- build prune ------------------------------------------------------------------------

    def prune(
        self,
        *,
        all: bool = False,
        filters: Mapping[str, list[str]] | None = None,
        keep_bytes: int = 0,
        max_used: int = 0,
    ) -> tuple[list[str], int]:
        """``POST /build/prune``: the removed record IDs and the bytes freed.

        Without ``all`` only records nothing keeps (not ``Shared``) go, as
        BuildKit's default prune leaves what images still use; ``keep_bytes``
        (``keep-storage``/``reserved-space``) and ``max_used`` stop pruning,
        least recently used first, once the cache is that small.
        """
        filters = dict(filters or {})
        for key in filters:
            if key not in PRUNE_FILTERS:
                raise InvalidParameter(f"failed to prune build cache: Invalid filter '{key}'")
        kept = self._kept_images()
        unused_for = _unused_for_ns(filters)
        now = self.clock.now_ns()
        wires = {r.image_id: self._wire(r, kept) for r in self._live()}
        candidates = []
        for record in sorted(self._live(), key=lambda r: r.last_used_ns):
            wire = wires[record.image_id]
            if wire["InUse"] or (wire["Shared"] and not all):
                continue
            if unused_for is not None and now - record.last_used_ns < unused_for:
                continue
            if not _matches(filters, wire, self._records.get(record.parent_image)):
                continue
            candidates.append(record)
        total = sum(r.size for r in self._live())
        limits = [x for x in (keep_bytes, max_used) if x > 0]  # zero or less: no limit
        limit = min(limits) if limits else 0
        removed: list[CacheRecord] = []
        for record in candidates:
            if limit and total <= limit:
                break
            removed.append(record)
            total -= record.size
            del self._records[record.image_id]
        return [r.id for r in removed], self._delete_images({r.image_id for r in removed})

    def _delete_images(self, image_ids: set[str]) -> int:
        """Delete the pruned step images nothing else keeps, children first; bytes freed."""
        before = {layer.diff_id: layer.size for img in self.images.all() for layer in img.layers}
        pending = set(image_ids)
        progress = True
        while pending and progress:
            progress = False
            for image_id in sorted(pending):
                if self.images.children(image_id):
                    continue
                pending.discard(image_id)
                progress = True
                if self.images.references(image_id) or self.images.in_use_by(image_id):
                    continue
                try:
                    self.images.delete(image_id, prune=False)
                except (Conflict, NotFound):
                    continue
        after = {layer.diff_id for img in self.images.all() for layer in img.layers}
        return sum(size for diff_id, size in before.items() if diff_id not in after)


def _unused_for_ns(filters: Mapping[str, list[str]]) -> int | None:
    """``until``/``unused-for``: a Go duration (``24h``, ``1h30m``), as BuildKit reads it."""
    values = [*filters.get("until", []), *filters.get("unused-for", [])]
    if not values:
        return None
    value = values[-1]
    if not re.fullmatch(rf"(?:{_DURATION.pattern})+", value):
        raise SystemError_(
            f"failed to prune build cache: \"until\" filter expects a duration (e.g., '24h'): "
            f'time: invalid duration "{value}"'
        )
    return sum(int(float(n) * _UNIT_NS[u]) for n, u in _DURATION.findall(value))


def _matches(
    filters: Mapping[str, list[str]], wire: Mapping[str, Any], parent: CacheRecord | None
) -> bool:
    """BuildKit's record filters: ``id`` by prefix, the others by value."""
    if filters.get("label"):
        return False  # no record has a label
    if filters.get("id") and not any(str(wire["ID"]).startswith(v) for v in filters["id"]):
        return False
    if filters.get("parent") and (parent is None or parent.id not in filters["parent"]):
        return False
    for key, field in (("type", "Type"), ("description", "Description")):
        if filters.get(key) and str(wire[field]) not in filters[key]:
            return False
    for key, field in (("inuse", "InUse"), ("shared", "Shared")):
        if key in filters and flt.get_bool(filters, key, False) != wire[field]:
            return False
    return not ("private" in filters and flt.get_bool(filters, "private", False) == wire["Shared"])


def build_cache_of(engine: Engine) -> BuildCache:
    """The engine's build cache, made on the first build (``system df`` reads it from there)."""
    found = engine.build_cache
    if not isinstance(found, BuildCache):
        found = BuildCache(engine)
        engine.build_cache = found
    return found


def find_cached(engine: Engine, parent_id: str, container_config: dict[str, Any]) -> Image | None:
    """The image a step can reuse, if the build cache still holds one."""
    return build_cache_of(engine).find(parent_id, container_config)


def parse_prune_size(name: str, raw: str) -> int:
    """A size query parameter (``keep-storage``...): bytes, as dockerd's strconv reads them."""
    try:
        return int(raw) if raw else 0
    except ValueError:
        raise SystemError_(
            f"{name} is in bytes and expects an integer, got {raw}: "
            f'strconv.Atoi: parsing "{raw}": invalid syntax'
        ) from None
