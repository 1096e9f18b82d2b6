"""Incremental decoders for the daemon's streamed answers.

Each decoder consumes an iterator of byte chunks cut anywhere (so it works on
``response.iter_content()`` and on a hijacked socket alike) and yields whole
items:

* ``iter_json``: JSON messages (events, pull/push/build progress, stats), one per
  line or concatenated without separators;
* ``iter_frames``: the multiplexed stdout/stderr stream (8-byte headers);
* ``iter_raw``: the raw stream of a TTY.

``Stream`` wraps any of them with a ``close()`` that closes the connection.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final, Generic, TypeVar, overload

import msgspec

from dockersdk.errors import StreamError

T = TypeVar("T")

STDIN: Final = 0
STDOUT: Final = 1
STDERR: Final = 2
SYSTEMERR: Final = 3  # dockerd reports attach errors on this stream id

_HEADER: Final = struct.Struct(">BxxxL")

# -- JSON messages ------------------------------------------------------------


def split_json(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The raw bytes of each JSON message in the stream.

    dockerd writes one message per line, so whole lines are the fast path;
    a line holding several concatenated messages, or a message continued over
    lines, goes through ``_split_concatenated``.
    """
    pending = b""  # bytes of an unfinished line
    for chunk in chunks:
        if not chunk:
            continue
        pending += chunk
        last_newline = pending.rfind(b"\n")
        if last_newline < 0:
            continue
        complete, pending = pending[: last_newline + 1], pending[last_newline + 1 :]
        carry = b""
        for line in complete.splitlines(keepends=True):
            if carry:
                line = carry + line
                carry = b""
            elif not line.strip():
                continue
            elif _is_single_json(line):
                yield line.strip()
                continue
            documents, carry = _split_concatenated(line)
            yield from documents
        pending = carry + pending
    if pending.strip():
        documents, rest = _split_concatenated(pending)
        yield from documents
        if rest.strip():
            raise StreamError(f"JSON stream ended inside a message: {rest[:80]!r}")


def _is_single_json(line: bytes) -> bool:
    try:
        msgspec.json.decode(line, type=msgspec.Raw)
    except msgspec.DecodeError:
        return False
    return True


def _split_concatenated(data: bytes) -> tuple[list[bytes], bytes]:
    """Cut ``data`` after each complete top-level JSON value; return the values
    and the unfinished rest.  Hand-written because neither msgspec nor ``json``
    decodes a prefix of bytes incrementally; it only tracks nesting and
    strings, msgspec still validates every value it returns."""
    documents: list[bytes] = []
    depth = 0
    in_string = escaped = False
    start = None
    for index, byte in enumerate(data):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
            continue
        if byte in b" \t\r\n":
            continue
        if start is None:
            if byte not in b"{[":
                raise StreamError(f"expected a JSON object in stream, got {data[index:][:80]!r}")
            start = index
        if byte == 0x22:
            in_string = True
        elif byte in b"{[":
            depth += 1
        elif byte in b"}]":
            depth -= 1
            if depth == 0:
                document = data[start : index + 1]
                if not _is_single_json(document):
                    raise StreamError(f"invalid JSON in stream: {document[:80]!r}")
                documents.append(document)
                start = None
    return documents, (data[start:] if start is not None else b"")


@overload
def iter_json(chunks: Iterable[bytes]) -> Iterator[Any]: ...
@overload
def iter_json(chunks: Iterable[bytes], type: type[T]) -> Iterator[T]: ...
def iter_json(chunks: Iterable[bytes], type: Any = Any) -> Iterator[Any]:
    """Each JSON message decoded, into ``type`` (a msgspec Struct, dict, ...)
    when given; ``msgspec.Raw`` keeps the bytes."""
    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(type)
    for document in split_json(chunks):
        try:
            yield decoder.decode(document)
        except msgspec.ValidationError as exc:
            raise StreamError(f"stream message does not match {type!r}: {exc}") from exc


# -- multiplexed stdout/stderr --------------------------------------------------


def iter_frames(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(stream_id, payload)`` for each frame of a multiplexed stream: a header
    of the stream id, three zero bytes and a big-endian payload size."""
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= _HEADER.size:
            if buffer[0] > SYSTEMERR or buffer[1:4] != b"\0\0\0":
                raise StreamError(f"bad frame header in multiplexed stream: {bytes(buffer[:8])!r}")
            stream_id, size = _HEADER.unpack_from(buffer)
            end = _HEADER.size + size
            if len(buffer) < end:
                break
            payload = bytes(buffer[_HEADER.size : end])
            del buffer[:end]
            if payload:
                yield stream_id, payload
    if buffer:
        raise StreamError(f"multiplexed stream ended inside a frame ({len(buffer)} bytes left)")


def iter_raw(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """A TTY's raw stream, as stdout frames (a TTY merges stdout and stderr)."""
    for chunk in chunks:
        if chunk:
            yield STDOUT, chunk


def iter_output(chunks: Iterable[bytes], *, tty: bool) -> Iterator[tuple[int, bytes]]:
    """Frames of a container's output: raw for a TTY, multiplexed otherwise."""
    return iter_raw(chunks) if tty else iter_frames(chunks)


def demux(frames: Iterable[tuple[int, bytes]]) -> tuple[bytes, bytes]:
    """All of stdout and all of stderr; a SYSTEMERR frame is raised."""
    out, err = bytearray(), bytearray()
    for stream_id, payload in frames:
        if stream_id == STDERR:
            err += payload
        elif stream_id == SYSTEMERR:
            raise StreamError(payload.decode(errors="replace").strip())
        else:
            out += payload
    return bytes(out), bytes(err)


def frame(stream_id: int, payload: bytes) -> bytes:
    """Encode one frame (for tests and servers)."""
    return _HEADER.pack(stream_id, len(payload)) + payload


# -- closable streams -------------------------------------------------------------


class Stream(Generic[T]):
    """An iterator of decoded items that owns its connection.

    Close it (or leave a ``with`` block) to stop early; closing from another
    thread wakes a reader blocked on the socket.
    """

    def __init__(self, items: Iterator[T], close: Callable[[], None]) -> None:
        self._items = items
        self._close = close
        self.closed = False

    def __iter__(self) -> Stream[T]:
        return self

    def __next__(self) -> T:
        if self.closed:
            raise StopIteration
        try:
            return next(self._items)
        except StopIteration:
            self.close()
            raise
        except Exception:
            if self.closed:  # the read failed because close() shut the socket
                raise StopIteration from None
            self.close()
            raise

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
