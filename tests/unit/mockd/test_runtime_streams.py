"""Attach and exec over HTTP on the mock: no lost output, TTY size through the API, exec's pause."""

from __future__ import annotations

import socket
from typing import Any

import docker

from mockd import MockDaemon
from mockd.handlers.streams import EXEC_START_DELAY, exec_start_delay
from mockd.http import Request
from tests.unit.mockd.helpers import api, hijack


def read_all(sock: socket.socket) -> bytes:
    seen = b""
    while chunk := sock.recv(65536):
        seen += chunk
    sock.close()
    return seen


def create(d: MockDaemon, body: dict[str, Any]) -> str:
    cid: str = api(d, "POST", "/containers/create", json={"Image": "busybox", **body})["Id"]
    return cid


def test_attach_before_start_never_misses_the_first_output(busybox_daemon: MockDaemon) -> None:
    for _ in range(10):
        cid = create(busybox_daemon, {"Cmd": ["echo", "first"], "Tty": True})
        sock = hijack(busybox_daemon, f"/containers/{cid}/attach?stream=1&stdout=1&stderr=1")
        api(busybox_daemon, "POST", f"/containers/{cid}/start")
        assert read_all(sock) == b"first\r\n"


def test_attach_with_logs_and_stream_mid_run_sees_every_line_once(
    busybox_daemon: MockDaemon,
) -> None:
    count = 300
    script = f"i=0; while [ $i -lt {count} ]; do i=$((i+1)); echo $i; done; sleep 0.2"
    cid = create(busybox_daemon, {"Cmd": ["sh", "-c", script], "Tty": True})
    api(busybox_daemon, "POST", f"/containers/{cid}/start")
    sock = hijack(busybox_daemon, f"/containers/{cid}/attach?logs=1&stream=1&stdout=1")
    expected = "".join(f"{i}\r\n" for i in range(1, count + 1)).encode()
    assert read_all(sock) == expected


def test_resize_reaches_the_programs_terminal(busybox_daemon: MockDaemon) -> None:
    body = {"Cmd": ["sh"], "Tty": True, "OpenStdin": True, "HostConfig": {"ConsoleSize": [5, 7]}}
    cid = create(busybox_daemon, body)
    sock = hijack(busybox_daemon, f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1")
    api(busybox_daemon, "POST", f"/containers/{cid}/start")
    seen = b""
    sock.sendall(b"stty size\r")
    while b"5 7\r\n" not in seen:
        seen += sock.recv(4096)
    api(busybox_daemon, "POST", f"/containers/{cid}/resize?h=33&w=99")
    sock.sendall(b"stty size; exit\r")
    assert b"33 99\r\n" in read_all(sock)


def test_exec_resize_and_console_size(busybox_daemon: MockDaemon) -> None:
    cid = create(busybox_daemon, {"Cmd": ["sleep", "100"]})
    api(busybox_daemon, "POST", f"/containers/{cid}/start")
    body = {"Cmd": ["sh", "-c", "stty size"], "Tty": True, "AttachStdout": True,
            "ConsoleSize": [12, 34]}  # fmt: skip
    eid = api(busybox_daemon, "POST", f"/containers/{cid}/exec", json=body)["Id"]
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(busybox_daemon.docker_host.removeprefix("unix://"))
    payload = b'{"Detach": false, "Tty": true}'
    sock.sendall(
        f"POST /exec/{eid}/start HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode()
        + payload
    )
    assert read_all(sock).endswith(b"\r\n\r\n12 34\r\n")


def request_from(agent: str) -> Request:
    return Request(method="POST", path="/exec/x/start", query={}, headers={"user-agent": agent})


def test_the_exec_pause_is_for_clients_that_need_it() -> None:
    assert exec_start_delay(request_from("docker-sdk-python/7.1.0")) == EXEC_START_DELAY
    assert exec_start_delay(request_from("curl/8.5.0")) == EXEC_START_DELAY
    assert exec_start_delay(request_from("Docker-Client/28.0.1 (linux)")) == 0
    assert exec_start_delay(request_from("dockersdk/0.1.0")) == 0
    assert 0 < EXEC_START_DELAY <= 0.05


def test_dockerpy_exec_run_gets_its_output_every_time(busybox_daemon: MockDaemon) -> None:
    client = docker.DockerClient(base_url=busybox_daemon.docker_host)
    try:
        container = client.containers.run("busybox", ["sleep", "100"], detach=True)
        for i in range(15):
            assert container.exec_run(["echo", str(i)]).output == f"{i}\n".encode()
        container.remove(force=True)
    finally:
        client.close()
