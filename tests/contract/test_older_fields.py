"""Fields older API versions have and the newest dropped still decode into the models.

The document's definitions carry them back (``x-mockd-absent-from``), so a 20.10
daemon's ``NetworkSettings.IPAddress`` or an image's ``VirtualSize`` read as typed
attributes; at API 1.41 both backends send them.
"""

from __future__ import annotations

import pytest
from backends import Backend

import dockersdk


@pytest.fixture
def old_client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(version="1.41")


def test_image_virtual_size_at_1_41(old_client: dockersdk.DockerClient) -> None:
    image = old_client.images.get("busybox:latest")
    assert image.attrs.virtual_size == image.attrs.size
    assert (image.attrs.size or 0) > 0
    assert image.attrs["VirtualSize"] == image.attrs["Size"]
    summary = next(i for i in old_client.images.list() if i.id == image.id)
    assert summary.attrs["VirtualSize"] == image.attrs.size


def test_container_network_settings_at_1_41(
    docker: Backend, old_client: dockersdk.DockerClient
) -> None:
    container = old_client.containers.run("busybox", "sleep 30", detach=True)
    docker.track("container", container.id)
    container.reload()  # run() returns the container as created, as docker-py does
    settings = container.inspect.network_settings
    assert settings is not None and settings.networks is not None
    bridge = settings.networks["bridge"]
    assert settings.ip_address == bridge.ip_address != ""
    assert settings.gateway == bridge.gateway
    assert settings.mac_address == bridge.mac_address
    assert settings.ip_prefix_len == bridge.ip_prefix_len
    container.remove(force=True)
