"""Networks: create, list, inspect, connect, disconnect, remove, prune.

Two levels, as in docker-py: :class:`NetworksAPI` maps each endpoint to a
method returning the typed wire models; :class:`NetworkCollection`
(``client.networks``) returns :class:`Network` objects with ``.id``,
``.name``, ``.containers`` (``Container`` objects), ``connect``, ``disconnect``,
``remove``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from dockersdk.api import APIGroup, Model
from dockersdk.models import (
    IPAM,
    NetworkCreateResponse,
    NetworkInspect,
    NetworkPruneResponse,
    NetworkSummary,
)
from dockersdk.params.host_config import normalize_links
from dockersdk.transport import Transport

if TYPE_CHECKING:
    from dockersdk.api.containers import ContainerCollection
    from dockersdk.models.containers import Container

_ID = "/networks/{id}"
# Legacy links, as docker-py takes them: {name: alias}, [(name, alias)] or ["name:alias"].
LinksArgument = Mapping[str, str | None] | Sequence[str | tuple[str, str | None]]


class HasId(Protocol):
    """Anything with an ``id`` (a container object), accepted where a container is named."""

    @property
    def id(self) -> str: ...


def _container_ref(container: str | HasId) -> str:
    return container if isinstance(container, str) else container.id


class NetworksAPI(APIGroup):
    """The network endpoints, one method each, returning the wire models."""

    def create(
        self,
        name: str,
        *,
        driver: str | None = None,
        options: Mapping[str, str] | None = None,
        ipam: IPAM | Mapping[str, Any] | None = None,
        internal: bool = False,
        labels: Mapping[str, str] | None = None,
        attachable: bool | None = None,
        enable_ipv6: bool | None = None,
        ingress: bool | None = None,
        scope: str | None = None,
        check_duplicate: bool | None = None,
    ) -> NetworkCreateResponse:
        """``POST /networks/create``.  ``check_duplicate`` (default true, as the
        docker CLI sends it) refuses a second network with the same name; API
        1.44 dropped the field and always refuses."""
        body: dict[str, Any] = {
            "Name": name,
            "CheckDuplicate": True if check_duplicate is None else check_duplicate,
        }
        if driver:
            body["Driver"] = driver
        if options:
            body["Options"] = dict(options)
        if ipam is not None:
            body["IPAM"] = msgspec.to_builtins(ipam) if isinstance(ipam, IPAM) else dict(ipam)
        if internal:
            body["Internal"] = True
        if labels:
            body["Labels"] = dict(labels)
        for key, value in (("Attachable", attachable), ("EnableIPv6", enable_ipv6),
                           ("Ingress", ingress), ("Scope", scope)):  # fmt: skip
            if value is not None:
                body[key] = value
        return self._json(
            "POST", "/networks/create", NetworkCreateResponse, json=body,
            operation="NetworkCreate",
        )  # fmt: skip

    def list(self, filters: Mapping[str, Any] | None = None) -> builtins.list[NetworkSummary]:
        return self._json(
            "GET", "/networks", builtins.list[NetworkSummary], params={"filters": filters},
            operation="NetworkList",
        )  # fmt: skip

    def inspect(
        self, network_id: str, *, verbose: bool | None = None, scope: str | None = None
    ) -> NetworkInspect:
        return self._json(
            "GET", _ID, NetworkInspect, path_params={"id": network_id},
            params={"verbose": verbose, "scope": scope}, operation="NetworkInspect",
        )  # fmt: skip

    def remove(self, network_id: str) -> None:
        self._transport.request(
            "DELETE", _ID, path_params={"id": network_id}, operation="NetworkDelete"
        ).close()

    def connect(
        self,
        network_id: str,
        container: str,
        *,
        aliases: Sequence[str] | None = None,
        ipv4_address: str | None = None,
        links: LinksArgument | None = None,
        ipv6_address: str | None = None,
        link_local_ips: Sequence[str] | None = None,
        driver_opt: Mapping[str, str] | None = None,
        mac_address: str | None = None,
    ) -> None:
        """``POST /networks/{id}/connect`` with an endpoint built as docker-py's
        ``EndpointConfig``: DNS ``aliases``, legacy ``links``, fixed addresses
        (``IPAMConfig``), driver options and a MAC address."""
        endpoint: dict[str, Any] = {}
        if aliases:
            endpoint["Aliases"] = list(aliases)
        if links:
            endpoint["Links"] = normalize_links(links)
        ipam_config: dict[str, Any] = {}
        if ipv4_address:
            ipam_config["IPv4Address"] = ipv4_address
        if ipv6_address:
            ipam_config["IPv6Address"] = ipv6_address
        if link_local_ips is not None:
            ipam_config["LinkLocalIPs"] = list(link_local_ips)
        if ipam_config:
            endpoint["IPAMConfig"] = ipam_config
        if mac_address:
            endpoint["MacAddress"] = mac_address
        if driver_opt:
            endpoint["DriverOpts"] = dict(driver_opt)
        body = {"Container": container, "EndpointConfig": endpoint or None}
        self._transport.request(
            "POST", _ID + "/connect", path_params={"id": network_id}, json=body,
            operation="NetworkConnect",
        ).close()  # fmt: skip

    def disconnect(self, network_id: str, container: str, *, force: bool = False) -> None:
        self._transport.request(
            "POST", _ID + "/disconnect", path_params={"id": network_id},
            json={"Container": container, "Force": force}, operation="NetworkDisconnect",
        ).close()  # fmt: skip

    def prune(self, filters: Mapping[str, Any] | None = None) -> NetworkPruneResponse:
        return self._json(
            "POST", "/networks/prune", NetworkPruneResponse, params={"filters": filters},
            operation="NetworkPrune",
        )  # fmt: skip


class Network(Model["NetworkInspect", "NetworkCollection"]):
    """A network, as docker-py's ``Network``: its inspect data in ``attrs``."""

    @property
    def id(self) -> str:
        """The network ID."""
        return self.attrs.id or ""

    @property
    def short_id(self) -> str:
        """The first 12 characters of the ID."""
        return self.id[:12]

    @property
    def name(self) -> str:
        """The network's name."""
        return self.attrs.name or ""

    @property
    def containers(self) -> builtins.list[Container]:
        """The containers with an endpoint on the network, as of the last inspect
        (one inspect each, as docker-py).  A network from a non-``greedy`` list
        has none: the list answer leaves them out, as in docker-py."""
        return [
            self.collection.container_collection().get(cid) for cid in self.attrs.containers or {}
        ]

    @property
    def container_ids(self) -> builtins.list[str]:
        """The IDs behind :attr:`containers`, without a request."""
        return list(self.attrs.containers or {})

    def reload(self) -> None:
        """Inspect the network again and refresh ``attrs``."""
        self.attrs = self.collection.api.inspect(self.id)

    def connect(
        self,
        container: str | HasId,
        *,
        aliases: Sequence[str] | None = None,
        ipv4_address: str | None = None,
        links: LinksArgument | None = None,
        ipv6_address: str | None = None,
        link_local_ips: Sequence[str] | None = None,
        driver_opt: Mapping[str, str] | None = None,
        mac_address: str | None = None,
    ) -> None:
        """Attach ``container`` (an ID, name or ``Container``) to this network, with DNS
        ``aliases``, legacy ``links``, fixed ``ipv4_address`` / ``ipv6_address`` /
        ``link_local_ips``, ``driver_opt`` and a ``mac_address``."""
        self.collection.api.connect(
            self.id, _container_ref(container), aliases=aliases, ipv4_address=ipv4_address,
            links=links, ipv6_address=ipv6_address, link_local_ips=link_local_ips,
            driver_opt=driver_opt, mac_address=mac_address,
        )  # fmt: skip

    def disconnect(self, container: str | HasId, *, force: bool = False) -> None:
        """Detach ``container`` (an ID, name or ``Container``); ``force`` also when it is
        not running."""
        self.collection.api.disconnect(self.id, _container_ref(container), force=force)

    def remove(self) -> None:
        """Remove the network."""
        self.collection.api.remove(self.id)

    def __repr__(self) -> str:
        return f"<Network: {self.short_id}>"


