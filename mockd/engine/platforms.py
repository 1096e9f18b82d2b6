"""Platform strings (``linux/arm64/v8``) as containerd's ``platforms.Parse`` reads them.

One component is an OS or an architecture (the other part is the host's); two or
three are os/arch[/variant].  Architecture aliases are normalized (``x86_64``
is ``amd64``); anything unknown is dockerd's 400.
"""

from __future__ import annotations

import platform
from typing import Final, NamedTuple

from mockd.errors import InvalidParameter

KNOWN_OS: Final = frozenset({
    "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
    "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos",
})  # fmt: skip
KNOWN_ARCH: Final = frozenset({
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
    "mipsle", "mips64", "mips64le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390",
    "s390x", "sparc", "sparc64", "wasm",
})  # fmt: skip
_ARCH_ALIASES: Final = {
    "i386": ("386", ""), "x86_64": ("amd64", ""), "x86-64": ("amd64", ""),
    "aarch64": ("arm64", ""), "armhf": ("arm", "v7"), "armel": ("arm", "v6"),
    "armv7l": ("arm", "v7"), "armv6l": ("arm", "v6"),
}  # fmt: skip


def host_arch() -> str:
    """The host's architecture as Go names it (``amd64``, ``arm64``)."""
    machine = platform.machine().lower()
    return _ARCH_ALIASES.get(machine, (machine or "amd64", ""))[0]


class Platform(NamedTuple):
    os: str
    architecture: str
    variant: str = ""


def parse_platform(text: str) -> Platform:
    parts = [part.lower() for part in text.split("/")]
    if len(parts) == 1:
        if parts[0] in KNOWN_OS:
            return Platform(parts[0], host_arch())
        arch = _arch(parts[0], "")
        if arch is not None:
            return Platform("linux", *arch)
    elif len(parts) in (2, 3) and parts[0] in KNOWN_OS:
        arch = _arch(parts[1], parts[2] if len(parts) == 3 else "")
        if arch is not None:
            return Platform(parts[0], *arch)
    raise InvalidParameter(f'"{text}": unknown operating system or architecture: invalid argument')


def _arch(name: str, variant: str) -> tuple[str, str] | None:
    if name in _ARCH_ALIASES:
        alias, alias_variant = _ARCH_ALIASES[name]
        return alias, variant or alias_variant
    return (name, variant) if name in KNOWN_ARCH else None
