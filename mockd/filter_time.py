"""The ``until`` filter that prune and list endpoints share.

dockerd reads it with ``timetypes.GetTimestamp``: a unix timestamp
(``1700000000`` or ``1700000000.5``), an RFC 3339 time, or a Go duration
(``10m``, ``1h30m``) counted back from now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from mockd.errors import InvalidParameter

__all__ = ["parse_rfc3339_ns", "until_ns"]

NANOS = 1_000_000_000
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": NANOS, "m": 60 * NANOS,
            "h": 3600 * NANOS}  # fmt: skip


class NowNs(Protocol):
    def now_ns(self) -> int: ...


def parse_rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 time (Go's, with up to 9 fraction digits)."""
    if not text or text.startswith("0001-01-01"):
        return 0
    match = re.match(r"^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    base, fraction, zone = match.groups()
    seconds = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone)).timestamp()
    nanos = int((fraction or "0").ljust(9, "0")[:9])
    return int(seconds) * NANOS + nanos


def until_ns(filters: Mapping[str, list[str]], clock: NowNs) -> int | None:
    """The ``until`` filter in nanoseconds since the epoch, or ``None`` when absent."""
    values = filters.get("until")
    if not values:
        return None
    if len(values) > 1:
        raise InvalidParameter("more than one until filter specified")
    value = values[0]
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return int(float(value) * NANOS)
    if re.fullmatch(rf"(?:{_DURATION.pattern})+", value):
        total = sum(int(float(n) * _UNIT_NS[u]) for n, u in _DURATION.findall(value))
        return clock.now_ns() - total
    try:
        return parse_rfc3339_ns(value)
    except ValueError:
        raise InvalidParameter(f"invalid filter 'until={value}'") from None
