"""The local registry: pulling every tag of a repository, and a chunked push.

``POST /images/create?fromImage=name`` with neither tag nor digest pulls every
tag the registry lists, on both backends.  A layer of a few MB, pushed by the
mock in several PATCH chunks, is pulled and read back by the real engine.
Repository names are unique; local tags are removed at teardown.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile

import pytest
from backends import Backend

import dockersdk
from tests.contract.test_image_transfer import (  # noqa: F401  (fixtures)
    IMAGE,
    REGISTRY,
    both,
    client,
    ensure_busybox,
    needs_registry,
    real_busybox_into_mock,
    registry_cleanup,
    run_output,
    unique,
)

pytestmark = needs_registry


def test_pull_without_a_tag_pulls_every_tag(
    docker: Backend,
    client: dockersdk.DockerClient,  # noqa: F811  (the imported fixture)
    registry_cleanup: list[str],  # noqa: F811
) -> None:
    ensure_busybox(client)
    repo = f"{REGISTRY}/{unique('pull-all')}"
    for tag in ("one", "two"):
        client.images.get(IMAGE).tag(repo, tag)
        docker.track("image", f"{repo}:{tag}")
        registry_cleanup.append(f"{repo}:{tag}")
        client.images.push(repo, tag)
    client.images.remove(f"{repo}:one")
    client.images.remove(f"{repo}:two")

    messages = client.images.api.pull(repo, None)
    statuses = [(m.status or "", m.id or "") for m in messages]
    path = repo.partition("/")[2]
    # In the registry's order, as dockerd takes it.
    pulling = sorted(s for s in statuses if s[0].startswith("Pulling from"))
    assert pulling == [(f"Pulling from {path}", "one"), (f"Pulling from {path}", "two")]
    assert sum(1 for s, _ in statuses if s.startswith("Digest: sha256:")) == 2
    assert statuses[-1] == (f"Status: Downloaded newer image for {repo}", "")

    images = client.images.pull(repo, all_tags=True)
    (image,) = images  # both tags name busybox's image
    assert sorted(t for t in image.tags if t.startswith(repo)) == [f"{repo}:one", f"{repo}:two"]
    again = client.images.api.pull(repo, None)
    assert again[-1].status == f"Status: Image is up to date for {repo}"


def test_pull_of_every_tag_of_an_unknown_repository_is_404(docker: Backend) -> None:
    repo = f"{REGISTRY}/{unique('pull-all-none')}"
    reply = docker.api("POST", "/v1.41/images/create", params={"fromImage": repo})
    assert reply.status_code == 404
    assert reply.json()["message"] == (
        f"repository {repo} not found: name unknown: repository name not known to registry"
    )


def test_a_layer_of_several_mb_pushed_by_the_mock_is_pulled_by_the_real_engine(
    both: tuple[Backend, Backend],  # noqa: F811  (the imported fixture)
    registry_cleanup: list[str],  # noqa: F811
) -> None:
    real, mock = both
    mock_client = real_busybox_into_mock(real, mock)
    data = os.urandom(3_500_000)  # incompressible: four PATCHes of 1 MiB
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as archive:
        for name, content in (("Dockerfile", b"FROM busybox\nCOPY big.bin /big.bin\n"),
                              ("big.bin", data)):  # fmt: skip
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    repo = f"{REGISTRY}/{unique('xfer-big')}"
    mock_client.images.build(fileobj=context.getvalue(), custom_context=True, tag=f"{repo}:v1")
    registry_cleanup.append(f"{repo}:v1")
    messages = mock_client.images.push(repo, "v1")
    assert isinstance(messages, list)
    pushing = [m for m in messages if m.status == "Pushing"]
    assert len(pushing) >= 4  # progress after each chunk
    assert any(m.status == "Pushed" for m in messages)

    real_client = real.client()
    real.track("image", f"{repo}:v1")
    pulled = real_client.images.pull(repo, "v1")
    out = run_output(real, real_client, pulled.id, "md5sum", "/big.bin")
    assert out.split()[0].decode() == hashlib.md5(data).hexdigest()
    assert pulled.id == mock_client.images.get(f"{repo}:v1").id


@pytest.fixture(autouse=True)
def _no_proxy_for_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
