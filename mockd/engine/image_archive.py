"""``docker save`` and ``docker load``: the image archive formats.

Save writes the format dockerd 20.10 writes (moby ``image/tarexport``):
``<v1-id>/{VERSION,json,layer.tar}`` per layer, ``<config-hex>.json``,
``manifest.json`` (``[{Config, RepoTags, Layers}]``) and ``repositories``,
streamed entry by entry.  Load reads that format and the OCI image layout
(``index.json`` + ``blobs/sha256/``) that newer engines write; everything is
parsed and checked (safe paths, limits, each layer's diff_id against the
config) before anything is stored, so a refused archive changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from mockd.engine.image_import import go_config
from mockd.engine.images import Image, ImageStore
from mockd.engine.references import Reference, parse_any, parse_normalized
from mockd.errors import InvalidParameter, NotFound
from mockd.filter_time import parse_rfc3339_ns
from mockd.fs import paths
from mockd.fs.errors import TarSafetyError
from mockd.fs.layer import Layer, chain_id
from mockd.fs.nodes import Node
from mockd.fs.tarread import (
    StagedEntry,
    TarLimits,
    layer_from_tar,
    limits_in_effect,
    read_entries,
)
from mockd.fs.tarwrite import iter_tar

EPOCH = "1970-01-01T00:00:00Z"
_V1_KEYS = ("parent", "comment", "created", "container", "container_config", "docker_version",
            "author", "config", "architecture", "variant", "os")  # fmt: skip


def _go_json(obj: Any) -> bytes:
    """Compact JSON with Go's HTML escaping (what moby hashes for v1 IDs)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def v1_layer_json(image: Image, index: int, parent: str) -> dict[str, Any]:
    """The legacy ``json`` of layer ``index`` (moby's saveImage): the image's own v1 fields
    on the top layer, a 1970 placeholder below; its ``id`` is moby's ``v1.CreateID``."""
    if index == len(image.layers) - 1:
        v1 = {k: image.config[k] for k in _V1_KEYS if k != "parent" and image.config.get(k)}
        v1.setdefault("created", EPOCH)
        v1.setdefault("container_config", go_config({}))
    else:
        v1 = {"created": EPOCH, "container_config": go_config({})}
    if parent:
        v1["parent"] = parent
    hashed = dict(v1)
    hashed["layer_id"] = chain_id(image.diff_ids[: index + 1])
    if parent:
        hashed["parent"] = "sha256:" + parent
    v1_id = hashlib.sha256(_go_json(dict(sorted(hashed.items())))).hexdigest()
    return {"id": v1_id, **{k: v1[k] for k in _V1_KEYS if k in v1}}


@dataclass
class SaveItem:
    image: Image
    tags: list[Reference]  # the tags the archive records for it (RepoTags)


def plan_save(store: ImageStore, names: Sequence[str]) -> list[SaveItem]:
    """Which images and tags a save of ``names`` writes (moby's ``parseNames``).

    A tag names itself; a repository name every tag of it; an ID no tag.
    Unknown names are 404 before anything streams.
    """
    items: dict[str, SaveItem] = {}
    for name in names:
        parsed = parse_any(name)
        if isinstance(parsed, Reference) and parsed.is_name_only:
            tagged = [r for r in _all_refs(store) if r.name == parsed.name and r.tag]
            if tagged:
                for ref in tagged:
                    item = items.setdefault(
                        store.get(str(ref)).id, SaveItem(store.get(str(ref)), [])
                    )
                    if ref not in item.tags:
                        item.tags.append(ref)
                continue
        try:
            image = store.get(name)
        except NotFound:
            raise NotFound(f"No such image: {name}") from None  # the name as given
        item = items.setdefault(image.id, SaveItem(image, []))
        if isinstance(parsed, Reference) and parsed.tag and not image.id.endswith(name):
            ref = parsed.with_default_tag()
            if ref not in item.tags:
                item.tags.append(ref)
    return list(items.values())


def _all_refs(store: ImageStore) -> list[Reference]:
    return [ref for image in store.all() for ref in store.references(image.id)]


def _file(data: bytes, mtime: float, mode: int = 0o644) -> Node:
    return Node(kind="file", mode=mode, data=data, mtime=mtime)


