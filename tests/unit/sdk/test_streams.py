"""Stream decoders, fed the same bytes cut at every possible boundary."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockersdk.errors import StreamError
from dockersdk.streams import (
    STDERR,
    STDOUT,
    SYSTEMERR,
    Stream,
    demux,
    frame,
    iter_frames,
    iter_json,
    iter_output,
    iter_raw,
    split_json,
)


def splits(data: bytes) -> Iterator[list[bytes]]:
    """The data whole, one byte at a time, and cut in two at every position."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    for cut in range(len(data) + 1):
        yield [data[:cut], data[cut:]]


MESSAGES = [
    {"status": "Pulling fs layer", "id": "abc"},
    {"stream": "Step 1/2 : FROM busybox\n", "weird": 'br{ace} "quote" \\ back'},
    {"progressDetail": {"current": 1, "total": 2}, "list": [1, [2, {"x": "}"}]]},
]


@pytest.mark.parametrize(
    "separator", [b"\n", b"\r\n", b"", b" \n\n", b"\n  "], ids=["lf", "crlf", "none", "blank", "ws"]
)
def test_json_messages_at_every_split(separator: bytes) -> None:
    data = separator.join(msgspec.json.encode(m) for m in MESSAGES) + separator
    for chunks in splits(data):
        assert list(iter_json(chunks)) == MESSAGES


def test_message_spread_over_lines() -> None:
    data = b'{"a":\n 1,\n "b": [1,\n2]}\n{"c": 3}\n'
    for chunks in splits(data):
        assert list(iter_json(chunks)) == [{"a": 1, "b": [1, 2]}, {"c": 3}]


class Progress(msgspec.Struct):
    status: str
    id: str | None = None


def test_typed_decoding() -> None:
    data = b'{"status":"Downloading","id":"x"}\n{"status":"Done"}{"status":"Again"}\n'
    for chunks in splits(data):
        assert list(iter_json(chunks, Progress)) == [
            Progress("Downloading", "x"),
            Progress("Done"),
            Progress("Again"),
        ]


def test_typed_mismatch_is_a_stream_error() -> None:
    with pytest.raises(StreamError, match="does not match"):
        list(iter_json([b'{"status": 5}\n'], Progress))


def test_raw_keeps_the_bytes() -> None:
    data = b'{"a": 1}\n{"b":2}{"c":3}\n'
    assert [bytes(r) for r in iter_json([data], msgspec.Raw)] == [
        b'{"a": 1}',
        b'{"b":2}',
        b'{"c":3}',
    ]


@pytest.mark.parametrize("data", [b"not json\n", b'{"a": }\n', b"[1,2]]\n"])
def test_malformed_json_is_a_stream_error(data: bytes) -> None:
    with pytest.raises(StreamError):
        list(split_json([data]))


def test_truncated_json_is_a_stream_error() -> None:
    with pytest.raises(StreamError, match="ended inside"):
        list(split_json([b'{"a": 1}\n{"b": ']))


def test_final_message_without_newline() -> None:
    assert list(iter_json([b'{"a": 1}\n{"b"', b": 2}"])) == [{"a": 1}, {"b": 2}]


@given(st.lists(st.dictionaries(st.text(), st.text() | st.integers()), max_size=5), st.data())
def test_json_roundtrip_any_cut(messages: list[dict[str, object]], data: st.DataObject) -> None:
    encoded = b"".join(msgspec.json.encode(m) + b"\n" for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(encoded)), max_size=6)))
    chunks = [encoded[a:b] for a, b in zip([0, *cuts], [*cuts, len(encoded)], strict=True)]
    assert list(iter_json(chunks)) == messages


FRAMES = [(STDOUT, b"hello\n"), (STDERR, b"oops\n"), (STDOUT, b"x" * 300), (STDERR, b"\0\1")]


def test_frames_at_every_split() -> None:
    data = b"".join(frame(s, p) for s, p in FRAMES) + frame(STDOUT, b"")
    for chunks in splits(data):
        assert list(iter_frames(chunks)) == FRAMES


def test_demux_collects_each_stream() -> None:
    assert demux(FRAMES) == (b"hello\n" + b"x" * 300, b"oops\n\0\1")


def test_demux_raises_system_errors() -> None:
    with pytest.raises(StreamError, match="exec failed"):
        demux([(STDOUT, b"a"), (SYSTEMERR, b"exec failed\n")])


def test_bad_frame_header() -> None:
    with pytest.raises(StreamError, match="bad frame header"):
        list(iter_frames([b"hello world, no header"]))


def test_truncated_frame() -> None:
    with pytest.raises(StreamError, match="inside a frame"):
        list(iter_frames([frame(STDOUT, b"hello")[:-2]]))


def test_raw_tty_stream() -> None:
    assert list(iter_raw([b"a", b"", b"bc"])) == [(STDOUT, b"a"), (STDOUT, b"bc")]
    assert list(iter_output([b"abc"], tty=True)) == [(STDOUT, b"abc")]
    assert list(iter_output([frame(STDERR, b"e")], tty=False)) == [(STDERR, b"e")]


def test_stream_closes_once_at_the_end() -> None:
    closed: list[int] = []
    stream = Stream(iter([1, 2]), lambda: closed.append(1))
    assert list(stream) == [1, 2]
    assert closed == [1]
    stream.close()
    assert closed == [1]


def test_stream_close_stops_iteration() -> None:
    closed: list[int] = []
    with Stream(iter(range(10)), lambda: closed.append(1)) as stream:
        assert next(stream) == 0
    assert closed == [1]
    assert list(stream) == []


def test_stream_error_closes_and_propagates() -> None:
    closed: list[int] = []

    def failing() -> Iterator[int]:
        yield 1
        raise StreamError("bad")

    stream = Stream(failing(), lambda: closed.append(1))
    assert next(stream) == 1
    with pytest.raises(StreamError):
        next(stream)
    assert closed == [1]
