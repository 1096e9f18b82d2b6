"""SDK behaviour when the daemon misbehaves: vanishes mid-stream, truncates, stalls.

A tiny scripted daemon on a raw TCP socket plays each fault (a real server
would not misbehave on purpose); the SDK must raise a clear exception (a
``DockerError``), never hang, and keep a usable connection pool afterwards.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import dockersdk
from dockersdk.errors import DockerError, ReadTimeout
from mockd.daemon import MockDaemon

EVENT = (
    b'{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{}},'
    b'"scope":"local","time":1,"timeNano":1000000000}\n'
)
OK_HEAD = (
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)

Behaviour = Callable[[socket.socket], None]


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class ScriptedDaemon:
    """Answers ``/_ping`` properly; ``/events`` (and ``/info``) as the test scripts it."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.release = threading.Event()  # lets a stalling behaviour end
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                target = head.split(b" ")[1]
                if target.endswith(b"/_ping"):
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n"
                        b"Content-Type: text/plain\r\n\r\nOK"
                    )
                    continue
                self.behaviour(conn)
                return

    def close(self) -> None:
        self.release.set()
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[Callable[[Behaviour], ScriptedDaemon]]:
    daemons: list[ScriptedDaemon] = []

    def start(behaviour: Behaviour) -> ScriptedDaemon:
        daemon = ScriptedDaemon(behaviour)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        daemon.close()


def _client(daemon: ScriptedDaemon, timeout: float = 5) -> dockersdk.DockerClient:
    return dockersdk.DockerClient(
        base_url=f"tcp://127.0.0.1:{daemon.port}", version="1.41", timeout=timeout
    )


def _within(seconds: float, fn: Callable[[], object]) -> object:
    """Run ``fn`` in a thread; fail (not hang) if it takes longer than ``seconds``."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    return outcome[0]


def test_daemon_vanishing_mid_stream_is_a_clear_error(
    scripted: Callable[..., ScriptedDaemon],
) -> None:
    def vanish(conn: socket.socket) -> None:
        conn.sendall(OK_HEAD + _chunk(EVENT))
        time.sleep(0.2)
        conn.shutdown(socket.SHUT_RDWR)

    client = _client(scripted(vanish))
    got: list[object] = []

    def follow() -> object:
        for event in client.events():
            got.append(event)
        return "ended"

    outcome = _within(10, follow)
    # One event came through; the cut (no final chunk) is an SDK error, not an end.
    assert len(got) == 1
    assert isinstance(outcome, DockerError), repr(outcome)
    assert client.ping() is True  # the pool still works
    client.close()


def test_truncated_chunk_is_a_clear_error(scripted: Callable[..., ScriptedDaemon]) -> None:
    def truncate(conn: socket.socket) -> None:
        conn.sendall(OK_HEAD + b"%x\r\n" % 500 + EVENT[:30])
        time.sleep(0.2)
        conn.shutdown(socket.SHUT_RDWR)

    client = _client(scripted(truncate))
    outcome = _within(10, lambda: list(client.events()))
    assert isinstance(outcome, DockerError), repr(outcome)
    assert client.ping() is True
    client.close()


def test_stalled_answer_hits_the_read_timeout(scripted: Callable[..., ScriptedDaemon]) -> None:
    daemon_ref: list[ScriptedDaemon] = []

    def stall(conn: socket.socket) -> None:
        daemon_ref[0].release.wait(30)

    daemon = scripted(stall)
    daemon_ref.append(daemon)
    client = _client(daemon, timeout=1)
    started = time.monotonic()
    outcome = _within(10, client.info)
    assert isinstance(outcome, ReadTimeout), repr(outcome)
    assert time.monotonic() - started < 5
    assert client.ping() is True
    client.close()


def test_stream_without_read_timeout_can_be_closed_from_another_thread(
    scripted: Callable[..., ScriptedDaemon],
) -> None:
    daemon_ref: list[ScriptedDaemon] = []

    def idle_stream(conn: socket.socket) -> None:
        conn.sendall(OK_HEAD)
        daemon_ref[0].release.wait(30)

    daemon = scripted(idle_stream)
    daemon_ref.append(daemon)
    client = _client(daemon, timeout=1)
    stream = client.events()
    threading.Timer(0.5, stream.close).start()
    # A stream has no read timeout: only the close ends the wait.
    outcome = _within(10, lambda: list(stream))
    assert outcome == []
    assert client.ping() is True
    client.close()


def test_real_mock_daemon_stopping_under_a_follower(tmp_path: object) -> None:
    """The same through the mock: stop the daemon while an events follower reads."""
    daemon = MockDaemon(tcp="127.0.0.1:0").start()
    client = daemon.client(timeout=5)
    stream = client.events()
    threading.Timer(0.5, daemon.stop).start()
    outcome = _within(20, lambda: list(stream))
    assert outcome == [] or isinstance(outcome, DockerError), repr(outcome)
    with pytest.raises(DockerError):
        client.ping()
    client.close()
