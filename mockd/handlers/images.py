"""Handlers for the Image tag: list, inspect, history, tag, delete, prune, create (pull).

Pulls come from the built-in catalogue (``mockd.catalog``) only, for now.
Reply shapes follow dockerd per API version: ``VirtualSize`` below 1.44,
``<none>:<none>`` for untagged images below 1.43, ``Container`` and
``ContainerConfig`` below 1.45, the legacy full ``Config`` below 1.50, empty
``Parent``/``Comment``/``DockerVersion``/``Author`` omitted from 1.52.  Fields
that the generated models (API 1.55) no longer carry are added by name here.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec

from mockd import catalog
from mockd.engine.images import (
    Image,
    ImageStore,
    format_time_ns,
    images_of,
)
from mockd.engine.references import DEFAULT_DOMAIN, DIGEST_RE, Reference, parse_normalized
from mockd.errors import InvalidParameter, NotFound, NotImplementedError_
from mockd.filter_time import parse_rfc3339_ns
from mockd.handlers._params import filters, flag, param, text
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, Response, StreamResponse, json_response
from mockd.progress import progress_message, status_message

if TYPE_CHECKING:
    from mockd.engine import Engine

# container.Config as dockerd <1.50 writes an image's Config: every key, zero values included.
_LEGACY_CONFIG: dict[str, Any] = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False,
    "AttachStdout": False, "AttachStderr": False, "Tty": False, "OpenStdin": False,
    "StdinOnce": False, "Env": None, "Cmd": None, "Image": "", "Volumes": None,
    "WorkingDir": "", "Entrypoint": None, "OnBuild": None, "Labels": None,
}  # fmt: skip
_LEGACY_ONLY = ("Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr",
                "Tty", "OpenStdin", "StdinOnce", "Image")  # fmt: skip


def _store(engine: Engine) -> ImageStore:
    return images_of(engine)


# -- shapes ----------------------------------------------------------------------


def _config(req: Request, image: Image) -> dict[str, Any]:
    cfg = dict(image.container_config)
    if not req.version_at_least(1, 50):
        return {**_LEGACY_CONFIG, **cfg}
    return {k: v for k, v in cfg.items() if k not in _LEGACY_ONLY and v not in (None, "", [], {})}


def _graph_driver(image: Image) -> dict[str, Any]:
    # overlay2 names each layer's directory by a random id; a hash of the stack is stable.
    def layer_dir(depth: int) -> str:
        key = " ".join(image.diff_ids[: depth + 1]).encode()
        return f"/var/lib/docker/overlay2/{hashlib.sha256(key).hexdigest()}"

    top = layer_dir(len(image.layers) - 1) if image.layers else layer_dir(0)
    data = {"MergedDir": f"{top}/merged", "UpperDir": f"{top}/diff", "WorkDir": f"{top}/work"}
    if len(image.layers) > 1:
        lowers = [f"{layer_dir(i)}/diff" for i in reversed(range(len(image.layers) - 1))]
        data = {"LowerDir": ":".join(lowers), **data}
    return {"Data": data, "Name": "overlay2"}


def inspect_shape(req: Request, store: ImageStore, image: Image) -> dict[str, Any]:
    """``GET /images/{name}/json`` for the request's API version."""
    cfg = image.config
    out: dict[str, Any] = {
        "Id": image.id,
        "RepoTags": store.repo_tags(image.id),
        "RepoDigests": store.repo_digests(image.id),
        "Parent": image.parent,
        "Comment": str(cfg.get("comment") or ""),
        "Created": image.created,
    }
    if not req.version_at_least(1, 45):
        out["Container"] = str(cfg.get("container") or "")
        out["ContainerConfig"] = {**_LEGACY_CONFIG, **(cfg.get("container_config") or {})}
    out["DockerVersion"] = str(cfg.get("docker_version") or "")
    out["Author"] = str(cfg.get("author") or "")
    out["Config"] = _config(req, image)
    out["Architecture"] = str(cfg.get("architecture") or "")
    if cfg.get("variant"):
        out["Variant"] = cfg["variant"]
    out["Os"] = str(cfg.get("os") or "")
    out["Size"] = image.size
    if not req.version_at_least(1, 44):
        out["VirtualSize"] = image.size
    out["GraphDriver"] = _graph_driver(image)
    out["RootFS"] = {"Type": "layers", "Layers": image.diff_ids}
    out["Metadata"] = {"LastTagTime": format_time_ns(image.last_tag_time_ns)}
    if req.version_at_least(1, 52):
        for key in ("Parent", "Comment", "DockerVersion", "Author"):
            if not out[key]:
                del out[key]
    return out


