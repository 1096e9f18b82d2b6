from __future__ import annotations

import asyncio
import http.client
import os
import socket
import ssl
import stat
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from mockd.http import (
    HijackedStream,
    HijackResponse,
    Reply,
    Request,
    Response,
    StreamResponse,
    json_response,
    no_content,
)
from mockd.server import HTTPServer, make_server_ssl_context

# The fixture from conftest.py: start_server(app, **options) -> ServerThread.
StartServer = Callable[..., Any]


async def echo_app(req: Request) -> Reply:
    """Reply with what arrived, so tests can see the server's parsing."""
    if req.path == "/empty":
        return no_content()
    if req.path == "/boom":
        raise RuntimeError("app exploded")
    return json_response(
        {
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "headers": req.headers,
            "body": req.body.decode(),
        },
        headers={"X-Test": "yes"},
    )


def raw_exchange(address: tuple[str, int], data: bytes, read_until: bytes = b"\r\n\r\n") -> bytes:
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        received = b""
        while read_until not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_keep_alive_serves_two_requests_on_one_connection(start_server: StartServer) -> None:
    host, port = start_server(echo_app).tcp()
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.auto_open = 0  # fail instead of silently reconnecting
    conn.connect()
    first_socket = conn.sock
    conn.request("GET", "/one?a=1&a=2&b=")
    first = conn.getresponse()
    assert json_of(first)["query"] == {"a": ["1", "2"], "b": [""]}
    assert not first.will_close
    conn.request("POST", "/two", body=b"hello", headers={"X-Multi": "x"})
    second = conn.getresponse()
    got = json_of(second)
    assert (got["method"], got["path"], got["body"]) == ("POST", "/two", "hello")
    assert got["headers"]["x-multi"] == "x"
    assert second.getheader("X-Test") == "yes"
    assert second.getheader("Date")
    assert conn.sock is first_socket
    conn.close()


def json_of(resp: http.client.HTTPResponse) -> Any:
    import json

    assert resp.status == 200
    assert resp.getheader("Content-Type") == "application/json"
    body = resp.read()
    assert int(resp.getheader("Content-Length") or -1) == len(body)
    return json.loads(body)


def test_chunked_request_body(start_server: StartServer) -> None:
    host, port = start_server(echo_app).tcp()
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("POST", "/x", body=iter([b"ab", b"cd", b"ef"]), encode_chunked=True)
    assert json_of(conn.getresponse())["body"] == "abcdef"


def test_repeated_headers_are_joined(start_server: StartServer) -> None:
    address = start_server(echo_app).tcp()
    reply = raw_exchange(
        address,
        b"GET /h HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n",
        read_until=b"}",
    )
    assert b'"x-a":"1, 2"' in reply


def test_head_sends_headers_only(start_server: StartServer) -> None:
    host, port = start_server(echo_app).tcp()
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("HEAD", "/x")
    resp = conn.getresponse()
    assert resp.status == 200
    assert int(resp.getheader("Content-Length") or 0) > 0
    assert resp.read() == b""
    conn.request("GET", "/after-head")  # the connection is still in step
    assert json_of(conn.getresponse())["path"] == "/after-head"


def test_no_body_on_204(start_server: StartServer) -> None:
    address = start_server(echo_app).tcp()
    reply = raw_exchange(address, b"GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 204 ")
    assert b"content-length" not in head.lower()
    assert b"content-type" not in head.lower()
    assert rest == b""


def test_app_exception_is_500_and_server_survives(start_server: StartServer) -> None:
    host, port = start_server(echo_app).tcp()
    resp = requests.get(f"http://{host}:{port}/boom", timeout=5)
    assert (resp.status_code, resp.json()) == (500, {"message": "app exploded"})
    assert requests.get(f"http://{host}:{port}/ok", timeout=5).status_code == 200


def test_bad_http_is_400_and_closed(start_server: StartServer) -> None:
    address = start_server(echo_app).tcp()
    reply = raw_exchange(address, b"THIS IS NOT HTTP\r\n\r\n", read_until=b"\x00never")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert reply.lower().count(b"connection: close") == 1


def test_body_over_the_limit_is_413(start_server: StartServer) -> None:
    host, port = start_server(echo_app, max_body_size=10).tcp()
    resp = requests.post(f"http://{host}:{port}/x", data=b"x" * 11, timeout=5)
    assert resp.status_code == 413
    resp = requests.post(f"http://{host}:{port}/x", data=iter([b"x" * 6, b"x" * 6]), timeout=5)
    assert resp.status_code == 413
    assert requests.post(f"http://{host}:{port}/x", data=b"x" * 10, timeout=5).status_code == 200


