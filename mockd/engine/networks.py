"""Networks: the predefined ``bridge``/``host``/``none``, user networks, endpoints.

A container's place on a network has two parts, as in dockerd: its
*attachment* (which networks it belongs to, with aliases, a static address
and links; kept from create to removal) and, while it runs, an *endpoint*
(an address from the network's :class:`~mockd.engine.ipam.SubnetPool`, a MAC
and an endpoint ID).  ``connect``/``disconnect`` change attachments (and the
endpoint of a running container); ``activate``/``deactivate`` make and drop
the endpoints when a container starts and stops, so an address is given back
at stop and a new one taken at start.  Messages and events follow libnetwork.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any

from mockd import filters as flt
from mockd.engine.clock import Clock, rfc3339_nano
from mockd.engine.events import EventBus
from mockd.engine.ids import IdGenerator, short_id
from mockd.engine.ipam import (
    DEFAULT_BRIDGE_SUBNET,
    AddressSpace,
    SubnetPool,
    mac_for,
    parse_address,
    parse_subnet,
)
from mockd.errors import Conflict, Forbidden, InvalidParameter, NotFound, SystemError_
from mockd.filter_time import until_ns

if TYPE_CHECKING:
    from mockd.engine import Engine

__all__ = ["Attachment", "Endpoint", "Network", "NetworkStore", "networks_of"]

PREDEFINED = ("bridge", "host", "none")
EndpointSettings = dict[str, dict[str, Any]]  # NetworkSettings.Networks, by network name
LIST_FILTERS = ("dangling", "driver", "id", "label", "name", "scope", "type")
PRUNE_FILTERS = ("label", "label!", "until")
# libnetwork's IPAM option for handing out addresses after the last one, not the lowest free.
SERIAL_OPTION = "com.docker.network.ipam.serial"
_DEFAULT_BRIDGE_OPTIONS = {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.name": "docker0",
    "com.docker.network.driver.mtu": "1500",
}


@dataclass
class Attachment:
    """A container's membership of a network (its ``EndpointsConfig`` entry)."""

    network_id: str
    aliases: list[str] = field(default_factory=list)
    ipv4: IPv4Address | None = None  # a static address (IPAMConfig.IPv4Address)
    links: list[str] = field(default_factory=list)
    driver_opts: dict[str, str] = field(default_factory=dict)  # EndpointConfig.DriverOpts


@dataclass
class Endpoint:
    """A running container's address on a network."""

    network_id: str
    container_id: str
    name: str  # the container's name, without "/"
    endpoint_id: str
    ipv4: IPv4Address
    prefix_len: int
    gateway: str
    mac: str

    def resource(self) -> dict[str, str]:
        """The network inspect ``Containers`` entry."""
        return {
            "Name": self.name, "EndpointID": self.endpoint_id, "MacAddress": self.mac,
            "IPv4Address": f"{self.ipv4}/{self.prefix_len}", "IPv6Address": "",
        }  # fmt: skip


@dataclass(eq=False)
class Network:
    id: str
    name: str
    driver: str
    created_ns: int
    pool: SubnetPool | None = None
    ipam_config: list[dict[str, Any]] = field(default_factory=list)  # as inspect shows it
    ipam_driver: str = "default"
    ipam_options: dict[str, str] | None = None
    user_subnet: bool = False  # a subnet the user configured: static IPs allowed
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    enable_ipv6: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by container ID

    @property
    def predefined(self) -> bool:
        return self.name in PREDEFINED

    def to_wire(
        self, *, with_containers: bool = True, api_version: tuple[int, int] = (1, 55)
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": self.name, "Id": self.id, "Created": rfc3339_nano(self.created_ns),
            "Scope": "local", "Driver": self.driver, "EnableIPv6": self.enable_ipv6,
        }  # fmt: skip
        if api_version >= (1, 47):
            out["EnableIPv4"] = self.driver not in ("host", "null")
        out.update({
            "IPAM": {"Driver": self.ipam_driver, "Options": self.ipam_options,
                     "Config": [dict(c) for c in self.ipam_config]},
            "Internal": self.internal, "Attachable": self.attachable, "Ingress": self.ingress,
            "ConfigFrom": {"Network": ""}, "ConfigOnly": False,
            "Containers": ({cid: ep.resource() for cid, ep in self.endpoints.items()}
                           if with_containers else {}),
            "Options": dict(self.options), "Labels": dict(self.labels),
        })  # fmt: skip
        return out


