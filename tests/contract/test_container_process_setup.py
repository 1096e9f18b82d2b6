"""What a container's process starts with, on both backends: its environment in
dockerd's order (PATH and HOSTNAME first, a bare NAME unsets), ``--entrypoint ""``,
``--group-add``; and the details of ``logs``, and ``update``'s memory rule."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from backends import Backend

import dockersdk

V = "/v1.41"


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def run(docker: Backend, client: dockersdk.DockerClient, command: list[str], **kwargs: Any) -> str:
    name = docker.track("container", f"dockersdk-setup-{uuid.uuid4().hex[:10]}")
    container = client.containers.run("busybox", command, name=name, detach=True, **kwargs)
    assert container.wait(timeout=60)["StatusCode"] == 0, container.logs()
    out = container.logs(stdout=True, stderr=True)
    assert isinstance(out, bytes)
    return out.decode()


def test_environment_in_dockerds_order(docker: Backend, client: dockersdk.DockerClient) -> None:
    out = run(docker, client, ["env"], environment=["A", "B=2", "PATH=/x:/bin:/usr/bin"], hostname="hh")
    assert out == "PATH=/x:/bin:/usr/bin\nHOSTNAME=hh\nB=2\nHOME=/root\n"
    out = run(docker, client, ["env"], environment=["TERM=dumb"], tty=True)
    lines = out.replace("\r\n", "\n").splitlines()
    assert lines[0].startswith("PATH=") and lines[1].startswith("HOSTNAME=")
    assert lines[2:] == ["TERM=dumb", "HOME=/root"]


def test_exec_environment(docker: Backend, client: dockersdk.DockerClient) -> None:
    name = docker.track("container", f"dockersdk-setup-{uuid.uuid4().hex[:10]}")
    container = client.containers.run(
        "busybox", ["sleep", "300"], name=name, detach=True, environment={"A": "1"},
        group_add=["10"],
    )  # fmt: skip
    plain = container.exec_run(["env"], environment=["B=2", "A"])
    assert plain.output.decode().splitlines()[2:] == ["B=2", "HOME=/root"]
    as_nobody = container.exec_run(["id"], user="nobody")
    assert as_nobody.output.decode().startswith("uid=65534(nobody) gid=65534(")
    assert "groups=10" in as_nobody.output.decode()  # named (wheel) where the image has it
    container.kill()


def test_empty_entrypoint_clears_the_images(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    assert run(docker, client, ["echo", "noentry"], entrypoint="") == "noentry\n"
    reply = docker.api(
        "POST", f"{V}/containers/create", json={"Image": "busybox", "Entrypoint": [""]}
    )
    assert (reply.status_code, reply.json()) == (400, {"message": "No command specified"})


def test_group_add(docker: Backend, client: dockersdk.DockerClient) -> None:
    # (The image's /etc/group may name 10 and 5: wheel, tty.)
    out = run(docker, client, ["id", "-G"], group_add=["root", "10", "0"])
    assert out == "0 10\n"
    out = run(docker, client, ["id"], group_add=["5"], user="1000")
    assert out.startswith("uid=1000 gid=0(root) groups=0(root),5")
    reply = docker.api("POST", f"{V}/containers/create", json={
        "Image": "busybox", "Cmd": ["id"], "HostConfig": {"GroupAdd": ["nosuch"]},
    })  # fmt: skip
    assert reply.status_code == 201
    container_id = docker.track("container", reply.json()["Id"])
    started = docker.api("POST", f"{V}/containers/{container_id}/start")
    assert started.status_code >= 400
    assert (
        "Unable to find group nosuch: no matching entries in group file"
        in started.json()["message"]
    )


def test_logs_details_name_the_log_attributes(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", f"dockersdk-setup-{uuid.uuid4().hex[:10]}")
    container = client.containers.run(
        "busybox", ["sh", "-c", "echo o; echo -n partial"], name=name, detach=True,
        labels={"a": "1"}, environment={"E": "x"},
        log_config={"Type": "json-file", "Config": {"labels": "a", "env": "E"}},
    )  # fmt: skip
    container.wait(timeout=60)
    reply = docker.api("GET", f"{V}/containers/{name}/logs?stdout=1&details=1")
    assert reply.content == b"\x01\0\0\0\0\0\0\x0aE=x,a=1 o\n\x01\0\0\0\0\0\0\x0fE=x,a=1 partial"
    plain = client.containers.run("busybox", ["echo", "p"], name=f"{name}-p", detach=True)
    docker.track("container", f"{name}-p")
    plain.wait(timeout=60)
    reply = docker.api("GET", f"{V}/containers/{name}-p/logs?stdout=1&details=1")
    assert reply.content == b"\x01\0\0\0\0\0\0\x03 p\n"


def test_update_memory_needs_the_swap_limit_too(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    reply = docker.api("POST", f"{V}/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    container_id = docker.track("container", reply.json()["Id"])
    path = f"{V}/containers/{container_id}/update"
    refused = docker.api("POST", path, json={"Memory": 10 * 2**20})
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        f"Cannot update container {container_id}: Memory limit should be smaller than already "
        "set memoryswap limit, update the memoryswap at the same time"
    )
    accepted = docker.api("POST", path, json={"Memory": 10 * 2**20, "MemorySwap": -1})
    assert (accepted.status_code, accepted.json()) == (200, {"Warnings": None})
    assert docker.api("POST", path, json={"Memory": 20 * 2**20}).status_code == 409
