"""A container's streams on both backends: logs, attach, exec, stats, resize.

The real engine's busybox has no ``Cmd``: every container here is given one.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from backends import Backend

BUSYBOX = "busybox:latest"
API = "/v1.41"


def _name() -> str:
    return f"dockersdk-streams-{uuid.uuid4().hex[:10]}"


def create(docker: Backend, cmd: list[str], **config: Any) -> str:
    host_config = config.pop("HostConfig", {})
    body = {"Image": BUSYBOX, "Cmd": cmd, "HostConfig": host_config, **config}
    reply = docker.api("POST", f"{API}/containers/create", params={"name": _name()}, json=body)
    assert reply.status_code == 201, reply.text
    return docker.track("container", reply.json()["Id"])


def start(docker: Backend, cid: str) -> None:
    reply = docker.api("POST", f"{API}/containers/{cid}/start")
    assert reply.status_code == 204, reply.text


def wait(docker: Backend, cid: str) -> int:
    reply = docker.api("POST", f"{API}/containers/{cid}/wait")
    assert reply.status_code == 200, reply.text
    return int(reply.json()["StatusCode"])


def run_to_end(docker: Backend, cmd: list[str], **config: Any) -> str:
    cid = create(docker, cmd, **config)
    start(docker, cid)
    assert wait(docker, cid) == 0
    return cid


def demux(data: bytes) -> list[tuple[int, bytes]]:
    frames = []
    while data:
        assert len(data) >= 8, data
        stream, size = struct.unpack(">BxxxI", data[:8])
        frames.append((stream, data[8 : 8 + size]))
        data = data[8 + size :]
    return frames


def joined(frames: list[tuple[int, bytes]], stream: int) -> bytes:
    return b"".join(payload for sid, payload in frames if sid == stream)


class Hijacked:
    """A raw hijacked connection: what the docker CLI does for attach and exec start."""

    def __init__(self, docker: Backend, path: str, body: dict[str, Any] | None = None) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(15)
        self.sock.connect(docker.docker_host.removeprefix("unix://"))
        payload = json.dumps(body).encode() if body is not None else b""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + payload)
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(4096)
            assert chunk, raw
            raw += chunk
        head_bytes, _, self.pending = raw.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
        }

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def half_close(self) -> None:
        self.sock.shutdown(socket.SHUT_WR)

    def read_until(self, marker: bytes) -> bytes:
        """Bytes until ``marker`` has come or the daemon closed (an error body may be kept alive)."""
        data = self.pending
        while marker not in data and (chunk := self.sock.recv(65536)):
            data += chunk
        self.sock.close()
        return data

    def read_all(self) -> bytes:
        data = self.pending
        while chunk := self.sock.recv(65536):
            data += chunk
        self.sock.close()
        return data


@pytest.fixture(autouse=True)
def _busybox(docker: Backend) -> None:
    """The mock starts with no images: pull its catalogue's busybox."""
    docker.ensure_busybox()