class NetworkStore:
    """``engine.networks``: every network, every container's attachments and endpoints."""

    def __init__(self, clock: Clock, events: EventBus, ids: IdGenerator) -> None:
        self.clock = clock
        self.events = events
        self.ids = ids
        self.space = AddressSpace()
        self._networks: dict[str, Network] = {}
        # container ID → network ID → attachment
        self._attachments: dict[str, dict[str, Attachment]] = {}
        # endpoint_settings' answers by container, until its attachments or endpoints change
        self._settings: dict[str, dict[tuple[str, tuple[int, int]], EndpointSettings]] = {}
        # The predefined networks, made in dockerd's order (none, host, bridge).
        self._add(Network(self.ids.new_id(), "none", "null", clock.now_ns()))
        self._add(Network(self.ids.new_id(), "host", "host", clock.now_ns()))
        bridge_subnet = self.space.request(DEFAULT_BRIDGE_SUBNET)
        self._add(Network(
            self.ids.new_id(), "bridge", "bridge", clock.now_ns(),
            pool=SubnetPool(bridge_subnet, gateway=IPv4Address("172.17.0.1")),
            ipam_config=[{"Subnet": str(bridge_subnet), "Gateway": "172.17.0.1"}],
            options=dict(_DEFAULT_BRIDGE_OPTIONS),
        ))  # fmt: skip

    def _add(self, network: Network) -> Network:
        self._networks[network.id] = network
        return network

    def restore_identity(self, name: str, network_id: str, created_ns: int) -> Network:
        """Give a predefined network the ID and creation time it had before a restart.

        dockerd keeps them in libnetwork's store, so containers' ``NetworkID`` stay
        valid; a snapshot restore calls this before anything refers to the network.
        """
        network = self.get(name)
        if not network.predefined:
            raise ValueError(f"{name} is not a predefined network")
        if network.endpoints or any(network.id in a for a in self._attachments.values()):
            raise RuntimeError(f"network {name} is in use: its ID cannot change")
        old_id, network.id, network.created_ns = network.id, network_id, created_ns
        # Rebuilt rather than re-added, to keep the listing order.
        self._networks = {
            (network_id if key == old_id else key): value for key, value in self._networks.items()
        }
        self._settings.clear()
        return network

    # -- lookup ------------------------------------------------------------------

    def all(self) -> list[Network]:
        return list(self._networks.values())

    def get(self, ref: str) -> Network:
        """By full ID, exact name, then unique ID prefix (libnetwork's FindNetwork)."""
        if ref in self._networks:
            return self._networks[ref]
        for network in self._networks.values():
            if network.name == ref:
                return network
        matches = [n for n in self._networks.values() if ref and n.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise InvalidParameter(f"network {ref} is ambiguous ({len(matches)} matches found based on ID prefix)")  # fmt: skip
        raise NotFound(f"network {ref} not found")

    @property
    def bridge(self) -> Network:
        return self.get("bridge")

    # -- create, remove, prune -------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        driver: str = "",
        ipam: Mapping[str, Any] | None = None,
        internal: bool = False,
        attachable: bool = False,
        ingress: bool = False,
        enable_ipv6: bool = False,
        labels: Mapping[str, str] | None = None,
        options: Mapping[str, str] | None = None,
    ) -> Network:
        driver = driver or "bridge"
        if name in PREDEFINED:
            raise Forbidden(f"operation is not permitted on predefined {name} network ")
        if any(n.name == name for n in self._networks.values()):
            raise Conflict(f"network with name {name} already exists")
        if driver in ("host", "null"):
            raise Forbidden(f'only one instance of "{driver}" network is allowed')
        if driver != "bridge":
            raise NotFound(f'plugin "{driver}" not found')
        ipam = dict(ipam or {})
        ipam_driver = ipam.get("Driver") or "default"
        if ipam_driver != "default":
            raise NotFound(f'plugin "{ipam_driver}" not found')
        configs = list(ipam.get("Config") or [])
        if enable_ipv6 and not any(":" in str(c.get("Subnet") or "") for c in configs):
            # dockerd 20.10 has no default IPv6 pools: an IPv6 network needs its subnet.
            raise NotFound(
                "could not find an available, non-overlapping IPv6 address pool among the "
                "defaults to assign to the network"
            )
        if len(configs) > 1:
            raise InvalidParameter("the mock supports one IPv4 subnet per network")
        serial = str((ipam.get("Options") or {}).get(SERIAL_OPTION, "")).lower() == "true"
        pool, shown = self._make_pool(configs[0] if configs else None, serial=serial)
        network = Network(
            self.ids.new_id(), name, driver, self.clock.now_ns(), pool=pool, ipam_config=[shown],
            ipam_driver=ipam_driver, ipam_options=ipam.get("Options"),
            user_subnet=bool(configs and configs[0].get("Subnet")), internal=internal,
            attachable=attachable, ingress=ingress, enable_ipv6=enable_ipv6,
            labels=dict(labels or {}), options=dict(options or {}),
        )  # fmt: skip
        self._add(network)
        self.events.publish("network", "create", network.id, {"name": name, "type": driver})
        return network

    def _make_pool(
        self, config: Mapping[str, Any] | None, *, serial: bool = False
    ) -> tuple[SubnetPool, dict[str, Any]]:
        """A subnet and its pool from one IPAM config; and the config as inspect shows it."""
        config = dict(config or {})
        if not config.get("Subnet"):
            if config.get("IPRange") or config.get("Gateway"):
                raise Forbidden("ipam config without a subnet")  # libnetwork refuses it too
            subnet = self.space.request(None)
            pool = SubnetPool(subnet, serial=serial)
            return pool, {"Subnet": str(subnet), "Gateway": str(pool.gateway)}
        subnet = parse_subnet(str(config["Subnet"]))
        ip_range = parse_subnet(str(config["IPRange"])) if config.get("IPRange") else None
        gateway = parse_address(str(config["Gateway"])) if config.get("Gateway") else None
        aux = {
            k: parse_address(str(v)) for k, v in (config.get("AuxiliaryAddresses") or {}).items()
        }
        self.space.request(subnet)
        try:
            pool = SubnetPool(
                subnet, ip_range=ip_range, gateway=gateway, aux_addresses=aux, serial=serial
            )
        except Exception:
            self.space.release(subnet)
            raise
        shown = {k: config[k] for k in ("Subnet", "IPRange", "Gateway", "AuxiliaryAddresses")
                 if config.get(k)}  # fmt: skip
        return pool, shown

    def remove(self, ref: str) -> None:
        network = self.get(ref)
        if network.predefined:
            raise Forbidden(f"{network.name} is a pre-defined network and cannot be removed")
        if network.endpoints:
            raise Forbidden(
                "error while removing network: network "
                f"{network.name} id {network.id} has active endpoints"
            )
        self._destroy(network)

    def _destroy(self, network: Network) -> None:
        del self._networks[network.id]
        if network.pool is not None:
            self.space.release(network.pool.subnet)
        for attachments in self._attachments.values():
            attachments.pop(network.id, None)
        self._settings.clear()
        self.events.publish(
            "network", "destroy", network.id, {"name": network.name, "type": network.driver}
        )

    def list_networks(self, filters: Mapping[str, list[str]]) -> list[Network]:
        flt.validate_filters(filters, LIST_FILTERS)
        for value in filters.get("type", ()):
            if value not in ("custom", "builtin"):
                raise InvalidParameter(f"invalid filter: 'type'='{value}'")
        dangling = flt.get_bool(filters, "dangling", False) if "dangling" in filters else None
        out = []
        for n in self._networks.values():
            kind = "builtin" if n.predefined else "custom"
            if not (
                flt.exact_match(filters, "driver", n.driver)
                and flt.fuzzy_match(filters, "id", n.id)
                and flt.match(filters, "name", n.name)
                and flt.exact_match(filters, "scope", "local")
                and flt.exact_match(filters, "type", kind)
                and flt.match_kv_list(filters, "label", n.labels)
            ):
                continue
            if dangling is not None and dangling != (not n.predefined and not n.endpoints):
                continue
            out.append(n)
        return out

    def prune(self, filters: Mapping[str, list[str]]) -> list[str]:
        flt.validate_filters(filters, PRUNE_FILTERS)
        until = until_ns(filters, self.clock)
        deleted = []
        for network in list(self._networks.values()):
            if network.predefined or network.endpoints:
                continue
            if until is not None and network.created_ns >= until:
                continue
            if not flt.match_kv_list(filters, "label", network.labels):
                continue
            if any(_has_label(v, network.labels) for v in filters.get("label!", ())):
                continue
            self._destroy(network)
            deleted.append(network.name)
        self.events.publish("network", "prune", "", {"reclaimed": "0"})
        return deleted

    # -- containers on networks ------------------------------------------------------

    def attachments(self, container_id: str) -> dict[str, Attachment]:
        """The container's networks by network ID (what its NetworkSettings lists)."""
        return dict(self._attachments.get(container_id, {}))

    def endpoint(self, network: Network, container_id: str) -> Endpoint | None:
        return network.endpoints.get(container_id)

    def connect(
        self,
        network: Network,
        container_id: str,
        name: str,
        *,
        aliases: Sequence[str] = (),
        ipv4: str = "",
        links: Sequence[str] = (),
        driver_opts: Mapping[str, str] | None = None,
        running: bool = True,
    ) -> Endpoint | None:
        """Add the container to ``network``; a running one gets its endpoint now.

        ``name`` is the container's name without its ``/``.  Returns the
        endpoint, or ``None`` for a container that is not running (it gets one
        from :meth:`activate` when it starts).
        """
        mine = self._attachments.setdefault(container_id, {})
        if network.id in mine or container_id in network.endpoints:
            raise Forbidden(f"endpoint with name {name} already exists in network {network.name}")
        if network.driver in ("host", "null") and mine:
            raise Forbidden(
                "container cannot be disconnected from host network or connected to host network"
            )
        static = parse_address(ipv4) if ipv4 else None
        attachment = Attachment(
            network.id, list(aliases), static, list(links), dict(driver_opts or {})
        )
        endpoint = None
        if running:  # a created container's address is only checked when it starts, as dockerd
            _check_static(network, attachment)
            endpoint = self._make_endpoint(network, attachment, container_id, name)
        mine[network.id] = attachment
        self._settings.pop(container_id, None)
        return endpoint

    def disconnect(self, network: Network, container_id: str, *, force: bool = False) -> None:
        mine = self._attachments.get(container_id, {})
        if network.id not in mine and container_id not in network.endpoints:
            if force and not network.endpoints:
                return
            raise SystemError_(f"container {container_id} is not connected to network {network.name}")  # fmt: skip
        mine.pop(network.id, None)
        self._settings.pop(container_id, None)
        self._drop_endpoint(network, container_id)
        # dockerd logs the daemon's own "disconnect" besides the endpoint's: a running
        # container's disconnect is two events, a stopped one's (no endpoint) one.
        self.events.publish("network", "disconnect", network.id,
                            {"container": container_id, "name": network.name,
                             "type": network.driver})  # fmt: skip

    def activate(self, container_id: str, name: str) -> list[Endpoint]:
        """At start: an endpoint on every network the container belongs to (all or none)."""
        todo = [
            (network, attachment)
            for network_id, attachment in self._attachments.get(container_id, {}).items()
            if (network := self._networks.get(network_id)) is not None
            and container_id not in network.endpoints
        ]
        for network, attachment in todo:
            _check_static(network, attachment)
        return [self._make_endpoint(n, a, container_id, name) for n, a in todo]

    def deactivate(self, container_id: str) -> None:
        """At stop: give the addresses back (the attachments stay)."""
        for network in self._networks.values():
            self._drop_endpoint(network, container_id)

    def forget(self, container_id: str) -> None:
        """At removal: drop the endpoints and the attachments."""
        self.deactivate(container_id)
        self._attachments.pop(container_id, None)
        self._settings.pop(container_id, None)

    def _make_endpoint(
        self, network: Network, attachment: Attachment, container_id: str, name: str
    ) -> Endpoint:
        if network.pool is None:  # host and none: no address of its own
            endpoint = Endpoint(network.id, container_id, name, self.ids.new_id(),
                                IPv4Address(0), 0, "", "")  # fmt: skip
        else:
            address = network.pool.allocate(attachment.ipv4)
            endpoint = Endpoint(
                network.id, container_id, name, self.ids.new_id(), address,
                network.pool.prefix_len, str(network.pool.gateway), mac_for(address),
            )  # fmt: skip
        network.endpoints[container_id] = endpoint
        self._settings.pop(container_id, None)
        self.events.publish("network", "connect", network.id,
                            {"container": container_id, "name": network.name,
                             "type": network.driver})  # fmt: skip
        return endpoint

    def _drop_endpoint(self, network: Network, container_id: str) -> None:
        endpoint = network.endpoints.pop(container_id, None)
        if endpoint is None:
            return
        self._settings.pop(container_id, None)
        if network.pool is not None:
            network.pool.release(endpoint.ipv4)
        self.events.publish("network", "disconnect", network.id,
                            {"container": container_id, "name": network.name,
                             "type": network.driver})  # fmt: skip

    def endpoint_settings(
        self, container_id: str, name: str = "", api_version: tuple[int, int] = (1, 41)
    ) -> EndpointSettings:
        """``NetworkSettings.Networks`` of a container, by network name, at ``api_version``.

        On a user network the container answers DNS to its ``name`` (without
        ``/``), its aliases and its short ID: ``DNSNames`` from API 1.44;
        before 1.45 the short ID is also among the ``Aliases``.  The answer is
        cached (lists of 10,000 containers ask for each): encode it, never mutate it.
        """
        cached = self._settings.setdefault(container_id, {})
        key = (name, api_version)
        found = cached.get(key)
        if found is None:
            found = cached[key] = self._build_endpoint_settings(container_id, name, api_version)
        return found

    def _build_endpoint_settings(
        self, container_id: str, name: str, api_version: tuple[int, int]
    ) -> EndpointSettings:
        out: dict[str, dict[str, Any]] = {}
        for network_id, attachment in self._attachments.get(container_id, {}).items():
            network = self._networks.get(network_id)
            if network is None:
                continue
            ep = network.endpoints.get(container_id)
            aliases = list(attachment.aliases)
            dns_names = None
            if not network.predefined:
                dns_names = [n for n in (name, *aliases, short_id(container_id)) if n]
                if api_version < (1, 45):
                    aliases.append(short_id(container_id))
            out[network.name] = {
                "IPAMConfig": {"IPv4Address": str(attachment.ipv4)} if attachment.ipv4 else None,
                "Links": attachment.links or None,
                "Aliases": aliases or None,
                "NetworkID": network.id,
                "EndpointID": ep.endpoint_id if ep else "",
                "Gateway": ep.gateway if ep else "",
                "IPAddress": str(ep.ipv4) if ep and ep.prefix_len else "",
                "IPPrefixLen": ep.prefix_len if ep else 0,
                "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                "MacAddress": ep.mac if ep else "",
                "DriverOpts": dict(attachment.driver_opts) or None,
            }  # fmt: skip
            if api_version >= (1, 44):
                out[network.name]["DNSNames"] = dns_names
            if api_version >= (1, 48):
                out[network.name]["GwPriority"] = 0
        return out


def _check_static(network: Network, attachment: Attachment) -> None:
    """libnetwork's rules for a static address (IPAMConfig.IPv4Address)."""
    static = attachment.ipv4
    if static is None:
        return
    if network.predefined:
        raise InvalidParameter("user specified IP address is supported on user defined networks only")  # fmt: skip
    if not network.user_subnet:
        raise InvalidParameter(
            "user specified IP address is supported only when connecting to networks with "
            "user configured subnets"
        )
    if network.pool is not None and static not in network.pool.subnet:
        raise SystemError_(f"Invalid address {static}: It does not belong to any of this network's subnets")  # fmt: skip


def _has_label(value: str, labels: Mapping[str, str]) -> bool:
    key, sep, wanted = value.partition("=")
    return key in labels and (not sep or labels[key] == wanted)


def networks_of(engine: Engine) -> NetworkStore:
    """``engine.networks`` (the Engine builds it)."""
    return engine.networks
