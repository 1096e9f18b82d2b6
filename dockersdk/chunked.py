"""HTTP/1.1 chunked bodies (RFC 9112, 7.1) undone as they arrive.

Every stream the daemon sends is a chunked body, and dockerd writes one chunk
per log frame or event.  Reading through urllib3 or ``http.client`` costs a
library call per chunk, so the transport reads the connection in large pieces
and hands them to a decoder here, which cuts every chunk a piece holds in one
pass.  Sans-IO: a decoder is given ``read``, a callable that returns the next
bytes of the connection (``b""`` at its end), and raises ``StreamError`` on a
malformed or cut-off body.

``dechunk`` yields the payload; ``streams.iter_chunked_frames`` cuts
multiplexed frames out of the chunks directly, with ``chunk_size`` and
``read_trailer`` from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from dockersdk.errors import StreamError

Read = Callable[[], bytes]

MAX_CHUNK_LINE: Final = 4096


def chunk_size(line: bytes) -> int:
    """The size a chunk-size line (without its LF) gives."""
    try:
        size = int(line, 16)  # int() ignores the line's CR and spaces
    except ValueError:
        digits = line.split(b";", 1)[0].strip()  # a chunk extension is ignored
        if not digits or digits.strip(b"0123456789abcdefABCDEF"):
            raise StreamError(f"chunked body: bad chunk size line {line[:40]!r}") from None
        size = int(digits, 16)
    if size < 0:
        raise StreamError(f"chunked body: bad chunk size line {line[:40]!r}")
    return size


def more(read: Read) -> bytes:
    """The next bytes of a body that is not finished."""
    data = read()
    if not data:
        raise StreamError("the daemon's stream broke off inside the chunked body")
    return data


def dechunk(read: Read, data: bytes = b"") -> Iterator[bytes]:
    """The payload of a chunked body as it arrives: for each ``read()``, the
    payload bytes it brought, whole chunks and part of one alike, joined (so
    no read waits for a chunk to be complete).  ``data``: bytes of the body
    already read, starting at a chunk-size line."""
    pos = 0
    left = 0  # payload bytes of a chunk cut by the end of a read, still to come
    crlf_due = False  # the CRLF that ends that chunk's payload comes next
    while True:
        payload: list[bytes] = []
        end_of_data = len(data)
        while pos < end_of_data:
            if left:
                end = min(pos + left, end_of_data)
                payload.append(data[pos:end])
                left -= end - pos
                pos = end
                crlf_due = not left
                continue
            if crlf_due:
                if end_of_data - pos < 2:
                    break
                if not data.startswith(b"\r\n", pos):
                    raise StreamError(f"chunked body: no CRLF after a chunk: {data[pos:][:40]!r}")
                pos += 2
                crlf_due = False
                continue
            newline = data.find(b"\n", pos)
            if newline < 0:
                if end_of_data - pos > MAX_CHUNK_LINE:
                    raise StreamError("chunked body: a chunk size line is too long")
                break
            size = chunk_size(data[pos:newline])
            pos = newline + 1
            if size == 0:
                if payload:
                    yield b"".join(payload)
                read_trailer(data[pos:], read)
                return
            end = pos + size
            # The common case, a whole chunk in the data: cut it at once.
            if end + 2 <= end_of_data and data.startswith(b"\r\n", end):
                payload.append(data[pos:end])
                pos = end + 2
            else:
                left = size
        if payload:
            yield payload[0] if len(payload) == 1 else b"".join(payload)
        data = data[pos:] + more(read) if pos < end_of_data else more(read)
        pos = 0


def read_trailer(rest: bytes, read: Read) -> None:
    """After the last chunk: the trailer section (header lines, none from
    dockerd) read up to its empty line; ``rest`` is what was read past the
    last chunk's size line."""
    while True:
        newline = rest.find(b"\n")
        if newline < 0:
            if len(rest) > MAX_CHUNK_LINE:
                raise StreamError("chunked body: a trailer line is too long")
            rest += more(read)
            continue
        line, rest = rest[:newline], rest[newline + 1 :]
        if not line.rstrip(b"\r"):
            return
