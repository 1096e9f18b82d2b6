"""Byte sizes as docker's ``units.RAMInBytes`` reads them ("512m", "1.5g", "100").

Hand-written: the rules are go-units' own (binary multiples, case-insensitive
unit, optional "b"/"ib", one optional space), which no Python library mirrors.
"""

from __future__ import annotations

import re

from dockersdk.params.errors import InvalidArgument

INT64_MAX = 2**63 - 1

_MULTIPLIERS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}

# number, optional single space, then nothing, "b", or k/m/g/t/p + optional "b" / "ib".
_SIZE = re.compile(
    r"^(?P<num>\d+(?:\.\d*)?|\.\d+) ?(?:(?P<unit>[kmgtp])(?:b|ib)?|b)?$",
    re.IGNORECASE,
)

ByteSize = int | float | str


def parse_bytes(value: ByteSize, *, argument: str = "size", allow_unlimited: bool = False) -> int:
    """Return ``value`` in bytes.

    Ints and floats are bytes already (floats are truncated, as docker-py does).
    ``allow_unlimited`` accepts -1 / "-1", which memory-swap uses for "no limit".
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be a size, not a bool", argument=argument)
    if isinstance(value, int | float):
        number = int(value)
    elif isinstance(value, str):
        number = _parse_size_string(value.strip(), argument, allow_unlimited)
    else:
        raise InvalidArgument(
            f"{argument} must be an int or a string like '512m', not {type(value).__name__}",
            argument=argument,
        )
    if number == -1 and allow_unlimited:
        return -1
    if number < 0:
        raise InvalidArgument(f"invalid {argument}: {value!r} is negative", argument=argument)
    if number > INT64_MAX:
        raise InvalidArgument(f"invalid {argument}: {value!r} is too large", argument=argument)
    return number


def _parse_size_string(text: str, argument: str, allow_unlimited: bool) -> int:
    if allow_unlimited and text == "-1":
        return -1
    match = _SIZE.match(text)
    if match is None:
        raise InvalidArgument(
            f"invalid {argument}: {text!r} (expected a number with an optional unit "
            "b, k, m, g, t or p, e.g. '512m' or '1.5g')",
            argument=argument,
        )
    size = float(match["num"])
    unit = match["unit"]
    if unit is not None:
        size *= _MULTIPLIERS[unit.lower()]
    return int(size)