def _summary(
    req: Request, store: ImageStore, image: Image, tags: list[str], digests: list[str], shared: bool
) -> dict[str, Any]:
    repo_tags: list[str] | None = tags
    repo_digests: list[str] | None = digests
    if not req.version_at_least(1, 43):
        if not tags and not digests:
            repo_tags, repo_digests = ["<none>:<none>"], ["<none>@<none>"]
        repo_tags, repo_digests = repo_tags or None, repo_digests or None
    containers = len(store.in_use_by(image.id)) if req.version_at_least(1, 51) else -1
    labels = image.labels
    out: dict[str, Any] = {
        "Containers": containers,
        "Created": image.created_ns // 1_000_000_000,
        "Id": image.id,
        "Labels": labels or None,
        "ParentId": image.parent,
        "RepoDigests": repo_digests,
        "RepoTags": repo_tags,
        "SharedSize": store.shared_size(image) if shared else -1,
        "Size": image.size,
    }
    if not req.version_at_least(1, 44):
        out["VirtualSize"] = image.size
    return out


def _history(store: ImageStore, image: Image) -> list[dict[str, Any]]:
    """ImageHistory: the config's history, newest first; layers sized in order."""
    entries: list[dict[str, Any]] = []
    layer_index = 0
    for item in image.history:
        size = 0
        if not item.get("empty_layer"):
            if layer_index < len(image.layers):
                size = image.layers[layer_index].size
            layer_index += 1
        created = str(item.get("created") or "")
        entries.insert(
            0,
            {
                "Comment": str(item.get("comment") or ""),
                "Created": parse_rfc3339_ns(created) // 1_000_000_000,
                "CreatedBy": str(item.get("created_by") or ""),
                "Id": "<missing>",
                "Size": size,
                "Tags": None,
            },
        )
    if not entries:
        entries.append(
            {"Comment": "", "Created": image.created_ns // 1_000_000_000, "CreatedBy": "",
             "Id": "<missing>", "Size": image.size, "Tags": None}
        )  # fmt: skip
    # The newest entry is the image itself; older ones are its local parents, if any.
    current: Image | None = image
    for entry in entries:
        if current is None:
            break
        entry["Id"] = current.id
        entry["Tags"] = store.repo_tags(current.id) or None
        current = store.get_by_id(current.parent) if current.parent else None
    return entries


# -- handlers ----------------------------------------------------------------------


