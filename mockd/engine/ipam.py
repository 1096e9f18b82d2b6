"""IPv4 address management, as libnetwork's default IPAM driver does it.

:class:`AddressSpace` hands out subnets: a requested one if it overlaps no
subnet in use, otherwise the first free subnet of the engine's default
address pools (moby's ``ipamutils``: 172.17-31.0.0/16, then 192.168.0.0/16
cut into /20s).  :class:`SubnetPool` hands out the addresses of one subnet:
in order, from the IP range when there is one, never the network or broadcast
address, the gateway or an auxiliary address; the lowest free one, as
libnetwork's bitmap does by default (dockerd 20.10 gives a released address out
again at once), or after the last one given, wrapping around, when the
network's IPAM options ask for ``com.docker.network.ipam.serial``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from ipaddress import IPv4Address, IPv4Network

from mockd.errors import Forbidden, InvalidParameter, SystemError_

__all__ = [
    "DEFAULT_BRIDGE_SUBNET",
    "AddressSpace",
    "SubnetPool",
    "default_subnets",
    "mac_for",
]

DEFAULT_BRIDGE_SUBNET = IPv4Network("172.17.0.0/16")
# moby's ipamutils localScopeDefaultNetworks: (base, size of each subnet).
DEFAULT_POOLS: tuple[tuple[str, int], ...] = (
    *((f"172.{n}.0.0/16", 16) for n in range(17, 32)),
    ("192.168.0.0/16", 20),
)


def default_subnets() -> Iterator[IPv4Network]:
    """Every subnet the default pools offer, in the order libnetwork tries them."""
    for base, size in DEFAULT_POOLS:
        yield from IPv4Network(base).subnets(new_prefix=size)


def mac_for(address: IPv4Address) -> str:
    """The MAC dockerd derives from an IPv4 address: ``02:42`` and the four bytes."""
    return "02:42:" + ":".join(f"{b:02x}" for b in address.packed)


def parse_subnet(text: str) -> IPv4Network:
    try:
        return IPv4Network(text, strict=False)
    except ValueError:
        # dockerd reports a bad CIDR as a 500 with Go's ParseCIDR wording.
        raise SystemError_(f"Invalid subnet {text} : invalid CIDR address: {text}") from None


def parse_address(text: str) -> IPv4Address:
    try:
        return IPv4Address(text)
    except ValueError:
        raise InvalidParameter(f"invalid IPv4 address: {text}") from None


class SubnetPool:
    """The addresses of one subnet: gateway, reserved addresses, allocations."""

    def __init__(
        self,
        subnet: IPv4Network,
        *,
        ip_range: IPv4Network | None = None,
        gateway: IPv4Address | None = None,
        aux_addresses: Mapping[str, IPv4Address] | None = None,
        serial: bool = False,
    ) -> None:
        self.subnet = subnet
        self.serial = serial
        self.ip_range = ip_range
        if ip_range is not None and not ip_range.subnet_of(subnet):
            raise Forbidden(f"Invalid range {ip_range} for subnet {subnet}")
        self.aux_addresses = dict(aux_addresses or {})
        for address in self.aux_addresses.values():
            if address not in subnet:
                raise Forbidden(f"Invalid aux address {address}: It does not belong to any of this network's subnets")  # fmt: skip
        self._reserved = {subnet.network_address, subnet.broadcast_address}
        self._reserved.update(self.aux_addresses.values())
        self._allocated: set[IPv4Address] = set()
        self._last: IPv4Address | None = None
        # Below this no address is free: the lowest-free search starts here, so that
        # filling a /16 one container at a time stays linear.
        self._lowest_maybe_free = 0
        # The gateway is the first address given out, unless the user chose it.
        if gateway is not None:
            if gateway not in subnet:
                raise SystemError_(f"failed to allocate gateway ({gateway}): Requested address is out of range")  # fmt: skip
            self.gateway = gateway
            self._reserved.add(gateway)
        else:
            self.gateway = self.allocate()

    @property
    def prefix_len(self) -> int:
        return self.subnet.prefixlen

    @property
    def allocated(self) -> frozenset[IPv4Address]:
        return frozenset(self._allocated)

    @property
    def last_given(self) -> IPv4Address | None:
        """The address most recently handed out by :meth:`allocate` (where it resumes)."""
        return self._last

    def resume_after(self, address: IPv4Address | None) -> None:
        """Continue handing out addresses after ``address``, as a restored pool does."""
        self._last = address

    def _candidates(self) -> Iterable[IPv4Address]:
        span = self.ip_range or self.subnet
        first, last = int(span.network_address), int(span.broadcast_address)
        if self.serial:
            serial_start = self._last is not None and int(self._last) < last
            start = int(self._last) + 1 if serial_start and self._last is not None else first
        else:
            start = self._lowest_maybe_free
        start = max(start, first)
        # Lazily: a /16 holds 65,536 addresses and an allocation usually takes the first.
        for value in itertools.chain(range(start, last + 1), range(first, start)):
            yield IPv4Address(value)

    def allocate(self, preferred: IPv4Address | None = None) -> IPv4Address:
        """The next free address, or ``preferred`` (which must be in the subnet and free)."""
        if preferred is not None:
            if preferred not in self.subnet:
                raise SystemError_(f"Invalid address {preferred}: It does not belong to any of this network's subnets")  # fmt: skip
            if preferred in self._allocated or preferred in self._reserved:
                raise Forbidden("Address already in use")
            self._allocated.add(preferred)
            return preferred
        for candidate in self._candidates():
            if candidate not in self._allocated and candidate not in self._reserved:
                self._allocated.add(candidate)
                self._last = candidate
                if not self.serial:
                    self._lowest_maybe_free = int(candidate) + 1
                return candidate
        raise _exhausted(self.subnet)

    def release(self, address: IPv4Address) -> None:
        self._allocated.discard(address)
        self._lowest_maybe_free = min(self._lowest_maybe_free, int(address))


def _exhausted(subnet: IPv4Network) -> SystemError_:
    return SystemError_(f"no available IPv4 addresses on this network's address pools: {subnet}")


class AddressSpace:
    """The subnets in use on the daemon (libnetwork's local address space)."""

    def __init__(self) -> None:
        self._subnets: list[IPv4Network] = []

    @property
    def subnets(self) -> list[IPv4Network]:
        return list(self._subnets)

    def _overlaps(self, subnet: IPv4Network) -> bool:
        return any(subnet.overlaps(used) for used in self._subnets)

    def request(self, subnet: IPv4Network | None = None) -> IPv4Network:
        """Reserve ``subnet``, or the first free default subnet when it is ``None``."""
        if subnet is not None:
            if self._overlaps(subnet):
                raise Forbidden("Pool overlaps with other one on this address space")
            self._subnets.append(subnet)
            return subnet
        for candidate in default_subnets():
            if not self._overlaps(candidate):
                self._subnets.append(candidate)
                return candidate
        raise Forbidden(
            "could not find an available, non-overlapping IPv4 address pool among the defaults"
            " to assign to the network"
        )

    def release(self, subnet: IPv4Network) -> None:
        if subnet in self._subnets:
            self._subnets.remove(subnet)
