"""Error replies: status codes, ``{"message": ...}`` bodies, and the SDK's exceptions."""

from __future__ import annotations

import pytest
from backends import Backend

import dockersdk.errors


def test_missing_container_is_404_with_dockerd_message(docker: Backend) -> None:
    reply = docker.api("GET", "/containers/doesnotexist/json")
    assert reply.status_code == 404
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {"message": "No such container: doesnotexist"}


def test_missing_image_is_404_with_dockerd_message(docker: Backend) -> None:
    reply = docker.api("GET", "/images/doesnotexist:latest/json")
    assert reply.status_code == 404
    # dockerd 20.10 wraps the reference error twice; clients match on this text.
    assert reply.json() == {
        "message": "no such image: doesnotexist:latest: No such image: doesnotexist:latest"
    }


@pytest.mark.parametrize("path", ["/nope", "/v1.41/nope", "/containers"])
def test_unknown_path_is_404_page_not_found(docker: Backend, path: str) -> None:
    reply = docker.api("GET", path)
    assert reply.status_code == 404
    assert reply.json() == {"message": "page not found"}


def test_sdk_raises_container_not_found_with_the_daemon_message(docker: Backend) -> None:
    transport = docker.client().transport
    with pytest.raises(dockersdk.errors.ContainerNotFound) as caught:
        transport.request("GET", "/containers/{id}/json", path_params={"id": "doesnotexist"})
    assert isinstance(caught.value, dockersdk.errors.NotFound)
    assert caught.value.status == 404
    assert caught.value.message == "No such container: doesnotexist"


def test_sdk_raises_image_not_found(docker: Backend) -> None:
    transport = docker.client().transport
    with pytest.raises(dockersdk.errors.ImageNotFound) as caught:
        transport.request("GET", "/images/{name}/json", path_params={"name": "doesnotexist:latest"})
    assert caught.value.status == 404


def test_sdk_raises_bad_request_for_a_version_too_new(docker: Backend) -> None:
    client = docker.client(version="1.99")
    with pytest.raises(dockersdk.errors.BadRequest) as caught:
        client.version()
    assert "client version 1.99 is too new" in caught.value.message
