"""Busybox's ``parse_datestr``: the TIME of ``date -d`` and of ``touch -d``/``-t``.

Accepted (as libbb/time.c has them)::

    @SECONDS            hh:mm[:ss]            mm.dd-hh:mm[:ss]
    yyyy.mm.dd-hh:mm[:ss]    yyyy-mm-dd hh[:mm[:ss]]    yyyy-mm-dd
    [[[[[cc]yy]mm]dd]hh]mm[.ss]

Fields a format leaves out keep their value in ``base`` (a broken-down UTC time):
``date`` passes today at midnight, ``touch`` the current time, which is why
``touch -d '2001-02-03 04:05'`` keeps the current seconds, as busybox does.
The container's TZ is UTC, so local time is UTC.
"""

from __future__ import annotations

import calendar
import re
import time

# The formats with a colon, tried in busybox's order: (regex, field names).
_COLON_FORMATS = (
    (r"(\d+):(\d+)", ("hour", "min")),
    (r"(\d+)\.(\d+)-(\d+):(\d+)", ("mon", "mday", "hour", "min")),
    (r"(\d+)\.(\d+)\.(\d+)-(\d+):(\d+)", ("year", "mon", "mday", "hour", "min")),
    (r"(\d+)-(\d+)-(\d+) (\d+):(\d+)", ("year", "mon", "mday", "hour", "min")),
    (r"(\d+)-(\d+)-(\d+) (\d+)", ("year", "mon", "mday", "hour")),
)
_DASH_FORMATS = (
    (r"(\d+)-(\d+)-(\d+) (\d+)", ("year", "mon", "mday", "hour")),
    (r"(\d+)-(\d+)-(\d+)", ("year", "mon", "mday")),
)
# [[[[[cc]yy]mm]dd]hh]mm by the length of the digits before the '.'.
_DIGIT_FIELDS = {
    2: ("min",),
    4: ("hour", "min"),
    6: ("mday", "hour", "min"),
    8: ("mon", "mday", "hour", "min"),
    10: ("yy", "mon", "mday", "hour", "min"),
    12: ("cc", "yy", "mon", "mday", "hour", "min"),
}


class InvalidDate(ValueError):
    """busybox: ``invalid date 'TEXT'``."""


def _fields_of(
    text: str, formats: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[dict[str, int], str] | None:
    """The first format that matches the start of ``text``: its fields and what follows."""
    for regex, names in formats:
        m = re.match(regex, text)
        if m:
            return dict(zip(names, map(int, m.groups()), strict=True)), text[m.end() :]
    return None


def _seconds_after(rest: str, mark: str, text: str) -> int | None:
    """``:SS`` or ``.SS`` after the fields; None when nothing follows; else invalid."""
    if not rest:
        return None
    if rest[0] == mark and rest[1:].isdigit():
        return int(rest[1:])
    raise InvalidDate(text)


def _digits(text: str) -> dict[str, int]:
    head, dot, tail = text.partition(".")
    names = _DIGIT_FIELDS.get(len(head))
    if names is None or not head.isdigit():
        raise InvalidDate(text)
    fields = {name: int(head[i * 2 : i * 2 + 2]) for i, name in enumerate(names)}
    if "cc" in fields:
        fields["year"] = fields.pop("cc") * 100 + fields.pop("yy")
    elif "yy" in fields:
        yy = fields.pop("yy")
        fields["year"] = 2000 + yy if yy < 69 else 1900 + yy
    if dot:
        if not tail.isdigit():
            raise InvalidDate(text)
        fields["sec"] = int(tail)
    return fields


def _fields(text: str) -> dict[str, int]:
    if ":" in text:
        found = _fields_of(text, _COLON_FORMATS)
        if found is None:
            raise InvalidDate(text)
        fields, rest = found
        seconds = _seconds_after(rest, ":", text)
        if seconds is not None:
            fields["sec"] = seconds
        return fields
    if "-" in text:
        found = _fields_of(text, _DASH_FORMATS)
        if found is not None:
            fields, rest = found
            if rest:
                raise InvalidDate(text)
            return fields
    return _digits(text)


def parse_datestr(text: str, base: float, *, midnight: bool = False) -> float:
    """Seconds since the epoch for ``text``; ``InvalidDate`` if busybox would refuse it."""
    if text.startswith("@"):
        try:
            return float(int(text[1:]))
        except ValueError as exc:
            raise InvalidDate(text) from exc
    tm = _base_fields(base, midnight=midnight)
    tm.update(_fields(text))
    try:
        # timegm wants a valid month; mktime would normalise, but busybox then
        # checks the fields (validate_tm_time), so out-of-range ones are refused.
        return float(
            calendar.timegm((tm["year"], tm["mon"], tm["mday"], tm["hour"], tm["min"], tm["sec"]))
        )
    except (ValueError, OverflowError) as exc:
        raise InvalidDate(text) from exc


def _base_fields(base: float, *, midnight: bool) -> dict[str, int]:
    t = time.gmtime(base)
    return {
        "year": t.tm_year,
        "mon": t.tm_mon,
        "mday": t.tm_mday,
        "hour": 0 if midnight else t.tm_hour,
        "min": 0 if midnight else t.tm_min,
        "sec": 0 if midnight else t.tm_sec,
    }
