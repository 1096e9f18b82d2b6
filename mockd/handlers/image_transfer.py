"""Handlers that move images in and out: save, load, import, commit, registry pull/push.

Thin: the formats live in ``mockd.engine.image_archive`` / ``image_import`` /
``commit``, the registry protocol in ``mockd.registry_client`` (blocking, so
it runs in a thread while its progress is streamed from here).  Every check
that can fail before output starts does, so errors get dockerd's status codes;
later ones arrive in the stream as ``{"errorDetail": ..., "error": ...}``.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from mockd import catalog
from mockd.engine.commit import commit_container
from mockd.engine.image_archive import plan_save, read_archive, save_stream, store_loaded
from mockd.engine.image_import import change_lines, import_image
from mockd.engine.images import Image, ImageStore, images_of
from mockd.engine.platforms import host_arch, parse_platform
from mockd.engine.references import DEFAULT_DOMAIN, Reference, parse_normalized
from mockd.errors import DaemonError, InvalidParameter, NotFound, NotImplementedError_
from mockd.handlers._params import flag, text
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, Response, StreamResponse, json_response
from mockd.progress import progress_message
from mockd.registry_client import (
    AuthConfig,
    Emit,
    RegistryClient,
    Resolved,
    metadata_of,
)

if TYPE_CHECKING:
    from mockd.engine import Engine

TAR_TYPE = "application/x-tar"
T = TypeVar("T")


def _line(obj: dict[str, Any]) -> bytes:
    return msgspec.json.encode(obj) + b"\r\n"


def _error_line(message: str) -> bytes:
    return _line({"errorDetail": {"message": message}, "error": message})


async def _chunks(source: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in source:
        yield chunk
        await asyncio.sleep(0)  # let other connections run between chunks


async def _in_thread(
    work: Callable[[Callable[[dict[str, Any]], None]], T], result: list[T]
) -> AsyncIterator[bytes]:
    """Run ``work(emit)`` in a thread, yielding what it emits as it comes; its return
    value is appended to ``result``.  Exceptions propagate after the messages before them."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def emit(message: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, message)

    def run() -> T:
        try:
            return work(emit)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    task = asyncio.ensure_future(asyncio.to_thread(run))
    while (message := await queue.get()) is not None:
        yield _line(message)
    result.append(await task)


def _client(req: Request, engine: Engine, ref: Reference) -> RegistryClient:
    auth = AuthConfig.from_header(req.headers.get("x-registry-auth"))
    insecure = tuple(getattr(engine.system, "insecure_registries", ()) or ())
    return RegistryClient(ref, auth, insecure_registries=insecure, metadata=metadata_of(engine))


def _platform(req: Request) -> tuple[str, str, str]:
    platform = text(req, "platform")
    if not platform:
        return "linux", host_arch(), ""
    parsed = parse_platform(platform)  # dockerd's 400 for one it cannot read
    return parsed.os, parsed.architecture, parsed.variant


# -- save and load ----------------------------------------------------------------------


@operation("ImageGet")
async def image_get(req: Request, engine: Engine) -> Reply:
    store = images_of(engine)
    items = plan_save(store, [req.path_params["name"]])
    return StreamResponse(_chunks(save_stream(store, items)), content_type=TAR_TYPE)


@operation("ImageGetAll")
async def image_get_all(req: Request, engine: Engine) -> Reply:
    store = images_of(engine)
    names = [n for value in req.query.get("names") or [] for n in value.split(",") if n]
    items = plan_save(store, names)
    return StreamResponse(_chunks(save_stream(store, items)), content_type=TAR_TYPE)


@operation("ImageLoad")
async def image_load(req: Request, engine: Engine) -> Reply:
    store = images_of(engine)
    try:
        loaded = read_archive(io.BytesIO(req.body))  # everything checked before any change
    except DaemonError as exc:
        # dockerd sends its 200 before it reads the archive: the error is a line in the stream
        return Response(body=_error_line(exc.message))
    quiet = flag(req, "quiet")
    lines: list[bytes] = []
    if not quiet:
        for item in loaded:
            for layer in item.layers:
                if layer.diff_id in store.layers:
                    continue
                size = len(layer.tar_bytes())
                lines.append(
                    _line(progress_message("Loading layer", layer.diff_id[7:19], size, size))
                )
    lines.extend(_line({"stream": text + "\n"}) for text in store_loaded(store, loaded))
    return Response(body=b"".join(lines))


