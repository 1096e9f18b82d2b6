"""Handlers for ``POST /build`` (the classic builder) and ``POST /build/prune``.

What is wrong before the build starts (the context, the Dockerfile's syntax,
the query) is a plain error reply, as dockerd gives; after that, everything
is in the JSON-lines stream, errors included.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec

from mockd.engine.platforms import host_arch
from mockd.engine.references import parse_normalized
from mockd.errors import InvalidParameter, SystemError_
from mockd.filters import parse_filters
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, StreamResponse, json_response

if TYPE_CHECKING:
    from mockd.builder.executor import Build, BuildOptions
    from mockd.engine import Engine


def _last(req: Request, name: str) -> str:
    values = req.query.get(name)
    return values[-1] if values else ""


def _flag(req: Request, name: str, default: bool) -> bool:
    value = req.params.get(name)
    if isinstance(value, bool):
        return value
    raw = _last(req, name)
    if not raw:
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def _json_map(req: Request, name: str) -> dict[str, Any]:
    raw = _last(req, name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InvalidParameter(f"failed to parse {name}: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidParameter(f"failed to parse {name}: not a JSON object")
    return value


def _tags(req: Request) -> list[str]:
    """``t`` values as dockerd validates and prints them (``app`` is ``app:latest``)."""
    tags: list[str] = []
    for raw in req.query.get("t", []):
        if not raw:
            continue
        ref = parse_normalized(raw)
        if ref.digest:
            raise InvalidParameter("build tag cannot contain a digest")
        tags.append(ref.with_default_tag().familiar())
    return tags


def _check_platform(platform: str) -> None:
    wanted = platform.strip().lower()
    if wanted and wanted not in ("linux", f"linux/{host_arch()}"):
        raise InvalidParameter(
            f'"{platform}": mockd builds only for its own platform (linux/{host_arch()})'
        )


def options_of(req: Request) -> BuildOptions:
    """The build's options from the query (the resource limits are accepted and unused)."""
    # The builder loads on the first build: most daemons never build (cold start).
    from mockd.builder import BuildOptions
    from mockd.registry_client import auth_configs_from_header

    _check_platform(_last(req, "platform"))
    build_args = {
        str(k): (None if v is None else str(v)) for k, v in _json_map(req, "buildargs").items()
    }
    labels = {str(k): str(v) for k, v in _json_map(req, "labels").items()}
    return BuildOptions(
        tags=_tags(req),
        dockerfile=_last(req, "dockerfile") or "Dockerfile",
        build_args=build_args,
        labels=labels,
        target=_last(req, "target"),
        nocache=_flag(req, "nocache", False),
        pull=_flag(req, "pull", False),
        rm=_flag(req, "rm", True),
        forcerm=_flag(req, "forcerm", False),
        quiet=_flag(req, "q", False),
        registry_auths=auth_configs_from_header(req.headers.get("x-registry-config")),
    )


async def _encoded(build: Build) -> AsyncIterator[bytes]:
    async for message in build.run():
        yield msgspec.json.encode(message) + b"\r\n"


@operation("ImageBuild")
async def image_build(req: Request, engine: Engine) -> Reply:
    if _last(req, "remote"):
        raise InvalidParameter("mockd cannot fetch a remote build context (it has no network)")
    from mockd.builder import prepare

    build = prepare(engine, req.body, options_of(req))
    return StreamResponse(_encoded(build))


@operation("BuildPrune")
async def build_prune(req: Request, engine: Engine) -> Reply:
    # dockerd 20.10's classic builder leaves this endpoint nothing to do; the
    # mock keeps its step images as build-cache records (see builder/cache.py).
    from mockd.builder.cache import build_cache_of, parse_prune_size

    try:
        filters = parse_filters(_last(req, "filters") or None)
    except InvalidParameter as exc:
        raise SystemError_(f"could not parse filters: {exc.message}") from None
    # ``keep-storage`` became ``reserved-space`` in API 1.48; both mean the same.
    keep = max(parse_prune_size("keep-storage", _last(req, "keep-storage")),
               parse_prune_size("reserved-space", _last(req, "reserved-space")))  # fmt: skip
    deleted, reclaimed = build_cache_of(engine).prune(
        all=_flag(req, "all", False), filters=filters, keep_bytes=keep,
        max_used=parse_prune_size("max-used-space", _last(req, "max-used-space")),
    )  # fmt: skip
    return json_response({"CachesDeleted": deleted or None, "SpaceReclaimed": reclaimed})
