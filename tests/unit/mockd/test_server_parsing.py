"""The server's HTTP/1.x on the wire: request framing (llhttp), response framing, write coalescing.

Requests are written by hand, so that their bytes arrive exactly as the test
means them: pipelined, split at awkward places, malformed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from mockd.http import (
    HijackedStream,
    HijackResponse,
    Reply,
    Request,
    StreamResponse,
    json_response,
)
from mockd.server import MAX_HEADER_BYTES, HTTPServer, _Connection, _RequestParser

StartServer = Callable[..., Any]


async def echo_app(req: Request) -> Reply:
    return json_response({"method": req.method, "path": req.path, "body": req.body.decode()})


class Wire:
    """A client socket that reads responses one at a time, keeping what follows."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def head(self) -> tuple[str, dict[str, str]]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"closed before a head: {self.buffer!r}"
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            assert name.lower() not in headers, f"{name} twice"
            headers[name.lower()] = value.strip()
        return status, headers

    def exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            assert self._fill(), "closed early"
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            assert self._fill(), "closed early"
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def chunked(self) -> bytes:
        body = b""
        while size := int(self.line(), 16):
            body += self.exactly(size)
            assert self.exactly(2) == b"\r\n"
        assert self.line() == b""
        return body

    def response(self) -> tuple[str, dict[str, str], bytes]:
        status, headers = self.head()
        if headers.get("transfer-encoding") == "chunked":
            return status, headers, self.chunked()
        return status, headers, self.exactly(int(headers.get("content-length", "0")))

    def until_eof(self) -> bytes:
        while self._fill():
            pass
        data, self.buffer = self.buffer, b""
        return data

    def closed(self) -> bool:
        """True when the server has closed the connection (and sent nothing more)."""
        try:
            return self.until_eof() == b""
        except ConnectionResetError:
            return True


@pytest.fixture
def wire(start_server: StartServer) -> Iterator[Callable[..., Wire]]:
    opened: list[Wire] = []

    def connect(app: Callable[[Request], Any] = echo_app, **options: Any) -> Wire:
        opened.append(Wire(start_server(app, **options).tcp()))
        return opened[-1]

    yield connect
    for w in opened:
        w.close()


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()


# -- requests ------------------------------------------------------------------


def test_pipelined_requests_are_answered_in_order(wire: Callable[..., Wire]) -> None:
    w = wire()
    w.send(
        get("/one")
        + b"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        + get("/three", "Connection: close\r\n")
    )
    first, second, third = w.response(), w.response(), w.response()
    assert [json.loads(r[2])["path"] for r in (first, second, third)] == ["/one", "/two", "/three"]
    assert json.loads(second[2])["body"] == "hello"
    assert third[1]["connection"] == "close"
    assert w.closed()


def test_request_pipelined_behind_a_stream_waits_its_turn(
    start_server: StartServer,
) -> None:
    gate: list[asyncio.Event] = []

    async def app(req: Request) -> Reply:
        if req.path == "/stream":

            async def chunks() -> AsyncIterator[bytes]:
                yield b"first\n"
                await gate[0].wait()
                yield b"last\n"

            return StreamResponse(chunks())
        return await echo_app(req)

    server = start_server(app)
    gate.append(server.call(_new_event()))
    w = Wire(server.tcp())
    try:
        w.send(get("/stream"))
        w.head()
        assert w.line() == b"6" and w.exactly(8) == b"first\n\r\n"
        w.send(get("/after"))  # read by the server while the stream idles: kept, not lost
        time.sleep(0.1)
        server.soon(gate[0].set)
        assert w.chunked() == b"last\n"
        _, _, body = w.response()
        assert json.loads(body)["path"] == "/after"
    finally:
        w.close()


async def _new_event() -> asyncio.Event:
    return asyncio.Event()


def test_chunked_body_with_extensions_and_trailers(wire: Callable[..., Wire]) -> None:
    w = wire()
    w.send(
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n4\r\n\r\n\r\n\r\n0\r\nX-Trailer: t\r\n\r\n" + get("/next")
    )
    assert json.loads(w.response()[2])["body"] == "abc\r\n\r\n"
    assert json.loads(w.response()[2])["path"] == "/next"


def test_a_request_sent_a_byte_at_a_time(wire: Callable[..., Wire]) -> None:
    # Every blank line (the head's end, the body's end) is split across reads.
    w = wire()
    request = (
        b"POST /slow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\n\r\n\r\n\r\n0\r\n\r\n"
    )
    for byte in request:
        w.send(bytes([byte]))
        time.sleep(0.002)
    _, _, body = w.response()
    assert json.loads(body) == {"method": "POST", "path": "/slow", "body": "\r\n\r\n"}


