"""The image store: configs over shared layers, references, and dockerd's rules.

An image is its config JSON (the ID is ``sha256:`` + the sha256 of those exact
bytes, as dockerd computes it) over a stack of layers kept, reference
counted, in the fs ``LayerStore``, so images share layers and a layer is freed
with the last image using it.  References (``docker.io/library/busybox:latest``,
``...@sha256:...``) map to IDs.  Lookup, tag, delete and prune follow moby's
``daemon/images`` (``GetImage``, ``ImageDelete``, ``ImagesPrune``), including its
conflict rules and messages, and publish its image events.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from mockd import filters as flt
from mockd.engine.clock import ZERO_TIME, Clock, rfc3339_nano
from mockd.engine.events import EventBus
from mockd.engine.ids import PrefixIndex, short_id
from mockd.engine.references import Reference, parse_any, parse_normalized
from mockd.errors import Conflict, InvalidParameter, NotFound
from mockd.filter_time import parse_rfc3339_ns, until_ns
from mockd.fs.layer import Layer, LayerStore, chain_ids, union_of
from mockd.fs.union import UnionView

LIST_FILTERS = ("before", "dangling", "label", "reference", "since", "until")
PRUNE_FILTERS = ("dangling", "label", "label!", "until")


class ImageUser(NamedTuple):
    """A container that uses an image, as the containers area reports it."""

    id: str
    running: bool


def _no_users(image_id: str) -> Sequence[ImageUser]:
    return ()


@dataclass(eq=False)
class Image:
    """One image: its config bytes (which give its ID) and its layers, bottom first."""

    id: str
    config_bytes: bytes
    config: dict[str, Any]
    layers: list[Layer]
    parent: str = ""
    last_tag_time_ns: int = 0
    created_ns: int = field(init=False)

    def __post_init__(self) -> None:
        self.created_ns = parse_rfc3339_ns(str(self.config.get("created") or ""))

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def created(self) -> str:
        """``Created`` as the config has it (RFC 3339)."""
        return str(self.config.get("created") or ZERO_TIME)

    @property
    def container_config(self) -> dict[str, Any]:
        """The runtime config (``Config`` in inspect): Cmd, Env, Entrypoint, Labels..."""
        value = self.config.get("config")
        return value if isinstance(value, dict) else {}

    @property
    def labels(self) -> dict[str, str]:
        labels = self.container_config.get("Labels")
        return dict(labels) if isinstance(labels, dict) else {}

    @property
    def diff_ids(self) -> list[str]:
        return [layer.diff_id for layer in self.layers]

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def history(self) -> list[dict[str, Any]]:
        value = self.config.get("history")
        return [h for h in value if isinstance(h, dict)] if isinstance(value, list) else []

    def rootfs_view(self) -> UnionView:
        """The image's merged filesystem, read-only (a container's lower layers)."""
        return union_of(self.layers)


def image_id_of(config_bytes: bytes) -> str:
    return "sha256:" + hashlib.sha256(config_bytes).hexdigest()


def _familiar_match(pattern: str, ref: Reference) -> bool:
    """reference.FamiliarMatch: Go's ``path.Match`` on the familiar string, then name.

    ``fnmatch``'s ``*`` crosses ``/`` where ``path.Match``'s does not, hence the guard.
    """

    def path_match(text: str) -> bool:
        return fnmatch.fnmatchcase(text, pattern) and (
            pattern.count("/") == text.count("/") or "*" not in pattern
        )

    return path_match(ref.familiar()) or path_match(ref.familiar_name)


class ImageStore:
    """``engine.images``: every image of the daemon, and the references to them."""

    def __init__(self, clock: Clock, events: EventBus, layers: LayerStore | None = None) -> None:
        self.clock = clock
        self.events = events
        self.layers = layers if layers is not None else LayerStore()
        self._images: dict[str, Image] = {}
        self._hex = PrefixIndex()  # the hex part of every image ID, for ID prefixes
        self._refs: dict[Reference, str] = {}
        # Answered by the containers area: which containers use an image.
        self.in_use_by: Callable[[str], Sequence[ImageUser]] = _no_users

    # -- adding and looking up -------------------------------------------------

    def add(self, config_bytes: bytes, layers: Sequence[Layer], *, parent: str = "") -> Image:
        """Store an image (or find the same one); its layers are shared through the LayerStore."""
        image_id = image_id_of(config_bytes)
        existing = self._images.get(image_id)
        if existing is not None:
            return existing
        config = msgspec.json.decode(config_bytes)
        if not isinstance(config, dict):
            raise InvalidParameter("image config must be a JSON object")
        stored = [self.layers.add(layer) for layer in layers]
        image = Image(image_id, config_bytes, config, stored, parent=parent)
        self._images[image_id] = image
        self._hex.add(image_id.partition(":")[2])
        return image

    def count(self) -> int:
        return len(self._images)

    def all(self) -> list[Image]:
        return list(self._images.values())

    def get_by_id(self, image_id: str) -> Image | None:
        return self._images.get(image_id)

    def _search(self, term: str) -> Image | None:
        """The image store's ID prefix search (digestset.Lookup); ambiguity is not found."""
        algorithm, sep, hex_part = term.partition(":")
        if sep and algorithm != "sha256":
            return None
        prefix = hex_part if sep else term
        if not prefix or not re.fullmatch(r"[0-9a-f]+", prefix):
            return None
        hits = self._hex.matching(prefix)
        return self._images["sha256:" + hits[0]] if len(hits) == 1 else None

    def get(self, ref_or_id: str) -> Image:
        """daemon.GetImage: a full ID, a reference, or an ID prefix; else 404 ``No such image``."""
        parsed = parse_any(ref_or_id)
        if isinstance(parsed, str):
            image = self._images.get(parsed)
            if image is None:
                raise NotFound(f"No such image: {parsed}")
            return image
        named = parsed.with_default_tag()
        image_id = self._refs.get(named)
        if image_id is not None and image_id in self._images:
            return self._images[image_id]
        found = self._search(ref_or_id)
        if found is not None:
            return found
        raise NotFound(f"No such image: {named.familiar()}")

    def references(self, image_id: str) -> list[Reference]:
        """References to an image, sorted by their familiar form, as dockerd lists them."""
        refs = [ref for ref, iid in self._refs.items() if iid == image_id]
        return sorted(refs, key=lambda r: r.familiar())

    def repo_tags(self, image_id: str) -> list[str]:
        return [r.familiar() for r in self.references(image_id) if r.tag]

    def repo_digests(self, image_id: str) -> list[str]:
        return [r.familiar() for r in self.references(image_id) if r.digest]

    def children(self, image_id: str) -> list[Image]:
        return [img for img in self._images.values() if img.parent == image_id]

    def _dangling_for_delete(self, image_id: str) -> bool:
        """moby's imageIsDangling: no reference and no child (an untagged parent
        is not dangling), which decides whether a quiet parent delete may skip
        a conflict."""
        return not self.references(image_id) and not self.children(image_id)

    # -- references --------------------------------------------------------------

    def _event(self, action: str, actor: str, name: str, image: Image | None) -> None:
        attributes = dict(image.labels) if image is not None else {}
        attributes["name"] = name
        self.events.publish("image", action, actor, attributes)

    def add_reference(self, image: Image, ref: Reference) -> None:
        """Point ``ref`` at ``image`` (replacing what it pointed at), without events."""
        self._refs[ref] = image.id

    def tag(self, source: str, repo: str, tag: str = "") -> Reference:
        """``docker tag``: validate as dockerd does, point the reference, publish ``tag``."""
        image = self.get(source)
        if not repo:
            raise InvalidParameter("invalid reference format")
        ref = parse_normalized(repo)
        if ref.digest:
            raise InvalidParameter("refusing to create a tag with a digest reference")
        if tag:
            ref = ref.with_tag(tag)
        ref = ref.with_default_tag()
        self._refs[ref] = image.id
        image.last_tag_time_ns = self.clock.now_ns()
        self._event("tag", image.id, ref.familiar(), image)
        return ref

    def record_pull(self, image: Image, ref: Reference) -> None:
        """After a pull: the reference points at the image; publish ``pull``."""
        self._refs[ref] = image.id
        # dockerd's LogImageEvent(FamiliarString(ref), FamiliarName(ref), "pull").
        self._event("pull", ref.familiar(), ref.familiar_name, image)

    def _remove_ref(self, ref: Reference) -> Reference:
        ref = ref.with_default_tag()
        if self._refs.pop(ref, None) is None:
            raise NotFound(f"No such image: {ref.familiar()}")
        return ref

    # -- delete ----------------------------------------------------------------------

    def _conflict(
        self, image: Image, *, hard: bool, soft: bool, references: bool = True
    ) -> _DeleteConflict | None:
        """checkImageDeleteConflict, in dockerd's order; ``used`` tells the quiet path."""
        users = self.in_use_by(image.id)
        if hard and self.children(image.id):
            return _DeleteConflict(image, True, "image has dependent child images")
        if hard:
            running = next((u for u in users if u.running), None)
            if running is not None:
                return _DeleteConflict(
                    image, True, f"image is being used by running container {short_id(running.id)}",
                    used=True,
                )  # fmt: skip
        if soft and references and self.references(image.id):
            return _DeleteConflict(image, False, "image is referenced in one or more repositories")
        if soft:
            stopped = next((u for u in users if not u.running), None)
            if stopped is not None:
                return _DeleteConflict(
                    image, False, f"image is being used by stopped container {short_id(stopped.id)}",
                    used=True,
                )  # fmt: skip
        return None

    def _single_reference(self, refs: Sequence[Reference]) -> bool:
        """isSingleReference: at most one tag, and every reference in one repository."""
        return sum(1 for r in refs if r.tag) <= 1 and len({r.name for r in refs}) <= 1

    def delete(
        self, ref_or_id: str, *, force: bool = False, prune: bool = True
    ) -> list[dict[str, str]]:
        """ImageDelete: untag a reference, or delete the image; ``Untagged``/``Deleted`` records."""
        image = self.get(ref_or_id)
        records: list[dict[str, str]] = []
        refs = self.references(image.id)
        removed_reference = False
        by_id = image.id.startswith(ref_or_id) or image.id.startswith("sha256:" + ref_or_id)
        if not by_id:
            if not force and self._single_reference(refs):
                user = next(iter(self.in_use_by(image.id)), None)
                if user is not None:
                    raise Conflict(
                        f'conflict: unable to remove repository reference "{ref_or_id}" '
                        f"(must force) - container {short_id(user.id)} is using its "
                        f"referenced image {image.short_id}"
                    )
            removed = self._remove_ref(parse_normalized(ref_or_id))
            records.append({"Untagged": removed.familiar()})
            self._event("untag", image.id, image.id, image)
            refs = self.references(image.id)
            if not removed.digest and not any(r.tag and r.name == removed.name for r in refs):
                # The last tag of a repository takes that repository's digests with it.
                for ref in [r for r in refs if r.digest and r.name == removed.name]:
                    del self._refs[ref]
                    records.append({"Untagged": ref.familiar()})
                refs = self.references(image.id)
            if refs:
                return records
            removed_reference = True
        elif self._single_reference(refs):
            conflict = self._conflict(image, hard=True, soft=not force, references=False)
            if conflict is not None:
                raise conflict
            for ref in refs:
                del self._refs[ref]
                records.append({"Untagged": ref.familiar()})
                self._event("untag", image.id, image.id, image)
        elif not force:
            # Hard conflicts (children, a running container) are reported first.
            conflict = self._conflict(image, hard=True, soft=False)
            raise conflict or _DeleteConflict(
                image, False, "image is referenced in multiple repositories"
            )
        self._delete_helper(image, records, force=force, prune=prune, quiet=removed_reference)
        return records

    def _delete_helper(
        self, image: Image, records: list[dict[str, str]], *, force: bool, prune: bool, quiet: bool
    ) -> None:
        conflict = self._conflict(image, hard=True, soft=not force)
        if conflict is not None:
            if quiet and (not self._dangling_for_delete(image.id) or conflict.used):
                return
            raise conflict
        for ref in self.references(image.id):
            del self._refs[ref]
            records.append({"Untagged": ref.familiar()})
            self._event("untag", image.id, image.id, image)
        del self._images[image.id]
        self._hex.discard(image.id.partition(":")[2])
        chains = chain_ids(image.diff_ids) if image.layers else []
        freed = [chain for layer, chain in zip(image.layers, chains, strict=True)
                 if self.layers.release(layer.diff_id)]  # fmt: skip
        self._event("delete", image.id, image.id, None)  # gone: no labels to copy
        records.append({"Deleted": image.id})
        records.extend({"Deleted": chain} for chain in reversed(freed))
        parent = self._images.get(image.parent) if image.parent else None
        if prune and parent is not None:
            self._delete_helper(parent, records, force=False, prune=True, quiet=True)

    # -- list and prune ----------------------------------------------------------------

    def _created_filter(self, filters: Mapping[str, list[str]], key: str) -> int | None:
        values = filters.get(key)
        if not values:
            return None
        return self.get(values[-1]).created_ns

    def list_images(
        self, *, all: bool = False, filters: Mapping[str, list[str]] | None = None
    ) -> list[tuple[Image, list[str], list[str]]]:
        """Images as ``GET /images/json`` lists them: (image, RepoTags, RepoDigests), newest first.

        An untagged image gets empty lists; the handler shapes that by API version.
        """
        filters = dict(filters or {})
        flt.validate_filters(filters, LIST_FILTERS)
        dangling_only = flt.get_bool(filters, "dangling", False)
        before = self._created_filter(filters, "before")
        since = self._created_filter(filters, "since")
        until = until_ns(filters, self.clock)
        out: list[tuple[Image, list[str], list[str]]] = []
        candidates = list(self._images.values())
        if dangling_only:
            candidates = [img for img in candidates if not self.children(img.id)]
        for image in candidates:
            if before is not None and image.created_ns >= before:
                continue
            if since is not None and image.created_ns <= since:
                continue
            if until is not None and image.created_ns >= until:
                continue
            if "label" in filters and not flt.match_kv_list(filters, "label", image.labels):
                continue
            tags: list[str] = []
            digests: list[str] = []
            for ref in self.references(image.id):
                if filters.get("reference") and not any(
                    _familiar_match(p, ref) for p in filters["reference"]
                ):
                    continue
                (digests if ref.digest else tags).append(ref.familiar())
            if not tags and not digests:
                if not (all or not self.children(image.id)):
                    continue
                if "dangling" in filters and not dangling_only:
                    continue
                if filters.get("reference"):
                    continue
            elif dangling_only and tags:
                continue
            out.append((image, tags, digests))
        out.sort(key=lambda entry: entry[0].created_ns, reverse=True)
        return out

    def prune(
        self, filters: Mapping[str, list[str]] | None = None
    ) -> tuple[list[dict[str, str]], int]:
        """ImagesPrune: dangling (or, with ``dangling=false``, all unused) images; space reclaimed."""
        filters = dict(filters or {})
        flt.validate_filters(filters, PRUNE_FILTERS)
        dangling_only = flt.get_bool(filters, "dangling", True)
        until = until_ns(filters, self.clock)
        records: list[dict[str, str]] = []
        reclaimed = 0
        tops = [img for img in self._images.values() if not self.children(img.id)]
        for image in tops:
            if image.id not in self._images or self.in_use_by(image.id):
                continue
            if until is not None and image.created_ns >= until:
                continue
            if "label" in filters and not flt.match_kv_list(filters, "label", image.labels):
                continue
            if filters.get("label!") and _labels_hit(filters["label!"], image.labels):
                continue
            refs = self.references(image.id)
            sizes = {layer.diff_id: layer.size for layer in image.layers}
            before = set(self.layers_in_use())
            targets: list[str]
            if refs:
                if dangling_only and any(r.tag for r in refs):
                    continue
                targets = [str(r) for r in refs]
            else:
                targets = [image.id[7:]]
            for target in targets:
                try:
                    records.extend(self.delete(target, force=False, prune=True))
                except (Conflict, NotFound):
                    continue
            freed = before - set(self.layers_in_use())
            reclaimed += sum(sizes.get(d, 0) for d in freed)
        self.events.publish("image", "prune", "", {"reclaimed": str(reclaimed)})
        return records, reclaimed

    def layers_in_use(self) -> Iterable[str]:
        return [d for d in {layer.diff_id for img in self._images.values() for layer in img.layers}]

    def shared_size(self, image: Image) -> int:
        """Bytes of the image's layers that other images use too (``SharedSize``)."""
        others = {
            layer.diff_id
            for img in self._images.values()
            if img is not image
            for layer in img.layers
        }
        return sum(layer.size for layer in image.layers if layer.diff_id in others)


