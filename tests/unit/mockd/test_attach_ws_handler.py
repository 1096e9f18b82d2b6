"""``GET /containers/{id}/attach/ws``, driven by a wsproto client over a raw unix socket."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

import dockersdk
from mockd import MockDaemon


@dataclass
class WsClient:
    """A websocket client: wsproto does the protocol, a blocking socket the I/O."""

    sock: socket.socket
    ws: WSConnection = field(default_factory=lambda: WSConnection(ConnectionType.CLIENT))
    messages: list[bytes | str] = field(default_factory=list)
    close_code: int | None = None
    rejected: int | None = None
    reject_body: bytes = b""
    accepted: bool = False
    reject_done: bool = False

    @classmethod
    def connect(cls, docker_host: str, target: str) -> WsClient:
        """Open the websocket at ``target`` of the daemon on ``docker_host`` (a unix socket)."""
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(10)
        sock.connect(docker_host.removeprefix("unix://"))
        client = cls(sock)
        sock.sendall(client.ws.send(Request(host="docker", target=target)))
        while not client.accepted and client.rejected is None:
            client._receive()
        while client.rejected is not None and not client.reject_done:
            client._receive()
        return client

    def send(self, data: bytes) -> None:
        self.sock.sendall(self.ws.send(BytesMessage(data=data)))

    def _receive(self) -> bool:
        data = self.sock.recv(65536)
        self.ws.receive_data(data or None)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, RejectConnection):
                self.rejected = event.status_code
            elif isinstance(event, RejectData):
                self.reject_body += bytes(event.data)
                self.reject_done = event.body_finished
            elif isinstance(event, BytesMessage | TextMessage):
                self.messages.append(
                    event.data if isinstance(event.data, str) else bytes(event.data)
                )
            elif isinstance(event, CloseConnection):
                if self.close_code is None:
                    self.close_code = event.code
                if data:
                    with contextlib.suppress(OSError):  # dockerd may close at once
                        self.sock.sendall(self.ws.send(event.response()))
        return bool(data)

    def read_until_closed(self, timeout: float = 10) -> list[bytes | str]:
        deadline = time.monotonic() + timeout
        while self.close_code is None and time.monotonic() < deadline:
            if not self._receive():
                break
        return self.messages

    def read_until(self, expected: bytes, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while expected not in self.output() and time.monotonic() < deadline:
            if not self._receive():
                break
        return self.output()

    def output(self) -> bytes:
        return b"".join(m.encode() if isinstance(m, str) else m for m in self.messages)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        yield d


@pytest.fixture
def client(daemon: MockDaemon) -> Iterator[dockersdk.DockerClient]:
    c = dockersdk.DockerClient(base_url=daemon.docker_host)
    c.images.pull("busybox", "latest")
    yield c
    c.close()


SCRIPT = "echo hi; read x; echo got $x; echo err >&2"


def test_stream_with_stdin_sends_raw_binary_frames(
    daemon: MockDaemon, client: dockersdk.DockerClient
) -> None:
    c = client.containers.create("busybox", ["sh", "-c", SCRIPT], stdin_open=True)
    ws = WsClient.connect(
        daemon.docker_host, f"/v1.41/containers/{c.id}/attach/ws?stream=1&stdin=1&stdout=1&stderr=1"
    )
    try:
        c.start()
        assert ws.read_until(b"hi\n") == b"hi\n"
        ws.send(b"abc\n")
        messages = ws.read_until_closed()
    finally:
        ws.close()
    assert all(isinstance(m, bytes) for m in messages)
    assert sorted(messages) == sorted([b"hi\n", b"got abc\n", b"err\n"])  # never multiplexed
    assert ws.close_code == 1000
    assert c.wait()["StatusCode"] == 0


def test_logs_only_replays_and_closes(daemon: MockDaemon, client: dockersdk.DockerClient) -> None:
    c = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"], detach=True)
    c.wait()
    ws = WsClient.connect(daemon.docker_host, f"/v1.42/containers/{c.id}/attach/ws?logs=1&stdout=1")
    try:
        assert ws.read_until_closed() == [b"out\n"]
    finally:
        ws.close()
    assert ws.close_code == 1000


def test_before_api_1_42_every_stream_is_attached(
    daemon: MockDaemon, client: dockersdk.DockerClient
) -> None:
    c = client.containers.run("busybox", ["sh", "-c", "echo out; echo err >&2"], detach=True)
    c.wait()
    ws = WsClient.connect(daemon.docker_host, f"/v1.41/containers/{c.id}/attach/ws?logs=1&stdout=1")
    try:
        assert sorted(ws.read_until_closed()) == [b"err\n", b"out\n"]
    finally:
        ws.close()


def test_before_api_1_28_frames_are_text(
    daemon: MockDaemon, client: dockersdk.DockerClient
) -> None:
    c = client.containers.run("busybox", ["echo", "old"], detach=True)
    c.wait()
    ws = WsClient.connect(daemon.docker_host, f"/v1.27/containers/{c.id}/attach/ws?logs=1&stdout=1")
    try:
        assert ws.read_until_closed() == ["old\n"]
    finally:
        ws.close()


def test_detach_keys_end_the_attach_not_the_container(
    daemon: MockDaemon, client: dockersdk.DockerClient
) -> None:
    c = client.containers.run("busybox", ["cat"], stdin_open=True, detach=True)
    ws = WsClient.connect(
        daemon.docker_host,
        f"/v1.41/containers/{c.id}/attach/ws?stream=1&stdin=1&stdout=1&detachKeys=ctrl-x",
    )
    try:
        ws.send(b"echo me\n")
        assert ws.read_until(b"echo me\n") == b"echo me\n"
        ws.send(b"\x18")
        ws.read_until_closed()
        assert ws.close_code == 1000
    finally:
        ws.close()
    c.reload()
    assert c.status == "running"
    c.kill()


def test_unknown_container_is_404_before_the_upgrade(daemon: MockDaemon) -> None:
    ws = WsClient.connect(daemon.docker_host, "/v1.41/containers/nope/attach/ws?stream=1&stdout=1")
    ws.close()
    assert ws.rejected == 404
    assert b"No such container: nope" in ws.reject_body


def test_a_plain_request_is_refused(daemon: MockDaemon, client: dockersdk.DockerClient) -> None:
    c = client.containers.create("busybox", ["true"])
    with pytest.raises(dockersdk.errors.BadRequest):
        client.transport.request(
            "GET", "/containers/{id}/attach/ws", path_params={"id": c.id}, params={"stream": True}
        )
