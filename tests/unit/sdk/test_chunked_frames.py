"""``iter_chunked_frames``: multiplexed frames cut straight out of a chunked
body must give exactly what the two layers give (``iter_frames`` over
``dechunk``), however the body is cut into reads and however frames and
chunks line up."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

import pytest

from dockersdk.chunked import dechunk
from dockersdk.errors import StreamError
from dockersdk.streams import STDERR, STDOUT, frame, iter_chunked_frames, iter_frames

# Frames whose payloads look like chunk framing and like frame headers.
FRAMES = [
    (STDOUT, b"hello\n"),
    (STDERR, b"\r\n1a\r\n"),
    (STDOUT, b"\x01\x00\x00\x00\x00\x00\x00\x05"),
    (STDOUT, b"x" * 300),
    (STDERR, b"0\r\n\r\n"),
]


def chunked(pieces: Iterable[bytes], trailers: bytes = b"") -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)
    return body + b"0\r\n" + trailers + b"\r\n"


def reader(pieces: Iterable[bytes]) -> Callable[[], bytes]:
    remaining = iter([piece for piece in pieces if piece])
    return lambda: next(remaining, b"")


def splits(data: bytes) -> Iterator[list[bytes]]:
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    for cut in range(len(data) + 1):
        yield [data[:cut], data[cut:]]


def stream_bytes(frames: Iterable[tuple[int, bytes]]) -> bytes:
    return b"".join(frame(stream_id, payload) for stream_id, payload in frames)


def layouts() -> dict[str, list[bytes]]:
    """The same multiplexed stream cut into chunks in different ways."""
    data = stream_bytes(FRAMES)
    return {
        # dockerd and mockd: one frame per chunk
        "frame-per-chunk": [frame(s, p) for s, p in FRAMES],
        "all-in-one-chunk": [data],
        # a frame's header, or its payload, goes on into the next chunk
        "header-cut": [data[:3], data[3:20], data[20:]],
        "payload-cut": [data[:100], data[100:]],
        "every-byte": [data[i : i + 1] for i in range(len(data))],
    }


@pytest.mark.parametrize("layout", list(layouts()))
def test_same_frames_as_the_two_layers_at_every_split(layout: str) -> None:
    wire = chunked(layouts()[layout], trailers=b"X-Trailer: 1\r\n")
    for pieces in splits(wire):
        assert list(iter_chunked_frames(reader(pieces))) == FRAMES
        assert list(iter_frames(dechunk(reader(pieces)))) == FRAMES


def test_a_frame_is_handed_out_before_the_next_chunk_is_read() -> None:
    reads = 0
    pieces = iter([chunked([frame(STDOUT, b"first")])[:-5], chunked([frame(STDOUT, b"second")])])

    def read() -> bytes:
        nonlocal reads
        reads += 1
        return next(pieces, b"")

    frames = iter_chunked_frames(read)
    assert next(frames) == (STDOUT, b"first")
    assert reads == 1
    assert list(frames) == [(STDOUT, b"second")]


def test_empty_frames_are_skipped() -> None:
    wire = chunked([frame(STDOUT, b""), frame(STDERR, b"e")])
    assert list(iter_chunked_frames(reader([wire]))) == [(STDERR, b"e")]


def test_a_chunk_over_the_held_limit_still_gives_each_frame_as_it_completes() -> None:
    # Frames of a 2 MiB chunk come as they complete, not once the chunk is all here.
    frames = [(STDOUT, bytes([65 + n % 26]) * 65536) for n in range(32)]
    data = stream_bytes(frames)
    wire = chunked([data])
    pieces = [wire[i : i + 65536] for i in range(0, len(wire), 65536)]
    reads = 0
    remaining = iter(pieces)

    def read() -> bytes:
        nonlocal reads
        reads += 1
        return next(remaining, b"")

    decoded = iter_chunked_frames(read)
    assert next(decoded) == frames[0]
    assert reads <= 3
    assert list(decoded) == frames[1:]


def test_a_chunk_cut_by_reads_is_joined_once() -> None:
    # A 512 KiB frame in one chunk, read 1 KiB at a time: held in pieces, joined
    # once (a join per read would copy ~128 MiB here).
    payload = bytes(range(256)) * 2048
    wire = chunked([frame(STDOUT, payload)])
    pieces = [wire[i : i + 1024] for i in range(0, len(wire), 1024)]
    assert list(iter_chunked_frames(reader(pieces))) == [(STDOUT, payload)]


@pytest.mark.parametrize(
    "wire",
    [
        chunked([b"\x05\x00\x00\x00\x00\x00\x00\x01a"]),  # stream id 5
        chunked([b"\x01\x00\x01\x00\x00\x00\x00\x01a"]),  # padding not zero
        b"%x\r\n%sX\r\n0\r\n\r\n" % (9, frame(STDOUT, b"a")),  # no CRLF after the chunk
        b"zz\r\n" + frame(STDOUT, b"a") + b"\r\n0\r\n\r\n",  # size not hex
        b"1" * 5000,  # endless size line
        chunked([frame(STDOUT, b"abc")[:-1]]),  # the body ends inside a frame
    ],
    ids=["bad-stream-id", "bad-padding", "no-crlf", "not-hex", "endless-size-line", "cut-frame"],
)
def test_bad_input_is_a_stream_error(wire: bytes) -> None:
    with pytest.raises(StreamError):
        list(iter_chunked_frames(reader([wire])))


def test_every_truncation_is_a_stream_error() -> None:
    wire = chunked(layouts()["frame-per-chunk"])
    for cut in range(len(wire)):
        with pytest.raises(StreamError):
            list(iter_chunked_frames(reader([wire[:cut]])))


def test_the_last_chunk_ends_the_stream_without_reading_further() -> None:
    reads = itertools.count()

    def read() -> bytes:
        if next(reads):
            raise AssertionError("read past the end of the body")
        return chunked([frame(STDOUT, b"done")])

    assert list(iter_chunked_frames(read)) == [(STDOUT, b"done")]
