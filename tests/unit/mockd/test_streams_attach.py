"""Attach and resize on the mock alone: a TTY's line discipline, detach keys, events."""

from __future__ import annotations

import json
import socket
import time

import requests_unixsocket
from backends import http_base

from mockd import MockDaemon
from tests.unit.mockd.helpers import api, hijack


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = sock.recv(4096)
        if not chunk:
            break
        seen += chunk
    return seen


def running_shell(d: MockDaemon) -> str:
    body = {"Image": "busybox", "Cmd": ["sh"], "Tty": True, "OpenStdin": True, "AttachStdin": True}
    cid: str = api(d, "POST", "/containers/create?name=shell", json=body)["Id"]
    api(d, "POST", f"/containers/{cid}/start")
    return cid


def test_tty_attach_echoes_runs_and_detaches(busybox_daemon: MockDaemon) -> None:
    cid = running_shell(busybox_daemon)
    sock = hijack(busybox_daemon, f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1&stderr=1")
    sock.sendall(b"echo $((40+2))\r")
    seen = read_until(sock, b"42\r\n")
    assert b"echo $((40+2))\r\n" in seen  # the terminal's echo, \r turned into a new line
    assert b"42\r\n" in seen  # the output, with \r\n
    sock.sendall(b"\x10\x11")  # ctrl-p ctrl-q
    rest = b""
    while chunk := sock.recv(4096):
        rest += chunk
    sock.close()
    assert rest in (b"", b"/ # ")  # at most the next prompt: then the daemon closed
    assert api(busybox_daemon, "GET", f"/containers/{cid}/json")["State"]["Status"] == "running"


def test_custom_detach_keys(busybox_daemon: MockDaemon) -> None:
    cid = running_shell(busybox_daemon)
    sock = hijack(
        busybox_daemon, f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-x,x"
    )
    sock.sendall(b"\x18x")
    assert read_until(sock, b"never") == b""  # the daemon closes the connection
    sock.close()
    assert api(busybox_daemon, "GET", f"/containers/{cid}/json")["State"]["Running"] is True


def test_ctrl_d_ends_the_shell(busybox_daemon: MockDaemon) -> None:
    cid = running_shell(busybox_daemon)
    sock = hijack(busybox_daemon, f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1")
    sock.sendall(b"\x04")
    read_until(sock, b"never")
    sock.close()
    assert api(busybox_daemon, "POST", f"/containers/{cid}/wait")["StatusCode"] == 0


def test_attach_and_resize_are_events(busybox_daemon: MockDaemon) -> None:
    cid = running_shell(busybox_daemon)
    sock = hijack(busybox_daemon, f"/containers/{cid}/attach?stream=1&stdout=1")
    with requests_unixsocket.Session() as session:
        base = http_base(busybox_daemon.docker_host)
        resized = session.post(f"{base}/containers/{cid}/resize?h=30&w=100", timeout=10)
        assert resized.status_code == 200
        bad = session.post(f"{base}/containers/{cid}/resize?h=x&w=100", timeout=10)
        assert bad.status_code == 400
        until = int(time.time()) + 1
        reply = session.get(f"{base}/events?since=0&until={until}", timeout=10)
    sock.close()
    events = [json.loads(line) for line in reply.text.splitlines()]
    mine = [(e["Action"], e["Actor"]["Attributes"]) for e in events if e["Actor"]["ID"] == cid]
    actions = [action for action, _ in mine]
    assert "attach" in actions
    resize = next(attrs for action, attrs in mine if action == "resize")
    assert (resize["height"], resize["width"], resize["name"]) == ("30", "100", "shell")
