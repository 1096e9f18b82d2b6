"""The byte framing of container streams, and detach keys.

Without a TTY dockerd multiplexes stdout and stderr onto one connection: each
piece of output is preceded by an 8-byte header, the stream's number (1
stdout, 2 stderr, 3 a daemon-side error), three zero bytes, and the length of
the payload as a big-endian uint32 (moby ``pkg/stdcopy``).  With a TTY the
output goes out raw.

Detach keys (``ctrl-p,ctrl-q`` by default) are watched for on the stdin of an
attach or exec: when the client types them the attach ends, the program goes
on running.  The spelling (``ctrl-a``..``ctrl-z``, ``ctrl-@``, ``ctrl-[``,
``ctrl-\\``, ``ctrl-]``, ``ctrl-^``, ``ctrl-_``, or single characters, comma
separated) is moby/term's ``ToBytes``.
"""

from __future__ import annotations

import struct
from typing import Literal

from mockd.errors import InvalidParameter

STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3
HEADER = struct.Struct(">BxxxI")
# One frame's payload at most; stdcopy's reader accepts any uint32, but dockerd's
# writers never hand it more than a 32 KiB buffer at a time.
MAX_PAYLOAD = 32 * 1024

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"

_STREAM_IDS = {"stdin": STDIN, "stdout": STDOUT, "stderr": STDERR, "system": SYSTEMERR}


def frame(stream: int | Literal["stdin", "stdout", "stderr", "system"], data: bytes) -> bytes:
    """``data`` as multiplexed frames of ``stream`` (empty data: no frame at all)."""
    stream_id = _STREAM_IDS[stream] if isinstance(stream, str) else stream
    out = bytearray()
    for start in range(0, len(data), MAX_PAYLOAD):
        piece = data[start : start + MAX_PAYLOAD]
        out += HEADER.pack(stream_id, len(piece))
        out += piece
    return bytes(out)


def parse_frames(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Split multiplexed bytes into ``(stream, payload)`` pairs; returns the incomplete rest too."""
    frames: list[tuple[int, bytes]] = []
    pos = 0
    while len(data) - pos >= HEADER.size:
        stream_id, size = HEADER.unpack_from(data, pos)
        if len(data) - pos - HEADER.size < size:
            break
        start = pos + HEADER.size
        frames.append((stream_id, data[start : start + size]))
        pos = start + size
    return frames, data[pos:]


# -- detach keys --------------------------------------------------------------

_CTRL_KEYS = {f"ctrl-{chr(c)}": c - 0x60 for c in range(ord("a"), ord("z") + 1)} | {
    "ctrl-@": 0,
    "ctrl-[": 27,
    "ctrl-\\": 28,
    "ctrl-]": 29,
    "ctrl-^": 30,
    "ctrl-_": 31,
}


def parse_detach_keys(spec: str) -> bytes:
    """``ctrl-p,ctrl-q`` → ``b"\\x10\\x11"``; dockerd's 400 for a spelling it cannot read."""
    codes = bytearray()
    for key in spec.split(","):
        if len(key.encode()) == 1:  # Go counts bytes: a non-ASCII character is not one key
            codes.append(ord(key))
        elif key.lower() in _CTRL_KEYS:
            codes.append(_CTRL_KEYS[key.lower()])
        else:
            raise InvalidParameter(f"Invalid detach keys ({spec}) provided")
    return bytes(codes)


class DetachWatcher:
    """Finds the detach sequence in a client's stdin, holding back a partial match.

    ``feed`` returns the bytes to pass on to the program and whether the
    sequence was completed (then everything after it is dropped, as dockerd's
    escape proxy does).  Bytes that start the sequence but turn out not to be
    it are passed on late, together.
    """

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self._held = 0  # how many bytes of ``keys`` are matched and held back

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        if not self.keys:
            return data, False
        out = bytearray()
        for byte in data:
            if byte == self.keys[self._held]:
                self._held += 1
                if self._held == len(self.keys):
                    self._held = 0
                    return bytes(out), True
                continue
            if self._held:
                out += self.keys[: self._held]
                self._held = 0
                if byte == self.keys[0]:
                    self._held = 1
                    continue
            out.append(byte)
        return bytes(out), False