@operation("ImageList")
async def image_list(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    listed = store.list_images(all=flag(req, "all"), filters=filters(req))
    shared = req.version_at_least(1, 42) and flag(req, "shared-size")
    return json_response([_summary(req, store, *entry, shared) for entry in listed])


@operation("ImageInspect")
async def image_inspect(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    name = req.path_params["name"]
    try:
        image = store.get(name)
    except NotFound as exc:
        # dockerd (LookupImage) wraps the lookup error with the name asked for.
        raise NotFound(f"no such image: {name}: {exc.message}") from None
    return json_response(inspect_shape(req, store, image))


@operation("ImageHistory")
async def image_history(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    image = store.get(req.path_params["name"])
    return json_response(_history(store, image))


@operation("ImageTag")
async def image_tag(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    store.tag(req.path_params["name"], text(req, "repo"), text(req, "tag"))
    return Response(status=201, body=b"", content_type=None)


@operation("ImageDelete")
async def image_delete(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    records = store.delete(
        req.path_params["name"], force=flag(req, "force"), prune=not flag(req, "noprune")
    )
    return json_response(records)


@operation("ImagePrune")
async def image_prune(req: Request, engine: Engine) -> Reply:
    store = _store(engine)
    records, reclaimed = store.prune(filters(req))
    return json_response({"ImagesDeleted": records or None, "SpaceReclaimed": reclaimed})


# -- pull ----------------------------------------------------------------------------


def pull_reference(from_image: str, tag: str) -> Reference:
    """The reference ``POST /images/create`` pulls: ``fromImage`` with ``tag`` (a tag or digest)."""
    ref = parse_normalized(from_image)
    if tag:
        ref = ref.with_digest(tag) if DIGEST_RE.match(tag) else ref.repository().with_tag(tag)
    return ref


def _missing_repository(ref: Reference) -> NotFound:
    return NotFound(
        f"pull access denied for {ref.familiar_name}, repository does not exist or may "
        "require 'docker login': denied: requested access to the resource is denied"
    )


def plan_pull(ref: Reference) -> list[tuple[Reference, catalog.CatalogImage]]:
    """What a pull of ``ref`` fetches; raises dockerd's errors before anything streams."""
    if ref.domain != DEFAULT_DOMAIN:
        raise NotImplementedError_(
            f"pulling from {ref.domain} is not implemented by mockd yet: "
            "only the built-in catalogue (docker.io) can be pulled"
        )
    tags = catalog.tags_of(ref.name)
    if not tags:
        raise _missing_repository(ref)
    if ref.is_name_only:  # no tag: every tag of the repository, as ``docker pull -a``
        return [(ref.with_tag(t), catalog.load(ref.name)) for t in tags]
    found = catalog.find(ref)
    if found is None:
        raise NotFound(
            f"manifest for {ref.familiar()} not found: manifest unknown: manifest unknown"
        )
    return [(ref, found)]


def _line(obj: dict[str, Any]) -> bytes:
    return msgspec.json.encode(obj) + b"\r\n"


async def _pull_stream(
    store: ImageStore, plan: list[tuple[Reference, catalog.CatalogImage]], single: bool
) -> AsyncIterator[bytes]:
    for ref, item in plan:
        repo_path = ref.path if ref.domain == DEFAULT_DOMAIN else ref.name
        label = ref.tag or ref.digest
        yield _line({"status": f"Pulling from {repo_path}", "id": label})
        known = store.get_by_id("sha256:" + hashlib.sha256(item.config_bytes).hexdigest())
        if known is None:
            for layer in item.layers:
                lid = layer.diff_id[7:19]
                if layer.diff_id in store.layers:
                    yield _line(status_message("Already exists", lid))
                    continue
                total = len(layer.tar_bytes())
                yield _line(status_message("Pulling fs layer", lid))
                yield _line(progress_message("Downloading", lid, total, total))
                yield _line(status_message("Verifying Checksum", lid))
                yield _line(status_message("Download complete", lid))
                yield _line(progress_message("Extracting", lid, total, total))
                yield _line(status_message("Pull complete", lid))
        image = store.add(item.config_bytes, item.layers)
        tagged_before = ref.with_default_tag() in store.references(image.id)
        store.record_pull(image, ref)
        store.add_reference(image, ref.repository().with_digest(item.digest))
        yield _line({"status": f"Digest: {item.digest}"})
        fresh = not tagged_before  # dockerd: the tag moved (or is new)
        if single:
            word = "Downloaded newer image" if fresh else "Image is up to date"
            yield _line({"status": f"Status: {word} for {ref.familiar()}"})
    if not single:
        name = plan[0][0].familiar_name
        yield _line({"status": f"Status: Downloaded newer image for {name}"})


@operation("ImageCreate")
async def image_create(req: Request, engine: Engine) -> Reply:
    from mockd.handlers.image_transfer import image_create_transfer  # import, registry pulls

    transfer = await image_create_transfer(req, engine)
    if transfer is not None:
        return transfer
    store = _store(engine)
    from_image = text(req, "fromImage")
    if not from_image:
        if param(req, "fromSrc"):
            raise NotImplementedError_("importing images (fromSrc) is not implemented by mockd yet")
        raise InvalidParameter("image name must be given (fromImage)")
    plan = plan_pull(pull_reference(from_image, text(req, "tag")))
    return StreamResponse(_pull_stream(store, plan, single=len(plan) == 1))
