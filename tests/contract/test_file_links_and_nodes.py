"""Hardlinks, fifos and device nodes inside a container, on both backends: link counts
as ``stat`` and ``ls`` show them, copy-up of an image's file before linking, EXDEV
across mounts, and ``mknod`` (containers have CAP_MKNOD by default)."""

from __future__ import annotations

import pytest
from backends import Backend

import dockersdk
from tests.contract.shell import sh


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def test_hardlinks_count_and_unlink(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(docker, client, (
        "echo x > /tmp/a && ln /tmp/a /tmp/b && stat -c '%h %s %F' /tmp/a /tmp/b; "
        "ls -l /tmp/a | cut -c1-15; "
        "rm /tmp/b; stat -c %h /tmp/a; "
        "ln /etc/group /tmp/g && stat -c %h /etc/group /tmp/g; "
        "mv /tmp/g /tmp/h && stat -c %h /etc/group"
    ))  # fmt: skip
    assert (status, err) == (0, "")
    assert out == ("2 2 regular file\n2 2 regular file\n-rw-r--r--    2\n1\n2\n2\n2\n")


def test_fifo_and_device_nodes(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(docker, client, (
        "mkfifo -m 600 /tmp/f && mknod /tmp/n c 1 3 && mknod -m 640 /tmp/d b 7 0 && "
        "ls -l /tmp/f /tmp/n /tmp/d | cut -c1-10,38-43; "
        "stat -c '%F|%f|%t,%T|%b' /tmp/f /tmp/n /tmp/d; mknod /tmp/n p; echo $?; mknod /tmp/q"
    ))  # fmt: skip
    assert status == 1
    assert out == (
        "brw-r-----7,   0\nprw-------     0\ncrw-r--r--1,   3\n"
        "fifo|1180|0,0|0\ncharacter special file|21a4|1,3|0\nblock special file|61a0|7,0|0\n"
        "1\n"
    )
    assert err.startswith("mknod: /tmp/n: File exists\nBusyBox v1.")
    assert "\n\nUsage: mknod [-m MODE] NAME TYPE [MAJOR MINOR]\n" in err


def test_a_hardlink_across_mounts_is_exdev(docker: Backend, client: dockersdk.DockerClient) -> None:
    name = docker.track("container", f"dockersdk-links-{docker.name}-{id(client):x}")
    container = client.containers.run(
        "busybox", ["sh", "-c", "echo x > /tmp/a; ln /tmp/a /t/a; echo $?; ln -s /tmp/a /t/s && cat /t/s"],
        name=name, detach=True, tmpfs={"/t": ""},
    )  # fmt: skip
    assert container.wait(timeout=60)["StatusCode"] == 0
    assert container.logs(stdout=True, stderr=False) == b"1\nx\n"
    assert container.logs(stdout=False, stderr=True) == b"ln: /t/a: Invalid cross-device link\n"


def test_directory_link_counts_as_overlayfs_reports(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    """A directory only the container's layer holds counts its subdirectories; one
    merged from several layers (the root) says 1."""
    status, out, err = sh(docker, client, (
        "mkdir -p /d/a/b /d/c && touch /d/f && stat -c '%h %n' /d /d/a /d/a/b /; "
        "ls -ld /d | cut -c1-15"
    ))  # fmt: skip
    assert (status, err) == (0, "")
    assert out == "4 /d\n3 /d/a\n2 /d/a/b\n1 /\ndrwxr-xr-x    4\n"


def test_id_of_a_named_user(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(docker, client, "id -u nobody; id -un nobody; id nobody; id nope")
    assert status == 1
    lines = out.splitlines()
    assert lines[:2] == ["65534", "nobody"]
    assert lines[2].startswith("uid=65534(nobody) gid=65534(")
    assert err == "id: unknown user nope\n"
