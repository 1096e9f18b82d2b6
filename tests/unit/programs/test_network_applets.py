"""nslookup and ping: busybox 1.36's output, from a fake view of the container's networks."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from mockd.engine.clock import ManualClock
from mockd.programs import run_program
from mockd.programs.applets.network import resolve_host
from mockd.programs.signals import SIGINT, SIGTERM
from tests.unit.programs.helpers import Box, Result

EMBEDDED_HEADER = "Server:\t\t127.0.0.11\nAddress:\t127.0.0.11:53\n\n"


@dataclass
class FakeNetwork:
    """A container on a user network: the embedded DNS knows ``names``; ``peers`` answer pings."""

    names: dict[str, list[str]] = field(default_factory=dict)
    peers: set[str] = field(default_factory=set)
    embedded_dns: bool = True

    def resolve(self, name: str) -> list[str]:
        return self.names.get(name, []) if self.embedded_dns else []

    def reachable(self, address: str) -> bool:
        return address in self.peers


class NetBox(Box):
    def __init__(self, network: FakeNetwork) -> None:
        super().__init__(clock=ManualClock())
        self.network = network


def user_network_box(network: FakeNetwork | None = None) -> NetBox:
    box = NetBox(
        network
        if network is not None
        else FakeNetwork({"al": ["172.24.0.2"], "c4": ["172.24.0.4"]}, {"172.24.0.2", "172.24.0.4"})
    )
    for name in ("nslookup", "ping"):
        box.fs.symlink("/bin/busybox", "/bin/" + name)
    box.fs.write_file(
        "/etc/hosts", b"127.0.0.1\tlocalhost\n172.24.0.3\tself-host\n10.1.2.3\tExtra\n"
    )
    box.fs.write_file("/etc/resolv.conf", b"nameserver 127.0.0.11\noptions ndots:0\n")
    return box


def run(box: NetBox, argv: list[str], *, signal: int | None = None) -> tuple[Result, float]:
    """Run ``argv``, moving the clock a second whenever the program sleeps; with ``signal``,
    send it at the third sleep.  Returns the result and the seconds that passed."""
    clock = box.clock
    assert isinstance(clock, ManualClock)
    ctx, out, err = box.context(network=box.network)
    start = clock.monotonic()

    async def main() -> int:
        task = asyncio.ensure_future(run_program(argv, ctx))
        sleeps, pending = 0, signal
        while not task.done():
            await asyncio.sleep(0)
            if clock.sleepers:
                sleeps += 1
                if pending is not None and sleeps == 3:
                    box.processes.kill(1, pending)
                    pending = None
                    for _ in range(20):  # it must end with no time passing
                        await asyncio.sleep(0)
                    continue
                clock.advance(1)
        return task.result()

    status = asyncio.run(asyncio.wait_for(main(), 10))
    return Result(
        out.getvalue().decode(), err.getvalue().decode(), status
    ), clock.monotonic() - start


def test_resolution_order_literal_hosts_localhost_then_embedded_dns() -> None:
    box = user_network_box()
    ctx, _, _ = box.context(network=box.network)
    assert resolve_host(ctx, "10.0.0.7") == "10.0.0.7"
    assert resolve_host(ctx, "extra") == "10.1.2.3"  # /etc/hosts, any case
    assert resolve_host(ctx, "al") == "172.24.0.2"
    assert resolve_host(ctx, "nosuch") is None
    box.fs.remove("/etc/hosts")
    assert resolve_host(ctx, "localhost") == "127.0.0.1"
    bare, _, _ = box.context()  # no network knowledge: literals and /etc/hosts only
    assert resolve_host(bare, "al") is None and resolve_host(bare, "1.2.3.4") == "1.2.3.4"


def test_nslookup_answers_from_the_embedded_dns() -> None:
    result, _ = run(user_network_box(), ["nslookup", "al"])
    assert result == Result(
        EMBEDDED_HEADER + "Non-authoritative answer:\nName:\tal\nAddress: 172.24.0.2\n\n"
        "Non-authoritative answer:\n\n",
        "",
        0,
    )


def test_nslookup_nxdomain_and_hosts_names_it_does_not_read() -> None:
    for name in ("nosuch", "Extra"):  # busybox asks the server, never /etc/hosts
        result, _ = run(user_network_box(), ["nslookup", name])
        assert result == Result(
            EMBEDDED_HEADER + f"** server can't find {name}: NXDOMAIN\n\n" * 2, "", 1
        )
    result, _ = run(user_network_box(), ["nslookup", "172.24.0.2"])
    assert result.stdout == (
        EMBEDDED_HEADER + "** server can't find 2.0.24.172.in-addr.arpa: NXDOMAIN\n\n"
    )


def test_nslookup_on_the_default_bridge_asks_the_hosts_server() -> None:
    box = user_network_box(FakeNetwork({"al": ["172.17.0.2"]}, embedded_dns=False))
    box.fs.write_file("/etc/resolv.conf", b"search example.com\nnameserver 8.8.8.8\n")
    result, _ = run(box, ["nslookup", "al"])
    assert result == Result(
        "Server:\t\t8.8.8.8\nAddress:\t8.8.8.8:53\n\n"
        + "** server can't find al: NXDOMAIN\n\n" * 2,
        "",
        1,
    )
    # 127.0.0.11 named by hand: nothing listens on the bridge.
    result, _ = run(box, ["nslookup", "al", "127.0.0.11"])
    assert result == Result(
        ";; connection timed out; no servers could be reached\n\n",
        "nslookup: write to '127.0.0.11': Connection refused\n",
        1,
    )
    result, _ = run(box, ["nslookup", "al", "nosuchserver"])
    assert result == Result("", "nslookup: bad address 'nosuchserver'\n", 1)


def test_ping_a_reachable_container() -> None:
    result, elapsed = run(user_network_box(), ["ping", "-c", "3", "c4"])
    lines = result.stdout.splitlines()
    assert lines[0] == "PING c4 (172.24.0.4): 56 data bytes"
    for seq, line in enumerate(lines[1:4]):
        assert re.fullmatch(
            rf"64 bytes from 172\.24\.0\.4: seq={seq} ttl=64 time=0\.\d{{3}} ms", line
        )
    assert lines[4:7] == [
        "",
        "--- c4 ping statistics ---",
        "3 packets transmitted, 3 packets received, 0% packet loss",
    ]
    assert re.fullmatch(r"round-trip min/avg/max = (0\.\d{3}/){2}0\.\d{3} ms", lines[7])
    assert (result.stderr, result.status, elapsed) == ("", 0, 2)  # a packet a second


def test_ping_quiet_loopback_and_deadline() -> None:
    result, elapsed = run(user_network_box(), ["ping", "-q", "-w", "3", "localhost"])
    assert result.stdout.startswith(
        "PING localhost (127.0.0.1): 56 data bytes\n\n--- localhost ping statistics ---\n"
        "3 packets transmitted, 3 packets received, 0% packet loss\nround-trip"
    )
    assert (result.status, elapsed) == (0, 3)


def test_ping_unknown_name_and_bad_arguments() -> None:
    assert run(user_network_box(), ["ping", "-c", "1", "nosuch"])[0] == Result(
        "", "ping: bad address 'nosuch'\n", 1
    )
    result, _ = run(user_network_box(), ["ping", "-c", "x", "al"])
    assert (result.stderr, result.status) == ("ping: invalid number 'x'\n", 1)
    result, _ = run(user_network_box(), ["ping"])
    assert result.status == 1 and "Usage: ping [OPTIONS] HOST" in result.stderr


def test_ping_an_unreachable_address_loses_every_packet() -> None:
    result, elapsed = run(user_network_box(), ["ping", "-c", "2", "-W", "1", "extra"])
    assert result == Result(
        "PING extra (10.1.2.3): 56 data bytes\n\n--- extra ping statistics ---\n"
        "2 packets transmitted, 0 packets received, 100% packet loss\n",
        "",
        1,
    )
    assert elapsed == 2  # the second packet a second later, then -W 1 for its reply
    _, elapsed = run(user_network_box(), ["ping", "-c", "1", "10.9.9.9"])
    assert elapsed == 10  # -W's default


def test_ping_without_count_runs_until_interrupted() -> None:
    result, elapsed = run(user_network_box(), ["ping", "al"], signal=SIGINT)
    assert result.stdout.count("64 bytes from 172.24.0.2") == 3
    assert "3 packets transmitted, 3 packets received, 0% packet loss\n" in result.stdout
    assert (result.status, elapsed) == (0, 2)
    # busybox handles SIGINT only: SIGTERM ends it at once, without statistics.
    result, _ = run(user_network_box(), ["ping", "al"], signal=SIGTERM)
    assert result.status == 143 and "statistics" not in result.stdout