class NetworkCollection:
    """``client.networks``: docker-py's high-level network calls; ``.api`` is the low level."""

    def __init__(self, transport: Transport, containers: ContainerCollection | None = None) -> None:
        self.api = NetworksAPI(transport)
        self._containers = containers

    def container_collection(self) -> ContainerCollection:
        """The container collection ``Network.containers`` builds its objects with
        (the client's; made on first use for a collection built on its own)."""
        if self._containers is None:
            from dockersdk.api.containers import ContainerCollection
            from dockersdk.api.images import ImageCollection

            transport = self.api._transport
            self._containers = ContainerCollection(transport, ImageCollection(transport))
        return self._containers

    def create(
        self,
        name: str,
        driver: str | None = None,
        options: Mapping[str, str] | None = None,
        ipam: IPAM | Mapping[str, Any] | None = None,
        internal: bool = False,
        labels: Mapping[str, str] | None = None,
        attachable: bool | None = None,
        enable_ipv6: bool | None = None,
        ingress: bool | None = None,
        scope: str | None = None,
        check_duplicate: bool | None = None,
    ) -> Network:
        """Create the network ``name``: ``driver`` (``bridge`` by default), driver
        ``options``, ``ipam`` configuration, ``internal`` (no outside access),
        ``labels``, ``attachable`` and ``ingress`` (swarm), ``enable_ipv6``,
        ``scope`` (``local``, ``swarm``, ``global``), ``check_duplicate`` (default
        true: a second network with the same name is refused).

        ``enable_ipv6`` defaults to ``None`` (not sent: the daemon decides),
        where docker-py's ``False`` also leaves it out."""
        created = self.api.create(
            name, driver=driver, options=options, ipam=ipam, internal=internal, labels=labels,
            attachable=attachable, enable_ipv6=enable_ipv6, ingress=ingress, scope=scope,
            check_duplicate=check_duplicate,
        )  # fmt: skip
        return self.get(created.id or "")

    def get(
        self, network_id: str, verbose: bool | None = None, scope: str | None = None
    ) -> Network:
        """The network ``network_id`` (ID, prefix or name); ``verbose`` adds swarm-wide
        detail; ``scope`` (``local``, ``swarm``, ``global``) restricts the lookup."""
        return Network(self.api.inspect(network_id, verbose=verbose, scope=scope), self)

    def list(
        self,
        names: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        greedy: bool = False,
    ) -> builtins.list[Network]:
        """Networks from the list endpoint (``Containers`` is empty there); ``greedy``
        inspects each one, as docker-py does, to fill it.

        ``names`` and ``ids`` keep only those networks; ``filters`` as ``docker
        network ls --filter``.
        """
        merged: dict[str, Any] = dict(filters or {})
        if names:
            merged["name"] = list(names)
        if ids:
            merged["id"] = list(ids)
        summaries = self.api.list(merged or None)
        if greedy:
            return [self.get(s.id or "") for s in summaries]
        return [
            Network(msgspec.convert(msgspec.to_builtins(s), NetworkInspect), self)
            for s in summaries
        ]

    def prune(self, filters: Mapping[str, Any] | None = None) -> NetworkPruneResponse:
        """Remove unused networks; ``filters``: ``until``, ``label``, ``label!``."""
        return self.api.prune(filters)


__all__ = ["HasId", "Network", "NetworkCollection", "NetworksAPI"]
