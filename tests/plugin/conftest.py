"""Helpers for the plugin and test-tooling tests: a daemon per test, clients, raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import requests
import requests_unixsocket

from mockd.daemon import MockDaemon
from mockd.engine.clock import ManualClock

if TYPE_CHECKING:
    import docker


def base_url(daemon: MockDaemon) -> str:
    from urllib.parse import quote

    assert daemon.socket_path is not None
    return "http+unix://" + quote(daemon.socket_path, safe="")


@pytest.fixture
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed_daemon(clock: ManualClock) -> Iterator[MockDaemon]:
    """A daemon whose time moves only when the test advances it."""
    with MockDaemon(clock=clock) as running:
        yield running


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session: requests.Session = requests_unixsocket.Session()
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def dockerpy(daemon: MockDaemon) -> Iterator[docker.DockerClient]:
    import docker

    client = docker.DockerClient(base_url=daemon.docker_host, timeout=30)
    yield client
    client.close()
