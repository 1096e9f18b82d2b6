"""``/_ping``: the first call every client makes, and the headers it reads there."""

from __future__ import annotations

import re

import pytest
from backends import Backend

API_VERSION = re.compile(r"^1\.\d+$")


def test_ping_body_is_ok(docker: Backend) -> None:
    reply = docker.api("GET", "/_ping")
    assert reply.status_code == 200
    assert reply.text == "OK"
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_ping_headers_describe_the_daemon(docker: Backend) -> None:
    version = docker.api("GET", "/version").json()
    info = docker.api("GET", "/info").json()
    headers = docker.api("GET", "/_ping").headers
    # Clients negotiate from Api-Version and pick the platform from Ostype.
    assert headers["Api-Version"] == version["ApiVersion"]
    assert API_VERSION.match(headers["Api-Version"])
    assert headers["Ostype"] == version["Os"] == "linux"
    assert headers["Docker-Experimental"] == str(info["ExperimentalBuild"]).lower()
    assert headers["Server"] == f"Docker/{version['Version']} ({version['Os']})"
    # dockerd forbids caching the ping so that proxies never answer for it.
    assert headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert headers["Pragma"] == "no-cache"


def test_head_ping_has_headers_and_no_body(docker: Backend) -> None:
    reply = docker.api("HEAD", "/_ping")
    assert reply.status_code == 200
    assert reply.content == b""
    assert reply.headers["Content-Length"] == "0"
    assert API_VERSION.match(reply.headers["Api-Version"])
    assert reply.headers["Ostype"] == "linux"


@pytest.mark.parametrize("prefix", ["/v1.41", "/v1.24"])
def test_ping_answers_under_a_version_prefix(docker: Backend, prefix: str) -> None:
    reply = docker.api("GET", prefix + "/_ping")
    assert reply.status_code == 200
    assert reply.text == "OK"


def test_sdk_ping(docker: Backend) -> None:
    assert docker.client().ping() is True


def test_sdk_ping_info_reads_the_headers(docker: Backend) -> None:
    headers = docker.api("GET", "/_ping").headers
    ping = docker.client().ping_info()
    assert ping.ok is True
    assert ping.api_version == headers["Api-Version"]
    assert ping.os_type == headers["Ostype"] == "linux"
    assert ping.experimental is (headers["Docker-Experimental"] == "true")
