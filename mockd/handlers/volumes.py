"""Volume handlers: ``/volumes``.  Thin: the rules are in ``mockd.engine.volumes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockd.filters import parse_filters
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response, no_content

if TYPE_CHECKING:
    from mockd.engine import Engine


def _param(req: Request, name: str) -> Any:
    if name in req.params:
        return req.params[name]
    values = req.query.get(name)
    return values[-1] if values else None


def _flag(req: Request, name: str) -> bool:
    value = _param(req, name)
    if isinstance(value, bool):
        return value
    return str(value or "").lower() in ("1", "true", "yes")


def _filters(req: Request) -> dict[str, list[str]]:
    value = req.params.get("filters")
    if isinstance(value, dict):
        return {k: list(v) for k, v in value.items()}
    raw = req.query.get("filters")
    return parse_filters(raw[-1] if raw else None)


@operation("VolumeList")
async def volume_list(req: Request, engine: Engine) -> Reply:
    volumes = engine.volumes.list_volumes(_filters(req))
    return json_response({"Volumes": [v.to_wire() for v in volumes], "Warnings": None})


@operation("VolumeCreate")
async def volume_create(req: Request, engine: Engine) -> Reply:
    body: dict[str, Any] = req.json if isinstance(req.json, dict) else {}
    volume = engine.volumes.create(
        str(body.get("Name") or ""),
        str(body.get("Driver") or ""),
        body.get("DriverOpts") or None,
        body.get("Labels") or None,
    )
    return json_response(volume.to_wire(), status=201)


@operation("VolumeInspect")
async def volume_inspect(req: Request, engine: Engine) -> Reply:
    return json_response(engine.volumes.get(req.path_params["name"]).to_wire())


@operation("VolumeUpdate")
async def volume_update(req: Request, engine: Engine) -> Reply:
    engine.volumes.update(req.path_params["name"])
    return no_content(200)


@operation("VolumeDelete")
async def volume_delete(req: Request, engine: Engine) -> Reply:
    engine.volumes.remove(req.path_params["name"], force=_flag(req, "force"))
    return no_content()


@operation("VolumePrune")
async def volume_prune(req: Request, engine: Engine) -> Reply:
    deleted, reclaimed = engine.volumes.prune(_filters(req), req.api_version)
    return json_response({"VolumesDeleted": deleted, "SpaceReclaimed": reclaimed})
