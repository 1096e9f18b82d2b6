"""The plugin endpoints of a daemon with no plugins and no plugin store.

Statuses and messages are dockerd 20.10's, asked with no plugin installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests_unixsocket
from backends import http_base

from mockd import MockDaemon


@pytest.fixture(scope="module")
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        yield d


def _call(daemon: MockDaemon, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    with requests_unixsocket.Session() as session:
        reply = session.request(method, http_base(daemon.docker_host) + path, timeout=15, **kwargs)
    return reply.status_code, reply.json()


def test_list_is_empty_with_or_without_filters(daemon: MockDaemon) -> None:
    assert _call(daemon, "GET", "/plugins") == (200, [])
    enabled = json.dumps({"enabled": ["true"], "capability": ["volumedriver"]})
    assert _call(daemon, "GET", "/plugins", params={"filters": enabled}) == (200, [])


def test_list_refuses_unknown_filters_and_bad_booleans(daemon: MockDaemon) -> None:
    status, body = _call(daemon, "GET", "/plugins", params={"filters": '{"bogus":["1"]}'})
    assert status == 400 and "bogus" in body["message"]
    status, body = _call(daemon, "GET", "/plugins", params={"filters": '{"enabled":["yes"]}'})
    assert (status, body) == (400, {"message": "Invalid filter 'enabled=yes'"})


@pytest.mark.parametrize(
    ("method", "path", "shown"),
    [
        ("GET", "/plugins/x/json", "x"),
        ("DELETE", "/plugins/x:v1", "x:v1"),
        ("POST", "/plugins/x/enable?timeout=0", "x"),
        ("POST", "/plugins/x/disable", "x"),
        ("POST", "/plugins/x/push", "x"),
        ("POST", "/plugins/x/upgrade?remote=y", "x:latest"),
    ],
)
def test_naming_a_plugin_is_404(daemon: MockDaemon, method: str, path: str, shown: str) -> None:
    assert _call(daemon, method, path, json=[]) == (404, {"message": f'plugin "{shown}" not found'})


def test_set_on_an_unknown_plugin_is_404(daemon: MockDaemon) -> None:
    assert _call(daemon, "POST", "/plugins/x/set", json=["DEBUG=1"]) == (
        404, {"message": 'plugin "x" not found'},
    )  # fmt: skip


def test_enable_parses_the_timeout_first(daemon: MockDaemon) -> None:
    status, body = _call(daemon, "POST", "/plugins/x/enable")
    assert (status, body) == (500, {"message": 'strconv.Atoi: parsing "": invalid syntax'})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/plugins/privileges?remote=vieux/sshfs"),
        ("POST", "/plugins/pull?remote=vieux/sshfs"),
        ("POST", "/plugins/create?name=x"),
    ],
)
def test_installing_needs_a_plugin_store(daemon: MockDaemon, method: str, path: str) -> None:
    status, body = _call(daemon, method, path, json=[] if "pull" in path else None)
    assert status == 500
    assert "no plugin store" in body["message"]
