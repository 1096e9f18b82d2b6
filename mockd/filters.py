"""The ``filters`` query parameter: parsing and the matchers handlers share.

dockerd's ``filters`` is JSON in one of two forms, ``{"label": {"a=b": true}}``
(current) and ``{"label": ["a=b"]}`` (legacy); both become
``dict[str, list[str]]`` here.  The matchers follow moby's ``filters.Args``
methods of the same names, so handlers filter the way dockerd does.  They are
hand-written because they are dockerd's semantics, not a general library's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from mockd.errors import InvalidParameter

Filters = dict[str, list[str]]


def parse_filters(raw: str | None) -> Filters:
    """Decode either JSON form; anything else is dockerd's ``invalid filter`` (400)."""
    if not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        raise InvalidParameter("invalid filter") from None
    if decoded is None:
        return {}
    if not isinstance(decoded, dict):
        raise InvalidParameter("invalid filter")
    as_sets = _as_sets(decoded)
    if as_sets is not None:
        return as_sets
    as_lists = _as_lists(decoded)
    if as_lists is not None:
        return as_lists
    raise InvalidParameter("invalid filter")


def _as_sets(decoded: dict[str, object]) -> Filters | None:
    out: Filters = {}
    for key, values in decoded.items():
        if values is None:
            out[key] = []
        elif isinstance(values, dict) and all(isinstance(v, bool) for v in values.values()):
            out[key] = list(values)
        else:
            return None
    return out


def _as_lists(decoded: dict[str, object]) -> Filters | None:
    out: Filters = {}
    for key, values in decoded.items():
        if values is None:
            out[key] = []
        elif isinstance(values, list) and all(isinstance(v, str) for v in values):
            out[key] = list(dict.fromkeys(values))  # a set in dockerd: drop repeats
        else:
            return None
    return out


def validate_filters(filters: Mapping[str, list[str]], accepted: Iterable[str]) -> None:
    """Refuse keys the endpoint does not know, as ``Args.Validate`` does."""
    allowed = set(accepted)
    for key in filters:
        if key not in allowed:
            raise InvalidParameter(f"invalid filter '{key}'")


def exact_match(filters: Mapping[str, list[str]], key: str, source: str) -> bool:
    """True when no value is set for ``key`` or one of them equals ``source``."""
    values = filters.get(key)
    if not values:
        return True
    return source in values


def unique_exact_match(filters: Mapping[str, list[str]], key: str, source: str) -> bool:
    values = filters.get(key)
    if not values:
        return True
    return len(values) == 1 and values[0] == source


def fuzzy_match(filters: Mapping[str, list[str]], key: str, source: str) -> bool:
    """Exact match, or ``source`` starts with one of the values (ids by prefix)."""
    if exact_match(filters, key, source):
        return True
    return any(source.startswith(prefix) for prefix in filters.get(key, ()))


def match(filters: Mapping[str, list[str]], key: str, source: str) -> bool:
    """Exact match, or one of the values, taken as a regular expression, matches ``source``."""
    if exact_match(filters, key, source):
        return True
    for pattern in filters.get(key, ()):
        try:
            if re.search(pattern, source):
                return True
        except re.error:
            continue
    return False


def match_kv_list(filters: Mapping[str, list[str]], key: str, sources: Mapping[str, str]) -> bool:
    """``label=a`` needs label ``a``; ``label=a=b`` needs it with value ``b``; all must hold."""
    values = filters.get(key)
    if not values:
        return True
    if not sources:
        return False
    for value in values:
        name, sep, wanted = value.partition("=")
        if name not in sources:
            return False
        if sep and sources[name] != wanted:
            return False
    return True


def get_bool(filters: Mapping[str, list[str]], key: str, default: bool) -> bool:
    """A boolean filter (``dangling=true``), as ``Args.GetBoolOrDefault``."""
    if key not in filters:
        return default
    values = set(filters[key])
    is_false = bool(values & {"0", "false"})
    is_true = bool(values & {"1", "true"})
    if is_false == is_true:
        if not values:
            raise InvalidParameter(f"invalid filter '{key}'")
        raise InvalidParameter(f"invalid filter '{key}=[{' '.join(filters[key])}]'")
    return is_true