# -- import (ImageCreate with fromSrc) and registry pulls: called from handlers/images.py -----


async def image_create_transfer(req: Request, engine: Engine) -> Reply | None:
    """``POST /images/create`` for an import (``fromSrc``) or a registry pull; ``None`` for
    the built-in catalogue (docker.io), which ``handlers.images`` serves itself."""
    from mockd.handlers.images import pull_reference

    from_image = text(req, "fromImage")
    if not from_image:
        source = text(req, "fromSrc")
        if not source:
            return None
        return _import(req, engine, source)
    ref = pull_reference(from_image, text(req, "tag"))
    if ref.domain == DEFAULT_DOMAIN:
        return None
    if ref.is_name_only:  # no tag, no digest: every tag, as dockerd's pullV2Repository
        return await _registry_pull_all(req, engine, ref)
    return await _registry_pull(req, engine, ref)


def _import(req: Request, engine: Engine, source: str) -> Reply:
    if source != "-":
        raise NotImplementedError_(
            "importing from a URL is not supported by mockd (no network): send the tar as the body"
        )
    image = import_image(
        images_of(engine),
        io.BytesIO(req.body),
        repo=text(req, "repo"),
        tag=text(req, "tag"),
        message=text(req, "message"),
        changes=change_lines(req.query.get("changes")),
    )
    return Response(body=_line({"status": image.id}))


async def _registry_pull(req: Request, engine: Engine, ref: Reference) -> Reply:
    store = images_of(engine)
    client = _client(req, engine, ref)
    try:
        resolved = await asyncio.to_thread(client.resolve, _platform(req))
    except BaseException:
        client.close()
        raise
    return StreamResponse(_pull_stream(store, client, ref, [ref], _platform(req), first=resolved))


async def _registry_pull_all(req: Request, engine: Engine, ref: Reference) -> Reply:
    """Every tag the registry lists; an unknown repository is dockerd's 404 before output."""
    client = _client(req, engine, ref)
    try:
        tags = await asyncio.to_thread(client.tags)
    except BaseException:
        client.close()
        raise
    refs = [ref.with_tag(tag) for tag in tags]
    return StreamResponse(_pull_stream(images_of(engine), client, ref, refs, _platform(req)))


async def _pull_one(
    store: ImageStore, client: RegistryClient, ref: Reference, resolved: Resolved
) -> AsyncIterator[bytes | bool]:
    """One reference's lines (``Pulling from`` to ``Digest:``); the last item says whether
    the pull changed anything (new layers, or a tag that moved), as dockerd's ``pulledNew``."""
    yield _line({"status": f"Pulling from {ref.path}", "id": ref.tag or ref.digest})
    config_id = str(resolved.manifest["config"]["digest"])
    image = store.get_by_id(config_id)
    if image is None:
        pulled: list[Any] = []

        def have(diff_id: str) -> Any:
            return store.layers.get(diff_id)

        async for line in _in_thread(lambda emit: client.pull(resolved, have, emit), pulled):
            yield line
        image = store.add(pulled[0].config_bytes, pulled[0].layers)
    tagged_before = ref.digest == "" and ref in store.references(image.id)
    store.record_pull(image, ref)
    store.add_reference(image, ref.repository().with_digest(resolved.digest))
    yield _line({"status": f"Digest: {resolved.digest}"})
    yield not tagged_before


async def _pull_stream(
    store: ImageStore,
    client: RegistryClient,
    shown: Reference,
    refs: list[Reference],
    platform: tuple[str, str, str],
    first: Resolved | None = None,
) -> AsyncIterator[bytes]:
    """Each reference in turn (one, or every tag of a repository), then one ``Status:``
    line for ``shown``.  ``first`` is the first reference already resolved (a single
    pull resolves before answering, so that its errors are a status, not a line)."""
    try:
        fresh = False
        for ref in refs:
            client.ref = ref
            resolved = first if first is not None and ref is refs[0] else None
            if resolved is None:
                resolved = await asyncio.to_thread(client.resolve, platform)
            async for item in _pull_one(store, client, ref, resolved):
                if isinstance(item, bool):
                    fresh = fresh or item
                else:
                    yield item
        word = "Downloaded newer image" if fresh else "Image is up to date"
        yield _line({"status": f"Status: {word} for {shown.familiar()}"})
    except DaemonError as exc:
        yield _error_line(exc.message)
    finally:
        client.close()