class _DeleteConflict(Conflict):
    """imageDeleteConflict: ``conflict: unable to delete <short> (must be forced) - ...``."""

    def __init__(self, image: Image, hard: bool, message: str, *, used: bool = False) -> None:
        how = "cannot be forced" if hard else "must be forced"
        super().__init__(f"conflict: unable to delete {image.short_id} ({how}) - {message}")
        self.used = used


def _labels_hit(values: list[str], labels: Mapping[str, str]) -> bool:
    """Whether any of ``label!`` values matches (then the image is kept)."""
    for value in values:
        key, sep, wanted = value.partition("=")
        if key in labels and (not sep or labels[key] == wanted):
            return True
    return False


def format_time_ns(ns: int) -> str:
    """LastTagTime and the like: RFC 3339 with nanoseconds, or Go's zero time."""
    return rfc3339_nano(ns) if ns else ZERO_TIME


def images_of(engine: Any) -> ImageStore:
    """``engine.images``, made on first use while ``Engine`` does not build it itself.

    Shares ``engine.layers`` (the fs LayerStore) when the engine has one.
    """
    store = getattr(engine, "images", None)
    if not isinstance(store, ImageStore):
        store = ImageStore(engine.clock, engine.events, getattr(engine, "layers", None))
        engine.images = store
    return store
