"""Transport over real sockets: unix, TCP, TLS; timeouts; unreachable daemons."""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dockersdk import DockerClient, errors
from dockersdk.api import response_stream
from dockersdk.config import TLSConfig, parse_host
from dockersdk.transport import Timeout, Transport, diagnose, iter_chunks


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def slow_then_stream(request: Request) -> Response:
    def body() -> Iterator[bytes]:
        yield b'{"n":1}\n'
        time.sleep(0.8)
        yield b'{"n":2}\n'

    return Response(body(), mimetype="application/json")


def tcp_transport(server: HTTPServer, timeout: float | Timeout | None = 5) -> Transport:
    return Transport(parse_host(f"tcp://127.0.0.1:{server.port}"), version="1.45", timeout=timeout)


# -- timeouts ---------------------------------------------------------------


def test_read_timeout_fires_on_a_slow_server(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.8)
        return Response("{}")

    httpserver.expect_request("/v1.45/info").respond_with_handler(slow)
    transport = tcp_transport(httpserver, Timeout(connect=5, read=0.2))
    started = time.monotonic()
    with pytest.raises(errors.ReadTimeout):
        transport.request("GET", "/info")
    assert time.monotonic() - started < 0.7


def test_stream_has_no_read_timeout_by_default(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1.45/events").respond_with_handler(slow_then_stream)
    transport = tcp_transport(httpserver, Timeout(connect=5, read=0.2))
    response = transport.request("GET", "/events", stream=True)
    assert b"".join(iter_chunks(response)) == b'{"n":1}\n{"n":2}\n'


def test_stream_read_timeout_when_asked(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1.45/events").respond_with_handler(slow_then_stream)
    transport = tcp_transport(httpserver)
    response = transport.request("GET", "/events", stream=True, timeout=Timeout(5, 0.2))
    with pytest.raises(errors.ReadTimeout):
        b"".join(iter_chunks(response))


def test_chunks_arrive_before_the_body_ends(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1.45/events").respond_with_handler(slow_then_stream)
    response = tcp_transport(httpserver).request("GET", "/events", stream=True)
    started = time.monotonic()
    first = next(iter_chunks(response))
    assert first == b'{"n":1}\n'
    assert time.monotonic() - started < 0.5  # did not wait for the second message
    response.close()


def test_closing_a_stream_wakes_a_blocked_reader(httpserver: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b'{"n":1}\n'
            time.sleep(3)
            yield b'{"n":2}\n'

        return Response(body())

    httpserver.expect_request("/v1.45/events").respond_with_handler(endless)
    response = tcp_transport(httpserver).request("GET", "/events", stream=True)
    stream = response_stream(response, iter_chunks(response))
    assert next(stream) == b'{"n":1}\n'
    threading.Timer(0.2, stream.close).start()
    started = time.monotonic()
    assert list(stream) == []
    assert time.monotonic() - started < 2


# -- unix sockets -------------------------------------------------------------


def test_unix_socket_transport_and_keep_alive(unix_server) -> None:  # type: ignore[no-untyped-def]
    client = DockerClient(f"unix://{unix_server.server_address}")
    assert client.ping()
    assert client.api_version == "1.45"
    assert client.version().version == "27.0.0"
    with pytest.raises(errors.NotFound, match="page not found"):
        client.transport.request("GET", "/nothing")
    paths = [path for path, _ in unix_server.requests]
    assert paths == ["/_ping", "/_ping", "/v1.45/version", "/v1.45/nothing"]
    # One pooled connection serves the different paths.
    assert len({connection for _, connection in unix_server.requests}) == 1


def test_missing_socket_file(short_tmp: Path) -> None:
    client = DockerClient(f"unix://{short_tmp}/absent.sock")
    with pytest.raises(errors.DaemonUnreachable, match="does not exist") as caught:
        client.ping()
    assert f"unix://{short_tmp}/absent.sock" in str(caught.value)


def test_plain_file_instead_of_socket(short_tmp: Path) -> None:
    path = short_tmp / "d.sock"
    path.write_text("")
    with pytest.raises(errors.DaemonUnreachable, match="not a socket"):
        DockerClient(f"unix://{path}").ping()


def test_stale_socket_is_refused(short_tmp: Path) -> None:
    path = short_tmp / "d.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # bound but never listening: connect() is refused
        with pytest.raises(errors.DaemonUnreachable, match="connection refused"):
            DockerClient(f"unix://{path}").ping()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_socket_without_permission(unix_server) -> None:  # type: ignore[no-untyped-def]
    os.chmod(unix_server.server_address, 0)
    with pytest.raises(errors.DaemonUnreachable, match="permission denied"):
        DockerClient(f"unix://{unix_server.server_address}").ping()


def test_permission_denied_is_explained(unix_server) -> None:  # type: ignore[no-untyped-def]
    # As root connect() never fails with EACCES: feed diagnose() the error it would see.
    endpoint = parse_host(f"unix://{unix_server.server_address}")
    cause = diagnose(endpoint, PermissionError(errno.EACCES, "Permission denied"))
    assert "permission denied" in cause
    assert "docker" in cause


def test_refused_tcp_port() -> None:
    port = free_tcp_port()
    with pytest.raises(errors.DaemonUnreachable, match="connection refused") as caught:
        DockerClient(f"tcp://127.0.0.1:{port}").ping()
    assert f"127.0.0.1:{port}" in str(caught.value)


# -- TLS ----------------------------------------------------------------------


def tls_client(server, **tls: object) -> DockerClient:  # type: ignore[no-untyped-def]
    port = server.server_address[1]
    return DockerClient(f"tcp://127.0.0.1:{port}", tls=TLSConfig(**tls))  # type: ignore[arg-type]


def test_tls_with_ca_and_client_certificate(tls_server, tls_files) -> None:  # type: ignore[no-untyped-def]
    client = tls_client(
        tls_server,
        ca_cert=tls_files.ca_pem,
        client_cert=tls_files.client_cert,
        client_key=tls_files.client_key,
    )
    assert client.endpoint.scheme == "https"
    assert client.ping()
    assert client.version().api_version == "1.45"


def test_tls_refuses_an_unverifiable_server(tls_server, tls_files) -> None:  # type: ignore[no-untyped-def]
    client = tls_client(
        tls_server,
        ca_cert=tls_files.other_ca_pem,
        client_cert=tls_files.client_cert,
        client_key=tls_files.client_key,
    )
    with pytest.raises(errors.DaemonUnreachable, match="TLS verification failed"):
        client.ping()
    assert tls_server.requests == []


def test_tls_without_client_certificate_fails(tls_server, tls_files) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.DaemonUnreachable):
        tls_client(tls_server, ca_cert=tls_files.ca_pem).ping()
    assert tls_server.requests == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_skip_verify_accepts_any_server(tls_server, tls_files) -> None:  # type: ignore[no-untyped-def]
    client = tls_client(
        tls_server,
        ca_cert=tls_files.other_ca_pem,
        client_cert=tls_files.client_cert,
        client_key=tls_files.client_key,
        verify=False,
    )
    assert client.ping()


def test_plain_http_to_tls_port(tls_server) -> None:  # type: ignore[no-untyped-def]
    port = tls_server.server_address[1]
    with pytest.raises(errors.DaemonUnreachable, match="TLS"):
        DockerClient(f"tcp://127.0.0.1:{port}").ping()


def test_tls_to_plain_http_port(httpserver: HTTPServer, tls_files) -> None:  # type: ignore[no-untyped-def]
    client = DockerClient(
        f"tcp://127.0.0.1:{httpserver.port}", tls=TLSConfig(ca_cert=tls_files.ca_pem)
    )
    with pytest.raises(errors.DaemonUnreachable, match="does not speak TLS"):
        client.ping()
