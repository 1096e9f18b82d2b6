"""Moving images in and out, on both backends and across them.

Single-backend tests run on each daemon: export then import, commit then run,
save then load.  Cross-backend tests need both the real engine and the mock
(skipped without the real engine): an image saved by one runs in the other,
and an image pushed by one to the local registry (``DOCKERSDK_REGISTRY``,
default ``127.0.0.1:5000``; skipped when nothing answers ``/v2/``) is pulled
and run by the other.  The real engine's busybox holds a real busybox binary;
the mock runs it by recognising it, so images made from it run on both.
Names are unique; what a test makes on the real engine is removed at teardown.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import uuid
from collections.abc import Iterator

import pytest
import requests
from backends import Backend, find_real_engine, open_backend

import dockersdk
from dockersdk.api.image_transfer import ImageTransferAPI

V = "/v1.41"
IMAGE = "busybox:latest"
REGISTRY = os.environ.get("DOCKERSDK_REGISTRY", "127.0.0.1:5000")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def registry_answers() -> bool:
    try:
        return requests.get(f"http://{REGISTRY}/v2/", timeout=2).status_code in (200, 401)
    except requests.RequestException:
        return False


needs_registry = pytest.mark.skipif(
    not registry_answers(), reason=f"no registry answers http://{REGISTRY}/v2/"
)


@pytest.fixture
def registry_cleanup() -> Iterator[list[str]]:
    """References (``registry/repo:tag``) a test pushed; their manifests are deleted after."""
    pushed: list[str] = []
    yield pushed
    accept = "application/vnd.docker.distribution.manifest.v2+json"
    for ref in pushed:
        path, _, tag = ref.partition("/")[2].rpartition(":")
        url = f"http://{REGISTRY}/v2/{path}/manifests"
        head = requests.head(f"{url}/{tag}", headers={"Accept": accept}, timeout=5)
        digest = head.headers.get("Docker-Content-Digest")
        if digest:  # a registry without delete enabled answers 405: nothing more to do
            requests.delete(f"{url}/{digest}", timeout=5)


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    return docker.client()


def ensure_busybox(client: dockersdk.DockerClient) -> None:
    """The mock pulls it from its catalogue; the real engine has it already."""
    try:
        client.images.get(IMAGE)
    except dockersdk.errors.ImageNotFound:
        client.images.pull(IMAGE)


def run_output(docker: Backend, client: dockersdk.DockerClient, image: str, *cmd: str) -> bytes:
    name = docker.track("container", unique("xfer"))
    return client.containers.run(image, list(cmd), name=name, remove=True)


# -- on each backend ------------------------------------------------------------------------------


def test_export_then_import_runs(docker: Backend, client: dockersdk.DockerClient) -> None:
    ensure_busybox(client)
    name = docker.track("container", unique("xfer-src"))
    client.containers.run(IMAGE, ["sh", "-c", "echo exported > /marker"], name=name)
    rootfs = b"".join(client.containers.get(name).export())
    repo = unique("xfer-imported")
    image = client.images.import_image(
        rootfs, repo, "v1", changes=['CMD ["cat", "/marker"]', "ENV A=1", "WORKDIR /work"]
    )
    docker.track("image", f"{repo}:v1")
    assert image.id.startswith("sha256:") and f"{repo}:v1" in image.tags
    config = image.attrs.config
    assert config is not None
    assert config.cmd == ["cat", "/marker"] and config.env == ["A=1"]
    assert config.working_dir == "/work"
    assert image.attrs.comment == "Imported from -"
    assert run_output(docker, client, f"{repo}:v1", "cat", "/marker") == b"exported\n"
    assert run_output(docker, client, f"{repo}:v1", "sh", "-c", "pwd; echo $A") == b"/work\n1\n"


def test_import_answers_with_the_image_id(docker: Backend) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"hi\n"))
    reply = docker.api("POST", f"{V}/images/create?fromSrc=-", data=out.getvalue(),
                       headers={"Content-Type": "application/x-tar"})  # fmt: skip
    assert reply.status_code == 200
    (message,) = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    assert list(message) == ["status"] and message["status"].startswith("sha256:")
    docker.track("image", message["status"])
    bad = docker.api("POST", f"{V}/images/create?fromSrc=-&changes=RUN+x", data=out.getvalue(),
                     headers={"Content-Type": "application/x-tar"})  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["message"] == "run is not a valid change command"


def test_import_of_nothing_and_of_garbage(docker: Backend) -> None:
    """No byte at all is an archive without entries (an image with an empty layer);
    bytes that are no tar are dockerd's 500, in its untar's words."""
    headers = {"Content-Type": "application/x-tar"}
    reply = docker.api("POST", f"{V}/images/create?fromSrc=-", data=b"", headers=headers)
    assert reply.status_code == 200
    image_id = json.loads(reply.text.splitlines()[-1])["status"]
    docker.track("image", image_id)
    rootfs = docker.api("GET", f"{V}/images/{image_id}/json").json()["RootFS"]
    assert rootfs == {
        "Type": "layers",
        "Layers": ["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    }
    for garbage, reason in ((b"garbage", "unexpected EOF"),
                            (bytes(range(256)) * 3, "archive/tar: invalid tar header")):  # fmt: skip
        reply = docker.api("POST", f"{V}/images/create?fromSrc=-", data=garbage, headers=headers)
        # dockerd answers 500; the mock keeps a refused archive a client error (400).
        assert reply.status_code == (500 if docker.is_real else 400)
        assert reply.json()["message"] == f"Error processing tar file(exit status 1): {reason}"


def test_save_of_a_missing_image_names_it_as_given(docker: Backend) -> None:
    for path in ("/images/get?names=nonexist-image", "/images/nonexist-image/get"):
        reply = docker.api("GET", V + path)
        assert (reply.status_code, reply.json()) == (
            404,
            {"message": "No such image: nonexist-image"},
        )


def test_commit_then_run_the_new_image(docker: Backend, client: dockersdk.DockerClient) -> None:
    ensure_busybox(client)
    name = docker.track("container", unique("xfer-commit"))
    client.containers.run(IMAGE, ["sh", "-c", "echo committed > /f; rm /bin/ls"], name=name)
    repo = unique("xfer-committed")
    image = client.containers.get(name).commit(
        repo, "v1", message="a message", author="tester", changes=["ENV B=3"]
    )
    docker.track("image", f"{repo}:v1")
    base = docker.api("GET", f"{V}/images/{IMAGE}/json").json()
    made = docker.api("GET", f"{V}/images/{image.id}/json").json()
    assert made["Parent"] == base["Id"]
    assert made["Comment"] == "a message" and made["Author"] == "tester"
    assert made["RootFS"]["Layers"][:-1] == base["RootFS"]["Layers"]
    assert made["Container"] == client.containers.get(name).id
    assert "B=3" in made["Config"]["Env"]
    out = run_output(
        docker, client, f"{repo}:v1", "sh", "-c", "cat /f; echo $B; test -e /bin/ls || echo gone"
    )
    assert out == b"committed\n3\ngone\n"
    history = client.images.api.history(f"{repo}:v1")
    assert history[0].comment == "a message"
    assert history[0].created_by == "sh -c echo committed > /f; rm /bin/ls"


def test_commit_of_a_missing_container_is_404(docker: Backend) -> None:
    reply = docker.api("POST", f"{V}/commit?container=no-such-container-{uuid.uuid4().hex[:6]}")
    assert reply.status_code == 404
    assert reply.json()["message"].startswith("No such container: no-such-container-")


def test_save_then_load_round_trip(docker: Backend, client: dockersdk.DockerClient) -> None:
    ensure_busybox(client)
    repo = unique("xfer-saved")
    client.images.get(IMAGE).tag(repo, "v1")
    docker.track("image", f"{repo}:v1")
    image = client.images.get(f"{repo}:v1")
    archive = b"".join(image.save(named=f"{repo}:v1"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert f"{image.id[7:]}.json" in names and "repositories" in names
    assert manifest[0]["RepoTags"] == [f"{repo}:v1"]
    assert all(name.endswith("/layer.tar") for name in manifest[0]["Layers"])
    client.images.remove(f"{repo}:v1")
    (loaded,) = client.images.load(archive)
    assert loaded.id == image.id and f"{repo}:v1" in loaded.tags


def test_load_of_a_broken_archive_fails(docker: Backend) -> None:
    reply = docker.api("POST", f"{V}/images/load", data=b"not a tar at all" * 64,
                       headers={"Content-Type": "application/x-tar"})  # fmt: skip
    # dockerd answers 200 and reports the error inside the stream.
    assert reply.status_code == 200
    assert "invalid tar header" in reply.json()["error"]


# -- across backends -----------------------------------------------------------------------------


@pytest.fixture
def both() -> Iterator[tuple[Backend, Backend]]:
    """The real engine and a fresh mock, together."""
    host, why_not = find_real_engine()
    if host is None:
        pytest.skip(why_not)
    with open_backend("real", host) as real, open_backend("mock") as mock:
        yield real, mock


def real_busybox_into_mock(real: Backend, mock: Backend) -> dockersdk.DockerClient:
    """Load the real engine's busybox (a real binary) into the mock; the mock's client."""
    archive = b"".join(real.client().images.get(IMAGE).save(named=IMAGE))
    mock_client = mock.client()
    (loaded,) = mock_client.images.load(archive)
    assert loaded.id == real.client().images.get(IMAGE).id  # the same config, the same ID
    return mock_client


def test_real_save_loads_and_runs_in_the_mock(both: tuple[Backend, Backend]) -> None:
    real, mock = both
    mock_client = real_busybox_into_mock(real, mock)
    assert run_output(mock, mock_client, IMAGE, "echo", "hello from the real busybox") == (
        b"hello from the real busybox\n"
    )
    assert run_output(mock, mock_client, IMAGE, "sh", "-c", "echo $((6 * 7))") == b"42\n"


def test_mock_save_loads_and_runs_in_the_real_engine(both: tuple[Backend, Backend]) -> None:
    real, mock = both
    mock_client = real_busybox_into_mock(real, mock)
    # A layer written by the mock (a commit) over the real busybox.
    name = unique("xfer-mock-made")
    mock_client.containers.run(IMAGE, ["sh", "-c", "echo made by mockd > /origin"], name=name)
    repo = unique("xfer-from-mock")
    image = mock_client.containers.get(name).commit(repo, "v1")
    archive = b"".join(image.save(named=f"{repo}:v1"))
    real_client = real.client()
    real.track("image", f"{repo}:v1")
    (loaded,) = real_client.images.load(archive)
    assert loaded.id == image.id
    assert run_output(real, real_client, f"{repo}:v1", "cat", "/origin") == b"made by mockd\n"


@needs_registry
def test_push_from_mock_pull_with_real(
    both: tuple[Backend, Backend], registry_cleanup: list[str]
) -> None:
    real, mock = both
    mock_client = real_busybox_into_mock(real, mock)
    name = unique("xfer-push")
    mock_client.containers.run(IMAGE, ["sh", "-c", "echo pushed by mockd > /origin"], name=name)
    repo = f"{REGISTRY}/{unique('xfer-mock')}"
    mock_client.containers.get(name).commit(repo, "v1")
    registry_cleanup.append(f"{repo}:v1")
    messages = mock_client.images.push(repo, "v1")
    assert isinstance(messages, list)
    statuses = [m.status or "" for m in messages]
    assert statuses[0] == f"The push refers to repository [{repo}]"
    assert any(s.startswith("v1: digest: sha256:") for s in statuses)
    real_client = real.client()
    real.track("image", f"{repo}:v1")
    pulled = real_client.images.pull(repo, "v1")
    assert run_output(real, real_client, pulled.id, "cat", "/origin") == b"pushed by mockd\n"
    # The digest the mock recorded is the one the real engine pulled.
    mock_digests = mock_client.images.get(f"{repo}:v1").attrs.repo_digests or []
    assert set(mock_digests) & set(pulled.attrs.repo_digests or [])


@needs_registry
def test_push_from_real_pull_with_mock(
    both: tuple[Backend, Backend], registry_cleanup: list[str]
) -> None:
    real, mock = both
    real_client = real.client()
    repo = f"{REGISTRY}/{unique('xfer-real')}"
    real_client.images.get(IMAGE).tag(repo, "v1")
    real.track("image", f"{repo}:v1")
    registry_cleanup.append(f"{repo}:v1")
    real_client.images.push(repo, "v1")
    mock_client = mock.client()
    messages = mock_client.images.api.pull(repo, "v1")
    statuses = [m.status or "" for m in messages]
    assert statuses[0] == f"Pulling from {repo.partition('/')[2]}"
    assert statuses[-1] == f"Status: Downloaded newer image for {repo}:v1"
    pulled = mock_client.images.get(f"{repo}:v1")
    assert pulled.id == real_client.images.get(f"{repo}:v1").id
    assert run_output(mock, mock_client, f"{repo}:v1", "echo", "pulled into mockd") == (
        b"pulled into mockd\n"
    )
    # DistributionInspect names the manifest both daemons recorded.
    for client in (mock_client, real_client):
        described = ImageTransferAPI(client.transport).distribution_inspect(f"{repo}:v1")
        assert described.descriptor is not None and described.platforms
        assert f"{repo}@{described.descriptor.digest}" in (pulled.attrs.repo_digests or [])
