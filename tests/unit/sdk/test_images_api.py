"""The images area of the SDK against canned dockerd answers (``responses``)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import responses

import dockersdk
from dockersdk.errors import APIError, Conflict, ImageNotFound

BASE = "http://127.0.0.1:2375/v1.41"
ID = "sha256:" + "ab" * 32


@pytest.fixture
def client() -> Iterator[dockersdk.DockerClient]:
    with dockersdk.DockerClient(base_url="tcp://127.0.0.1:2375", version="1.41") as c:
        yield c


INSPECT = {"Id": ID, "RepoTags": ["busybox:latest"], "Config": {"Cmd": ["sh"]}, "Size": 5}


@responses.activate
def test_inspect_and_high_level_get(client: dockersdk.DockerClient) -> None:
    responses.get(f"{BASE}/images/busybox/json", json=INSPECT)
    image = client.images.get("busybox")
    assert image.id == ID and image.tags == ["busybox:latest"]
    assert image.short_id == "sha256:" + "ab" * 6
    assert image.attrs.config is not None and image.attrs.config.cmd == ["sh"]


@responses.activate
def test_404_is_image_not_found(client: dockersdk.DockerClient) -> None:
    responses.get(f"{BASE}/images/nope/json", status=404,
                  json={"message": "no such image: nope: No such image: nope:latest"})  # fmt: skip
    responses.delete(
        f"{BASE}/images/nope", status=404, json={"message": "No such image: nope:latest"}
    )
    with pytest.raises(ImageNotFound, match="No such image: nope:latest"):
        client.images.get("nope")
    with pytest.raises(ImageNotFound):
        client.images.remove("nope")


@responses.activate
def test_list_passes_filters_and_decodes(client: dockersdk.DockerClient) -> None:
    responses.get(
        f"{BASE}/images/json", json=[{"Id": ID, "RepoTags": ["busybox:latest"], "Size": 5}]
    )
    summaries = client.images.api.list(all=True, filters={"dangling": False, "reference": "busy*"})
    assert summaries[0].id == ID and summaries[0].size == 5
    sent = responses.calls[0].request.params
    assert sent["all"] == "1"
    assert json.loads(sent["filters"]) == {"dangling": ["false"], "reference": ["busy*"]}


@responses.activate
def test_tag_remove_prune(client: dockersdk.DockerClient) -> None:
    responses.post(f"{BASE}/images/busybox/tag", status=201)
    responses.delete(f"{BASE}/images/foo%3Ax", json=[{"Untagged": "foo:x"}])
    responses.post(f"{BASE}/images/prune", json={"ImagesDeleted": None, "SpaceReclaimed": 0})
    client.images.api.tag("busybox", "foo", "x")
    assert responses.calls[0].request.params == {"repo": "foo", "tag": "x"}
    removed = client.images.api.remove("foo:x", force=True)
    assert removed[0].untagged == "foo:x"
    assert responses.calls[1].request.params == {"force": "1"}
    assert client.images.prune().space_reclaimed == 0


@responses.activate
def test_remove_conflict(client: dockersdk.DockerClient) -> None:
    message = "conflict: unable to delete abababababab (must be forced) - image is referenced in multiple repositories"
    responses.delete(
        f"{BASE}/images/{ID.replace(':', '%3A')}", status=409, json={"message": message}
    )
    with pytest.raises(Conflict, match="referenced in multiple repositories"):
        client.images.api.remove(ID)


PULL = (
    b'{"status":"Pulling from library/busybox","id":"latest"}\r\n'
    b'{"status":"Pulling fs layer","progressDetail":{},"id":"3b01e46cd27c"}\r\n'
    b'{"status":"Downloading","progressDetail":{"current":5,"total":10},"progress":"[=>]","id":"3b01e46cd27c"}\r\n'
    b'{"status":"Digest: sha256:00"}\r\n'
    b'{"status":"Status: Downloaded newer image for busybox:latest"}\r\n'
)


@responses.activate
def test_pull_streams_typed_progress_and_returns_the_image(client: dockersdk.DockerClient) -> None:
    responses.post(f"{BASE}/images/create", body=PULL)
    responses.get(f"{BASE}/images/busybox%3Alatest/json", json=INSPECT)
    image = client.images.pull("busybox")
    assert image.id == ID
    assert responses.calls[0].request.params == {"fromImage": "busybox", "tag": "latest"}
    messages = client.images.api.pull("busybox", "latest")
    assert messages[2].progress_detail is not None and messages[2].progress_detail.current == 5
    assert messages[-1].status == "Status: Downloaded newer image for busybox:latest"


@responses.activate
def test_pull_error_in_stream_raises(client: dockersdk.DockerClient) -> None:
    body = b'{"status":"Pulling from library/x","id":"latest"}\r\n{"errorDetail":{"message":"boom"},"error":"boom"}\r\n'
    responses.post(f"{BASE}/images/create", body=body)
    with pytest.raises(APIError, match="boom"):
        client.images.api.pull("x", "latest")


@responses.activate
def test_pull_404_before_the_stream(client: dockersdk.DockerClient) -> None:
    responses.post(
        f"{BASE}/images/create",
        status=404,
        json={
            "message": "pull access denied for x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"
        },
    )
    with pytest.raises(ImageNotFound, match="pull access denied"):
        client.images.pull("x")


def test_split_repository() -> None:
    from dockersdk.api.images import split_repository

    assert split_repository("busybox:1.36") == ("busybox", "1.36")
    assert split_repository("127.0.0.1:5000/app") == ("127.0.0.1:5000/app", None)
    assert split_repository("127.0.0.1:5000/app:v1") == ("127.0.0.1:5000/app", "v1")
    assert split_repository("busybox@sha256:" + "0" * 64) == ("busybox@sha256:" + "0" * 64, None)
