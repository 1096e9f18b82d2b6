"""``Config.User`` is looked up in the container's /etc/passwd and /etc/group at start."""

from __future__ import annotations

import pytest
from backends import Backend


def run(docker: Backend, user: str, script: str) -> str:
    client = docker.client()
    out = client.containers.run("busybox", ["sh", "-c", script], user=user, remove=True, stderr=True)
    assert isinstance(out, bytes)
    return out.decode()


@pytest.fixture(autouse=True)
def _busybox(docker: Backend) -> None:
    docker.ensure_busybox()


def test_numeric_user_without_an_entry(docker: Backend) -> None:
    # whoami's complaint goes to stdout too: two pipes would leave the order to the engine.
    assert run(docker, "1234", "id; whoami 2>&1; echo $HOME") == (
        "uid=1234 gid=0(root) groups=0(root)\nwhoami: unknown uid 1234\n/\n"
    )


def test_root_gets_its_home(docker: Backend) -> None:
    assert run(docker, "root", "id -un; echo $HOME") == "root\n/root\n"


def test_unknown_name_fails_the_start_as_dockerd(docker: Backend) -> None:
    created = docker.api(
        "POST", "/v1.41/containers/create", json={"Image": "busybox", "Cmd": ["id"], "User": "nosuch"}
    )
    container_id = docker.track("container", created.json()["Id"])
    started = docker.api("POST", f"/v1.41/containers/{container_id}/start")
    message = "unable to find user nosuch: no matching entries in passwd file"
    assert (started.status_code, started.json()["message"]) == (500, message)
    state = docker.api("GET", f"/v1.41/containers/{container_id}/json").json()["State"]
    assert (state["Status"], state["ExitCode"], state["Error"]) == ("created", 128, message)


def test_a_user_added_in_the_image_runs_with_its_ids_home_and_groups(docker: Backend) -> None:
    # The entries an `adduser` in a Dockerfile would write, put there by a commit.
    client = docker.client()
    setup = client.containers.run(
        "busybox",
        ["sh", "-c", "echo 'app:x:1500:1600::/home/app:/bin/sh' >> /etc/passwd && "
         "echo 'app:x:1600:' >> /etc/group && echo 'extra:x:1700:app' >> /etc/group && "
         "mkdir -p /home/app"],
        detach=True,
    )  # fmt: skip
    docker.track("container", setup.id)
    assert setup.wait()["StatusCode"] == 0
    image = setup.commit()
    docker.track("image", image.id)
    out = client.containers.run(image.id, ["sh", "-c", "id; echo $HOME"], user="app", remove=True)
    assert out == b"uid=1500(app) gid=1600(app) groups=1600(app),1700(extra)\n/home/app\n"