@pytest.fixture
def web(docker: Backend) -> Iterator[str]:
    """A running container that wrote one line to each stream, with ``A=1`` in its env."""
    cid = create(docker, ["sh", "-c", "echo out; echo err >&2; sleep 300"], Env=["A=1"])
    start(docker, cid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        logs = docker.api("GET", f"{API}/containers/{cid}/logs", params={"stdout": 1, "stderr": 1})
        if len(demux(logs.content)) == 2:
            break
        time.sleep(0.05)
    yield cid


# -- logs -------------------------------------------------------------------------


def test_logs_split_stdout_and_stderr(docker: Backend) -> None:
    cid = run_to_end(docker, ["sh", "-c", "echo out; echo err >&2"])
    both = demux(docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&stderr=1").content)
    assert joined(both, 1) == b"out\n"
    assert joined(both, 2) == b"err\n"
    only_err = demux(docker.api("GET", f"{API}/containers/{cid}/logs?stderr=1").content)
    assert only_err == [(2, b"err\n")]


def test_logs_tail_keeps_the_last_lines(docker: Backend) -> None:
    cid = run_to_end(docker, ["sh", "-c", "echo 1; echo 2; echo 3"])
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&tail=2")
    assert demux(reply.content) == [(1, b"2\n"), (1, b"3\n")]
    none = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&tail=0")
    assert none.content == b""


def test_logs_timestamps_are_rfc3339_nanos(docker: Backend) -> None:
    cid = run_to_end(docker, ["echo", "hi"])
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&timestamps=1")
    [(stream, payload)] = demux(reply.content)
    stamp, _, line = payload.partition(b" ")
    assert stream == 1 and line == b"hi\n"
    assert len(stamp) == len(b"2026-01-01T00:00:00.000000000Z")
    assert stamp.endswith(b"Z") and stamp[10:11] == b"T"


def test_logs_since_in_the_future_is_empty(docker: Backend) -> None:
    cid = run_to_end(docker, ["echo", "hi"])
    later = int(time.time()) + 3600
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&since={later}")
    assert reply.status_code == 200 and reply.content == b""
    earlier = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&since=1")
    assert demux(earlier.content) == [(1, b"hi\n")]


def test_logs_of_a_tty_container_are_raw(docker: Backend) -> None:
    cid = run_to_end(docker, ["echo", "tty"], Tty=True)
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1")
    assert reply.content == b"tty\r\n"


def test_logs_content_type_names_the_framing_from_1_42(docker: Backend) -> None:
    cid = run_to_end(docker, ["echo", "hi"])
    old = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1")
    assert "content-type" not in {k.lower() for k in old.headers}
    if docker.is_mock:  # the real engine here speaks API 1.41 only
        new = docker.api("GET", f"/v1.44/containers/{cid}/logs?stdout=1")
        assert new.headers["Content-Type"] == "application/vnd.docker.multiplexed-stream"


def test_logs_need_a_stream(docker: Backend) -> None:
    cid = create(docker, ["true"])
    reply = docker.api("GET", f"{API}/containers/{cid}/logs")
    assert reply.status_code == 400
    assert reply.json()["message"] == "Bad parameters: you must choose at least one stream"


def test_logs_of_the_none_driver_cannot_be_read(docker: Backend) -> None:
    cid = create(docker, ["true"], HostConfig={"LogConfig": {"Type": "none", "Config": {}}})
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1")
    assert reply.status_code == 501
    assert reply.json()["message"] == "configured logging driver does not support reading"


def test_logs_follow_ends_when_the_container_stops(docker: Backend) -> None:
    cid = create(docker, ["sh", "-c", "echo a; sleep 1; echo b"])
    start(docker, cid)
    reply = docker.api("GET", f"{API}/containers/{cid}/logs?stdout=1&follow=1", timeout=20)
    assert joined(demux(reply.content), 1) == b"a\nb\n"


# -- attach -----------------------------------------------------------------------


def test_attach_forwards_stdin_to_cat_until_half_close(docker: Backend) -> None:
    cid = create(docker, ["cat"], OpenStdin=True, StdinOnce=True, AttachStdin=True)
    conn = Hijacked(docker, f"{API}/containers/{cid}/attach?stream=1&stdin=1&stdout=1&stderr=1")
    assert conn.status == 101
    assert conn.headers["content-type"] == "application/vnd.docker.raw-stream"
    start(docker, cid)
    conn.send(b"hello\n")
    conn.half_close()
    assert joined(demux(conn.read_all()), 1) == b"hello\n"
    assert wait(docker, cid) == 0


def test_attach_with_logs_replays_output(docker: Backend, web: str) -> None:
    conn = Hijacked(docker, f"{API}/containers/{web}/attach?logs=1&stdout=1&stderr=1")
    assert conn.status == 101
    frames = demux(conn.read_all())
    assert joined(frames, 1) == b"out\n" and joined(frames, 2) == b"err\n"


def test_attach_before_start_gets_all_output(docker: Backend) -> None:
    cid = create(docker, ["sh", "-c", "echo first; echo second >&2"])
    conn = Hijacked(docker, f"{API}/containers/{cid}/attach?stream=1&stdout=1&stderr=1")
    start(docker, cid)
    frames = demux(conn.read_all())
    assert joined(frames, 1) == b"first\n" and joined(frames, 2) == b"second\n"


def test_attach_rejects_bad_detach_keys(docker: Backend, web: str) -> None:
    conn = Hijacked(docker, f"{API}/containers/{web}/attach?stream=1&stdout=1&detachKeys=bogus")
    assert conn.status == 400
    assert b"Invalid detach keys (bogus) provided" in conn.read_until(b"provided")


# -- exec ---------------------------------------------------------------------------


def exec_create(docker: Backend, cid: str, **body: Any) -> str:
    reply = docker.api("POST", f"{API}/containers/{cid}/exec", json=body)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["Id"])


def test_exec_output_and_exit_code(docker: Backend, web: str) -> None:
    eid = exec_create(
        docker, web, Cmd=["sh", "-c", "echo hi; echo oops >&2; exit 3"],
        AttachStdout=True, AttachStderr=True,
    )  # fmt: skip
    before = docker.api("GET", f"{API}/exec/{eid}/json").json()
    assert before["Running"] is False and before["ExitCode"] is None and before["Pid"] == 0
    conn = Hijacked(docker, f"{API}/exec/{eid}/start", {"Detach": False, "Tty": False})
    assert conn.status == 101
    frames = demux(conn.read_all())
    assert joined(frames, 1) == b"hi\n" and joined(frames, 2) == b"oops\n"
    after = docker.api("GET", f"{API}/exec/{eid}/json").json()
    assert after["ExitCode"] == 3 and after["Running"] is False


def test_exec_inspect_fields(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["sh", "-c", "true"], AttachStdout=True, User="root")
    info = docker.api("GET", f"{API}/exec/{eid}/json").json()
    assert info["ID"] == eid
    assert info["ContainerID"] == docker.api("GET", f"{API}/containers/{web}/json").json()["Id"]
    assert info["ProcessConfig"] == {
        "tty": False, "entrypoint": "sh", "arguments": ["-c", "true"],
        "privileged": False, "user": "root",
    }  # fmt: skip
    assert (info["OpenStdin"], info["OpenStdout"], info["OpenStderr"]) == (False, True, False)
    assert info["CanRemove"] is False and info["DetachKeys"] == ""
    exec_ids = docker.api("GET", f"{API}/containers/{web}/json").json()["ExecIDs"]
    assert eid in exec_ids


def test_exec_sees_the_container_env_and_its_own(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["sh", "-c", "echo $A$B"], Env=["B=2"], AttachStdout=True)
    conn = Hijacked(docker, f"{API}/exec/{eid}/start", {})
    assert joined(demux(conn.read_all()), 1) == b"12\n"


def test_exec_stdin(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["cat"], AttachStdin=True, AttachStdout=True)
    conn = Hijacked(docker, f"{API}/exec/{eid}/start", {})
    conn.send(b"abc\n")
    conn.half_close()
    assert joined(demux(conn.read_all()), 1) == b"abc\n"
    assert docker.api("GET", f"{API}/exec/{eid}/json").json()["ExitCode"] == 0


def test_exec_of_an_unknown_command_reports_126(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["nope"], AttachStdout=True, AttachStderr=True)
    conn = Hijacked(docker, f"{API}/exec/{eid}/start", {})
    out = joined(demux(conn.read_all()), 1)
    assert b'exec: "nope": executable file not found in $PATH' in out
    assert docker.api("GET", f"{API}/exec/{eid}/json").json()["ExitCode"] == 126


def test_exec_in_a_stopped_container_is_409(docker: Backend) -> None:
    cid = create(docker, ["true"])
    reply = docker.api("POST", f"{API}/containers/{cid}/exec", json={"Cmd": ["true"]})
    assert reply.status_code == 409
    assert reply.json()["message"] == f"Container {cid} is not running"


def test_exec_start_twice_is_409(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["true"])
    first = docker.api("POST", f"{API}/exec/{eid}/start", json={"Detach": True})
    assert first.status_code == 200, first.text
    deadline = time.monotonic() + 10
    while docker.api("GET", f"{API}/exec/{eid}/json").json()["ExitCode"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    again = docker.api("POST", f"{API}/exec/{eid}/start", json={"Detach": True})
    assert again.status_code == 409
    assert again.json()["message"] == f"Error: Exec command {eid} has already run"


def test_unknown_exec_is_404(docker: Backend) -> None:
    reply = docker.api("GET", f"{API}/exec/{'0' * 64}/json")
    assert reply.status_code == 404
    assert reply.json()["message"] == f"No such exec instance: {'0' * 64}"


# -- stats and resize -----------------------------------------------------------------


def test_stats_one_shot_shape(docker: Backend) -> None:
    limit = 64 * 1024 * 1024
    cid = create(docker, ["sleep", "300"], HostConfig={"Memory": limit})
    start(docker, cid)
    stats = docker.api("GET", f"{API}/containers/{cid}/stats?stream=0&one-shot=1").json()
    for key in ("read", "preread", "pids_stats", "blkio_stats", "num_procs", "storage_stats",
                "cpu_stats", "precpu_stats", "memory_stats", "name", "id", "networks"):  # fmt: skip
        assert key in stats, key
    assert stats["id"] == docker.api("GET", f"{API}/containers/{cid}/json").json()["Id"]
    assert stats["name"].startswith("/dockersdk-streams-")
    assert stats["preread"] == "0001-01-01T00:00:00Z"
    assert stats["pids_stats"]["current"] >= 1
    assert stats["memory_stats"]["limit"] == limit
    assert stats["memory_stats"]["usage"] > 0
    cpu = stats["cpu_stats"]
    assert cpu["online_cpus"] >= 1 and cpu["system_cpu_usage"] > 0
    assert set(cpu["cpu_usage"]) >= {"total_usage", "usage_in_kernelmode", "usage_in_usermode"}
    assert set(stats["networks"]["eth0"]) >= {"rx_bytes", "tx_bytes"}


def test_stats_of_a_stopped_container_are_zero(docker: Backend) -> None:
    cid = create(docker, ["true"])
    stats = docker.api("GET", f"{API}/containers/{cid}/stats?stream=0").json()
    assert stats["read"] == "0001-01-01T00:00:00Z"
    assert stats["pids_stats"] == {} and stats["memory_stats"] == {}
    assert stats["cpu_stats"]["cpu_usage"]["total_usage"] == 0
    assert stats["blkio_stats"]["io_service_bytes_recursive"] is None
    assert "networks" not in stats


def test_resize_a_stopped_container_is_409(docker: Backend) -> None:
    cid = create(docker, ["true"])
    reply = docker.api("POST", f"{API}/containers/{cid}/resize?h=10&w=20")
    assert reply.status_code == 409
    assert reply.json()["message"] == f"Container {cid} is not running"


def test_resize_a_running_tty_container(docker: Backend) -> None:
    cid = create(docker, ["sleep", "300"], Tty=True)
    start(docker, cid)
    reply = docker.api("POST", f"{API}/containers/{cid}/resize?h=10&w=20")
    assert reply.status_code == 200, reply.text


# -- docker-py ------------------------------------------------------------------------


def test_dockerpy_run_exec_logs_stats(docker: Backend) -> None:
    client = docker.dockerpy()
    assert client.containers.run(BUSYBOX, ["echo", "hi"], remove=True) == b"hi\n"
    container = client.containers.run(BUSYBOX, ["sh", "-c", "echo ready; sleep 300"],
                                      detach=True, name=_name())  # fmt: skip
    docker.track("container", container.id)
    result = container.exec_run(["sh", "-c", "echo via exec; exit 4"])
    assert (result.exit_code, result.output) == (4, b"via exec\n")
    deadline = time.monotonic() + 10
    while container.logs() != b"ready\n":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    stats = container.stats(stream=False)
    assert stats["id"] == container.id and stats["memory_stats"]["usage"] > 0


def test_stats_stream_sends_a_document_a_second(docker: Backend) -> None:
    cid = create(docker, ["sleep", "300"])
    start(docker, cid)
    reply = docker.api("GET", f"{API}/containers/{cid}/stats", stream=True)
    assert reply.status_code == 200
    lines = reply.iter_lines()
    first, second = json.loads(next(lines)), json.loads(next(lines))
    reply.close()
    assert first["preread"] == "0001-01-01T00:00:00Z"
    assert second["preread"] == first["read"]
    assert second["precpu_stats"]["system_cpu_usage"] == first["cpu_stats"]["system_cpu_usage"]


def test_stats_cannot_be_one_shot_and_streamed(docker: Backend) -> None:
    cid = create(docker, ["sleep", "300"])
    start(docker, cid)
    reply = docker.api("GET", f"{API}/containers/{cid}/stats?stream=1&one-shot=1")
    assert reply.status_code == 400
    assert reply.json()["message"] == "cannot have stream=true and one-shot=true"


def test_execs_are_forgotten_when_the_container_stops(docker: Backend, web: str) -> None:
    eid = exec_create(docker, web, Cmd=["true"])
    assert docker.api("POST", f"{API}/containers/{web}/kill").status_code == 204
    wait(docker, web)
    reply = docker.api("GET", f"{API}/exec/{eid}/json")
    assert reply.status_code == 404
    assert reply.json()["message"] == f"No such exec instance: {eid}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"User": "ghost"}, b"unable to find user ghost: no matching entries in passwd file\r\n"),
        ({"WorkingDir": "/nowhere"}, b'chdir to cwd ("/nowhere") set in config.json failed'),
    ],
)
def test_exec_that_cannot_start_reports_126(
    docker: Backend, web: str, body: dict[str, str], message: bytes
) -> None:
    eid = exec_create(docker, web, Cmd=["true"], AttachStdout=True, **body)
    conn = Hijacked(docker, f"{API}/exec/{eid}/start", {})
    assert message in joined(demux(conn.read_all()), 1)
    assert docker.api("GET", f"{API}/exec/{eid}/json").json()["ExitCode"] == 126