def save_stream(store: ImageStore, items: Sequence[SaveItem]) -> Iterator[bytes]:
    """The archive, streamed; entries sorted by name as dockerd's tar of its temp dir."""
    files: dict[str, Node] = {}  # small files, written at once
    layer_dirs: dict[str, tuple[Layer, float, bytes]] = {}  # v1 id -> (layer, mtime, json)
    manifest: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    for item in items:
        image = item.image
        created = parse_rfc3339_ns(image.created) / 1e9 if image.created_ns else 0.0
        parent = ""
        layer_names = []
        for index, layer in enumerate(image.layers):
            v1 = v1_layer_json(image, index, parent)
            layer_dirs.setdefault(v1["id"], (layer, created, _go_json(v1)))
            layer_names.append(f"{v1['id']}/layer.tar")
            parent = v1["id"]
        files[f"{image.id[7:]}.json"] = _file(image.config_bytes, created)
        manifest.append({"Config": f"{image.id[7:]}.json",
                         "RepoTags": [r.familiar() for r in item.tags] or None,
                         "Layers": layer_names})  # fmt: skip
        for ref in item.tags:
            if parent:
                repositories.setdefault(ref.familiar_name, {})[ref.tag] = parent
        store.events.publish("image", "save", image.id, {**image.labels, "name": image.id})
    files["manifest.json"] = _file(_go_json(manifest) + b"\n", 0.0)
    if repositories:
        files["repositories"] = _file(_go_json(repositories) + b"\n", 0.0)

    def entries() -> Iterator[tuple[str, Node]]:
        # iter_tar spots hardlinks by id(node): every node stays alive until the end, so
        # no id is reused, but a layer's bytes are dropped once they have been written.
        keep: list[Node] = []
        for name in sorted([*files, *layer_dirs]):
            if name in files:
                keep.append(files[name])
                yield name, files[name]
                continue
            layer, mtime, v1_json = layer_dirs[name]
            keep.append(Node(kind="dir", mode=0o755, mtime=mtime))
            yield name, keep[-1]
            keep.append(_file(b"1.0", mtime))
            yield f"{name}/VERSION", keep[-1]
            keep.append(_file(v1_json, mtime))
            yield f"{name}/json", keep[-1]
            keep.append(_file(layer.tar_bytes(), mtime))  # read only when the stream gets here
            yield f"{name}/layer.tar", keep[-1]
            keep[-1].data = b""

    return iter_tar(entries(), layer_markers=False)


# -- load ---------------------------------------------------------------------------


@dataclass
class LoadedImage:
    config_bytes: bytes
    layers: list[Layer]
    tags: list[Reference]


class _Archive:
    """The validated entries of an archive, by cleaned path (symlinks followed)."""

    def __init__(self, entries: list[StagedEntry]) -> None:
        self._entries = {e.path: e for e in entries if not e.whiteout and not e.opaque}

    def read(self, name: str) -> bytes:
        path = paths.clean("/" + name).lstrip("/")
        for _ in range(8):
            entry = self._entries.get(path)
            if entry is None:  # dockerd's words, without its temporary directory
                raise InvalidParameter(f"open {name}: no such file or directory")
            if entry.link_to:
                path = entry.link_to
                continue
            if entry.node.kind == "symlink":  # newer engines link layer.tar to blobs/
                base = paths.parent_of("/" + path)
                target = entry.node.target
                path = paths.clean(target if target.startswith("/") else f"{base}/{target}")
                path = path.lstrip("/")
                continue
            if entry.node.kind != "file":
                raise InvalidParameter(f"invalid archive: {name} is not a file")
            return entry.node.data
        raise InvalidParameter(f"invalid archive: too many links at {name}")

    def has(self, name: str) -> bool:
        return name in self._entries

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.read(name))
        except ValueError as exc:
            raise InvalidParameter(f"invalid archive: {name}: {exc}") from None


def _layer(data: bytes, limits: TarLimits) -> Layer:
    try:
        return layer_from_tar(io.BytesIO(data), limits)
    except TarSafetyError as exc:
        raise InvalidParameter(f"invalid layer in archive: {exc}") from None


def _checked(config_bytes: bytes, layers: list[Layer]) -> None:
    """Each layer must be the one the config names (moby: ``invalid diffID``)."""
    try:
        config = json.loads(config_bytes)
        diff_ids = list(config["rootfs"]["diff_ids"])
    except (ValueError, KeyError, TypeError):
        raise InvalidParameter("invalid image config in archive") from None
    if len(diff_ids) != len(layers):
        raise InvalidParameter(
            f"invalid manifest, layers length mismatch: expected {len(diff_ids)}, got {len(layers)}"
        )
    for index, (want, layer) in enumerate(zip(diff_ids, layers, strict=True)):
        if layer.diff_id != want:
            raise InvalidParameter(
                f'invalid diffID for layer {index}: expected "{want}", got "{layer.diff_id}"'
            )


