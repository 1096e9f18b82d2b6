"""Handlers for the System tag: ping, version, info, events, disk usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec

from mockd.engine.clock import NANOS
from mockd.engine.disk_usage import DiskUsage, disk_usage, parse_types
from mockd.engine.events import Event, EventFilter
from mockd.errors import InvalidParameter
from mockd.handlers._params import filters
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, Response, StreamResponse, json_response

if TYPE_CHECKING:
    from mockd.engine import Engine

PLAIN_TEXT = "text/plain; charset=utf-8"

# Stream formats GET /events can produce, by the Accept header (API 1.52+);
# everything else gets dockerd's historical "application/json" (one JSON
# document per line either way, json-seq adds an RS byte before each).
_EVENT_MEDIA_TYPES = ("application/json-seq", "application/x-ndjson", "application/jsonl")


def _param(req: Request, name: str) -> str | None:
    """A query parameter as the router coerced it, or as sent when called directly."""
    if name in req.params and req.params[name] is not None:
        return str(req.params[name])
    values = req.query.get(name)
    return values[0] if values else None  # Go's r.Form.Get: the first value wins


def parse_timestamp(raw: str | None) -> int | None:
    """``seconds[.nanoseconds]`` (what clients send for since/until) in ns."""
    if raw is None or raw == "":
        return None
    seconds_text, dot, nanos_text = raw.partition(".")
    try:
        seconds = int(seconds_text, 10)
        nanos = 0
        if dot:
            nanos = int(nanos_text, 10)
            # Fewer or more than nine digits scale to nanoseconds, as in moby.
            nanos = int(nanos * 10 ** (9 - len(nanos_text)))
    except ValueError:
        bad = seconds_text if not seconds_text.lstrip("-").isdigit() else nanos_text
        raise InvalidParameter(f'strconv.ParseInt: parsing "{bad}": invalid syntax') from None
    return seconds * NANOS + nanos


def _ping_headers(engine: Engine) -> dict[str, str]:
    system = engine.system
    return {
        "Api-Version": system.api_version,
        "Builder-Version": system.builder_version,
        "Docker-Experimental": str(system.experimental).lower(),
        "Ostype": system.os_type,
        "Swarm": "inactive",
        "Cache-Control": "no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
    }


@operation("SystemPing")
async def system_ping(req: Request, engine: Engine) -> Reply:
    return Response(body=b"OK", content_type=PLAIN_TEXT, headers=_ping_headers(engine))


@operation("SystemPingHead")
async def system_ping_head(req: Request, engine: Engine) -> Reply:
    headers = _ping_headers(engine)
    headers["Content-Length"] = "0"
    return Response(body=b"", content_type=PLAIN_TEXT, headers=headers)


@operation("SystemVersion")
async def system_version(req: Request, engine: Engine) -> Reply:
    return json_response(engine.system.version_info())


@operation("SystemInfo")
async def system_info(req: Request, engine: Engine) -> Reply:
    info = msgspec.to_builtins(engine.system.info())
    # Fields later API versions dropped, still sent to older clients.
    if req.api_version != (0, 0):
        if not req.version_at_least(1, 55):
            info["BridgeNfIptables"] = True
            info["BridgeNfIp6tables"] = True
        if not req.version_at_least(1, 52):
            info["KernelMemoryTCP"] = False
        if not req.version_at_least(1, 44):
            info["KernelMemory"] = False
    return json_response(info)


def event_to_wire(ev: Event, api_version: tuple[int, int]) -> dict[str, Any]:
    """An event as ``GET /events`` sends it at ``api_version``.

    Before 1.52 dockerd still sent the long-deprecated ``status``, ``id`` and
    ``from`` fields on container and image events.
    """
    out: dict[str, Any] = {}
    if api_version < (1, 52) and ev.type in ("container", "image"):
        out["status"] = ev.action
        out["id"] = ev.actor_id
        image = ev.attributes.get("image", "")
        if ev.type == "container" and image:
            out["from"] = image
    out["Type"] = ev.type
    out["Action"] = ev.action
    out["Actor"] = {"ID": ev.actor_id, "Attributes": dict(ev.attributes)}
    out["scope"] = ev.scope
    out["time"] = ev.time
    out["timeNano"] = ev.time_nano
    return out


def _event_media_type(req: Request) -> str:
    if not req.version_at_least(1, 52):
        return "application/json"
    accept = req.headers.get("accept", "")
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in _EVENT_MEDIA_TYPES:
            return media
    return "application/json"


@operation("SystemEvents")
async def system_events(req: Request, engine: Engine) -> Reply:
    since_raw, until_raw = _param(req, "since"), _param(req, "until")
    since = parse_timestamp(since_raw)
    until = parse_timestamp(until_raw)
    if until is not None and until < (since or 0):
        raise InvalidParameter(
            f"`since` time ({since_raw}) cannot be after `until` time ({until_raw})"
        )
    event_filter = EventFilter(filters(req))
    media_type = _event_media_type(req)
    prefix = b"\x1e" if media_type == "application/json-seq" else b""
    api_version = req.api_version if req.api_version != (0, 0) else _engine_version(engine)
    subscription = engine.events.subscribe(since, until, event_filter)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for ev in subscription:
                yield prefix + msgspec.json.encode(event_to_wire(ev, api_version)) + b"\n"
        finally:
            subscription.close()

    return StreamResponse(chunks=chunks(), content_type=media_type)


def _engine_version(engine: Engine) -> tuple[int, int]:
    major, _, minor = engine.system.api_version.partition(".")
    return int(major), int(minor)


def _values(req: Request, name: str) -> list[str]:
    value = req.params.get(name)
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is not None:
        return [str(value)]
    return list(req.query.get(name) or [])


def _legacy_usage(usage: DiskUsage, req: Request) -> dict[str, Any]:
    """The body before API 1.53: ``LayersSize``, ``Images``, ``Containers``, ``Volumes``..."""
    images = None
    if usage.images is not None:
        images = [dict(i) for i in usage.images.items]
        if not req.version_at_least(1, 44):
            for image in images:
                image["VirtualSize"] = image["Size"]
    out: dict[str, Any] = {
        "LayersSize": usage.layers_size or 0,
        "Images": images,
        "Containers": usage.containers.items if usage.containers is not None else None,
        "Volumes": usage.volumes.items if usage.volumes is not None else None,
        # dockerd's nil slice: null while the build cache is empty.
        "BuildCache": _build_cache_records(usage, req),
    }
    if not req.version_at_least(1, 42):
        records = usage.build_cache.items if usage.build_cache is not None else []
        out["BuilderSize"] = sum(int(r.get("Size") or 0) for r in records)
    return out


def _build_cache_records(usage: DiskUsage, req: Request) -> list[dict[str, Any]] | None:
    """The records with the parent field of the request's version: ``Parent`` before
    API 1.42, ``Parents`` from then on."""
    if usage.build_cache is None or not usage.build_cache.items:
        return None
    gone = "Parent" if req.version_at_least(1, 42) else "Parents"
    return [{k: v for k, v in r.items() if k != gone} for r in usage.build_cache.items]


@operation("SystemDataUsage")
async def system_data_usage(req: Request, engine: Engine) -> Reply:
    # ``type`` arrived in API 1.42, ``verbose`` and the per-kind summaries in 1.52.
    types = parse_types(_values(req, "type") if req.version_at_least(1, 42) else [])
    usage = disk_usage(engine, types)
    if not req.version_at_least(1, 52):
        return json_response(_legacy_usage(usage, req))
    verbose = str(_param(req, "verbose") or "").lower() in ("1", "true")
    out: dict[str, Any] = {}
    if not req.version_at_least(1, 53) and not verbose:
        out.update(_legacy_usage(usage, req))
    for key, kind in (("ImageUsage", usage.images), ("ContainerUsage", usage.containers),
                      ("VolumeUsage", usage.volumes), ("BuildCacheUsage", usage.build_cache)):  # fmt: skip
        if kind is not None:
            out[key] = kind.summary(verbose=verbose)
    if verbose and "BuildCacheUsage" in out:
        out["BuildCacheUsage"]["Items"] = _build_cache_records(usage, req) or []
    return json_response(out)