# -- push -----------------------------------------------------------------------------------


@operation("ImagePush")
async def image_push(req: Request, engine: Engine) -> Reply:
    store = images_of(engine)
    ref = parse_normalized(req.path_params["name"])
    tag = text(req, "tag")
    if tag:
        ref = ref.repository().with_tag(tag)
    if ref.domain == DEFAULT_DOMAIN:
        raise NotImplementedError_(
            "pushing to docker.io is not supported by mockd (no network): push to a "
            "registry on loopback, such as 127.0.0.1:5000/name"
        )
    if ref.tag:
        targets = [ref]
    else:
        targets = sorted(
            {r for image in store.all() for r in store.references(image.id)
             if r.name == ref.name and r.tag},
            key=lambda r: r.tag,
        )  # fmt: skip
    if not targets:
        raise NotFound(f"An image does not exist locally with the tag: {ref.familiar_name}")
    images = [store.get(str(target)) for target in targets]
    client = _client(req, engine, ref)
    return StreamResponse(_push_stream(store, client, ref, list(zip(targets, images, strict=True))))


def _push_one(client: RegistryClient, image: Image, emit: Emit) -> tuple[str, int]:
    return client.push(image.config_bytes, image.layers, emit)


async def _push_stream(
    store: ImageStore,
    client: RegistryClient,
    ref: Reference,
    targets: list[tuple[Reference, Image]],
) -> AsyncIterator[bytes]:
    try:
        yield _line({"status": f"The push refers to repository [{ref.familiar_name}]"})
        for target, image in targets:
            client.ref = target
            result: list[tuple[str, int]] = []
            async for line in _in_thread(functools.partial(_push_one, client, image), result):
                yield line
            digest, size = result[0]
            store.add_reference(image, target.repository().with_digest(digest))
            store.events.publish(
                "image", "push", target.familiar(), {"name": target.familiar_name}
            )
            yield _line({"status": f"{target.tag}: digest: {digest} size: {size}"})
            yield _line({"progressDetail": {},
                         "aux": {"Tag": target.tag, "Digest": digest, "Size": size}})  # fmt: skip
    except DaemonError as exc:
        yield _error_line(exc.message)
    finally:
        client.close()


# -- commit and distribution inspect ---------------------------------------------------------


@operation("ImageCommit")
async def image_commit(req: Request, engine: Engine) -> Reply:
    conf = req.json if isinstance(req.json, dict) else None
    if conf is None and req.body.strip():
        try:
            decoded = msgspec.json.decode(req.body)
        except msgspec.DecodeError:
            raise InvalidParameter("invalid JSON in the container config") from None
        conf = decoded if isinstance(decoded, dict) else None
    image = commit_container(
        engine,
        text(req, "container"),
        repo=text(req, "repo"),
        tag=text(req, "tag"),
        comment=text(req, "comment"),
        author=text(req, "author"),
        pause=flag(req, "pause", default=True),
        changes=change_lines(req.query.get("changes")),
        conf=conf,
    )
    return json_response({"Id": image.id}, status=201)


@operation("DistributionInspect")
async def distribution_inspect(req: Request, engine: Engine) -> Reply:
    ref = parse_normalized(req.path_params["name"])
    ref = ref if ref.digest else ref.with_default_tag()
    if ref.domain == DEFAULT_DOMAIN:
        item = catalog.find(ref)
        if item is None:
            raise NotFound(
                "errors:\ndenied: requested access to the resource is denied\n"
                "unauthorized: authentication required\n"
            )
        descriptor = {"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                      "digest": item.digest, "size": len(item.manifest_bytes)}  # fmt: skip
        return json_response(
            {"Descriptor": descriptor,
             "Platforms": [{"architecture": host_arch(), "os": "linux"}]}
        )  # fmt: skip
    client = _client(req, engine, ref)
    try:
        resolved = await asyncio.to_thread(client.resolve, _platform(req))
        platforms = resolved.platforms
        if not platforms:
            config = await asyncio.to_thread(client.config_of, resolved)
            platforms = [{"architecture": str(config.get("architecture") or ""),
                          "os": str(config.get("os") or "")}]  # fmt: skip
    finally:
        client.close()
    descriptor = {"mediaType": resolved.top_media_type, "digest": resolved.digest,
                  "size": resolved.size}  # fmt: skip
    return json_response({"Descriptor": descriptor, "Platforms": platforms})