def test_expect_100_continue(start_server: StartServer) -> None:
    address = start_server(echo_app).tcp()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(
            b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        )
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 ")
        sock.sendall(b"abc")
        reply = b""
        while b"}" not in reply:
            chunk = sock.recv(65536)
            assert chunk
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b'"body":"abc"' in reply


# Streaming


class Gate:
    """Let a stream on the server's loop wait for the test thread."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.event: asyncio.Event = server.call(self._make())

    @staticmethod
    async def _make() -> asyncio.Event:
        return asyncio.Event()

    def open(self) -> None:
        self.server.soon(self.event.set)


def test_stream_is_chunked_and_read_incrementally(start_server: StartServer) -> None:
    gates: list[Gate] = []

    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"n":1}\n'
            await gates[0].event.wait()  # the client must have read the first chunk by now
            yield b'{"n":2}\n'

        return StreamResponse(chunks())

    server = start_server(app)
    gates.append(Gate(server))
    host, port = server.tcp()
    resp = requests.get(f"http://{host}:{port}/events", stream=True, timeout=5)
    assert resp.headers["Transfer-Encoding"] == "chunked"
    assert resp.headers["Content-Type"] == "application/json"
    pieces = resp.iter_content(chunk_size=None)
    assert next(pieces) == b'{"n":1}\n'
    gates[0].open()
    assert b"".join(pieces) == b'{"n":2}\n'


def test_client_disconnect_stops_the_iterator(start_server: StartServer) -> None:
    closed = threading.Event()

    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                yield b"first\n"
                await asyncio.sleep(3600)  # an idle stream, as events with nothing happening
                yield b"never\n"
            finally:
                closed.set()

        return StreamResponse(chunks())

    address = start_server(app).tcp()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while b"first" not in received:
            received += sock.recv(1024)
    assert closed.wait(5)


def test_slow_reader_does_not_block_others(start_server: StartServer) -> None:
    produced = threading.Event()

    async def app(req: Request) -> Reply:
        if req.path == "/flood":

            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(4096):
                    yield b"x" * 65536
                produced.set()

            return StreamResponse(chunks())
        return json_response({"ok": True})

    host, port = start_server(app).tcp()
    with socket.create_connection((host, port), timeout=5) as flood:
        flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        flood.sendall(b"GET /flood HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)  # the flood is now waiting on a full buffer
        started = time.monotonic()
        assert requests.get(f"http://{host}:{port}/other", timeout=5).json() == {"ok": True}
        assert time.monotonic() - started < 2
        assert not produced.is_set()  # backpressure: the producer waits for the reader


# Hijack


async def echo_hijack(stream: HijackedStream) -> None:
    while True:
        data = await stream.read()
        if not data:
            return
        await stream.write(data)


async def hijack_app(req: Request) -> Reply:
    return HijackResponse(echo_hijack, headers={"Api-Version": "1.55"})


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(1024)
        assert chunk, "connection closed before the head"
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head, rest


def read_exactly(sock: socket.socket, count: int, already: bytes = b"") -> bytes:
    data = already
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        assert chunk
        data += chunk
    return data


def test_hijack_upgrade_101_echo(start_server: StartServer) -> None:
    address = start_server(hijack_app).tcp()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(
            b"POST /containers/c/attach?stream=1 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            b"early"  # sent before the answer: must not be lost
        )
        head, rest = read_head(sock)
        lines = head.split(b"\r\n")
        assert lines[0] == b"HTTP/1.1 101 UPGRADED"
        assert b"Connection: Upgrade" in lines
        assert b"Upgrade: tcp" in lines
        assert b"Content-Type: application/vnd.docker.raw-stream" in lines
        assert b"Api-Version: 1.55" in lines
        assert read_exactly(sock, 5, rest) == b"early"
        sock.sendall(b"hello")
        assert read_exactly(sock, 5) == b"hello"
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(10) == b""  # run returned on EOF, the server closed


def test_hijack_without_upgrade_is_200_unframed(start_server: StartServer) -> None:
    address = start_server(hijack_app).tcp()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"POST /exec/e/start HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        head, rest = read_head(sock)
        lines = head.split(b"\r\n")
        assert lines[0] == b"HTTP/1.1 200 OK"
        assert not any(
            line.lower().startswith((b"content-length", b"transfer-encoding")) for line in lines
        )
        sock.sendall(b"ping")
        assert read_exactly(sock, 4, rest) == b"ping"


def test_upgrade_request_answered_normally_keeps_the_connection(start_server: StartServer) -> None:
    # e.g. attach to a missing container: a plain 404 declines the upgrade.
    address = start_server(echo_app).tcp()
    with socket.create_connection(address, timeout=5) as sock:
        request = b"POST /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        for _ in range(2):
            sock.sendall(request)
            head, rest = read_head(sock)
            assert head.startswith(b"HTTP/1.1 200 OK")
            length = int(
                next(h for h in head.split(b"\r\n") if h.startswith(b"Content-Length")).split(b":")[
                    1
                ]
            )
            assert b'"path":"/a"' in read_exactly(sock, length, rest)


def test_close_cancels_hijacked_connections(start_server: StartServer) -> None:
    cancelled = threading.Event()

    async def waiting(stream: HijackedStream) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def app(req: Request) -> Reply:
        return HijackResponse(waiting)

    server = start_server(app)
    address = server.tcp()
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n")
        read_head(sock)
        server.call(server.server.close())
        assert cancelled.wait(5)
        assert sock.recv(10) == b""


# Unix sockets and TLS


def unix_get(path: Path, target: str) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_unix_socket_with_mode(start_server: StartServer, tmp_path: Path) -> None:
    server = start_server(echo_app)
    path = server.unix(tmp_path / "d.sock")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    assert b'"path":"/v1.41/info"' in unix_get(path, "/v1.41/info")
    server.call(server.server.close())
    assert not path.exists()  # close removes the socket it created


def test_unix_socket_stale_is_replaced_live_is_refused(
    start_server: StartServer, tmp_path: Path
) -> None:
    path = tmp_path / "d.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens
    first = start_server(echo_app)
    first.unix(path, mode=0o600)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = start_server(echo_app)
    with pytest.raises(OSError, match="already listening"):
        second.unix(path)
    assert b"200 OK" in unix_get(path, "/still-first")

    regular = tmp_path / "file"
    regular.write_text("data")
    with pytest.raises(FileExistsError):
        second.unix(regular)
    assert regular.read_text() == "data"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_context(ca: trustme.CA, tmp_path: Path, verify_client: bool) -> ssl.SSLContext:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    return make_server_ssl_context(cert_file, key_file, ca_file, verify_client=verify_client)


def test_tls(start_server: StartServer, ca: trustme.CA, tmp_path: Path) -> None:
    host, port = start_server(echo_app).tcp(server_context(ca, tmp_path, verify_client=False))
    with ca.cert_pem.tempfile() as ca_file:
        resp = requests.get(f"https://{host}:{port}/tls", verify=ca_file, timeout=5)
    assert resp.json()["path"] == "/tls"


def test_tls_client_certificate_required(
    start_server: StartServer, ca: trustme.CA, tmp_path: Path
) -> None:
    host, port = start_server(echo_app).tcp(server_context(ca, tmp_path, verify_client=True))
    client_cert = ca.issue_cert("client")
    with (
        ca.cert_pem.tempfile() as ca_file,
        client_cert.private_key_and_cert_chain_pem.tempfile() as pem,
    ):
        resp = requests.get(f"https://{host}:{port}/mtls", verify=ca_file, cert=pem, timeout=5)
        assert resp.json()["path"] == "/mtls"
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(f"https://{host}:{port}/mtls", verify=ca_file, timeout=5)


def test_verify_client_needs_a_ca(ca: trustme.CA, tmp_path: Path) -> None:
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "c.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "k.pem"))
    with pytest.raises(ValueError):
        make_server_ssl_context(tmp_path / "c.pem", tmp_path / "k.pem", verify_client=True)


def test_server_in_plain_asyncio() -> None:
    async def main() -> bytes:
        server = HTTPServer(echo_app)
        host, port = await server.listen_tcp("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /async HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await reader.read()
        writer.close()
        await server.close()
        return data

    data = asyncio.run(main())
    assert data.startswith(b"HTTP/1.1 200 ")
    assert b'"path":"/async"' in data


def test_response_type_is_what_the_app_returned() -> None:
    # A Response with no content type sends none.
    async def app(req: Request) -> Reply:
        return Response(status=200, body=b"OK", content_type=None)

    async def main() -> bytes:
        server = HTTPServer(app)
        host, port = await server.listen_tcp("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await reader.read()
        writer.close()
        await server.close()
        return data

    head, _, body = asyncio.run(main()).partition(b"\r\n\r\n")
    assert b"content-type" not in head.lower()
    assert body == b"OK"
