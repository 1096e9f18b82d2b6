"""dockerd's init layer on both backends: every container has ``/.dockerenv``,
empty ``/etc/hosts``-style mount points and ``/etc/mtab``; export and ``docker cp``
show them, diff and commit do not, and they hide what an image has at those
paths."""

from __future__ import annotations

import io
import tarfile
import uuid

import pytest
from backends import Backend

import dockersdk
from tests.contract.shell import BUSYBOX


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def unique(prefix: str) -> str:
    return f"dockersdk-{prefix}-{uuid.uuid4().hex[:8]}"


def exported(container: dockersdk.models.Container) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(b"".join(container.export()))) as archive:
        return {member.name.rstrip("/"): member for member in archive.getmembers()}


def member_data(container: dockersdk.models.Container, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(b"".join(container.export()))) as archive:
        extracted = archive.extractfile(name)
        assert extracted is not None
        return extracted.read()


def test_a_created_container_exports_the_init_layer(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    container = client.containers.create(
        BUSYBOX, ["true"], name=docker.track("container", unique("init"))
    )
    members = exported(container)
    for name in (".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "dev/console"):
        member = members[name]
        assert (member.isfile(), member.size, member.mode & 0o7777, member.uid) == (
            True,
            0,
            0o755,
            0,
        ), name
    for name in ("dev/pts", "dev/shm", "proc", "sys"):
        assert members[name].isdir(), name
    mtab = members["etc/mtab"]
    assert (mtab.issym(), mtab.linkname) == (True, "/proc/mounts")
    assert container.diff() == []  # the init layer is not the container's own


def test_processes_see_it_and_the_runtime_files_over_it(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", unique("init-run"))
    container = client.containers.run(
        BUSYBOX, ["sh", "-c", "test -f /.dockerenv && echo in-a-container; cat /etc/hostname"],
        name=name, hostname="init-host", detach=True,
    )  # fmt: skip
    assert container.wait()["StatusCode"] == 0
    assert container.logs() == b"in-a-container\ninit-host\n"
    chunks, stat = container.get_archive("/.dockerenv")
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        assert [(m.name, m.size) for m in archive.getmembers()] == [(".dockerenv", 0)]
    assert stat["size"] == 0
    assert member_data(container, "etc/hostname") == b""  # the runtime's file is bound over it


def test_commit_leaves_it_out_and_it_hides_the_image_files(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    # The image gets its own /.dockerenv and a regular /etc/mtab; a container of it
    # still has the init layer's, as moby unlinks what is in the way.
    script = "echo from-image > /.dockerenv; rm /etc/mtab; echo from-image > /etc/mtab"
    source = client.containers.run(
        BUSYBOX,
        ["sh", "-c", script],
        name=docker.track("container", unique("init-src")),
        detach=True,
    )
    assert source.wait()["StatusCode"] == 0
    assert {(c.path, int(c.kind or 0)) for c in source.diff()} == {
        ("/.dockerenv", 0), ("/etc", 0), ("/etc/mtab", 0),
    }  # fmt: skip
    repo = unique("init-commit")
    image = source.commit(repository=repo, tag="v1")
    docker.track("image", f"{repo}:v1")
    container = client.containers.create(
        image.id, ["true"], name=docker.track("container", unique("init-dst"))
    )
    members = exported(container)
    assert members[".dockerenv"].size == 0
    assert (members["etc/mtab"].issym(), members["etc/mtab"].linkname) == (True, "/proc/mounts")
    assert container.diff() == []


def test_the_root_is_the_upper_directorys_whatever_the_image_says(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    """overlayfs shows a merged directory with the upper one's attributes: an image whose
    layer has "./" as 0700 (the real engine's busybox, imported from a mktemp folder)
    still gives its containers a 0755 root."""
    out = client.containers.run(BUSYBOX, ["stat", "-c", "%a %U", "/"], remove=True)
    assert out == b"755 root\n"
