"""A container's ``/etc/resolv.conf``, as dockerd (libnetwork) writes it.

On the default bridge (and with ``--network none``) the host's file is the
start: its nameservers without the loopback ones (which the container cannot
reach; with none left, Google's), its search domains and options.  On a
user-defined network the container asks the embedded DNS server at
127.0.0.11, with ``ndots:0`` unless the user set ndots; ``--dns`` then names
that server's upstreams, not the file's nameservers.  ``--network host`` gets
the host's file as it is.  ``--dns-search`` and ``--dns-option`` replace the
host's search and options lines.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Final

HOST_FILE: Final = Path("/etc/resolv.conf")
EMBEDDED_DNS: Final = "127.0.0.11"
DEFAULT_NAMESERVERS: Final = ("8.8.8.8", "8.8.4.4")


def host_resolv_conf() -> str:
    try:
        return HOST_FILE.read_text(errors="replace")
    except OSError:
        return ""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def resolv_conf(
    host_text: str,
    *,
    network_mode: str,
    dns: Sequence[str] = (),
    dns_search: Sequence[str] = (),
    dns_options: Sequence[str] = (),
) -> str:
    if network_mode == "host":
        return host_text
    nameservers: list[str] = []
    search: list[str] = []
    options: list[str] = []
    for line in host_text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver":
            nameservers.append(words[1])
        elif words and words[0] in ("search", "domain"):
            search = words[1:]
        elif words and words[0] == "options":
            options.extend(words[1:])
    embedded = network_mode not in ("default", "bridge", "none") and not network_mode.startswith(
        "container:"
    )
    if embedded:
        nameservers = [EMBEDDED_DNS]
    elif dns:
        nameservers = list(dns)
    else:
        nameservers = [n for n in nameservers if not _is_loopback(n)] or list(DEFAULT_NAMESERVERS)
    if dns_search:
        search = list(dns_search)
    if dns_options:
        options = list(dns_options)
    if embedded and not any(option.startswith("ndots:") for option in options):
        options.append("ndots:0")
    lines = [f"search {' '.join(search)}"] if search and search != ["."] else []
    lines += [f"nameserver {server}" for server in nameservers]
    if options:
        lines.append(f"options {' '.join(options)}")
    return "\n".join(lines) + "\n"
