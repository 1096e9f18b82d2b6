"""The container runtime on both backends: health checks, a TTY's output, the terminal's size.

The real engine's busybox has no ``Cmd``: every container here is given one.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from backends import Backend

BUSYBOX = "busybox:latest"
API = "/v1.41"
SECOND = 1_000_000_000


@pytest.fixture(autouse=True)
def busybox(docker: Backend) -> None:
    """The mock starts with no images: pull its catalogue's busybox."""
    docker.ensure_busybox()


def create(docker: Backend, cmd: list[str], **config: Any) -> str:
    body = {"Image": BUSYBOX, "Cmd": cmd, **config}
    name = f"dockersdk-runtime-{uuid.uuid4().hex[:10]}"
    reply = docker.api("POST", f"{API}/containers/create", params={"name": name}, json=body)
    assert reply.status_code == 201, reply.text
    return docker.track("container", reply.json()["Id"])


def start(docker: Backend, cid: str) -> None:
    reply = docker.api("POST", f"{API}/containers/{cid}/start")
    assert reply.status_code == 204, reply.text


def state(docker: Backend, cid: str) -> dict[str, Any]:
    reply = docker.api("GET", f"{API}/containers/{cid}/json")
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["State"])


def listed(docker: Backend, **filters: list[str]) -> list[dict[str, Any]]:
    params = {"all": "1", "filters": json.dumps(filters)}
    reply = docker.api("GET", f"{API}/containers/json", params=params)
    assert reply.status_code == 200, reply.text
    return list(reply.json())


def raw_logs(docker: Backend, cid: str) -> bytes:
    reply = docker.api("GET", f"{API}/containers/{cid}/logs", params={"stdout": "1"})
    assert reply.status_code == 200, reply.text
    return bytes(reply.content)


def test_health_check_becomes_healthy_with_dockerds_events(docker: Backend) -> None:
    since = int(time.time()) - 1
    check = {"Test": ["CMD-SHELL", "echo ok"], "Interval": SECOND, "Retries": 2}
    cid = create(docker, ["sh", "-c", "sleep 30"], Healthcheck=check)
    start(docker, cid)
    assert state(docker, cid)["Health"] == {"Status": "starting", "FailingStreak": 0, "Log": []}
    [row] = listed(docker, id=[cid])
    assert row["Status"].endswith(" (health: starting)")
    deadline = time.monotonic() + 6
    while state(docker, cid)["Health"]["Status"] != "healthy":
        assert time.monotonic() < deadline, state(docker, cid)
        time.sleep(0.1)
    health = state(docker, cid)["Health"]
    assert health["FailingStreak"] == 0
    first = health["Log"][0]
    assert (first["ExitCode"], first["Output"]) == (0, "ok\n")
    assert set(first) == {"Start", "End", "ExitCode", "Output"}
    [row] = listed(docker, id=[cid], health=["healthy"])
    assert row["Status"].endswith(" (healthy)")
    assert listed(docker, id=[cid], health=["unhealthy"]) == []
    kill = docker.api("POST", f"{API}/containers/{cid}/kill")
    assert kill.status_code == 204, kill.text
    after = state(docker, cid)["Health"]
    assert after["Status"] == "unhealthy" and after["FailingStreak"] == 0
    reply = docker.api(
        "GET", f"{API}/events",
        params={"since": str(since), "until": str(int(time.time()) + 1),
                "filters": json.dumps({"container": [cid]})},
    )  # fmt: skip
    actions = [json.loads(line)["Action"] for line in reply.text.splitlines()]
    probe = "/bin/sh -c echo ok"
    first_probe = actions.index(f"exec_create: {probe}")
    assert actions[first_probe : first_probe + 4] == [
        f"exec_create: {probe}", f"exec_start: {probe}", "exec_die", "health_status: healthy",
    ]  # fmt: skip


def test_health_filter_rejects_unknown_values(docker: Backend) -> None:
    params = {"filters": json.dumps({"health": ["bogus"]})}
    reply = docker.api("GET", f"{API}/containers/json", params=params)
    assert reply.status_code == 400
    assert reply.json()["message"] == "Unrecognised filter value for health: bogus"


def test_without_a_health_check_there_is_no_health(docker: Backend) -> None:
    cid = create(docker, ["sh", "-c", "sleep 30"])
    start(docker, cid)
    assert "Health" not in state(docker, cid)
    assert [r["Id"] for r in listed(docker, id=[cid], health=["none"])] == [cid]


def test_a_tty_turns_each_newline_into_crlf_once(docker: Backend) -> None:
    cid = create(docker, ["sh", "-c", r"printf 'a\r\nb\n'"], Tty=True)
    start(docker, cid)
    docker.api("POST", f"{API}/containers/{cid}/wait")
    assert raw_logs(docker, cid) == b"a\r\r\nb\r\n"


def test_resize_is_what_stty_size_reads(docker: Backend) -> None:
    cid = create(docker, ["sh", "-c", "sleep 1; stty size"], Tty=True)
    start(docker, cid)
    reply = docker.api("POST", f"{API}/containers/{cid}/resize", params={"h": "40", "w": "120"})
    assert reply.status_code == 200, reply.text
    docker.api("POST", f"{API}/containers/{cid}/wait")
    assert raw_logs(docker, cid) == b"40 120\r\n"


def test_create_refuses_a_sub_millisecond_interval(docker: Backend) -> None:
    body = {"Image": BUSYBOX, "Cmd": ["true"],
            "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1000}}  # fmt: skip
    reply = docker.api("POST", f"{API}/containers/create", json=body)
    assert reply.status_code == 400
    assert reply.json()["message"] == "Interval in Healthcheck cannot be less than 1ms"


def test_ulimits_as_the_shell_sees_them(docker: Backend) -> None:
    client = docker.client()
    script = (
        "exec 2>&1; ulimit -n; ulimit -Hn; ulimit -u; ulimit -n 300; ulimit -n;"
        " ulimit -n 2000; echo rc=$?; ulimit -n -u; ulimit -n abc; ulimit -z; true"
    )
    ulimits = [
        {"Name": "nofile", "Soft": 512, "Hard": 1024},
        {"Name": "nproc", "Soft": 100, "Hard": 100},
    ]
    out = client.containers.run("busybox", ["sh", "-c", script], ulimits=ulimits, remove=True)
    assert isinstance(out, bytes)
    assert out.decode().splitlines() == [
        "512", "1024", "100", "300",
        "sh: error setting limit: Operation not permitted", "rc=1",
        "open files                      (-n) 300",
        "max user processes              (-u) 100",
        "sh: invalid number 'abc'",
        "ulimit: invalid option -- 'z'",
    ]  # fmt: skip
