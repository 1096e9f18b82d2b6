"""Network handlers: ``/networks``.  Thin: the rules are in ``mockd.engine.networks``.

Connect and disconnect name a container, looked up in ``engine.containers``;
the network store updates both sides (the network's ``Containers`` and the
container's ``NetworkSettings.Networks``), with an endpoint at once for a
running container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockd.handlers._params import filters, json_body
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response, no_content

if TYPE_CHECKING:
    from mockd.engine import Engine


def _container(engine: Engine, ref: str) -> tuple[str, str, bool]:
    """(ID, name without ``/``, running) of a container."""
    c = engine.containers.get(ref)
    return c.id, c.name.lstrip("/"), c.running


@operation("NetworkList")
async def network_list(req: Request, engine: Engine) -> Reply:
    networks = engine.networks.list_networks(filters(req))
    # dockerd's list leaves Containers empty; inspect fills it.
    return json_response(
        [n.to_wire(with_containers=False, api_version=req.api_version) for n in networks]
    )


@operation("NetworkInspect")
async def network_inspect(req: Request, engine: Engine) -> Reply:
    network = engine.networks.get(req.path_params["id"])
    return json_response(network.to_wire(api_version=req.api_version))


@operation("NetworkCreate")
async def network_create(req: Request, engine: Engine) -> Reply:
    body = json_body(req)
    network = engine.networks.create(
        str(body.get("Name") or ""),
        driver=str(body.get("Driver") or ""),
        ipam=body.get("IPAM") or None,
        internal=bool(body.get("Internal")),
        attachable=bool(body.get("Attachable")),
        ingress=bool(body.get("Ingress")),
        enable_ipv6=bool(body.get("EnableIPv6")),
        labels=body.get("Labels") or None,
        options=body.get("Options") or None,
    )
    return json_response({"Id": network.id, "Warning": ""}, status=201)


@operation("NetworkDelete")
async def network_delete(req: Request, engine: Engine) -> Reply:
    engine.networks.remove(req.path_params["id"])
    return no_content()


@operation("NetworkPrune")
async def network_prune(req: Request, engine: Engine) -> Reply:
    deleted = engine.networks.prune(filters(req))
    return json_response({"NetworksDeleted": deleted or None})


@operation("NetworkConnect")
async def network_connect(req: Request, engine: Engine) -> Reply:
    body = json_body(req)
    store = engine.networks
    network = store.get(req.path_params["id"])
    container_id, name, running = _container(engine, str(body.get("Container") or ""))
    config = body.get("EndpointConfig") or {}
    ipam = config.get("IPAMConfig") or {}
    store.connect(
        network, container_id, name,
        aliases=config.get("Aliases") or (), ipv4=str(ipam.get("IPv4Address") or ""),
        links=config.get("Links") or (), driver_opts=config.get("DriverOpts"), running=running,
    )  # fmt: skip
    return no_content(200)


@operation("NetworkDisconnect")
async def network_disconnect(req: Request, engine: Engine) -> Reply:
    body = json_body(req)
    store = engine.networks
    network = store.get(req.path_params["id"])
    container_id, _, _ = _container(engine, str(body.get("Container") or ""))
    store.disconnect(network, container_id, force=bool(body.get("Force")))
    return no_content(200)
