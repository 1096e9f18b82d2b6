"""Volume handlers: ``/volumes``.  Thin: the rules are in ``mockd.engine.volumes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockd.handlers._params import filters, flag
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response, no_content

if TYPE_CHECKING:
    from mockd.engine import Engine


@operation("VolumeList")
async def volume_list(req: Request, engine: Engine) -> Reply:
    volumes = engine.volumes.list_volumes(filters(req))
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
    engine.volumes.remove(req.path_params["name"], force=flag(req, "force"))
    return no_content()


@operation("VolumePrune")
async def volume_prune(req: Request, engine: Engine) -> Reply:
    deleted, reclaimed = engine.volumes.prune(filters(req), req.api_version)
    return json_response({"VolumesDeleted": deleted, "SpaceReclaimed": reclaimed})
