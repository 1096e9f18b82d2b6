from ipaddress import IPv4Address, IPv4Network

import pytest

from mockd.engine.ipam import AddressSpace, SubnetPool, default_subnets, mac_for
from mockd.errors import DaemonError, Forbidden


def test_default_pools_in_moby_order() -> None:
    subnets = list(default_subnets())
    assert [str(s) for s in subnets[:3]] == ["172.17.0.0/16", "172.18.0.0/16", "172.19.0.0/16"]
    assert str(subnets[14]) == "172.31.0.0/16"
    assert [str(s) for s in subnets[15:17]] == ["192.168.0.0/20", "192.168.16.0/20"]
    assert len(subnets) == 15 + 16


def test_space_skips_used_and_overlapping_subnets() -> None:
    space = AddressSpace()
    assert space.request(IPv4Network("172.17.0.0/16")) == IPv4Network("172.17.0.0/16")
    space.request(IPv4Network("172.18.5.0/24"))  # overlaps the next default
    assert space.request() == IPv4Network("172.19.0.0/16")
    with pytest.raises(Forbidden, match="Pool overlaps"):
        space.request(IPv4Network("172.19.1.0/24"))
    space.release(IPv4Network("172.19.0.0/16"))
    assert space.request() == IPv4Network("172.19.0.0/16")


@pytest.mark.parametrize(
    ("subnet", "ip_range", "gateway", "first"),
    [
        ("10.0.0.0/24", None, None, ("10.0.0.1", "10.0.0.2")),
        ("10.0.0.0/24", None, "10.0.0.254", ("10.0.0.254", "10.0.0.1")),
        ("10.0.0.0/24", "10.0.0.128/25", None, ("10.0.0.128", "10.0.0.129")),
    ],
)
def test_gateway_and_first_address(
    subnet: str, ip_range: str | None, gateway: str | None, first: tuple[str, str]
) -> None:
    pool = SubnetPool(
        IPv4Network(subnet),
        ip_range=IPv4Network(ip_range) if ip_range else None,
        gateway=IPv4Address(gateway) if gateway else None,
    )
    assert (str(pool.gateway), str(pool.allocate())) == first


def test_aux_addresses_are_never_given_out() -> None:
    pool = SubnetPool(IPv4Network("10.0.0.0/29"), aux_addresses={"h": IPv4Address("10.0.0.2")})
    got = [str(pool.allocate()) for _ in range(4)]
    assert got == ["10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]
    with pytest.raises(DaemonError, match="no available"):
        pool.allocate()


def test_allocation_takes_the_lowest_free_address() -> None:
    """As dockerd 20.10 (checked): a released address is the next one given."""
    pool = SubnetPool(IPv4Network("10.0.0.0/29"))
    a = pool.allocate()
    b = pool.allocate()
    pool.release(a)
    assert pool.allocate() == a
    pool.release(b)
    pool.release(a)
    assert [str(pool.allocate()) for _ in range(3)] == ["10.0.0.2", "10.0.0.3", "10.0.0.4"]


def test_serial_allocation_moves_on_after_release() -> None:
    """With com.docker.network.ipam.serial: after the last address given, wrapping."""
    pool = SubnetPool(IPv4Network("10.0.0.0/29"), serial=True)
    a = pool.allocate()
    pool.allocate()
    pool.release(a)
    assert str(pool.allocate()) == "10.0.0.4"  # not the released .2
    for _ in range(2):
        pool.allocate()
    assert pool.allocate() == a  # wrapped around to the free one


def test_static_addresses_are_validated() -> None:
    pool = SubnetPool(IPv4Network("10.0.0.0/24"))
    assert str(pool.allocate(IPv4Address("10.0.0.50"))) == "10.0.0.50"
    with pytest.raises(Forbidden, match="Address already in use"):
        pool.allocate(IPv4Address("10.0.0.50"))
    with pytest.raises(Forbidden):
        pool.allocate(IPv4Address("10.0.0.1"))  # the gateway
    with pytest.raises(DaemonError, match="does not belong"):
        pool.allocate(IPv4Address("10.9.0.5"))


def test_gateway_outside_subnet_is_refused() -> None:
    with pytest.raises(DaemonError, match=r"failed to allocate gateway \(10.97.0.1\)"):
        SubnetPool(IPv4Network("10.98.0.0/24"), gateway=IPv4Address("10.97.0.1"))


def test_mac_follows_the_address() -> None:
    assert mac_for(IPv4Address("172.17.0.5")) == "02:42:ac:11:00:05"
