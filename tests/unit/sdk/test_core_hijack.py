"""Hijacked connections against tiny raw-socket servers that answer 101 and echo."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from dockersdk import errors
from dockersdk.config import TLSConfig, parse_host
from dockersdk.hijack import MULTIPLEXED_STREAM, hijack
from dockersdk.streams import STDERR, STDOUT, demux, frame
from dockersdk.transport import Transport

UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\n"
    b"Content-Type: " + MULTIPLEXED_STREAM.encode() + b"\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


def read_request(conn: socket.socket) -> tuple[bytes, bytes]:
    """An HTTP request head and its Content-Length body, read from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            while len(body) < int(line.split(b":", 1)[1]):
                body += conn.recv(4096)
    return head, body


def echo_server(seen: dict[str, bytes]):  # type: ignore[no-untyped-def]
    """Answer 101 with a first frame in the same packet, echo stdin as stdout
    frames, and say goodbye on stderr once stdin is closed."""

    def handle(conn: socket.socket) -> None:
        seen["head"], seen["body"] = read_request(conn)
        conn.sendall(UPGRADED + frame(STDOUT, b"hello\n"))
        while data := conn.recv(4096):
            conn.sendall(frame(STDOUT, data))
        conn.sendall(frame(STDERR, b"bye\n"))

    return handle


def test_upgrade_echo_and_half_close(raw_server) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, bytes] = {}
    thread = raw_server.serve(echo_server(seen))
    transport = Transport(parse_host(raw_server.address), version="1.45")
    with hijack(
        transport,
        "POST",
        "/exec/{id}/start",
        path_params={"id": "e1"},
        json={"Detach": False, "Tty": False},
        timeout=10,
    ) as connection:
        assert connection.status == 101
        connection.write(b"ping\n")
        connection.close_stdin()
        assert demux(connection.frames()) == (b"hello\nping\n", b"bye\n")
    thread.join(5)
    assert raw_server.errors == []
    head = seen["head"].decode()
    assert head.startswith("POST /v1.45/exec/e1/start HTTP/1.1")
    assert "Upgrade: tcp" in head
    assert "Connection: Upgrade" in head
    assert seen["body"] == b'{"Detach":false,"Tty":false}'


def test_bytes_buffered_with_the_headers_are_not_lost(raw_server) -> None:  # type: ignore[no-untyped-def]
    def handle(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(UPGRADED + frame(STDOUT, b"all at once"))

    raw_server.serve(handle)
    transport = Transport(parse_host(raw_server.address), version="1.45")
    with hijack(transport, "POST", "/containers/c/attach", timeout=10) as connection:
        assert list(connection.frames()) == [(STDOUT, b"all at once")]


def test_tty_output_is_raw(raw_server) -> None:  # type: ignore[no-untyped-def]
    def handle(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(UPGRADED.replace(b"multiplexed", b"raw") + b"$ ")
        conn.sendall(b"ls\r\n")

    raw_server.serve(handle)
    transport = Transport(parse_host(raw_server.address), version="1.45")
    with hijack(transport, "POST", "/containers/c/attach", timeout=10) as connection:
        assert b"".join(p for _, p in connection.frames(tty=True)) == b"$ ls\r\n"


def test_error_answer_raises(raw_server) -> None:  # type: ignore[no-untyped-def]
    def handle(conn: socket.socket) -> None:
        read_request(conn)
        body = b'{"message":"No such container: c"}'
        conn.sendall(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    raw_server.serve(handle)
    transport = Transport(parse_host(raw_server.address), version="1.45")
    with pytest.raises(errors.ContainerNotFound, match="No such container: c") as caught:
        hijack(transport, "POST", "/containers/{id}/attach", path_params={"id": "c"})
    assert caught.value.operation == "POST /containers/{id}/attach"


def test_plain_200_stream_is_read_through_http_framing(raw_server) -> None:  # type: ignore[no-untyped-def]
    def handle(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n")
        conn.sendall(frame(STDOUT, b"out") + frame(STDERR, b"err"))

    raw_server.serve(handle)
    transport = Transport(parse_host(raw_server.address), version="1.45")
    with hijack(transport, "POST", "/containers/c/attach", timeout=10) as connection:
        assert connection.status == 200
        assert demux(connection.frames(tty=False)) == (b"out", b"err")


def test_tls_hijack_reads_and_writes_but_cannot_half_close(tls_files) -> None:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_files.ca.issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    failures: list[BaseException] = []

    def serve() -> None:
        try:
            raw, _ = listener.accept()
            with context.wrap_socket(raw, server_side=True) as conn:
                read_request(conn)
                conn.sendall(UPGRADED)
                data = conn.recv(4096)
                conn.sendall(frame(STDOUT, data))
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint = parse_host(f"tcp://127.0.0.1:{port}", TLSConfig(ca_cert=tls_files.ca_pem))
    transport = Transport(endpoint, version="1.45")
    with hijack(transport, "POST", "/containers/c/attach", timeout=10) as connection:
        connection.write(b"secret")
        with pytest.raises(errors.DockerError, match="TLS"):
            connection.close_stdin()
        assert list(connection.frames()) == [(STDOUT, b"secret")]
    thread.join(5)
    listener.close()
    assert failures == []


def test_unreachable_socket(short_tmp) -> None:  # type: ignore[no-untyped-def]
    transport = Transport(parse_host(f"unix://{short_tmp}/none.sock"), version="1.45")
    with pytest.raises(errors.DaemonUnreachable, match="does not exist"):
        hijack(transport, "POST", "/containers/c/attach")
