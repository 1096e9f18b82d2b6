"""Handlers for the Container tag's lifecycle operations (streams are in ``streams.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import msgspec

from mockd.engine.platforms import parse_platform
from mockd.handlers._params import filters, flag, integer, json_body, param, text
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, Response, StreamResponse, json_response, no_content

if TYPE_CHECKING:
    from mockd.engine import Engine

TAR_TYPE = "application/x-tar"


def _version(req: Request, engine: Engine) -> tuple[int, int]:
    """The request's API version; an unversioned path gets the daemon's own."""
    if req.api_version != (0, 0):
        return req.api_version
    major, _, minor = engine.system.api_version.partition(".")
    return int(major), int(minor)


@operation("ContainerCreate")
async def create(req: Request, engine: Engine) -> Reply:
    platform = text(req, "platform")
    container, warnings = engine.containers.create(
        json_body(req), str(param(req, "name") or ""), api_version=_version(req, engine),
        platform=parse_platform(platform) if platform else None,
    )  # fmt: skip
    return json_response({"Id": container.id, "Warnings": warnings}, status=201)


@operation("ContainerList")
async def list_(req: Request, engine: Engine) -> Reply:
    limit = integer(req, "limit")
    # Encoded by the engine from each container's cached entry (as json_response would).
    body = engine.containers.list_containers_json(
        all=flag(req, "all"),
        limit=limit if limit is not None else -1,
        size=flag(req, "size"),
        filters=filters(req),
        api_version=_version(req, engine),
    )
    return Response(status=200, body=body + b"\n")


@operation("ContainerInspect")
async def inspect(req: Request, engine: Engine) -> Reply:
    return json_response(
        engine.containers.inspect(
            req.path_params["id"], size=flag(req, "size"), api_version=_version(req, engine)
        )
    )


@operation("ContainerStart")
async def start(req: Request, engine: Engine) -> Reply:
    engine.containers.start(req.path_params["id"])
    return no_content()


@operation("ContainerStop")
async def stop(req: Request, engine: Engine) -> Reply:
    signal = param(req, "signal")
    await engine.containers.stop(
        req.path_params["id"], integer(req, "t"), str(signal) if signal else None
    )
    return no_content()


@operation("ContainerRestart")
async def restart(req: Request, engine: Engine) -> Reply:
    signal = param(req, "signal")
    await engine.containers.restart(
        req.path_params["id"], integer(req, "t"), str(signal) if signal else None
    )
    return no_content()


@operation("ContainerKill")
async def kill(req: Request, engine: Engine) -> Reply:
    await engine.containers.kill(req.path_params["id"], str(param(req, "signal") or "SIGKILL"))
    return no_content()


@operation("ContainerPause")
async def pause(req: Request, engine: Engine) -> Reply:
    engine.containers.pause(req.path_params["id"])
    return no_content()


@operation("ContainerUnpause")
async def unpause(req: Request, engine: Engine) -> Reply:
    engine.containers.unpause(req.path_params["id"])
    return no_content()


@operation("ContainerWait")
async def wait(req: Request, engine: Engine) -> Reply:
    # The lookup happens now (a 404 is a plain error); the body comes at exit,
    # after dockerd's early headers.
    exit_code = engine.containers.wait(
        req.path_params["id"], str(param(req, "condition") or "not-running")
    )

    async def body() -> AsyncIterator[bytes]:
        code = await exit_code
        yield msgspec.json.encode({"Error": None, "StatusCode": code}) + b"\n"

    return StreamResponse(body())


@operation("ContainerDelete")
async def delete(req: Request, engine: Engine) -> Reply:
    await engine.containers.delete(
        req.path_params["id"], force=flag(req, "force"), volumes=flag(req, "v")
    )
    return no_content()


@operation("ContainerRename")
async def rename(req: Request, engine: Engine) -> Reply:
    engine.containers.rename(req.path_params["id"], str(param(req, "name") or ""))
    return no_content()


@operation("ContainerUpdate")
async def update(req: Request, engine: Engine) -> Reply:
    warnings = engine.containers.update(req.path_params["id"], json_body(req))
    return json_response({"Warnings": warnings})


@operation("ContainerTop")
async def top(req: Request, engine: Engine) -> Reply:
    return json_response(
        engine.containers.top(req.path_params["id"], str(param(req, "ps_args") or "-ef"))
    )


@operation("ContainerChanges")
async def changes(req: Request, engine: Engine) -> Reply:
    found = engine.containers.changes(req.path_params["id"])
    return json_response(found or None)


async def _aiter(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


@operation("ContainerExport")
async def export(req: Request, engine: Engine) -> Reply:
    chunks = engine.containers.export(req.path_params["id"])
    return StreamResponse(_aiter(chunks), content_type=TAR_TYPE)


@operation("ContainerArchiveInfo")
async def archive_info(req: Request, engine: Engine) -> Reply:
    _, _, header = engine.containers.archive_stat(
        req.path_params["id"], str(param(req, "path") or "")
    )
    return Response(
        status=200,
        content_type=None,
        headers={"X-Docker-Container-Path-Stat": header},
    )


@operation("ContainerArchive")
async def archive(req: Request, engine: Engine) -> Reply:
    chunks, header = engine.containers.archive_get(
        req.path_params["id"], str(param(req, "path") or "")
    )
    return StreamResponse(
        _aiter(chunks), content_type=TAR_TYPE, headers={"X-Docker-Container-Path-Stat": header}
    )


@operation("PutContainerArchive")
async def put_archive(req: Request, engine: Engine) -> Reply:
    engine.containers.archive_put(
        req.path_params["id"],
        str(param(req, "path") or ""),
        req.body,
        no_overwrite_dir_non_dir=flag(req, "noOverwriteDirNonDir"),
    )
    return Response(status=200, body=b"", content_type=None)


@operation("ContainerPrune")
async def prune(req: Request, engine: Engine) -> Reply:
    deleted, reclaimed = await engine.containers.prune(filters(req))
    return json_response({"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed})
