"""Small real servers for the SDK's transport tests: HTTP on a unix socket,
HTTPS with client certificates (trustme), and raw sockets for hijacking."""

from __future__ import annotations

import http.server
import os
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme


class DaemonLikeHandler(http.server.BaseHTTPRequestHandler):
    """Answers like dockerd: /_ping with API-Version, /vX/version with JSON,
    everything else 404 with a JSON message; records each connection it serves."""

    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is visible
    server: RecordingServer

    def do_GET(self) -> None:
        self.server.record(self)
        if self.path == "/_ping":
            self._reply(200, b"OK", "text/plain", {"API-Version": "1.45", "OSType": "linux"})
        elif self.path.endswith("/version"):
            self._reply(200, b'{"Version":"27.0.0","ApiVersion":"1.45"}', "application/json")
        else:
            self._reply(404, b'{"message":"page not found"}', "application/json")

    def _reply(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class RecordingServer:
    requests: list[tuple[str, int]]  # (path, id of the connection that carried it)

    def record(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        self.requests.append((handler.path, id(handler)))


class UnixHTTPServer(RecordingServer, socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str) -> None:
        self.requests = []
        super().__init__(path, DaemonLikeHandler)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        # http.server wants a (host, port) client address; a unix peer has none.
        sock, _ = super().get_request()
        return sock, ("local", 0)


class TLSHTTPServer(RecordingServer, socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, context: ssl.SSLContext) -> None:
        self.requests = []
        self.context = context
        super().__init__(("127.0.0.1", 0), DaemonLikeHandler)

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True), address


def _serve(server: socketserver.BaseServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short directory: unix socket paths are limited to ~107 bytes."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sdk", dir="/tmp") as directory:
        yield Path(directory)


@pytest.fixture
def unix_server(short_tmp: Path) -> Iterator[UnixHTTPServer]:
    server = UnixHTTPServer(str(short_tmp / "d.sock"))
    _serve(server)
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class TLSFiles:
    ca: trustme.CA
    ca_pem: str
    client_cert: str
    client_key: str
    other_ca_pem: str


@pytest.fixture
def tls_files(tmp_path: Path) -> TLSFiles:
    ca = trustme.CA()
    ca_pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    client = ca.issue_cert("client")
    client_cert, client_key = tmp_path / "cert.pem", tmp_path / "key.pem"
    client.cert_chain_pems[0].write_to_path(str(client_cert))
    client.private_key_pem.write_to_path(str(client_key))
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    return TLSFiles(ca, str(ca_pem), str(client_cert), str(client_key), str(other))


@pytest.fixture
def tls_server(tls_files: TLSFiles) -> Iterator[TLSHTTPServer]:
    """HTTPS on 127.0.0.1 that requires a client certificate signed by the CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_files.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    tls_files.ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    server = TLSHTTPServer(context)
    _serve(server)
    yield server
    server.shutdown()
    server.server_close()


@dataclass
class RawServer:
    """A one-connection raw socket server running ``handle(conn)`` in a thread."""

    listener: socket.socket
    address: str  # "unix:///path" or "tcp://127.0.0.1:port"
    errors: list[BaseException] = field(default_factory=list)

    def serve(self, handle: Callable[[socket.socket], None]) -> threading.Thread:
        def run() -> None:
            conn, _ = self.listener.accept()
            try:
                handle(conn)
            except BaseException as exc:  # reported by the test through .errors
                self.errors.append(exc)
            finally:
                conn.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


@pytest.fixture(params=["unix", "tcp"])
def raw_server(request: pytest.FixtureRequest, short_tmp: Path) -> Iterator[RawServer]:
    if request.param == "unix":
        path = str(short_tmp / "raw.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        address = f"unix://{path}"
    else:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    listener.listen(1)
    listener.settimeout(10)
    yield RawServer(listener, address)
    listener.close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DOCKER_* variables, HOME in a temporary directory; returns HOME."""
    for name in list(os.environ):
        if name.startswith("DOCKER_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home
