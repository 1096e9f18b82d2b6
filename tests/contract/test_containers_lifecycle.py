"""Container lifecycle on both backends: create, start, wait, stop, kill, pause, rm...

The real engine's busybox has no Cmd, so every container gets a command.
Timeouts are 1 s so the stop-timeout cases stay quick.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from typing import Any

import pytest
from backends import Backend

IMAGE = "busybox:latest"


@pytest.fixture
def d(docker: Backend) -> Backend:
    docker.ensure_busybox()
    return docker


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create(d: Backend, cmd: list[str], name: str | None = None, **extra: Any) -> str:
    name = name or unique("lc")
    reply = d.api(
        "POST", f"/containers/create?name={name}", json={"Image": IMAGE, "Cmd": cmd, **extra}
    )
    assert reply.status_code == 201, reply.text
    return d.track("container", reply.json()["Id"])


def inspect(d: Backend, ref: str) -> dict[str, Any]:
    reply = d.api("GET", f"/containers/{ref}/json")
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()
    return result


def start(d: Backend, ref: str) -> None:
    reply = d.api("POST", f"/containers/{ref}/start")
    assert reply.status_code == 204, reply.text


def wait(d: Backend, ref: str, condition: str = "not-running") -> int:
    reply = d.api("POST", f"/containers/{ref}/wait?condition={condition}")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["Error"] is None
    code: int = body["StatusCode"]
    return code


def demux(raw: bytes) -> list[tuple[int, bytes]]:
    """The multiplexed stream: 8-byte headers (stream, 0, 0, 0, big-endian size)."""
    frames = []
    while raw:
        stream, size = struct.unpack(">BxxxL", raw[:8])
        frames.append((stream, raw[8 : 8 + size]))
        raw = raw[8 + size :]
    return frames


def test_exit_code_and_state(d: Backend) -> None:
    cid = create(d, ["sh", "-c", "exit 3"])
    created = inspect(d, cid)
    assert created["State"]["Status"] == "created"
    assert created["State"]["StartedAt"] == "0001-01-01T00:00:00Z"
    assert created["Path"] == "sh" and created["Args"] == ["-c", "exit 3"]
    assert created["HostConfig"]["LogConfig"] == {"Type": "json-file", "Config": {}}
    assert created["HostConfig"]["RestartPolicy"] == {"Name": "", "MaximumRetryCount": 0}
    assert created["Config"]["Hostname"] == cid[:12]
    assert created["ResolvConfPath"] == ""
    start(d, cid)
    assert wait(d, cid) == 3
    done = inspect(d, cid)["State"]
    assert done["Status"] == "exited" and done["ExitCode"] == 3 and done["Pid"] == 0
    assert done["Running"] is False and done["FinishedAt"] != "0001-01-01T00:00:00Z"
    again = d.api("POST", f"/containers/{cid}/kill")
    assert again.status_code == 409
    assert f"Container {cid} is not running" in again.json()["message"]


def test_logs_are_multiplexed_without_tty(d: Backend) -> None:
    cid = create(d, ["sh", "-c", "echo out; echo err >&2"])
    start(d, cid)
    assert wait(d, cid) == 0
    reply = d.api("GET", f"/containers/{cid}/logs?stdout=1&stderr=1")
    assert reply.status_code == 200
    frames = demux(reply.content)
    assert sorted(frames) == [(1, b"out\n"), (2, b"err\n")]


def test_stop_timeout_kills_with_137(d: Backend) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    running = inspect(d, cid)
    assert running["State"]["Running"] is True and running["State"]["Pid"] > 0
    # The per-network endpoint: the top-level copies are gone from API 1.52.
    bridge = running["NetworkSettings"]["Networks"]["bridge"]
    assert bridge["Gateway"] and bridge["IPAddress"]
    began = time.monotonic()
    reply = d.api("POST", f"/containers/{cid}/stop?t=1")
    assert reply.status_code == 204
    assert 0.8 < time.monotonic() - began < 5
    state = inspect(d, cid)
    assert state["State"]["ExitCode"] == 137
    assert state["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] == ""
    assert d.api("POST", f"/containers/{cid}/stop").status_code == 304


def test_trap_makes_stop_quick_and_clean(d: Backend) -> None:
    cid = create(d, ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"])
    start(d, cid)
    time.sleep(0.3)
    began = time.monotonic()
    assert d.api("POST", f"/containers/{cid}/stop?t=5").status_code == 204
    assert time.monotonic() - began < 3
    assert inspect(d, cid)["State"]["ExitCode"] == 0


def test_unknown_command(d: Backend) -> None:
    cid = create(d, ["nope"])
    reply = d.api("POST", f"/containers/{cid}/start")
    assert reply.status_code == 400
    assert 'exec: "nope": executable file not found in $PATH' in reply.json()["message"]
    state = inspect(d, cid)["State"]
    assert state["Status"] == "created" and state["ExitCode"] == 127
    assert "executable file not found" in state["Error"]


def test_an_auto_remove_container_that_cannot_start_is_removed(d: Backend) -> None:
    # dockerd's start cleans up after a failure and removes an AutoRemove container;
    # `docker run --rm` waits for that removal, so without it the CLI would hang.
    cid = create(d, ["nope"], HostConfig={"AutoRemove": True})
    waited = d.client().containers.api.wait_begin(cid, condition="removed", timeout=30)
    reply = d.api("POST", f"/containers/{cid}/start")
    assert reply.status_code == 400
    assert waited().status_code == 127
    assert d.api("GET", f"/containers/{cid}/json").status_code == 404
    actions = [event["Action"] for event in _events_of(d, cid)]
    assert actions == ["create", "destroy"]


def _events_of(d: Backend, cid: str) -> list[dict[str, Any]]:
    now = int(time.time()) + 1
    filters = json.dumps({"container": [cid]})
    reply = d.api("GET", "/events", params={"since": now - 60, "until": now, "filters": filters})
    assert reply.status_code == 200, reply.text
    return [json.loads(line) for line in reply.text.splitlines() if line]


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/kill", "Cannot kill container: {ref}: No such container: {ref}"),
        ("POST", "/stop", "No such container: {ref}"),
        ("POST", "/restart", "No such container: {ref}"),
        ("POST", "/pause", "No such container: {ref}"),
        ("POST", "/start", "No such container: {ref}"),
        ("POST", "/rename?name=x", "No such container: {ref}"),
        ("DELETE", "", "No such container: {ref}"),
        ("GET", "/json", "No such container: {ref}"),
    ],
)
def test_operations_on_a_missing_container(
    d: Backend, method: str, path: str, message: str
) -> None:
    ref = unique("missing")
    reply = d.api(method, f"/containers/{ref}{path}")
    assert (reply.status_code, reply.json()["message"]) == (404, message.format(ref=ref))


def test_create_for_a_platform(d: Backend) -> None:
    image = d.api("GET", f"/images/{IMAGE}/json").json()
    own = f"{image['Os']}/{image['Architecture']}"
    body = {"Image": IMAGE, "Cmd": ["true"]}
    for platform in (own, image["Os"], image["Architecture"]):
        reply = d.api("POST", "/containers/create", params={"platform": platform}, json=body)
        assert reply.status_code == 201, (platform, reply.text)
        d.track("container", reply.json()["Id"])
    reply = d.api("POST", "/containers/create", params={"platform": "linux/s390x"}, json=body)
    assert (reply.status_code, reply.json()["message"]) == (
        404,
        f"image with reference {IMAGE} was found but does not match the specified platform:"
        f" wanted linux/s390x, actual: {own}",
    )
    reply = d.api("POST", "/containers/create", params={"platform": "bogus"}, json=body)
    assert (reply.status_code, reply.json()["message"]) == (
        400, '"bogus": unknown operating system or architecture: invalid argument',
    )  # fmt: skip


def test_name_conflict_and_rename(d: Backend) -> None:
    name = unique("named")
    cid = create(d, ["true"], name=name)
    clash = d.api("POST", f"/containers/create?name={name}", json={"Image": IMAGE, "Cmd": ["true"]})
    assert clash.status_code == 409
    assert clash.json()["message"] == (
        f'Conflict. The container name "/{name}" is already in use by container "{cid}". '
        "You have to remove (or rename) that container to be able to reuse that name."
    )
    other = create(d, ["true"])
    taken = d.api("POST", f"/containers/{other}/rename?name={name}")
    assert taken.status_code == 409
    new = unique("renamed")
    assert d.api("POST", f"/containers/{cid}/rename?name={new}").status_code == 204
    assert inspect(d, new)["Name"] == "/" + new
    bad = d.api("POST", "/containers/create?name=-bad", json={"Image": IMAGE, "Cmd": ["true"]})
    assert bad.status_code == 400


def test_delete_running_needs_force(d: Backend) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    refused = d.api("DELETE", f"/containers/{cid}")
    assert refused.status_code == 409
    assert refused.json()["message"] == (
        f"You cannot remove a running container {cid}. "
        "Stop the container before attempting removal or force remove"
    )
    assert d.api("DELETE", f"/containers/{cid}?force=1").status_code == 204
    gone = d.api("GET", f"/containers/{cid}/json")
    assert gone.status_code == 404
    assert gone.json()["message"] == f"No such container: {cid}"


def test_pause_and_unpause(d: Backend) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    assert d.api("POST", f"/containers/{cid}/pause").status_code == 204
    state = inspect(d, cid)["State"]
    assert state["Status"] == "paused" and state["Paused"] is True and state["Running"] is True
    twice = d.api("POST", f"/containers/{cid}/pause")
    assert twice.status_code == 409
    assert twice.json()["message"] == f"Container {cid} is already paused"
    assert d.api("POST", f"/containers/{cid}/unpause").status_code == 204
    assert inspect(d, cid)["State"]["Status"] == "running"
    not_paused = d.api("POST", f"/containers/{cid}/unpause")
    assert not_paused.status_code == 500
    assert not_paused.json()["message"] == f"Container {cid} is not paused"
    d.api("POST", f"/containers/{cid}/kill")


def test_list_filters(d: Backend) -> None:
    label = unique("lbl")
    running = create(d, ["sleep", "100"], Labels={"suite": label})
    exited = create(d, ["sh", "-c", "exit 2"], Labels={"suite": label})
    start(d, running)
    start(d, exited)
    wait(d, exited)
    f = json.dumps({"label": [f"suite={label}"]})
    only_running = d.api("GET", f"/containers/json?filters={f}").json()
    assert [c["Id"] for c in only_running] == [running]
    assert only_running[0]["State"] == "running"
    assert only_running[0]["Status"].startswith("Up ")
    everything = d.api("GET", f"/containers/json?all=1&filters={f}").json()
    assert [c["Id"] for c in everything] == [exited, running]
    assert everything[0]["Status"].startswith("Exited (2) ")
    assert everything[0]["Command"] == "sh -c 'exit 2'"
    f2 = json.dumps({"label": [f"suite={label}"], "exited": ["2"]})
    assert [c["Id"] for c in d.api("GET", f"/containers/json?all=1&filters={f2}").json()] == [
        exited
    ]
    f3 = json.dumps({"label": [f"suite={label}"], "status": ["running"]})
    assert [c["Id"] for c in d.api("GET", f"/containers/json?filters={f3}").json()] == [running]
    f4 = json.dumps({"id": [running[:16]]})
    assert [c["Id"] for c in d.api("GET", f"/containers/json?filters={f4}").json()] == [running]
    d.api("POST", f"/containers/{running}/kill")


def test_top_titles(d: Backend) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    top = d.api("GET", f"/containers/{cid}/top").json()
    assert top["Titles"] == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert [row[-1] for row in top["Processes"]] == ["sleep 100"]
    assert top["Processes"][0][1] == str(inspect(d, cid)["State"]["Pid"])
    d.api("POST", f"/containers/{cid}/kill")
    assert d.api("GET", f"/containers/{cid}/top").status_code == 409


@pytest.mark.parametrize(
    ("ps_args", "titles", "row"),
    [
        ("-o pid,comm", ["PID", "COMMAND"], ["<pid>", "sleep"]),
        ("-o pid -o user,args", ["PID", "USER", "COMMAND"], ["<pid>", "root", "sleep 100"]),
        ("-e", ["PID", "TTY", "TIME", "CMD"], ["<pid>", "?", "00:00:00", "sleep"]),
        ("x", ["PID", "TTY", "STAT", "TIME", "COMMAND"], ["<pid>", "?", "Ss", "0:00", "sleep 100"]),
        # dockerd cuts ps's text on blanks and gives the last title the rest of the line
        ("-o pid,cmd,comm", ["PID", "CMD", "COMMAND"], ["<pid>", "sleep", "100 sleep"]),
    ],
)
def test_top_with_ps_args(d: Backend, ps_args: str, titles: list[str], row: list[str]) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    top = d.api("GET", f"/containers/{cid}/top", params={"ps_args": ps_args}).json()
    pid = str(inspect(d, cid)["State"]["Pid"])
    assert top == {"Titles": titles, "Processes": [[pid if v == "<pid>" else v for v in row]]}
    d.api("POST", f"/containers/{cid}/kill")


@pytest.mark.parametrize(
    ("ps_args", "message"),
    [
        ("-o comm", "Couldn't find PID field in ps output"),
        ("-o pid,nosuch", 'ps: error: unknown user-defined format specifier "nosuch"'),
    ],
)
def test_top_errors(d: Backend, ps_args: str, message: str) -> None:
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    reply = d.api("GET", f"/containers/{cid}/top", params={"ps_args": ps_args})
    assert (reply.status_code, reply.json()["message"]) == (500, message)
    d.api("POST", f"/containers/{cid}/kill")


def test_changes_and_archive_stat(d: Backend) -> None:
    cid = create(d, ["sh", "-c", "touch /tmp/new; rm /etc/group"])
    start(d, cid)
    assert wait(d, cid) == 0
    changes = {(c["Path"], c["Kind"]) for c in d.api("GET", f"/containers/{cid}/changes").json()}
    assert {("/tmp", 0), ("/tmp/new", 1), ("/etc/group", 2)} <= changes
    head = d.api("HEAD", f"/containers/{cid}/archive?path=/tmp/new")
    assert head.status_code == 200
    stat = json.loads(base64.b64decode(head.headers["X-Docker-Container-Path-Stat"]))
    assert stat["name"] == "new" and stat["size"] == 0
    assert d.api("HEAD", f"/containers/{cid}/archive?path=/nope").status_code == 404


def test_event_sequence_for_run_stop_rm(d: Backend) -> None:
    since = int(time.time()) - 1
    cid = create(d, ["sleep", "100"])
    start(d, cid)
    assert d.api("POST", f"/containers/{cid}/stop?t=1").status_code == 204
    assert d.api("DELETE", f"/containers/{cid}").status_code == 204
    until = int(time.time()) + 1
    reply = d.api("GET", "/events", params={"since": since, "until": until})
    assert reply.status_code == 200, reply.text
    events = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    actions = [e["Action"] for e in events if e["Type"] == "container" and e["Actor"]["ID"] == cid]
    assert actions == ["create", "start", "kill", "kill", "die", "stop", "destroy"]


def test_inspect_kernel_memory_fields_follow_the_api_version(docker: Backend) -> None:
    docker.ensure_busybox()
    created = docker.api("POST", "/v1.41/containers/create", json={"Image": "busybox"})
    container_id = docker.track("container", created.json()["Id"])
    host = docker.api("GET", f"/v1.41/containers/{container_id}/json").json()["HostConfig"]
    assert (host["KernelMemory"], host["KernelMemoryTCP"]) == (0, 0)
    if docker.is_mock:  # the real engine here speaks 1.41 at most
        for version in ("1.44", "1.52"):
            host = docker.api("GET", f"/v{version}/containers/{container_id}/json").json()
            assert "KernelMemory" not in host["HostConfig"]
            assert "KernelMemoryTCP" not in host["HostConfig"]
