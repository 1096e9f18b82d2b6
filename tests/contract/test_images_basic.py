"""Images on both backends: inspect, tag, list, delete, conflicts, 404s, history.

The real engine already has ``busybox:latest`` (and cannot pull: no internet);
the mock pulls it from its catalogue first.  Catalogue-specific values (IDs,
dates, history lines) differ between the two, so shapes and rules are asserted.
"""

from __future__ import annotations

import uuid

import msgspec
import pytest
from backends import Backend

from dockersdk.models import ImageHistoryResponseItem, ImageInspect

V = "/v1.41"


@pytest.fixture
def busybox(docker: Backend) -> str:
    """busybox:latest on the backend; returns its ID."""
    if docker.is_mock:
        reply = docker.api("POST", f"{V}/images/create?fromImage=busybox&tag=latest")
        assert reply.status_code == 200
        assert "Status: Downloaded newer image for busybox:latest" in reply.text
    reply = docker.api("GET", f"{V}/images/busybox:latest/json")
    assert reply.status_code == 200
    return str(reply.json()["Id"])


def unique_repo() -> str:
    return f"imgtest-{uuid.uuid4().hex[:8]}"


def test_inspect_shape(docker: Backend, busybox: str) -> None:
    body = docker.api("GET", f"{V}/images/busybox/json").json()
    assert list(body)[:6] == ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created"]
    for key in (
        "Container",
        "ContainerConfig",
        "DockerVersion",
        "Author",
        "Config",
        "Architecture",
        "Os",
        "Size",
        "VirtualSize",
        "GraphDriver",
        "RootFS",
        "Metadata",
    ):
        assert key in body, key  # fmt: skip
    assert body["Id"] == busybox and busybox.startswith("sha256:") and len(busybox) == 71
    assert "busybox:latest" in body["RepoTags"]
    assert body["Os"] == "linux"
    assert body["Size"] == body["VirtualSize"] > 0
    assert body["RootFS"]["Type"] == "layers" and body["RootFS"]["Layers"]
    assert body["GraphDriver"]["Name"] == "overlay2"
    assert set(body["GraphDriver"]["Data"]) >= {"MergedDir", "UpperDir", "WorkDir"}
    assert "LastTagTime" in body["Metadata"]
    assert "Hostname" in body["Config"] and "Env" in body["Config"]
    typed = msgspec.json.decode(docker.api("GET", f"{V}/images/busybox/json").content,
                                type=ImageInspect)  # fmt: skip
    assert typed.id == busybox
    # VirtualSize went away in API 1.44.
    if docker.is_mock:
        newer = docker.api("GET", "/v1.44/images/busybox/json").json()
        assert "VirtualSize" not in newer and newer["Size"] == body["Size"]


def test_tag_then_list_shows_both_tags(docker: Backend, busybox: str) -> None:
    repo = unique_repo()
    reply = docker.api("POST", f"{V}/images/busybox/tag?repo={repo}&tag=one")
    docker.track("image", f"{repo}:one")
    assert reply.status_code == 201 and reply.content == b""
    listed = docker.api("GET", f"{V}/images/json").json()
    entry = next(item for item in listed if item["Id"] == busybox)
    assert "busybox:latest" in entry["RepoTags"] and f"{repo}:one" in entry["RepoTags"]
    assert entry["Containers"] == -1 and entry["SharedSize"] == -1
    assert isinstance(entry["Created"], int) and entry["Size"] == entry["VirtualSize"]
    assert list(entry) == sorted(entry)
    inspected = docker.api("GET", f"{V}/images/{repo}:one/json").json()
    assert inspected["Id"] == busybox
    assert inspected["Metadata"]["LastTagTime"] != "0001-01-01T00:00:00Z"


def test_delete_of_one_tag_untags_only(docker: Backend, busybox: str) -> None:
    repo = unique_repo()
    docker.api("POST", f"{V}/images/busybox/tag?repo={repo}&tag=x")
    docker.track("image", f"{repo}:x")
    reply = docker.api("DELETE", f"{V}/images/{repo}:x")
    assert reply.status_code == 200
    assert reply.json() == [{"Untagged": f"{repo}:x"}]
    assert docker.api("GET", f"{V}/images/{busybox}/json").status_code == 200


