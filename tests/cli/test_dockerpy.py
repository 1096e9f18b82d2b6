"""docker-py, unmodified, against the mock daemon."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from mockd import MockDaemon


@pytest.fixture
def dockerpy() -> Iterator[docker.DockerClient]:
    with MockDaemon() as daemon:
        client = docker.DockerClient(base_url=daemon.docker_host)
        try:
            yield client
        finally:
            client.close()


def test_ping(dockerpy: docker.DockerClient) -> None:
    assert dockerpy.ping() is True


def test_version(dockerpy: docker.DockerClient) -> None:
    version = dockerpy.version()
    assert version["Os"] == "linux"
    assert version["ApiVersion"] == dockerpy.api.api_version
    assert any(c["Name"] == "Engine" for c in version["Components"])


def test_info(dockerpy: docker.DockerClient) -> None:
    info = dockerpy.info()
    assert info["Containers"] == (
        info["ContainersRunning"] + info["ContainersPaused"] + info["ContainersStopped"]
    )
    assert info["NCPU"] > 0
    assert info["OSType"] == "linux"


def test_ping_against_mockd_serve(mockd_serve: str) -> None:
    client = docker.DockerClient(base_url=mockd_serve)
    try:
        assert client.ping() is True
        assert client.version()["Os"] == "linux"
    finally:
        client.close()
