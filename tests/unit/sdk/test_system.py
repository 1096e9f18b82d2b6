"""The system API: ping, version, info, events (mocked HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import dockersdk
from dockersdk import DockerClient
from dockersdk.api.system import Event
from dockersdk.models import SystemInfo, SystemVersion

BASE = "http://docker.test:2375"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            f"{BASE}/_ping",
            body="OK",
            headers={
                "API-Version": "1.47",
                "OSType": "linux",
                "Docker-Experimental": "true",
                "Builder-Version": "2",
                "Swarm": "inactive",
            },
        )
        yield rsps


@pytest.fixture
def client() -> DockerClient:
    return DockerClient("tcp://docker.test:2375")


def test_ping_and_its_headers(mocked: responses.RequestsMock, client: DockerClient) -> None:
    assert client.ping() is True
    info = client.ping_info()
    assert (info.api_version, info.os_type, info.experimental, info.builder_version) == (
        "1.47",
        "linux",
        True,
        "2",
    )
    assert info.swarm == "inactive"


def test_ping_not_ok(client: DockerClient) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/_ping", body="down", status=500, headers={"API-Version": "1.47"})
        assert client.ping() is False


def test_version_is_typed(mocked: responses.RequestsMock, client: DockerClient) -> None:
    mocked.get(
        f"{BASE}/v1.47/version",
        json={"Version": "27.1.0", "ApiVersion": "1.47", "MinAPIVersion": "1.24", "Os": "linux"},
    )
    version = client.version()
    assert isinstance(version, SystemVersion)
    assert (version.version, version.api_version, version.min_api_version) == (
        "27.1.0",
        "1.47",
        "1.24",
    )
    assert client.api_version == "1.47"


def test_info_is_typed(mocked: responses.RequestsMock, client: DockerClient) -> None:
    mocked.get(f"{BASE}/v1.47/info", json={"Containers": 3, "Driver": "overlay2", "NCPU": 2})
    info = client.info()
    assert isinstance(info, SystemInfo)
    assert (info.containers, info.driver) == (3, "overlay2")


EVENTS = [
    {"Type": "container", "Action": "start", "Actor": {"ID": "c1", "Attributes": {"name": "a"}},
     "scope": "local", "time": 1700000000, "timeNano": 1700000000000000001},
    {"Type": "image", "Action": "pull", "Actor": {"ID": "busybox:latest"},
     "scope": "local", "time": 1700000001, "timeNano": 1700000001000000000},
]  # fmt: skip


def events_body() -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in EVENTS)


def test_events_are_typed_and_parameters_encoded(
    mocked: responses.RequestsMock, client: DockerClient
) -> None:
    mocked.get(f"{BASE}/v1.47/events", body=events_body())
    since = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    with client.events(since=since, until=1700000002.5, filters={"type": "container"}) as stream:
        events = list(stream)
    assert events[0] == Event(
        type="container",
        action="start",
        actor=dockersdk.models.EventActor(id="c1", attributes={"name": "a"}),
        scope="local",
        time=1700000000,
        time_nano=1700000000000000001,
    )
    assert events[1].actor is not None and events[1].actor.id == "busybox:latest"
    query = parse_qs(urlsplit(mocked.calls[-1].request.url).query)
    assert query["since"] == ["1700000000.000000000"]
    assert query["until"] == ["1700000002.500000000"]
    assert json.loads(query["filters"][0]) == {"type": ["container"]}


def test_events_relative_since(mocked: responses.RequestsMock, client: DockerClient) -> None:
    mocked.get(f"{BASE}/v1.47/events", body=b"")
    before = datetime.now(UTC).timestamp()
    assert list(client.events(since="10m")) == []
    since = float(parse_qs(urlsplit(mocked.calls[-1].request.url).query)["since"][0])
    assert before - 600 - 5 < since < before - 600 + 5


def test_events_undecoded(mocked: responses.RequestsMock, client: DockerClient) -> None:
    mocked.get(f"{BASE}/v1.47/events", body=events_body())
    raw = list(client.system.events(decode=False))
    assert [json.loads(r) for r in raw] == EVENTS


def test_from_env_uses_docker_host(monkeypatch: pytest.MonkeyPatch, clean_env) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "tcp://docker.test:2375")
    monkeypatch.setenv("DOCKER_API_VERSION", "1.44")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/v1.44/info", json={"Containers": 0})
        client = dockersdk.from_env()
        assert client.info().containers == 0
        assert client.api_version == "1.44"


def test_default_client_reads_the_environment(monkeypatch: pytest.MonkeyPatch, clean_env) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/elsewhere.sock")
    assert DockerClient().endpoint.address == "/tmp/elsewhere.sock"
    assert DockerClient.from_env(environment={}).endpoint.address == "/var/run/docker.sock"
