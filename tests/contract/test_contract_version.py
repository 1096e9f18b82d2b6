"""``/version`` and API version negotiation."""

from __future__ import annotations

import re

import pytest
from backends import Backend

import dockersdk.transport

API_VERSION = re.compile(r"^1\.\d+$")


def as_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def test_version_shape(docker: Backend) -> None:
    reply = docker.api("GET", "/version")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    body = reply.json()
    for key in (
        "Version",
        "ApiVersion",
        "MinAPIVersion",
        "Os",
        "Arch",
        "KernelVersion",
        "GoVersion",
        "GitCommit",
    ):
        assert isinstance(body[key], str), key
        assert body[key], key
    assert API_VERSION.match(body["ApiVersion"])
    assert API_VERSION.match(body["MinAPIVersion"])
    assert as_tuple(body["MinAPIVersion"]) <= as_tuple(body["ApiVersion"])
    assert body["Os"] == "linux"
    assert isinstance(body["Platform"]["Name"], str)
    engines = [c for c in body["Components"] if c["Name"] == "Engine"]
    assert len(engines) == 1, body["Components"]
    engine = engines[0]
    assert engine["Version"] == body["Version"]
    assert engine["Details"]["ApiVersion"] == body["ApiVersion"]
    assert engine["Details"]["MinAPIVersion"] == body["MinAPIVersion"]
    for component in body["Components"]:
        assert isinstance(component["Name"], str)
        assert isinstance(component["Version"], str)


def test_sdk_version_matches_the_wire(docker: Backend) -> None:
    wire = docker.api("GET", "/version").json()
    version = docker.client().version()
    assert version.version == wire["Version"]
    assert version.api_version == wire["ApiVersion"]
    assert version.min_api_version == wire["MinAPIVersion"]
    assert version.os == wire["Os"]
    assert version.arch == wire["Arch"]
    assert version.kernel_version == wire["KernelVersion"]
    assert [c.name for c in version.components or []] == [c["Name"] for c in wire["Components"]]


def test_unpinned_client_negotiates_the_lower_of_both_maxima(docker: Backend) -> None:
    server_max = docker.api("GET", "/version").json()["ApiVersion"]
    expected = min(as_tuple(server_max), as_tuple(dockersdk.transport.MAX_API_VERSION))
    client = docker.client()
    assert as_tuple(client.api_version) == expected
    # Later calls go out under the negotiated prefix, and the server accepts it.
    assert client.transport.target("/info") == f"/v{client.api_version}/info"
    assert client.info().containers is not None


def test_pinned_client_uses_its_version_as_is(docker: Backend) -> None:
    client = docker.client(version="1.41")
    client.ping()
    assert client.api_version == "1.41"
    assert client.transport.target("/info") == "/v1.41/info"
    assert client.info().containers is not None


@pytest.mark.parametrize("prefix", ["1.99", "9.99"])
def test_version_prefix_above_the_server_max_is_rejected(docker: Backend, prefix: str) -> None:
    server_max = docker.api("GET", "/version").json()["ApiVersion"]
    reply = docker.api("GET", f"/v{prefix}/version")
    assert reply.status_code == 400
    assert reply.json() == {
        "message": f"client version {prefix} is too new. "
        f"Maximum supported API version is {server_max}"
    }


def test_version_prefix_just_above_the_server_max_is_rejected(docker: Backend) -> None:
    major, minor = as_tuple(docker.api("GET", "/version").json()["ApiVersion"])
    reply = docker.api("GET", f"/v{major}.{minor + 1}/info")
    assert reply.status_code == 400
    assert "is too new" in reply.json()["message"]


def test_version_prefix_below_the_server_min_is_rejected(docker: Backend) -> None:
    reply = docker.api("GET", "/v1.0/version")
    assert reply.status_code == 400
    assert "is too old" in reply.text
