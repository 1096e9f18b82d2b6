"""HostConfig.ConsoleSize at create: dockerd 20.10 (API 1.41) keeps it but does not apply it."""

from __future__ import annotations

import uuid

from backends import Backend

BODY = {"Image": "busybox:latest", "Cmd": ["stty", "size"], "Tty": True,
        "HostConfig": {"ConsoleSize": [30, 100]}}  # fmt: skip


def created(docker: Backend, version: str) -> str:
    docker.ensure_busybox()
    name = f"dockersdk-console-{uuid.uuid4().hex[:10]}"
    reply = docker.api("POST", f"/v{version}/containers/create", params={"name": name}, json=BODY)
    assert reply.status_code == 201, reply.text
    return docker.track("container", reply.json()["Id"])


def test_console_size_is_kept_in_inspect_at_1_41(docker: Backend) -> None:
    cid = created(docker, "1.41")
    inspect = docker.api("GET", f"/v1.41/containers/{cid}/json").json()
    assert inspect["HostConfig"]["ConsoleSize"] == [30, 100]


def test_the_mock_sizes_the_terminal_only_from_1_42(docker: Backend) -> None:
    """The real engine's ``stty`` cannot read its pty in this sandbox: the mock only."""
    if not docker.is_mock:
        return
    seen = {}
    for version in ("1.41", "1.42"):
        cid = created(docker, version)
        assert docker.api("POST", f"/v1.41/containers/{cid}/start").status_code == 204
        assert docker.api("POST", f"/v1.41/containers/{cid}/wait").json()["StatusCode"] == 0
        seen[version] = docker.api("GET", f"/v1.41/containers/{cid}/logs?stdout=1").content
    assert seen == {"1.41": b"24 80\r\n", "1.42": b"30 100\r\n"}
