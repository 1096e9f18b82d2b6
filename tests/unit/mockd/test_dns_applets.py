"""nslookup and ping in mock containers: Docker's embedded DNS on user networks, /etc/hosts
on the default bridge, answered from the daemon's state (no packet is sent)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from dockersdk import DockerClient
from dockersdk.api.containers import Container
from mockd import MockDaemon


@pytest.fixture
def client() -> Iterator[DockerClient]:
    with MockDaemon() as daemon, daemon.client() as docker:
        yield docker


def _run(client: DockerClient, name: str, **kwargs: object) -> Container:
    return client.containers.run("busybox", ["sleep", "300"], name=name, detach=True, **kwargs)


def _address(container: Container, network: str) -> str:
    container.reload()
    return str(container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"])


def _exec(container: Container, cmd: list[str]) -> tuple[int | None, str, str]:
    code, (out, err) = container.exec_run(cmd, demux=True)
    return code, (out or b"").decode(), (err or b"").decode()


def test_containers_on_a_user_network_resolve_each_other(client: DockerClient) -> None:
    client.networks.create("appnet")
    c1 = _run(client, "c1", network="appnet")
    c2 = _run(
        client, "c2", network="appnet", hostname="h2",
        networking_config={"appnet": {"Aliases": ["al"]}},
    )  # fmt: skip
    c2_ip = _address(c2, "appnet")

    for name in ("c2", "al", c2.id[:12], "C2", "c2.appnet"):
        code, out, err = _exec(c1, ["nslookup", name])
        assert (code, err) == (0, ""), name
        assert out == (
            "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n"
            f"Non-authoritative answer:\nName:\t{name}\nAddress: {c2_ip}\n\n"
            "Non-authoritative answer:\n\n"
        )
    code, out, err = _exec(c1, ["ping", "-c", "1", "al"])
    assert (code, err) == (0, "")
    assert re.fullmatch(
        rf"PING al \({c2_ip}\): 56 data bytes\n"
        rf"64 bytes from {c2_ip}: seq=0 ttl=64 time=0\.\d{{3}} ms\n\n"
        r"--- al ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\n"
        r"round-trip min/avg/max = [\d./]+ ms\n",
        out,
    )
    # An unknown name is NXDOMAIN on both queries (A and AAAA); a hostname is no DNS name.
    for name in ("nosuch", "h2"):
        code, out, _ = _exec(c1, ["nslookup", name])
        assert code == 1
        assert out.endswith("53\n\n" + f"** server can't find {name}: NXDOMAIN\n\n" * 2)
    assert _exec(c1, ["ping", "-c", "1", "h2"]) == (1, "", "ping: bad address 'h2'\n")
    assert _exec(c2, ["ping", "-c", "1", "h2"])[0] == 0  # its own, from its /etc/hosts


def test_default_bridge_has_no_embedded_dns(client: DockerClient) -> None:
    _run(client, "target")
    probe = _run(client, "probe", extra_hosts={"gw": "host-gateway", "other": "10.9.9.9"})
    code, out, err = _exec(probe, ["ping", "-c", "1", "target"])
    assert (code, out, err) == (1, "", "ping: bad address 'target'\n")

    code, out, _ = _exec(probe, ["nslookup", "target"])
    nameserver = _exec(probe, ["grep", "^nameserver", "/etc/resolv.conf"])[1].split()[1]
    assert code == 1
    assert out == (
        f"Server:\t\t{nameserver}\nAddress:\t{nameserver}:53\n\n"
        + "** server can't find target: NXDOMAIN\n\n" * 2
    )
    # --add-host names resolve through /etc/hosts: the gateway answers, the outside does not.
    code, out, _ = _exec(probe, ["ping", "-c", "1", "gw"])
    assert code == 0 and "1 packets received, 0% packet loss" in out
    code, out, _ = _exec(probe, ["ping", "-c", "1", "-W", "1", "other"])
    assert code == 1
    assert out == (
        "PING other (10.9.9.9): 56 data bytes\n\n--- other ping statistics ---\n"
        "1 packets transmitted, 0 packets received, 100% packet loss\n"
    )


def test_add_host_names_ping_on_a_user_network_but_nslookup_does_not_see_them(
    client: DockerClient,
) -> None:
    client.networks.create("hostsnet")
    peer = _run(client, "peer", network="hostsnet")
    peer_ip = _address(peer, "hostsnet")
    probe = _run(client, "probe2", network="hostsnet", extra_hosts={"db": peer_ip})
    code, out, _ = _exec(probe, ["ping", "-c", "1", "db"])
    assert code == 0 and f"64 bytes from {peer_ip}: seq=0" in out
    code, out, _ = _exec(probe, ["nslookup", "db"])
    assert code == 1 and "** server can't find db: NXDOMAIN" in out


def test_disconnect_and_stop_end_resolution(client: DockerClient) -> None:
    net = client.networks.create("shortnet")
    a = _run(client, "ca", network="shortnet")
    b = _run(client, "cb", network="shortnet")
    assert _exec(a, ["ping", "-c", "1", "cb"])[0] == 0
    b_ip = _address(b, "shortnet")

    net.disconnect(b)
    assert _exec(a, ["ping", "-c", "1", "cb"]) == (1, "", "ping: bad address 'cb'\n")
    code, out, _ = _exec(a, ["ping", "-c", "1", "-W", "1", b_ip])  # no longer shares a network
    assert code == 1 and "100% packet loss" in out

    net.connect(b, aliases=["back"])
    assert _exec(a, ["ping", "-c", "1", "back"])[0] == 0
    b.stop(timeout=0)
    assert _exec(a, ["nslookup", "back"])[0] == 1

    net.disconnect(a)  # the embedded server stays, and no longer knows the network's names
    code, out, _ = _exec(a, ["nslookup", "ca"])
    assert code == 1 and out.startswith("Server:\t\t127.0.0.11\n")
