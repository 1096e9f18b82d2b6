"""What a container's programs can learn of its networks: Docker's embedded DNS, pings,
and its interfaces (for ``ip``, ``ifconfig`` and ``route``).

On every user-defined network a running container is attached to, libnetwork's
embedded DNS server (127.0.0.11) answers the names of the running containers
on that network with their address there: the container's name, its short ID
and its network aliases (not its hostname), and ``NAME.NETWORK`` for one
network only.  The first of the container's networks that knows a name
answers.  The default bridge has no embedded DNS: there only ``/etc/hosts``
names resolve (the programs read that file themselves).

A ping is answered by the container itself (its addresses, loopback), by the
running containers it shares a network with, and by the host at a network's
gateway; Docker's isolation rules drop traffic between networks, and nothing
outside the engine answers in this emulation.

Everything is looked up when asked, so ``network connect``/``disconnect`` and
containers starting or stopping are seen at once, as with the real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from mockd.engine.ids import short_id
from mockd.engine.networks import Network
from mockd.errors import NotFound
from mockd.programs.api import Interface

if TYPE_CHECKING:
    from mockd.engine.containers import Container, ContainerStore

__all__ = ["ContainerNetwork"]

_NO_EMBEDDED_DNS = ("default", "bridge", "none", "host")


class ContainerNetwork:
    """``mockd.programs.api.NetworkView`` of one container, from the engine's stores."""

    def __init__(self, containers: ContainerStore, container_id: str) -> None:
        self._containers = containers
        self._container_id = container_id

    def _owner(self) -> Container | None:
        """The container whose network namespace this one uses (``--network container:X``)."""
        try:
            c = self._containers.get(self._container_id)
            if c.network_mode.startswith("container:"):
                c = self._containers.get(c.network_mode.partition(":")[2])
        except NotFound:
            return None
        return c

    @property
    def embedded_dns(self) -> bool:
        # dockerd starts the server with the sandbox, for a container started on a
        # user network (its resolv.conf then names 127.0.0.11); it outlives a disconnect.
        owner = self._owner()
        return owner is not None and owner.network_mode not in _NO_EMBEDDED_DNS

    def _networks(self) -> Iterator[Network]:
        """The networks the container has an endpoint on now, in attachment order."""
        owner = self._owner()
        if owner is None:
            return
        store = self._containers.networks
        for network_id in store.attachments(owner.id):
            try:
                network = store.get(network_id)
            except NotFound:
                continue
            if owner.id in network.endpoints:
                yield network

    def resolve(self, name: str) -> list[str]:
        if not self.embedded_dns:
            return []
        name = name.lower().removesuffix(".")
        store = self._containers.networks
        for network in self._networks():
            if network.predefined:
                continue
            wanted = name
            if name.endswith("." + network.name.lower()):  # c1.mynet
                wanted = name[: -len(network.name) - 1]
            found = []
            for cid, endpoint in network.endpoints.items():
                attachment = store.attachments(cid).get(network.id)
                aliases = attachment.aliases if attachment is not None else []
                names = {endpoint.name, short_id(cid), *aliases}
                if wanted in {n.lower() for n in names}:
                    found.append(str(endpoint.ipv4))
            if found:
                return found
        return []

    def interfaces(self) -> list[Interface]:
        owner = self._owner()
        if owner is None:
            return []
        out = []
        for position, network in enumerate(self._networks()):
            endpoint = network.endpoints[owner.id]
            if not endpoint.prefix_len:
                continue  # host and none give no interface of the container's own
            out.append(Interface(
                name=f"eth{position}",
                # A stable stand-in for the host's ifindex: the real ones grow with every veth.
                index=2 + 2 * (int(endpoint.endpoint_id[:8], 16) % 5000),
                mac=endpoint.mac,
                address=str(endpoint.ipv4),
                prefix_len=endpoint.prefix_len,
                gateway=endpoint.gateway,  # an internal network keeps its default route
                mtu=int(network.options.get("com.docker.network.driver.mtu") or 1500),
            ))  # fmt: skip
        return out

    def reachable(self, address: str) -> bool:
        try:
            wanted = IPv4Address(address)
        except ValueError:
            return False
        if wanted.is_loopback:
            return True
        for network in self._networks():
            pool = network.pool
            if pool is not None and not network.internal and wanted == pool.gateway:
                return True  # the host's side of the bridge
            if any(ep.ipv4 == wanted and ep.prefix_len for ep in network.endpoints.values()):
                return True
        return False
