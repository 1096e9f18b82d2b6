"""Hijacked connections: attach and exec start switch HTTP to a raw duplex stream.

The client sends ``Connection: Upgrade`` / ``Upgrade: tcp``; dockerd answers
``101 UPGRADED`` and the socket then carries the process's stdin one way and
its output (multiplexed, or raw for a TTY) the other.

Why h11 on our own socket rather than requests: neither requests nor urllib3
supports protocol upgrades, and prying the socket out of a response
(docker-py's ``response.raw._fp.fp.raw._sock``) goes through private attributes
of three libraries and loses whatever the HTTP layer already read past the
headers.  h11 speaks the upgrade natively and hands those bytes back as
``trailing_data``.  The socket comes from ``Transport.connect_socket`` so it
follows the same endpoint and TLS settings as every other request.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import h11
import msgspec

from dockersdk.errors import DockerError, StreamError, api_error
from dockersdk.streams import iter_output
from dockersdk.transport import QueryValue, Transport, error_message

MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"
RAW_STREAM = "application/vnd.docker.raw-stream"

_READ_SIZE = 65536


class HijackedConnection:
    """A duplex byte stream to a process in a container.

    ``read()`` returns output bytes as they come (``b""`` at the end),
    ``write()`` sends stdin, ``close_stdin()`` signals end of input by
    half-closing the socket, ``frames()`` decodes the output.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        status: int,
        headers: Mapping[str, str],
        buffered: bytes = b"",
        body: h11.Connection | None = None,
    ) -> None:
        self.sock = sock
        self.status = status
        self.headers = dict(headers)
        self._buffered = buffered
        # Set when the daemon answered 200 instead of 101: the output is then
        # an HTTP body (read until close) that h11 still frames for us.
        self._body = body
        self.closed = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def read(self, size: int = _READ_SIZE) -> bytes:
        """Up to ``size`` bytes of output; ``b""`` once the daemon closed its side."""
        if self._buffered:
            data, self._buffered = self._buffered[:size], self._buffered[size:]
            return data
        if self._body is not None:
            return self._read_body(size)
        return self.sock.recv(size)

    def _read_body(self, size: int) -> bytes:
        assert self._body is not None
        while True:
            event = self._body.next_event()
            if event is h11.NEED_DATA:
                self._body.receive_data(self.sock.recv(size))
            elif isinstance(event, h11.Data):
                return bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return b""

    def chunks(self) -> Iterator[bytes]:
        """Output as it comes, until the daemon closes the stream."""
        while chunk := self.read():
            yield chunk

    def frames(self, tty: bool | None = None) -> Iterator[tuple[int, bytes]]:
        """``(stream_id, bytes)`` of the output.  ``tty=None`` trusts the
        Content-Type, which dockerd sets to the multiplexed type from API 1.42
        only: on older APIs callers must say whether the process has a TTY."""
        if tty is None:
            tty = self.content_type != MULTIPLEXED_STREAM
        return iter_output(self.chunks(), tty=tty)

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_stdin(self) -> None:
        """Tell the process its input ended, keeping its output readable.

        A TLS connection cannot do this: Python's ssl module can only end TLS as
        a whole (``unwrap`` waits for the daemon's own close_notify), and
        shutting the TCP stream under it breaks the session.  Close the
        connection instead, or run the process with a bounded input.
        """
        if isinstance(self.sock, ssl.SSLSocket):
            raise DockerError(
                "cannot close stdin alone on a TLS connection (TLS has no half-close "
                "in Python's ssl module); close() the whole connection instead"
            )
        self.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already disconnected
        self.sock.close()

    def __enter__(self) -> HijackedConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def hijack(
    transport: Transport,
    method: str,
    path: str,
    *,
    path_params: Mapping[str, str] | None = None,
    params: Mapping[str, QueryValue] | None = None,
    json: Any = None,
    operation: str | None = None,
    timeout: float | None = None,
) -> HijackedConnection:
    """Send an upgrade request and return the connection once dockerd switched.

    ``timeout`` applies to each socket operation afterwards (``None``: block).
    An error answer raises the same exceptions as ``Transport.request``.
    """
    operation = operation or f"{method} {path}"
    target = transport.target(path, path_params=path_params, params=params)
    body = msgspec.json.encode(json) if json is not None else b""
    endpoint = transport.endpoint
    host = endpoint.address if endpoint.scheme != "unix" else "localhost"
    headers = [
        ("Host", host),
        ("Connection", "Upgrade"),
        ("Upgrade", "tcp"),
        ("Content-Length", str(len(body))),
    ]
    user_agent = transport.session.headers.get("User-Agent")
    if user_agent:
        headers.append(("User-Agent", str(user_agent)))
    if json is not None:
        headers.append(("Content-Type", "application/json"))

    sock = transport.connect_socket(transport.timeout.read)
    try:
        connection = h11.Connection(h11.CLIENT)
        # One write for the whole request: fewer syscalls, and no empty write
        # that fails on a daemon that already answered and closed.
        request = connection.send(h11.Request(method=method, target=target, headers=headers))
        if body:
            request += connection.send(h11.Data(data=body))
        sock.sendall(request + connection.send(h11.EndOfMessage()))
        response = _read_response(connection, sock)
        headers_in = {k.decode().lower(): v.decode() for k, v in response.headers}
        if response.status_code == 101:
            buffered, _ = connection.trailing_data
            sock.settimeout(timeout)
            return HijackedConnection(
                sock, status=101, headers=headers_in, buffered=bytes(buffered)
            )
        if response.status_code >= 400:
            body_bytes = _read_body(connection, sock)
            raise api_error(response.status_code, error_message(body_bytes), operation)
        sock.settimeout(timeout)
        return HijackedConnection(
            sock, status=response.status_code, headers=headers_in, body=connection
        )
    except BaseException:
        sock.close()
        raise


def _read_response(
    connection: h11.Connection, sock: socket.socket
) -> h11.Response | h11.InformationalResponse:
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(sock.recv(_READ_SIZE))
        elif isinstance(event, h11.Response) or (
            isinstance(event, h11.InformationalResponse) and event.status_code == 101
        ):
            return event
        elif isinstance(event, h11.ConnectionClosed):
            raise StreamError("the daemon closed the connection before answering the upgrade")


def _read_body(connection: h11.Connection, sock: socket.socket) -> bytes:
    body = bytearray()
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(sock.recv(_READ_SIZE))
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return bytes(body)
