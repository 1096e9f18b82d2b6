"""A process's resource limits (getrlimit/setrlimit), as ``ulimit`` shows them.

A container starts with the engine's defaults, replaced by ``HostConfig.Ulimits``
(``docker run --ulimit nofile=512:1024``), and children inherit their
parent's.  Nothing enforces them here; they are what a program reads.
Values are the raw rlimit numbers (bytes for sizes); ``None`` is unlimited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

Limit = tuple[int | None, int | None]  # (soft, hard)
Limits = Mapping[str, Limit]  # by ulimit's option letter


@dataclass(frozen=True)
class Resource:
    letter: str  # ulimit's option
    docker_name: str  # HostConfig.Ulimits' Name
    description: str  # ``ulimit -a``'s words, with the unit
    shift: int  # shown in units of 2**shift (blocks of 512 bytes, kb)


# In busybox ash's order (``ulimit -a``).
RESOURCES: Final = (
    Resource("c", "core", "core file size (blocks)", 9),
    Resource("d", "data", "data seg size (kb)", 10),
    Resource("e", "nice", "scheduling priority", 0),
    Resource("f", "fsize", "file size (blocks)", 9),
    Resource("i", "sigpending", "pending signals", 0),
    Resource("l", "memlock", "max locked memory (kb)", 10),
    Resource("m", "rss", "max memory size (kb)", 10),
    Resource("n", "nofile", "open files", 0),
    Resource("q", "msgqueue", "POSIX message queues (bytes)", 0),
    Resource("r", "rtprio", "real-time priority", 0),
    Resource("s", "stack", "stack size (kb)", 10),
    Resource("t", "cpu", "cpu time (seconds)", 0),
    Resource("u", "nproc", "max user processes", 0),
    Resource("v", "as", "virtual memory (kb)", 10),
    Resource("x", "locks", "file locks", 0),
)
BY_LETTER: Final = {r.letter: r for r in RESOURCES}

# What a container on dockerd 20.10 here starts with (containerd passes the daemon's
# own limits on); open files is the common packaged default.
DEFAULT_LIMITS: Final[Limits] = {
    "c": (0, None), "d": (None, None), "e": (0, 0), "f": (None, None),
    "i": (96365, 96365), "l": (8 << 20, 8 << 20), "m": (None, None),
    "n": (1048576, 1048576), "q": (819200, 819200), "r": (0, 0), "s": (8 << 20, None),
    "t": (None, None), "u": (96365, 96365), "v": (None, None), "x": (None, None),
}  # fmt: skip


def container_limits(ulimits: Iterable[Mapping[str, Any]] | None) -> Limits:
    """The defaults with a container's ``HostConfig.Ulimits`` on top."""
    by_name = {r.docker_name: r.letter for r in RESOURCES}
    limits = dict(DEFAULT_LIMITS)
    for entry in ulimits or ():
        letter = by_name.get(str(entry.get("Name") or ""))
        if letter is not None:
            limits[letter] = (_raw(entry.get("Soft")), _raw(entry.get("Hard")))
    return limits


def _raw(value: object) -> int | None:
    number = int(value) if isinstance(value, int | str) else -1
    return None if number < 0 else number