def committed_image(docker: Backend, image: str, repo: str) -> str:
    """A new image of this test's own (a commit of a container of ``image``), as ``repo:x``;
    its ID. Shared images may have children other tests made."""
    name = docker.track("container", f"{repo}-c")
    reply = docker.api("POST", f"{V}/containers/create?name={name}", json={"Image": image})
    assert reply.status_code == 201, reply.text
    reply = docker.api("POST", f"{V}/commit?container={name}&repo={repo}&tag=x")
    assert reply.status_code == 201, reply.text
    docker.track("image", f"{repo}:x")
    return str(reply.json()["Id"])


def test_delete_by_id_referenced_by_two_repositories_conflicts(
    docker: Backend, busybox: str
) -> None:
    repo = unique_repo()
    image = committed_image(docker, "busybox", repo)
    docker.api("POST", f"{V}/images/{repo}:x/tag?repo={repo}-2&tag=x")
    docker.track("image", f"{repo}-2:x")
    reply = docker.api("DELETE", f"{V}/images/{image[7:19]}")
    assert reply.status_code == 409
    assert reply.json()["message"] == (
        f"conflict: unable to delete {image[7:19]} (must be forced) - "
        "image is referenced in multiple repositories"
    )
    # A dependent child is a hard conflict: reported before the repositories.
    committed_image(docker, f"{repo}:x", f"{repo}-child")
    reply = docker.api("DELETE", f"{V}/images/{image[7:19]}")
    assert reply.status_code == 409
    assert reply.json()["message"] == (
        f"conflict: unable to delete {image[7:19]} (cannot be forced) - "
        "image has dependent child images"
    )
    assert docker.api("GET", f"{V}/images/{image}/json").status_code == 200


@pytest.mark.parametrize(
    ("name", "shown"),
    [("busybox:nope", "busybox:nope"), ("nope", "nope:latest"), ("sha256:zzz", "sha256:zzz")],
)
def test_missing_image_messages(docker: Backend, name: str, shown: str) -> None:
    inspect = docker.api("GET", f"{V}/images/{name}/json")
    assert inspect.status_code == 404
    assert inspect.json()["message"] == f"no such image: {name}: No such image: {shown}"
    for method, path in (("DELETE", f"{V}/images/{name}"), ("GET", f"{V}/images/{name}/history")):
        reply = docker.api(method, path)
        assert reply.status_code == 404
        assert reply.json()["message"] == f"No such image: {shown}"


def test_invalid_reference_is_400(docker: Backend) -> None:
    reply = docker.api("POST", f"{V}/images/create?fromImage=UPPER")
    assert reply.status_code == 400
    assert reply.json()["message"] == "invalid reference format: repository name must be lowercase"
    reply = docker.api("POST", f"{V}/images/create?fromImage=busybox&tag=Bad!")
    assert reply.status_code == 400
    assert reply.json()["message"] == "invalid tag format"


def test_history_shape(docker: Backend, busybox: str) -> None:
    reply = docker.api("GET", f"{V}/images/busybox/history")
    assert reply.status_code == 200
    items = reply.json()
    assert items and all(list(item) == ["Comment", "Created", "CreatedBy", "Id", "Size", "Tags"]
                         for item in items)  # fmt: skip
    assert items[0]["Id"] == busybox and "busybox:latest" in items[0]["Tags"]
    assert all(item["Id"] in (busybox, "<missing>") for item in items)
    assert sum(item["Size"] for item in items) == docker.api(
        "GET", f"{V}/images/busybox/json").json()["Size"]  # fmt: skip
    typed = msgspec.json.decode(reply.content, type=list[ImageHistoryResponseItem])
    assert typed[0].id == busybox


def test_sdk_high_level(docker: Backend, busybox: str) -> None:
    client = docker.client()
    image = client.images.get("busybox")
    assert image.id == busybox and "busybox:latest" in image.tags
    assert image.short_id == busybox[:19]
    repo = unique_repo()
    image.tag(repo, "sdk")
    docker.track("image", f"{repo}:sdk")
    image.reload()
    assert f"{repo}:sdk" in image.tags
    assert image in client.images.list()
    client.images.remove(f"{repo}:sdk")
    from dockersdk.errors import ImageNotFound

    with pytest.raises(ImageNotFound):
        client.images.get(f"{repo}:sdk")
