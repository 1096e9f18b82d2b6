"""Durations and points in time as the Engine API takes them.

- ``parse_duration``: Go's ``time.ParseDuration`` syntax ("1h30m", "500ms").
- ``to_nanoseconds``: healthcheck-style durations (seconds, "30s", timedelta).
- ``to_timestamp``: ``since``/``until`` for logs and events, formatted as the
  docker CLI does ("<seconds>.<nanoseconds>").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dockersdk.params.errors import InvalidArgument

NANOSECONDS_PER_SECOND = 1_000_000_000
INT64_MAX = 2**63 - 1

# Go accepts "us", "µs" (U+00B5) and "μs" (U+03BC) for microseconds.
_UNIT_NANOSECONDS = {
    "ns": Decimal(1),
    "us": Decimal(1_000),
    "\u00b5s": Decimal(1_000),
    "\u03bcs": Decimal(1_000),
    "ms": Decimal(1_000_000),
    "s": Decimal(NANOSECONDS_PER_SECOND),
    "m": Decimal(60 * NANOSECONDS_PER_SECOND),
    "h": Decimal(3600 * NANOSECONDS_PER_SECOND),
}
_DURATION_TERM = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")

Duration = int | float | str | timedelta
PointInTime = datetime | int | float | str


def parse_duration(text: str, *, argument: str = "duration") -> int:
    """Parse a Go duration string into nanoseconds ("1h30m" -> 5400000000000)."""
    original = text
    sign = 1
    if text and text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise _bad_duration(original, argument)
    total = Decimal(0)
    position = 0
    while position < len(text):
        match = _DURATION_TERM.match(text, position)
        if match is None:
            raise _bad_duration(original, argument)
        total += Decimal(match[1]) * _UNIT_NANOSECONDS[match[2]]
        position = match.end()
    nanoseconds = int(total)
    if nanoseconds > INT64_MAX:
        raise InvalidArgument(
            f"invalid {argument}: {original!r} is out of range", argument=argument
        )
    return sign * nanoseconds


def _bad_duration(text: str, argument: str) -> InvalidArgument:
    return InvalidArgument(
        f"invalid {argument}: {text!r} (expected a duration like '30s', '1h30m' or '500ms')",
        argument=argument,
    )


def to_nanoseconds(value: Duration, *, argument: str = "duration") -> int:
    """A non-negative duration in nanoseconds.

    Numbers are seconds; strings are Go durations, or plain seconds ("30").
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be a duration, not a bool", argument=argument)
    if isinstance(value, timedelta):
        nanoseconds = (
            value.days * 86_400 * NANOSECONDS_PER_SECOND
            + value.seconds * NANOSECONDS_PER_SECOND
            + value.microseconds * 1_000
        )
    elif isinstance(value, int | float):
        nanoseconds = int(Decimal(str(value)) * NANOSECONDS_PER_SECOND)
    elif isinstance(value, str):
        nanoseconds = _seconds_string(value, argument)
    else:
        raise InvalidArgument(
            f"{argument} must be seconds, a string like '30s' or a timedelta, "
            f"not {type(value).__name__}",
            argument=argument,
        )
    if nanoseconds < 0:
        raise InvalidArgument(f"invalid {argument}: {value!r} is negative", argument=argument)
    if nanoseconds > INT64_MAX:
        raise InvalidArgument(
            f"invalid {argument}: {value!r} is out of range (numbers are seconds)",
            argument=argument,
        )
    return nanoseconds


def _seconds_string(text: str, argument: str) -> int:
    try:
        return int(Decimal(text) * NANOSECONDS_PER_SECOND)
    except InvalidOperation:
        return parse_duration(text, argument=argument)


def to_timestamp(
    value: PointInTime,
    *,
    argument: str = "since",
    now: Callable[[], datetime] | None = None,
) -> str:
    """``since``/``until`` as dockerd reads them: "<unix seconds>.<9-digit nanoseconds>".

    Durations ("10m", "1h30m") count back from ``now()``, as ``docker logs --since``
    does. Naive datetimes are local time (as in docker-py).
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be a time, not a bool", argument=argument)
    if isinstance(value, datetime):
        return _format_datetime(value)
    if isinstance(value, int | float):
        return _format_decimal_seconds(Decimal(str(value)), argument)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _format_decimal_seconds(Decimal(text), argument)
        except InvalidOperation:
            pass
        try:
            return _format_datetime(datetime.fromisoformat(text))
        except ValueError:
            pass
        ago = parse_duration(text, argument=argument)
        current = (now or _utcnow)()
        return _format_datetime(current - timedelta(microseconds=ago / 1_000))
    raise InvalidArgument(
        f"{argument} must be a datetime, a timestamp or a duration like '10m', "
        f"not {type(value).__name__}",
        argument=argument,
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _format_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time, like docker-py
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    delta = moment - epoch
    seconds = delta.days * 86_400 + delta.seconds
    return f"{seconds}.{delta.microseconds * 1_000:09d}"


def _format_decimal_seconds(seconds: Decimal, argument: str) -> str:
    if not seconds.is_finite() or seconds < 0:
        raise InvalidArgument(
            f"invalid {argument}: {seconds} is not a timestamp", argument=argument
        )
    whole = int(seconds)
    nanoseconds = int((seconds - whole) * NANOSECONDS_PER_SECOND)
    return f"{whole}.{nanoseconds:09d}"
