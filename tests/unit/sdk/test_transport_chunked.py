"""The chunked-body reader under every stream: ``dechunk`` fed input cut at
every byte, and ``iter_chunks`` over a real socket (many chunks per read, data
as it comes, a partial chunk handed out, closing from another thread)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dockersdk import errors
from dockersdk.api import response_stream
from dockersdk.chunked import dechunk
from dockersdk.config import parse_host
from dockersdk.errors import StreamError
from dockersdk.transport import Timeout, Transport, chunked_body_reads, iter_chunks

# Payloads that look like framing, so a reader confusing the two shows it.
PAYLOADS = [b"hello\n", b"x" * 300, b"\r\n1a\r\n", b"0\r\n\r\n", b"\n"]


def chunked(payloads: Iterable[bytes], *, extension: bytes = b"", trailers: bytes = b"") -> bytes:
    body = b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in payloads)
    return body + b"0\r\n" + trailers + b"\r\n"


def reader(pieces: Iterable[bytes]) -> Callable[[], bytes]:
    """``read()`` returning each piece in turn, then ``b""`` (the end of the
    connection); an empty piece is skipped, as no read returns nothing before the end."""
    remaining = iter([piece for piece in pieces if piece])
    return lambda: next(remaining, b"")


def splits(data: bytes) -> Iterator[list[bytes]]:
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    for cut in range(len(data) + 1):
        yield [data[:cut], data[cut:]]


@pytest.mark.parametrize(
    ("extension", "trailers"),
    [(b"", b""), (b";name=value", b""), (b"", b"X-Trailer: 1\r\n")],
    ids=["plain", "extension", "trailers"],
)
def test_dechunk_at_every_split(extension: bytes, trailers: bytes) -> None:
    wire = chunked(PAYLOADS, extension=extension, trailers=trailers)
    for pieces in splits(wire):
        assert b"".join(dechunk(reader(pieces))) == b"".join(PAYLOADS)


def test_all_chunks_of_one_read_come_as_one_item() -> None:
    payloads = [b'{"n":%d}\n' % n for n in range(1000)]
    assert list(dechunk(reader([chunked(payloads)]))) == [b"".join(payloads)]


def test_part_of_a_chunk_comes_before_the_rest_is_read() -> None:
    wire = chunked([b"a" * 100])
    reads: list[int] = []
    pieces = iter([wire[:50], wire[50:]])

    def read() -> bytes:
        reads.append(1)
        return next(pieces, b"")

    items = dechunk(read)
    first = next(items)
    assert first == b"a" * (50 - len(b"64\r\n"))
    assert len(reads) == 1  # handed out without waiting for the chunk's end
    assert first + b"".join(items) == b"a" * 100


def test_the_last_chunk_ends_the_body_without_reading_further() -> None:
    reads: list[int] = []

    def read() -> bytes:
        reads.append(1)
        if len(reads) > 1:
            raise AssertionError("read past the end of the body")
        return chunked([b"done"])

    assert list(dechunk(read)) == [b"done"]


def test_every_truncation_is_a_stream_error() -> None:
    wire = chunked(PAYLOADS)
    for cut in range(len(wire)):
        with pytest.raises(StreamError):
            b"".join(dechunk(reader([wire[:cut]])))


BAD_FRAMING = [
    b"zz\r\nabc\r\n0\r\n\r\n",
    b"-1\r\n\r\n",
    b"3\r\nabcX\r\n0\r\n\r\n",
    b"1" * 5000,
    b"0\r\n" + b"X" * 5000,
]


@pytest.mark.parametrize(
    "wire",
    BAD_FRAMING,
    ids=["not-hex", "negative", "no-crlf-after-payload", "endless-size-line", "endless-trailer"],
)
def test_bad_framing_is_a_stream_error(wire: bytes) -> None:
    with pytest.raises(StreamError):
        b"".join(dechunk(reader([wire])))


def test_dechunk_goes_on_from_bytes_already_read() -> None:
    wire = chunked(PAYLOADS)
    for cut in range(len(wire) + 1):
        assert b"".join(dechunk(reader([wire[cut:]]), wire[:cut])) == b"".join(PAYLOADS)


# -- over a socket ------------------------------------------------------------------

Step = bytes | threading.Event


class ChunkedServer:
    """Answers one request on a unix socket with a chunked body, following a
    script: bytes are sent, an Event is waited for (so a test decides when the
    server goes on, without sleeps)."""

    def __init__(self, path: str, script: list[Step], with_head: bytes = b"") -> None:
        self.path = path
        self.script = script
        self.with_head = with_head  # sent in the same write as the head
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                head += connection.recv(4096)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + self.with_head
            )
            try:
                for step in self.script:
                    if isinstance(step, threading.Event):
                        if not step.wait(5):
                            return  # the client never said to go on: break off
                    else:
                        connection.sendall(step)
            except OSError:
                return  # the client went away

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


def serve(
    short_tmp: Path, script: list[Step], with_head: bytes = b""
) -> tuple[ChunkedServer, Transport]:
    server = ChunkedServer(str(short_tmp / "c.sock"), script, with_head)
    return server, Transport(parse_host(f"unix://{server.path}"), version="1.45")


def test_many_chunks_come_in_few_reads(short_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib3

    per_chunk_reads: list[int] = []
    original = urllib3.HTTPResponse.read1

    def counted_read1(self: urllib3.HTTPResponse, *args: Any, **kwargs: Any) -> bytes:
        per_chunk_reads.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(urllib3.HTTPResponse, "read1", counted_read1)
    payloads = [b'{"n":%d}\n' % n for n in range(1000)]
    server, transport = serve(short_tmp, [chunked(payloads)])
    response = transport.request("GET", "/events", stream=True)
    items = list(iter_chunks(response))
    response.close()
    server.close()
    assert b"".join(items) == b"".join(payloads)
    assert len(items) < 50  # 1,000 chunks, read in bulk
    assert per_chunk_reads == []  # urllib3's one-chunk-per-call read is not used


def test_body_bytes_buffered_with_the_head_come_first_then_reads_skip_the_socket_file(
    short_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # http.client reads the head through an 8 KiB buffer, which takes the start of
    # the body along; the first read hands that out, the later ones go to the socket.
    file_reads: list[int] = []
    original = socket.SocketIO.readinto

    def counted(self: socket.SocketIO, buffer: Any) -> int | None:
        file_reads.append(1)
        return original(self, buffer)

    go_on = threading.Event()
    early = [b'{"n":%d}\n' % n for n in range(3)]
    late = [b'{"n":%d}\n' % n for n in range(3, 6)]
    server, transport = serve(short_tmp, [go_on, chunked(late)], with_head=chunked(early)[:-5])
    response = transport.request("GET", "/events", stream=True)
    monkeypatch.setattr(socket.SocketIO, "readinto", counted)
    chunks = iter_chunks(response)
    assert next(chunks) == b"".join(early)
    go_on.set()
    assert b"".join(chunks) == b"".join(late)
    assert file_reads == []  # the body's bytes were all buffered with the head, or read direct
    response.close()
    server.close()


def test_data_comes_as_it_arrives(short_tmp: Path) -> None:
    go_on, second = threading.Event(), threading.Event()
    body = chunked([b"b" * 100])
    script: list[Step] = [b'8\r\n{"n":1}\n\r\n', go_on, body[:60], second, body[60:]]
    server, transport = serve(short_tmp, script)
    response = transport.request("GET", "/events", stream=True)
    chunks = iter_chunks(response)
    started = time.monotonic()
    assert next(chunks) == b'{"n":1}\n'  # before the server sends anything more
    go_on.set()
    assert next(chunks) == b"b" * (60 - len(b"64\r\n"))  # part of a chunk, handed out
    second.set()
    assert b"".join(chunks) == b"b" * (100 - 56)
    assert time.monotonic() - started < 4  # nobody waited for the server's 5 s give-up
    response.close()
    server.close()


def test_closing_from_another_thread_wakes_the_reader(short_tmp: Path) -> None:
    never = threading.Event()
    server, transport = serve(short_tmp, [b'8\r\n{"n":1}\n\r\n', never])
    response = transport.request("GET", "/events", stream=True)
    stream = response_stream(response, iter_chunks(response))
    assert next(stream) == b'{"n":1}\n'
    threading.Timer(0.2, stream.close).start()
    started = time.monotonic()
    assert list(stream) == []
    assert time.monotonic() - started < 2
    never.set()
    server.close()


def test_read_timeout_on_a_chunked_stream(short_tmp: Path) -> None:
    never = threading.Event()
    server, transport = serve(short_tmp, [b'8\r\n{"n":1}\n\r\n', never])
    response = transport.request("GET", "/events", stream=True, timeout=Timeout(5, 0.2))
    chunks = iter_chunks(response)
    assert next(chunks) == b'{"n":1}\n'
    with pytest.raises(errors.ReadTimeout):
        next(chunks)
    response.close()
    never.set()
    server.close()


def test_a_body_broken_off_is_a_stream_error(short_tmp: Path) -> None:
    server, transport = serve(short_tmp, [b'8\r\n{"n":1}\n\r\n4\r\nab'])
    response = transport.request("GET", "/events", stream=True)
    with pytest.raises(StreamError, match="broke off"):
        b"".join(iter_chunks(response))
    response.close()
    server.close()


def test_direct_reads_only_for_a_chunked_body_nobody_has_read_from(short_tmp: Path) -> None:
    payloads = [b'{"n":%d}\n' % n for n in range(3)]
    server, transport = serve(short_tmp, [chunked(payloads)])
    response = transport.request("GET", "/events", stream=True)
    assert response.raw.read1(4)  # urllib3 now holds the state of a chunk
    assert chunked_body_reads(response) is None  # so the raw bytes are not ours to read
    response.close()
    server.close()
