"""``nslookup`` and ``ping``, answered from the engine's network state (``ctx.network``).

No packet leaves the mock.  Names resolve as a container's libc does them
(an IPv4 literal, ``/etc/hosts``, then the DNS server, which only Docker's
embedded DNS on a user network answers here); ``nslookup`` asks the server
alone, as busybox's does.  Output follows busybox 1.36.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import error, parse_or_usage, show_usage
from mockd.programs.signals import SIGINT

EMBEDDED_DNS = "127.0.0.11"


def _ipv4(text: str) -> str | None:
    try:
        return str(IPv4Address(text))
    except ValueError:
        return None


def hosts_entry(ctx: ProgramContext, name: str) -> tuple[str, str] | None:
    """The IPv4 address and canonical name (the line's first) that the container's
    /etc/hosts gives ``name``, from the first line naming it, as libc's files lookup."""
    try:
        text = ctx.fs.read_file("/etc/hosts").decode(errors="replace")
    except OSError:
        return None
    wanted = name.lower()
    for line in text.splitlines():
        words = line.partition("#")[0].split()
        if len(words) >= 2 and _ipv4(words[0]) and wanted in (w.lower() for w in words[1:]):
            return words[0], words[1]
    return None


def _hosts_lookup(ctx: ProgramContext, name: str) -> str | None:
    entry = hosts_entry(ctx, name)
    return entry[0] if entry is not None else None


def resolve_host(ctx: ProgramContext, name: str) -> str | None:
    """An IPv4 address for ``name`` as getaddrinfo finds it; None when nothing knows it."""
    literal = _ipv4(name)
    if literal is not None:
        return literal
    found = _hosts_lookup(ctx, name)
    if found is not None:
        return found
    if name.lower() == "localhost":
        return "127.0.0.1"
    if ctx.network is not None:
        answer = ctx.network.resolve(name)
        if answer:
            return answer[0]
    return None


def _reachable(ctx: ProgramContext, address: str) -> bool:
    if IPv4Address(address).is_loopback:
        return True
    return ctx.network is not None and ctx.network.reachable(address)


# -- nslookup -------------------------------------------------------------------

_NSLOOKUP_USAGE = "[-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]"
_NSLOOKUP_OPTIONS = ("type", "querytype", "port", "retry", "debug", "t", "timeout")


def _nameservers(ctx: ProgramContext) -> list[str]:
    try:
        text = ctx.fs.read_file("/etc/resolv.conf").decode(errors="replace")
    except OSError:
        return []
    return [w[1] for line in text.splitlines() if len(w := line.split()) >= 2 and w[0] == "nameserver"]  # fmt: skip


def _ptr_name(address: str) -> str:
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa"


async def nslookup(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    port = 53
    while args and args[0].startswith("-"):
        option, _, value = args.pop(0)[1:].partition("=")
        if option not in _NSLOOKUP_OPTIONS:
            return await show_usage(ctx, _NSLOOKUP_USAGE)
        if option == "port":
            if not value.isdigit() or not 1 <= int(value) <= 0xFFFF:
                await error(ctx, f"invalid number '{value}'")
                return 1
            port = int(value)
    if not args or len(args) > 2:
        return await show_usage(ctx, _NSLOOKUP_USAGE)
    name = args[0]
    servers = args[1:] or _nameservers(ctx) or ["127.0.0.1"]
    for server in servers:
        address = resolve_host(ctx, server)
        if address is None:
            await error(ctx, f"bad address '{server}'")
            return 1
        embedded = (
            address == EMBEDDED_DNS and port == 53 and ctx.network is not None
            and ctx.network.embedded_dns
        )  # fmt: skip
        if not embedded and _reachable(ctx, address):
            # Nothing listens there: the ICMP port unreachable comes back at once.
            await error(ctx, f"write to '{server}': Connection refused")
            continue
        return await _answer(ctx, name, server, f"{address}:{port}", embedded)
    await ctx.stdout.write(b";; connection timed out; no servers could be reached\n\n")
    return 1


async def _answer(ctx: ProgramContext, name: str, server: str, address: str, embedded: bool) -> int:
    """What a DNS server answers: the embedded DNS knows the containers; other
    servers are outside, and in this emulation they know no name."""
    out = [f"Server:\t\t{server}\nAddress:\t{address}\n\n"]
    if _ipv4(name) is not None:  # busybox asks for the PTR record of an address
        out.append(f"** server can't find {_ptr_name(name)}: NXDOMAIN\n\n")
        await ctx.stdout.write("".join(out).encode())
        return 1
    found = ctx.network.resolve(name) if embedded and ctx.network is not None else []
    if not found:  # the A and the AAAA query
        out.append(f"** server can't find {name}: NXDOMAIN\n\n" * 2)
        await ctx.stdout.write("".join(out).encode())
        return 1
    shown = name.removesuffix(".")
    out.append("Non-authoritative answer:\n")
    out.extend(f"Name:\t{shown}\nAddress: {a}\n" for a in found)
    out.append("\nNon-authoritative answer:\n\n")  # no AAAA record: an empty answer
    await ctx.stdout.write("".join(out).encode())
    return 0


# -- ping -------------------------------------------------------------------------

_PING_USAGE = "[OPTIONS] HOST"
_MAXWAIT = 10  # -W's default: seconds to wait for the first reply after the last packet


@dataclass
class _PingStats:
    host: str
    transmitted: int = 0
    times_us: list[int] = field(default_factory=list)

    def summary(self) -> str:
        received = len(self.times_us)
        loss = (self.transmitted - received) * 100 // self.transmitted if self.transmitted else 0
        text = (
            f"\n--- {self.host} ping statistics ---\n{self.transmitted} packets transmitted, "
            f"{received} packets received, {loss}% packet loss\n"
        )
        if self.times_us:
            low, high = min(self.times_us), max(self.times_us)
            avg = sum(self.times_us) // received
            text += f"round-trip min/avg/max = {_ms(low)}/{_ms(avg)}/{_ms(high)} ms\n"
        return text


def _ms(us: int) -> str:
    return f"{us // 1000}.{us % 1000:03d}"


def _trip_us(address: str, seq: int) -> int:
    """A plausible round trip on a local bridge: tens of microseconds, varying a little."""
    return 40 + (seq * 37 + int(IPv4Address(address)) * 11) % 90


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() else None


async def ping(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, _PING_USAGE, "qv46nA", "cstwWIpi")
    if parsed is None:
        return 1
    flags, values, rest = parsed
    if len(rest) != 1:
        return await show_usage(ctx, _PING_USAGE)
    numbers: dict[str, int] = {}
    for letter, default in (("c", 0), ("s", 56), ("w", 0), ("W", _MAXWAIT)):
        number = _count(values[letter]) if letter in values else default
        if number is None:
            await error(ctx, f"invalid number '{values[letter]}'")
            return 1
        numbers[letter] = number
    host = rest[0]
    address = resolve_host(ctx, host)
    if address is None:
        await error(ctx, f"bad address '{host}'")
        return 1
    count, deadline = numbers["c"], numbers["w"]
    await ctx.stdout.write(f"PING {host} ({address}): {numbers['s']} data bytes\n".encode())
    stats = _PingStats(host)
    pinging = asyncio.ensure_future(
        _send(ctx, stats, address, numbers["s"] + 8, count, deadline, numbers["W"], "q" in flags)
    )
    interrupted = asyncio.ensure_future(ctx.signals.wait(SIGINT))  # busybox's only handler
    try:
        await asyncio.wait({pinging, interrupted}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pinging, interrupted):
            task.cancel()
    if pinging.done() and not pinging.cancelled():
        pinging.result()  # a write error, say
    await ctx.stdout.write(stats.summary().encode())
    received = len(stats.times_us)
    return int(received == 0 or (deadline > 0 and received < count))


async def _send(
    ctx: ProgramContext,
    stats: _PingStats,
    address: str,
    size: int,
    count: int,
    deadline: int,
    wait: int,
    quiet: bool,
) -> None:
    """busybox's timeline: a packet a second; after the last one, ``-W`` seconds for
    a reply that never comes; ``-w`` ends it all at its deadline."""
    answers = _reachable(ctx, address)
    elapsed = 0
    while True:
        if deadline and elapsed >= deadline:
            return
        seq = stats.transmitted
        stats.transmitted += 1
        if answers:
            trip = _trip_us(address, seq)
            stats.times_us.append(trip)
            if not quiet:
                line = f"{size} bytes from {address}: seq={seq} ttl=64 time={_ms(trip)} ms\n"
                await ctx.stdout.write(line.encode())
            if count and len(stats.times_us) >= count:
                return
        if count == 0 or stats.transmitted < count:
            await ctx.clock.sleep(1)
            elapsed += 1
            continue
        # All sent, the last one unanswered (only an unreachable host gets here).
        await ctx.clock.sleep(min(wait, deadline - elapsed) if deadline else wait)
        return