def _docker_format(archive: _Archive, limits: TarLimits) -> list[LoadedImage]:
    manifest = archive.json("manifest.json")
    if not isinstance(manifest, list):
        raise InvalidParameter("invalid archive: manifest.json is not a list")
    out = []
    for entry in manifest:
        if not isinstance(entry, dict):
            raise InvalidParameter("invalid archive: bad manifest entry")
        config_bytes = archive.read(str(entry.get("Config") or ""))
        layers = [_layer(archive.read(str(name)), limits) for name in entry.get("Layers") or []]
        _checked(config_bytes, layers)
        tags = [parse_normalized(str(t)).with_default_tag() for t in entry.get("RepoTags") or []]
        out.append(LoadedImage(config_bytes, layers, tags))
    return out


def _blob(archive: _Archive, digest: str) -> bytes:
    algorithm, _, hex_part = str(digest).partition(":")
    data = archive.read(f"blobs/{algorithm}/{hex_part}")
    if algorithm == "sha256" and hashlib.sha256(data).hexdigest() != hex_part:
        raise InvalidParameter(f"invalid archive: blob {digest} does not match its digest")
    return data


def _oci_manifests(
    archive: _Archive, index: Any, name: str, depth: int = 0
) -> Iterator[tuple[dict[str, Any], str]]:
    """Image manifests under an OCI index (nested indexes followed), with their ref name."""
    if depth > 4 or not isinstance(index, dict):
        return
    for desc in index.get("manifests") or []:
        annotations = desc.get("annotations") or {}
        ref = str(annotations.get("io.containerd.image.name") or name or "")
        doc = json.loads(_blob(archive, desc["digest"]))
        if "manifests" in doc:
            yield from _oci_manifests(archive, doc, ref, depth + 1)
        elif "layers" in doc:
            yield doc, ref


def _oci_layout(archive: _Archive, limits: TarLimits) -> list[LoadedImage]:
    out = []
    for manifest, ref in _oci_manifests(archive, archive.json("index.json"), ""):
        config_bytes = _blob(archive, manifest["config"]["digest"])
        layers = [_layer(_blob(archive, d["digest"]), limits) for d in manifest["layers"]]
        _checked(config_bytes, layers)
        tags = [parse_normalized(ref).with_default_tag()] if ref else []
        out.append(LoadedImage(config_bytes, layers, tags))
    return out


def read_archive(stream: IO[bytes], limits: TarLimits | None = None) -> list[LoadedImage]:
    """Parse and check a whole ``docker save`` / OCI archive; 400 for anything wrong.

    The archive and each layer in it are held to ``limits`` (default: the daemon's).
    """
    limits = limits if limits is not None else limits_in_effect()
    try:
        entries = [] if _empty(stream) else read_entries(stream, limits, whiteouts=False)[0]
    except TarSafetyError as exc:
        raise InvalidParameter(exc.untar_message()) from None
    archive = _Archive(entries)
    try:
        if archive.has("manifest.json"):
            return _docker_format(archive, limits)
        if archive.has("index.json"):
            return _oci_layout(archive, limits)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InvalidParameter):
            raise
        raise InvalidParameter(f"invalid archive: {exc}") from None
    # dockerd falls back to the legacy format, whose index is ``repositories``.
    raise InvalidParameter("open repositories: no such file or directory")


def _empty(stream: IO[bytes]) -> bool:
    """An empty body is an archive with nothing in it, for Go's tar reader as for dockerd."""
    if not stream.seekable():
        return False
    start = stream.tell()
    empty = not stream.read(1)
    stream.seek(start)
    return empty


def store_loaded(store: ImageStore, loaded: Sequence[LoadedImage]) -> Iterator[str]:
    """Add checked images and their tags; yields dockerd's load messages."""
    for item in loaded:
        image = store.add(item.config_bytes, item.layers)
        for ref in item.tags:
            previous = store.references(image.id)
            old = _current(store, ref)
            if old is not None and old != image.id:
                yield (f"The image {ref.familiar()} already exists, renaming the old one with "
                       f"ID {old} to empty string")  # fmt: skip
            if ref not in previous:
                store.add_reference(image, ref)
        store.events.publish("image", "load", image.id, {**image.labels, "name": image.id})
        if item.tags:
            for ref in item.tags:
                yield f"Loaded image: {ref.familiar()}"
        else:
            yield f"Loaded image ID: {image.id}"


def _current(store: ImageStore, ref: Reference) -> str | None:
    try:
        return store.get(str(ref)).id if ref in _all_refs(store) else None
    except NotFound:
        return None
