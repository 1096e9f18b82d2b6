"""Reading a request's parameters in handlers: query values, flags, filters, JSON body.

The router has usually coerced declared query parameters already
(``req.params``); these helpers fall back to the raw query for undeclared
parameters and for handlers called directly (tests), with dockerd's rules.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mockd.errors import InvalidParameter
from mockd.filters import parse_filters
from mockd.http import Request

# httputils.BoolValue: every other value, "on" and "2" included, is true.
FALSE_WORDS = frozenset({"", "0", "no", "false", "none"})


def param(req: Request, name: str) -> Any:
    """A query parameter as the router coerced it, else as sent (None when absent)."""
    if req.params.get(name) is not None:
        return req.params[name]
    values = req.query.get(name)
    return values[0] if values else None  # Go's r.Form.Get: the first value wins


def text(req: Request, name: str) -> str:
    """A query parameter as a string, ``""`` when absent."""
    value = param(req, name)
    return "" if value is None else str(value)


def flag(req: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter; ``default`` when absent."""
    value = param(req, name)
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def integer(req: Request, name: str) -> int | None:
    """An integer query parameter; None when absent or empty."""
    value = param(req, name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(f"invalid value for {name}: {value}") from None


def filters(req: Request) -> dict[str, list[str]]:
    """The ``filters`` parameter as ``{name: [values]}``."""
    value = req.params.get("filters")
    if isinstance(value, dict):
        return {k: list(v) for k, v in value.items()}
    raw = req.query.get("filters")
    return parse_filters(raw[0] if raw else None)


def json_body(req: Request) -> dict[str, Any]:
    """The request's JSON object body; ``{}`` when there is none."""
    if isinstance(req.json, dict):
        return req.json
    if not req.body:
        return {}
    decoded = msgspec.json.decode(req.body)
    if not isinstance(decoded, dict):
        raise InvalidParameter("invalid JSON body")
    return decoded
