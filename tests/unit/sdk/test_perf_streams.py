"""How much work the stream decoders do: one decode per JSON message (the
cutting fallback only for a line that needs it), and items handed out as soon
as a chunk holds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from dockersdk.streams import STDERR, STDOUT, frame, iter_frames, iter_json


class Event(msgspec.Struct):
    status: str
    id: str | None = None


_PlainDecoder = msgspec.json.Decoder


class CountingDecoder:
    """Stands for ``msgspec.json.Decoder``, counting ``decode`` calls."""

    calls: list[bytes] = []

    def __init__(self, type: Any = Any) -> None:
        self._decoder: msgspec.json.Decoder[Any] = _PlainDecoder(type)

    def decode(self, data: bytes) -> Any:
        CountingDecoder.calls.append(bytes(data))
        return self._decoder.decode(data)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[bytes], list[bytes]]]:
    """The typed decodes, and the untyped ``msgspec.json.decode`` calls, made meanwhile."""
    typed: list[bytes] = []
    untyped: list[bytes] = []
    plain_decode = msgspec.json.decode

    def counting_decode(data: bytes, **kwargs: Any) -> Any:
        untyped.append(bytes(data))
        return plain_decode(data, **kwargs)

    monkeypatch.setattr(CountingDecoder, "calls", typed)
    monkeypatch.setattr(msgspec.json, "Decoder", CountingDecoder)
    monkeypatch.setattr(msgspec.json, "decode", counting_decode)
    yield typed, untyped


def test_one_decode_per_line(decodes: tuple[list[bytes], list[bytes]]) -> None:
    typed, untyped = decodes
    lines = [b'{"status":"start","id":"%d"}\n' % n for n in range(200)]
    data = b"".join(lines)
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    events = list(iter_json(chunks, Event))
    assert events == [Event("start", str(n)) for n in range(200)]
    assert len(typed) == 200 and untyped == []


def test_only_a_concatenated_line_is_cut(decodes: tuple[list[bytes], list[bytes]]) -> None:
    typed, _ = decodes
    data = b'{"status":"a"}\n{"status":"b"}{"status":"c"}\n{"status":"d"}\n'
    assert [e.status for e in iter_json([data], Event)] == ["a", "b", "c", "d"]
    # a, the failed attempt on the b+c line, b, c, d: one decode per message
    # except the one line that needed cutting.
    assert typed == [b'{"status":"a"}', b'{"status":"b"}{"status":"c"}', b'{"status":"b"}',
                     b'{"status":"c"}', b'{"status":"d"}']  # fmt: skip


def pulled_chunks(chunks: list[bytes], pulls: list[int]) -> Iterator[bytes]:
    for chunk in chunks:
        pulls.append(1)
        yield chunk


def test_json_messages_of_a_chunk_come_before_the_next_chunk_is_read() -> None:
    pulls: list[int] = []
    first = b'{"status":"a"}\n{"status":"b"}\n{"status":"c'
    messages = iter_json(pulled_chunks([first, b'"}\n'], pulls), Event)
    assert [next(messages).status, next(messages).status] == ["a", "b"]
    assert len(pulls) == 1
    assert [m.status for m in messages] == ["c"]


def test_frames_of_a_chunk_come_before_the_next_chunk_is_read() -> None:
    pulls: list[int] = []
    data = frame(STDOUT, b"one\n") + frame(STDERR, b"two\n") + frame(STDOUT, b"three\n")
    frames = iter_frames(pulled_chunks([data[:-3], data[-3:]], pulls))
    assert [next(frames), next(frames)] == [(STDOUT, b"one\n"), (STDERR, b"two\n")]
    assert len(pulls) == 1
    assert list(frames) == [(STDOUT, b"three\n")]


def test_a_large_frame_over_many_chunks_is_joined_once() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    data = frame(STDOUT, payload)
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    assert list(iter_frames(chunks)) == [(STDOUT, payload)]
