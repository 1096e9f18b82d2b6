from __future__ import annotations

import pytest

from mockd.errors import InvalidParameter
from mockd.filters import (
    exact_match,
    fuzzy_match,
    get_bool,
    match,
    match_kv_list,
    parse_filters,
    unique_exact_match,
    validate_filters,
)


def test_empty_means_no_filters() -> None:
    assert parse_filters(None) == {}
    assert parse_filters("") == {}
    assert parse_filters("{}") == {}
    assert parse_filters("null") == {}


def test_map_form() -> None:
    got = parse_filters('{"label":{"a=b":true,"c":true},"status":{"running":true}}')
    assert {k: sorted(v) for k, v in got.items()} == {"label": ["a=b", "c"], "status": ["running"]}


def test_legacy_list_form() -> None:
    got = parse_filters('{"label":["a=b","c","a=b"],"name":[]}')
    assert got == {"label": ["a=b", "c"], "name": []}


@pytest.mark.parametrize(
    "raw",
    [
        "xx",
        "{",
        "[]",
        '"label"',
        '{"label":"a"}',
        '{"label":{"a":"yes"}}',
        '{"a":["x"],"b":{"y":true}}',
    ],
)
def test_invalid_is_400_invalid_filter(raw: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_filters(raw)
    assert caught.value.status == 400
    assert caught.value.message == "invalid filter"


def test_validate_names_the_unknown_key() -> None:
    validate_filters({"label": ["x"]}, {"label", "name"})
    with pytest.raises(InvalidParameter, match="invalid filter 'colour'"):
        validate_filters({"colour": ["red"]}, {"label", "name"})


def test_matchers() -> None:
    f = {"name": ["web"], "id": ["abc"], "label": ["tier=front", "env"], "rx": ["^we.$"]}
    assert exact_match(f, "name", "web") and not exact_match(f, "name", "webapp")
    assert exact_match(f, "absent", "anything")
    assert fuzzy_match(f, "id", "abcdef") and not fuzzy_match(f, "id", "xabc")
    assert match(f, "rx", "web") and not match(f, "rx", "webs")
    assert match({"name": ["[bad"]}, "name", "x") is False
    assert unique_exact_match(f, "name", "web")
    assert not unique_exact_match({"name": ["a", "b"]}, "name", "a")
    assert match_kv_list(f, "label", {"tier": "front", "env": "prod"})
    assert not match_kv_list(f, "label", {"tier": "back", "env": "prod"})
    assert not match_kv_list(f, "label", {"tier": "front"})
    assert not match_kv_list(f, "label", {})
    assert match_kv_list(f, "absent", {})


def test_get_bool() -> None:
    assert get_bool({"dangling": ["true"]}, "dangling", False) is True
    assert get_bool({"dangling": ["0"]}, "dangling", True) is False
    assert get_bool({}, "dangling", True) is True
    with pytest.raises(InvalidParameter, match=r"invalid filter 'dangling=\[maybe\]'"):
        get_bool({"dangling": ["maybe"]}, "dangling", False)
