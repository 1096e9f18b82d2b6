"""``ip`` (addr, link, route, neigh, rule), ``ifconfig`` and ``route``: the container's
interfaces and routes as busybox 1.35 prints them, from the engine's network state
(``ctx.network``).  Reading only: changing interfaces or routes needs CAP_NET_ADMIN,
which a container lacks by default, so those requests fail as they do there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from mockd.programs.api import Interface, ProgramContext
from mockd.programs.applets._common import error

_IP_USAGE = """BusyBox v1.36.1 (mockd) multi-call binary.

Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]
"""


@dataclass(frozen=True)
class _Route:
    destination: str  # "default" or a CIDR
    gateway: str
    device: str
    source: str = ""


def _interfaces(ctx: ProgramContext) -> list[Interface]:
    return ctx.network.interfaces() if ctx.network is not None else []


def _routes(interfaces: list[Interface]) -> list[_Route]:
    """The default route through the first interface with a gateway, then one route for
    each connected subnet (sorted by address, as the kernel lists them)."""
    routes: list[_Route] = []
    first = next((i for i in interfaces if i.gateway), None)
    if first is not None:
        routes.append(_Route("default", first.gateway, first.name))
    connected = sorted(
        interfaces, key=lambda i: IPv4Network(f"{i.address}/{i.prefix_len}", strict=False)
    )
    for i in connected:
        subnet = IPv4Network(f"{i.address}/{i.prefix_len}", strict=False)
        routes.append(_Route(str(subnet), "", i.name, i.address))
    return routes


def _broadcast(i: Interface) -> str:
    return str(IPv4Network(f"{i.address}/{i.prefix_len}", strict=False).broadcast_address)


# -- ip ---------------------------------------------------------------------------------


def _link_lines(i: Interface | None) -> list[str]:
    if i is None:
        return [
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000",
            "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
        ]
    return [
        f"{i.index}: {i.name}@if{i.index + 1}: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> "
        f"mtu {i.mtu} qdisc noqueue ",
        f"    link/ether {i.mac} brd ff:ff:ff:ff:ff:ff",
    ]


def _addr_lines(i: Interface | None) -> list[str]:
    if i is None:
        return [
            "    inet 127.0.0.1/8 scope host lo",
            "       valid_lft forever preferred_lft forever",
        ]
    return [
        f"    inet {i.address}/{i.prefix_len} brd {_broadcast(i)} scope global {i.name}",
        "       valid_lft forever preferred_lft forever",
    ]


def _selected(
    interfaces: list[Interface], args: list[str]
) -> tuple[list[Interface | None], str | None]:
    """``[show] [dev] NAME``: lo (None) and the interfaces, or the one named; an error."""
    words = [a for a in args if a not in ("show", "list", "dev")]
    every: list[Interface | None] = [None, *interfaces]
    if not words:
        return every, None
    name = words[0]
    chosen = [i for i in every if (i.name if i is not None else "lo") == name]
    if not chosen:
        return [], f"can't find device '{name}'"
    return chosen, None


_NOT_PERMITTED = "RTNETLINK answers: Operation not permitted"
# (lines, a message for stderr, exit status)
_Answer = tuple[list[str], str | None, int]


def _ip_addr(interfaces: list[Interface], args: list[str], oneline: bool, family: str) -> _Answer:
    if args and args[0] in ("add", "del", "delete", "flush", "change", "replace"):
        return [], _NOT_PERMITTED, 2
    chosen, problem = _selected(interfaces, args)
    lines: list[str] = []
    for i in chosen:
        head, *link = _link_lines(i)
        addresses = _addr_lines(i)
        if oneline:
            number, name = head.split(": ")[:2]
            lines.append(f"{number}: {name.partition('@')[0]}" + "\\".join(addresses))
            continue
        if family == "inet":
            lines += [head, *addresses]
        else:
            lines += [head, *link, *addresses]
    return lines, problem, 1 if problem else 0


def _ip_link(interfaces: list[Interface], args: list[str], oneline: bool) -> _Answer:
    if args and args[0] == "set":
        return [], "SIOCSIFFLAGS: Operation not permitted", 2
    if args and args[0] in ("add", "del", "delete"):
        return [], _NOT_PERMITTED, 2
    chosen, problem = _selected(interfaces, args)
    if oneline:
        return ["\\".join(_link_lines(i)) for i in chosen], problem, 1 if problem else 0
    return [line for i in chosen for line in _link_lines(i)], problem, 1 if problem else 0


def _route_line(route: _Route) -> str:
    if route.destination == "default":
        return f"default via {route.gateway} dev {route.device} "
    return f"{route.destination} dev {route.device} scope link  src {route.source} "


def _ip_route(interfaces: list[Interface], args: list[str]) -> _Answer:
    routes = _routes(interfaces)
    if args and args[0] in ("add", "del", "delete", "change", "append", "replace", "flush"):
        return [], _NOT_PERMITTED, 2
    if args and args[0] == "get":
        try:
            wanted = IPv4Address(args[1] if len(args) > 1 else "")
        except ValueError:
            return [], "need at least destination address", 1
        for i in interfaces:
            if wanted in IPv4Network(f"{i.address}/{i.prefix_len}", strict=False):
                return [f"{wanted} dev {i.name}  src {i.address} "], None, 0
        if wanted.is_loopback:
            return [f"local {wanted} dev lo  src 127.0.0.1 "], None, 0
        default = next((r for r in routes if r.destination == "default"), None)
        if default is None:
            return [], "RTNETLINK answers: Network is unreachable", 2
        source = next(i.address for i in interfaces if i.name == default.device)
        return [f"{wanted} via {default.gateway} dev {default.device}  src {source} "], None, 0
    return [_route_line(r) for r in routes], None, 0


_RULES = [
    "0:\tfrom all lookup local ",
    "32766:\tfrom all lookup main ",
    "32767:\tfrom all lookup default ",
]

_IP_OBJECTS: dict[str, str] = {
    "a": "address", "addr": "address", "address": "address",
    "l": "link", "link": "link",
    "r": "route", "ro": "route", "route": "route",
    "n": "neigh", "neigh": "neigh", "neighbor": "neigh", "neighbour": "neigh",
    "ru": "rule", "rule": "rule",
}  # fmt: skip


async def ip(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    oneline, family = False, ""
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option in ("-o", "-oneline"):
            oneline = True
        elif option in ("-4", "-6"):
            family = "inet" if option == "-4" else "inet6"
        elif option in ("-f", "-family") and args:
            family = args.pop(0)
        else:
            await ctx.stderr.write(_IP_USAGE.encode())
            return 1
    what = _IP_OBJECTS.get(args[0]) if args else None
    if what is None:
        await ctx.stderr.write(_IP_USAGE.encode())
        return 1
    interfaces = _interfaces(ctx)
    rest = args[1:]
    handlers: dict[str, Callable[[], _Answer]] = {
        "address": lambda: _ip_addr(interfaces, rest, oneline, family),
        "link": lambda: _ip_link(interfaces, rest, oneline),
        "route": lambda: _ip_route(interfaces, rest),
        "neigh": lambda: ([], None, 0),  # nothing was ever sent: no neighbour is known
        "rule": lambda: (_RULES, None, 0),
    }
    if family == "inet6" and what in ("address", "route"):
        return 0  # IPv6 is off on Docker's default networks
    lines, problem, status = handlers[what]()
    if lines:
        await ctx.stdout.write(("\n".join(lines) + "\n").encode())
    if problem is not None:
        await error(ctx, problem)
    return status


# -- ifconfig and route -------------------------------------------------------------


def _ifconfig_block(i: Interface | None) -> list[str]:
    if i is None:
        return [
            "lo        Link encap:Local Loopback  ",
            "          inet addr:127.0.0.1  Mask:255.0.0.0",
            "          UP LOOPBACK RUNNING  MTU:65536  Metric:1",
            "          RX packets:0 errors:0 dropped:0 overruns:0 frame:0",
            "          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0",
            "          collisions:0 txqueuelen:1000 ",
            "          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)",
            "",
        ]
    mask = IPv4Network(f"0.0.0.0/{i.prefix_len}").netmask
    return [
        f"{i.name:<10}Link encap:Ethernet  HWaddr {i.mac.upper()}  ",
        f"          inet addr:{i.address}  Bcast:{_broadcast(i)}  Mask:{mask}",
        f"          UP BROADCAST RUNNING MULTICAST  MTU:{i.mtu}  Metric:1",
        "          RX packets:0 errors:0 dropped:0 overruns:0 frame:0",
        "          TX packets:0 errors:0 dropped:0 overruns:0 carrier:0",
        "          collisions:0 txqueuelen:0 ",
        "          RX bytes:0 (0.0 B)  TX bytes:0 (0.0 B)",
        "",
    ]


async def ifconfig(ctx: ProgramContext) -> int:
    interfaces = _interfaces(ctx)
    args = [a for a in ctx.argv[1:] if a != "-a"]
    if len(args) > 1:
        await error(ctx, "SIOCSIFADDR: Operation not permitted")
        return 1
    chosen: list[Interface | None] = [*interfaces, None]  # ifconfig lists lo last
    if args:
        chosen = [i for i in chosen if (i.name if i is not None else "lo") == args[0]]
        if not chosen:
            await error(ctx, f"{args[0]}: error fetching interface information: Device not found")
            return 1
    lines = [line for i in chosen for line in _ifconfig_block(i)]
    await ctx.stdout.write(("\n".join(lines) + "\n").encode())
    return 0


async def route(ctx: ProgramContext) -> int:
    if any(a in ("add", "del", "delete") for a in ctx.argv[1:]):
        await error(ctx, "SIOCADDRT: Operation not permitted")
        return 1
    numeric = "-n" in ctx.argv[1:]
    lines = [
        "Kernel IP routing table",
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface",
    ]
    for r in _routes(_interfaces(ctx)):
        if r.destination == "default":
            destination, genmask, flags = ("0.0.0.0" if numeric else "default"), "0.0.0.0", "UG"
            gateway = r.gateway
        else:
            network = IPv4Network(r.destination)
            destination, genmask, flags = str(network.network_address), str(network.netmask), "U"
            gateway = "0.0.0.0" if numeric else "*"
        lines.append(
            f"{destination:<15} {gateway:<15} {genmask:<15} {flags:<5} 0      0        0 {r.device}"
        )
    await ctx.stdout.write(("\n".join(lines) + "\n").encode())
    return 0
