"""``TarLimits``: tar bombs refused at the header that crosses a limit, whatever follows."""

from __future__ import annotations

import contextvars
import gzip
import hashlib
import io
import tarfile
from typing import IO

import pytest

from mockd.fs.errors import TarSafetyError
from mockd.fs.tarread import (
    DEFAULT_LIMITS,
    MAX_TRAILING_BYTES,
    TarLimits,
    layer_from_tar,
    limits_in_effect,
    read_entries,
    use_limits,
)

SMALL = TarLimits(max_total_bytes=1 << 20, max_entries=10)


def tar(*members: tuple[str, int], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as archive:
        for name, size in members:
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(b"z" * size))
    return buf.getvalue()


def declared(size: int, fmt: int) -> bytes:
    """A header promising ``size`` bytes, and only a few of them after it."""
    info = tarfile.TarInfo("bomb")
    info.size = size
    return info.tobuf(format=fmt) + b"z" * 4096


class OneWay(io.RawIOBase):
    """A stream that cannot be rewound (the header walk is skipped): counts what is read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


def one_way(data: bytes) -> tuple[OneWay, IO[bytes]]:
    raw = OneWay(data)
    return raw, io.BufferedReader(raw)  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
@pytest.mark.parametrize("rewindable", [True, False])
def test_a_declared_size_past_the_limit_is_refused_at_its_header(
    fmt: int, rewindable: bool
) -> None:
    body = declared(9 << 30, fmt)
    stream: IO[bytes] = io.BytesIO(body) if rewindable else one_way(body)[1]
    with pytest.raises(TarSafetyError, match="larger than the limit of 8589934592"):
        read_entries(stream, DEFAULT_LIMITS)


def test_entries_past_the_limit_are_refused_with_or_without_the_walk() -> None:
    body = tar(*((f"f{n}", 1) for n in range(11)))
    with pytest.raises(TarSafetyError, match="more than 10 entries"):
        read_entries(io.BytesIO(body), SMALL)
    _, stream = one_way(body)
    with pytest.raises(TarSafetyError, match="more than 10 entries"):
        read_entries(stream, SMALL)
    entries, _, _ = read_entries(io.BytesIO(tar(*((f"f{n}", 1) for n in range(10)))), SMALL)
    assert len(entries) == 10


def test_the_walk_refuses_before_the_full_parse_reads_anything() -> None:
    """Gzip members expanding to 20,000 headers: the walk stops at the 11th."""
    info = tarfile.TarInfo("same")
    body = gzip.compress(info.tobuf(format=tarfile.USTAR_FORMAT) * 20_000)
    with pytest.raises(TarSafetyError, match="more than 10 entries"):
        read_entries(io.BytesIO(body), SMALL)


def test_pax_long_names_and_sizes_are_followed() -> None:
    long_name = "d/" * 80 + "file"
    entries, _, _ = read_entries(io.BytesIO(tar((long_name, 300_000), ("b", 10))), SMALL)
    assert [e.path for e in entries] == [long_name, "b"]
    with pytest.raises(TarSafetyError, match="larger than the limit"):
        read_entries(io.BytesIO(tar((long_name, 600_000), ("b", 600_000))), SMALL)


def test_oversized_extended_headers_are_refused() -> None:
    info = tarfile.TarInfo("x")
    info.pax_headers = {"comment": "c" * (2 << 20)}
    body = info.tobuf(format=tarfile.PAX_FORMAT) + bytes(1024)
    with pytest.raises(TarSafetyError, match="extended header"):
        read_entries(io.BytesIO(body), DEFAULT_LIMITS)


def test_garbage_is_reported_by_the_full_parse() -> None:
    with pytest.raises(TarSafetyError, match=r"^archive/tar: invalid tar header$"):
        read_entries(io.BytesIO(b"7" * 4096), SMALL)


def test_a_plain_archive_is_read_up_to_its_end_marker_only() -> None:
    """Like moby's Untar: what follows the end of the archive is not read."""
    raw, stream = one_way(tar(("a", 10), fmt=tarfile.USTAR_FORMAT) + b"\x00" * (4 << 20))
    entries, _, _ = read_entries(stream, SMALL)
    assert [e.path for e in entries] == ["a"]
    assert raw.consumed < 1 << 20


def test_a_layer_keeps_its_padding_in_the_diff_id_but_not_a_flood() -> None:
    padded = tar(("a", 10), fmt=tarfile.USTAR_FORMAT) + bytes(10240)
    layer = layer_from_tar(io.BytesIO(padded), DEFAULT_LIMITS)
    assert layer.diff_id == "sha256:" + hashlib.sha256(padded).hexdigest()
    flood = gzip.compress(tar(("a", 10)) + bytes(MAX_TRAILING_BYTES + (1 << 20)))
    for stream in (io.BytesIO(flood), one_way(flood)[1]):
        with pytest.raises(TarSafetyError, match="after the end of the archive"):
            layer_from_tar(stream, DEFAULT_LIMITS)


def test_the_limits_in_effect_follow_the_context() -> None:
    assert limits_in_effect() == DEFAULT_LIMITS

    def in_a_daemon() -> None:
        use_limits(SMALL)
        assert limits_in_effect() is SMALL
        with pytest.raises(TarSafetyError, match="more than 10 entries"):
            read_entries(io.BytesIO(tar(*((f"f{n}", 0) for n in range(11)))))

    contextvars.copy_context().run(in_a_daemon)
    assert limits_in_effect() == DEFAULT_LIMITS  # another daemon's limits never leak here
