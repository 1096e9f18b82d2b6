"""The floor: ``http.client`` over a unix socket, one keep-alive connection,
no decoding beyond what HTTP needs.  Whatever a client library adds on top of
this is its own cost."""

from __future__ import annotations

import http.client
import socket
import struct
from collections.abc import Iterator

_HEADER = struct.Struct(">BxxxL")


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None = 120) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def socket_path(docker_host: str) -> str:
    if not docker_host.startswith("unix://"):
        raise ValueError(f"the benchmarks speak to unix sockets only, not {docker_host!r}")
    return docker_host.removeprefix("unix://")


class RawClient:
    """One keep-alive connection; ``call`` returns status and body bytes."""

    def __init__(self, docker_host: str) -> None:
        self.path = socket_path(docker_host)
        self.conn = UnixHTTPConnection(self.path)

    def call(self, method: str, target: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.conn.request(method, target, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def get(self, target: str) -> bytes:
        status, body = self.call("GET", target)
        if status >= 400:
            raise RuntimeError(f"GET {target}: {status} {body[:200]!r}")
        return body

    def stream(self, target: str, method: str = "GET") -> Iterator[bytes]:
        """The body of a streamed answer as chunks, on a connection of its own."""
        conn = UnixHTTPConnection(self.path, timeout=None)
        try:
            conn.request(method, target)
            response = conn.getresponse()
            if response.status >= 400:
                raise RuntimeError(f"{method} {target}: {response.status} {response.read()!r}")
            while chunk := response.read1(65536):
                yield chunk
        finally:
            conn.close()

    def close(self) -> None:
        self.conn.close()


def count_frame_payload(chunks: Iterator[bytes]) -> int:
    """Bytes of payload in a multiplexed stdout/stderr stream: the minimal
    parse (headers skipped, payloads not copied)."""
    total = 0
    pending = b""
    need = 0  # payload bytes of the current frame still to skip
    for chunk in chunks:
        view = memoryview(pending + chunk) if pending else memoryview(chunk)
        pending = b""
        offset = 0
        size = len(view)
        while offset < size:
            if need:
                take = min(need, size - offset)
                total += take
                need -= take
                offset += take
                continue
            if size - offset < _HEADER.size:
                pending = bytes(view[offset:])
                break
            _, need = _HEADER.unpack_from(view, offset)
            offset += _HEADER.size
    return total


def count_json_lines(chunks: Iterator[bytes]) -> int:
    """Messages in a newline-delimited JSON stream, without decoding them."""
    return sum(chunk.count(b"\n") for chunk in chunks)


def socket_stream(path: str, target: str, method: str = "GET") -> Iterator[bytes]:
    """The body of a streamed answer read straight off a unix socket: large
    ``recv``s, chunked framing undone by hand.  Hand-written because it is the
    floor: ``http.client`` reads a chunked body one chunk per call, which with
    dockerd's small chunks (a frame or an event each) costs more than this."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("connection closed before the answer's head")
            buffer += data
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        if status >= 400:
            raise RuntimeError(f"{method} {target}: {status}")
        lowered = head.lower()
        if b"transfer-encoding: chunked" not in lowered:
            yield from _until_closed(sock, buffer)
            return
        yield from _dechunk(sock, buffer)
    finally:
        sock.close()


def _until_closed(sock: socket.socket, buffer: bytes) -> Iterator[bytes]:
    if buffer:
        yield buffer
    while data := sock.recv(262144):
        yield data


def _dechunk(sock: socket.socket, buffer: bytes) -> Iterator[bytes]:
    pos = 0
    while True:
        line_end = buffer.find(b"\r\n", pos)
        while line_end < 0:
            data = sock.recv(262144)
            if not data:
                return
            buffer = buffer[pos:] + data
            pos = 0
            line_end = buffer.find(b"\r\n")
        size = int(buffer[pos:line_end].split(b";", 1)[0], 16)
        if size == 0:
            return
        start = line_end + 2
        end = start + size
        while len(buffer) < end + 2:
            data = sock.recv(262144)
            if not data:
                raise RuntimeError("connection closed inside a chunk")
            buffer = buffer[pos:] + data
            start, end, pos = start - pos, end - pos, 0
        yield buffer[start:end]
        pos = end + 2