def test_expect_100_continue_is_not_sent_for_a_body_too_large(wire: Callable[..., Wire]) -> None:
    w = wire(max_body_size=10)
    w.send(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
    status, _, body = w.response()
    assert status.startswith("HTTP/1.1 413 ")
    assert json.loads(body) == {"message": "request body too large"}
    assert w.closed()


def test_expect_100_continue_then_a_chunked_body(wire: Callable[..., Wire]) -> None:
    w = wire()
    w.send(
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    )
    assert w.head()[0] == "HTTP/1.1 100 Continue"
    w.send(b"2\r\nok\r\n0\r\n\r\n")
    assert json.loads(w.response()[2])["body"] == "ok"


# -- HTTP/1.0 ------------------------------------------------------------------


def test_http10_is_answered_in_kind_and_closed(wire: Callable[..., Wire]) -> None:
    w = wire()
    w.send(b"GET /old HTTP/1.0\r\n\r\n")  # no Host: HTTP/1.0 does not need one
    status, headers, body = w.response()
    assert status == "HTTP/1.0 200 OK"
    assert "connection" not in headers  # closing is HTTP/1.0's default, as Go says nothing
    assert json.loads(body)["path"] == "/old"
    assert w.closed()


def test_http10_keep_alive_keeps_the_connection(wire: Callable[..., Wire]) -> None:
    w = wire()
    w.send(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    status, headers, _ = w.response()
    assert (status, headers["connection"]) == ("HTTP/1.0 200 OK", "keep-alive")
    w.send(b"GET /b HTTP/1.0\r\n\r\n")
    assert json.loads(w.response()[2])["path"] == "/b"
    assert w.closed()


def test_http10_stream_is_unframed_and_ends_at_close(wire: Callable[..., Wire]) -> None:
    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"one\n"
            await asyncio.sleep(0.01)
            yield b"two\n"

        return StreamResponse(chunks())

    w = wire(app)
    w.send(b"GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    status, headers = w.head()
    assert status == "HTTP/1.0 200 OK"
    assert "transfer-encoding" not in headers and "content-length" not in headers
    assert w.until_eof() == b"one\ntwo\n"


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),  # a space in the target
        (b"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400),  # a bare LF
        (b"GET /\r\n\r\n", 400),  # HTTP/0.9
        (b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\nHost: x\r\n\r\n", 400),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nX: y\r\n\r\n", 400),  # no Host
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ],
)
def test_a_malformed_request_is_refused_and_the_connection_closed(
    wire: Callable[..., Wire], request_bytes: bytes, status: int
) -> None:
    w = wire()
    w.send(request_bytes + get("/never-served"))
    line, headers, body = w.response()
    assert line.startswith(f"HTTP/1.1 {status} ")
    assert headers["connection"] == "close"
    assert json.loads(body)["message"]
    assert w.closed()


def test_a_head_past_the_limit_is_refused_before_it_ends(wire: Callable[..., Wire]) -> None:
    w = wire()
    start = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
    # One byte past the limit and no blank line: the server must answer without one.
    # The last byte read is the one that crosses the limit, so nothing is left unread
    # and the close is clean (no reset swallowing the answer).
    w.send(start + b"a" * (MAX_HEADER_BYTES + 1 - len(start)))
    status, headers, body = w.response()
    assert status.startswith("HTTP/1.1 431 ")
    assert (headers["connection"], json.loads(body)) == (
        "close",
        {"message": "request header too large"},
    )
    assert w.closed()


# -- hijack --------------------------------------------------------------------


async def hijack_echo(req: Request) -> Reply:
    async def run(stream: HijackedStream) -> None:
        await stream.write(b"body=" + req.body + b";")
        while data := await stream.read():
            await stream.write(data)

    return HijackResponse(run)


@pytest.mark.parametrize(
    "framing",
    [
        b'Content-Length: 12\r\n\r\n{"Tty":true}',
        b'Transfer-Encoding: chunked\r\n\r\nc\r\n{"Tty":true}\r\n0\r\n\r\n',
    ],
)
def test_upgrade_request_body_reaches_the_app_and_what_follows_the_stream(
    wire: Callable[..., Wire], framing: bytes
) -> None:
    # As exec start: a body, then the client writes to the stream without waiting.
    w = wire(hijack_echo)
    w.send(
        b"POST /exec/e/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
        + framing
        + b"early bytes"
    )
    status, _ = w.head()
    assert status == "HTTP/1.1 101 UPGRADED"
    expected = b'body={"Tty":true};early bytes'
    assert w.exactly(len(expected)) == expected


# -- write coalescing (the connection, with a writer that records each write) ---


class RecordingWriter:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    async def drain(self) -> None:
        pass


def serve_one(app: Callable[[Request], Any], check: Callable[..., Any]) -> list[bytes]:
    """Serve one GET on a recorded connection; ``check(writer, step)`` runs alongside."""

    async def main() -> list[bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(get("/s"))
        writer = RecordingWriter()
        conn = _Connection(HTTPServer(app), reader, writer)  # type: ignore[arg-type]
        serving = asyncio.ensure_future(conn.serve())
        await check(writer)
        reader.feed_eof()
        await asyncio.wait_for(serving, 5)
        return writer.writes

    return asyncio.run(main())


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def framed(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%b\r\n" % (len(c), c) for c in chunks)


def test_a_single_late_chunk_and_the_end_go_out_in_one_write() -> None:
    # The wait endpoint: headers at once, then one chunk when the container exits.
    exited = asyncio.Event()

    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            await exited.wait()
            yield b'{"StatusCode":0}\n'

        return StreamResponse(chunks())

    async def check(writer: RecordingWriter) -> None:
        await settle()
        assert len(writer.writes) == 1 and writer.writes[0].endswith(b"\r\n\r\n")  # the head
        exited.set()
        await settle()

    writes = serve_one(app, check)
    assert writes[1:] == [framed(b'{"StatusCode":0}\n') + b"0\r\n\r\n"]


def test_a_follow_stream_sends_each_chunk_before_it_waits() -> None:
    more, end = asyncio.Event(), asyncio.Event()
    seen_while_waiting: list[list[bytes]] = []

    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"line 1\n"
            await asyncio.sleep(0)  # anything that waits: the line must be out by now
            seen_while_waiting.append(list(writer_of[0].writes))
            await more.wait()
            yield b"line 2\n"
            await end.wait()

        return StreamResponse(chunks())

    writer_of: list[RecordingWriter] = []

    async def check(writer: RecordingWriter) -> None:
        writer_of.append(writer)
        await settle()
        more.set()
        await settle()
        assert len(writer.writes) == 2  # line 2, alone, while the stream waits again
        end.set()
        await settle()

    writes = serve_one(app, check)
    head = writes[0].partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert seen_while_waiting == [[head + framed(b"line 1\n")]]  # head and first line: one write
    assert writes[1:] == [framed(b"line 2\n"), b"0\r\n\r\n"]


def test_a_stream_ready_at_once_is_one_write() -> None:
    async def app(req: Request) -> Reply:
        async def chunks() -> AsyncIterator[bytes]:
            for part in (b"a", b"", b"bc"):
                yield part

        return StreamResponse(chunks())

    async def check(writer: RecordingWriter) -> None:
        await settle()

    writes = serve_one(app, check)
    assert len(writes) == 1
    assert writes[0].endswith(b"\r\n\r\n" + framed(b"a", b"bc") + b"0\r\n\r\n")


# -- what a chunked body can hide ----------------------------------------------


def test_requests_pipelined_behind_a_chunked_body(wire: Callable[..., Wire]) -> None:
    # llhttp parses a chunked body in whole reads; what follows it is still served in
    # turn: a request, an upgrade with the stream's first bytes, a malformed request.
    async def app(req: Request) -> Reply:
        return await (hijack_echo if req.path == "/attach" else echo_app)(req)

    w = wire(app)
    chunked = (
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
    )
    w.send(
        chunked
        + get("/plain")
        + chunked
        + b"POST /attach HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nearly"
    )
    assert json.loads(w.response()[2])["body"] == "ab"
    assert json.loads(w.response()[2])["path"] == "/plain"
    assert json.loads(w.response()[2])["body"] == "ab"
    assert w.head()[0] == "HTTP/1.1 101 UPGRADED"
    assert w.exactly(len(b"body=;early")) == b"body=;early"

    bad = wire()
    bad.send(chunked + b"NOT HTTP\r\n\r\n")
    assert json.loads(bad.response()[2])["body"] == "ab"
    assert bad.response()[0].startswith("HTTP/1.1 400 ")
    assert bad.closed()


def test_a_chunked_body_of_blank_lines_is_parsed_in_whole_reads(
    wire: Callable[..., Wire], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blank lines are where a chunked body may end; one full of them must not make
    # the server stop at each (a read parsed in thousands of pieces).
    feeds: list[int] = []
    feed = _RequestParser.feed

    def counted(self: _RequestParser, data: bytes | memoryview) -> int:
        feeds.append(len(data))
        return feed(self, data)

    monkeypatch.setattr(_RequestParser, "feed", counted)
    payload = b"\r\n\r\n" * (1 << 18)  # 1 MiB: 262,144 places a chunked body could end
    w = wire()
    w.send(
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n" % len(payload)
        + payload
        + b"\r\n0\r\n\r\n"
    )
    status, _, body = w.response()
    assert status == "HTTP/1.1 200 OK"
    assert len(json.loads(body)["body"]) == len(payload)
    # A head, then the body in reads of up to 64 KiB: 16 of them and a few partial ones.
    assert len(feeds) < 100, len(feeds)


def test_a_chunked_body_over_the_limit_is_refused_before_its_end(
    wire: Callable[..., Wire],
) -> None:
    w = wire(max_body_size=100)
    w.send(b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    w.send(b"65\r\n" + b"x" * 101 + b"\r\n")  # never ended: the answer must not wait for it
    status, _, body = w.response()
    assert status.startswith("HTTP/1.1 413 ")
    assert json.loads(body) == {"message": "request body too large"}
