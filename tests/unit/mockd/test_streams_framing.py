"""Stream framing, detach keys, log query parsing and the stats document."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockd.engine.framing import (
    MAX_PAYLOAD,
    DetachWatcher,
    frame,
    parse_detach_keys,
    parse_frames,
)
from mockd.engine.stats import running_document, stopped_document, take_sample
from mockd.errors import InvalidParameter
from mockd.handlers.streams import onlcr, parse_tail, parse_timestamp_ns

# -- frames -----------------------------------------------------------------------


def test_frame_header_is_stream_three_zeros_and_big_endian_length() -> None:
    assert frame("stdout", b"hi\n") == b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
    assert frame("stderr", b"x") == b"\x02\x00\x00\x00\x00\x00\x00\x01x"
    assert frame(3, b"boom")[:8] == struct.pack(">BxxxI", 3, 4)


def test_empty_output_makes_no_frame() -> None:
    assert frame("stdout", b"") == b""


def test_large_output_is_split_into_frames() -> None:
    data = bytes(range(256)) * ((MAX_PAYLOAD * 2 + 10) // 256 + 1)
    frames, rest = parse_frames(frame("stdout", data))
    assert rest == b""
    assert all(len(payload) <= MAX_PAYLOAD for _, payload in frames)
    assert b"".join(payload for _, payload in frames) == data


@given(st.lists(st.tuples(st.sampled_from([1, 2]), st.binary(min_size=1, max_size=100))))
def test_frames_round_trip(pieces: list[tuple[int, bytes]]) -> None:
    wire = b"".join(frame(stream, data) for stream, data in pieces)
    frames, rest = parse_frames(wire)
    assert frames == pieces and rest == b""


def test_incomplete_frame_is_left_over() -> None:
    wire = frame("stdout", b"abc") + frame("stderr", b"defg")[:10]
    frames, rest = parse_frames(wire)
    assert frames == [(1, b"abc")]
    assert rest == frame("stderr", b"defg")[:10]


# -- detach keys -----------------------------------------------------------------------


def test_default_detach_keys() -> None:
    assert parse_detach_keys("ctrl-p,ctrl-q") == b"\x10\x11"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("ctrl-a", b"\x01"), ("ctrl-@", b"\x00"), ("ctrl-\\", b"\x1c"), ("ctrl-_", b"\x1f"),
     ("a,ctrl-z", b"a\x1a"), ("ctrl-[,x", b"\x1bx")],
)  # fmt: skip
def test_detach_key_spellings(spec: str, expected: bytes) -> None:
    assert parse_detach_keys(spec) == expected


@pytest.mark.parametrize("spec", ["bogus", "ctrl-", "ctrl-1", "a,,b", "ctrl-pq"])
def test_bad_detach_keys_are_dockerds_400(spec: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_detach_keys(spec)
    assert caught.value.message == f"Invalid detach keys ({spec}) provided"


def test_watcher_passes_ordinary_input() -> None:
    watcher = DetachWatcher(b"\x10\x11")
    assert watcher.feed(b"hello\n") == (b"hello\n", False)


def test_watcher_detaches_and_drops_what_follows() -> None:
    watcher = DetachWatcher(b"\x10\x11")
    assert watcher.feed(b"ab\x10\x11cd") == (b"ab", True)


def test_watcher_holds_a_partial_match_across_reads() -> None:
    watcher = DetachWatcher(b"\x10\x11")
    assert watcher.feed(b"x\x10") == (b"x", False)
    assert watcher.feed(b"\x11") == (b"", True)


def test_watcher_releases_a_false_start() -> None:
    watcher = DetachWatcher(b"\x10\x11")
    assert watcher.feed(b"\x10") == (b"", False)
    assert watcher.feed(b"y") == (b"\x10y", False)
    assert watcher.feed(b"\x10\x10\x11") == (b"\x10", True)


# -- log queries ------------------------------------------------------------------------


def test_since_takes_unix_seconds_with_a_fraction() -> None:
    assert parse_timestamp_ns("1700000000") == 1_700_000_000_000_000_000
    assert parse_timestamp_ns("1700000000.5") == 1_700_000_000_500_000_000
    assert parse_timestamp_ns("1700000000.000000001") == 1_700_000_000_000_000_001
    assert parse_timestamp_ns(None) == 0 and parse_timestamp_ns("0") == 0
    with pytest.raises(InvalidParameter):
        parse_timestamp_ns("yesterday")


def test_tail() -> None:
    assert parse_tail("all") == -1
    assert parse_tail("3") == 3
    assert parse_tail("0") == 0
    assert parse_tail("-2") == -1
    assert parse_tail(None) == -1


def test_onlcr_maps_every_newline_as_a_pty_does() -> None:
    # A real pty is not idempotent: dockerd logs ``printf 'a\r\nb\n'`` on a TTY
    # as ``a\r\r\nb\r\n``, so the conversion must run exactly once.
    assert onlcr(b"a\nb\r\n") == b"a\r\nb\r\r\n"
    assert onlcr(b"no newline") == b"no newline"


# -- stats ---------------------------------------------------------------------------


def test_stopped_document_is_dockerds_empty_one() -> None:
    doc = stopped_document("abc", "/web")
    assert doc["read"] == "0001-01-01T00:00:00Z" and doc["pids_stats"] == {}
    assert doc["memory_stats"] == {} and "networks" not in doc
    assert all(value is None for value in doc["blkio_stats"].values())
    assert doc["cpu_stats"]["cpu_usage"]["total_usage"] == 0


def test_running_document_reports_the_samples() -> None:
    before = take_sample(now_ns=10**18, monotonic=1.0, cpu_seconds=0.5, memory_bytes=100,
                         max_memory_bytes=0, pids=1, ncpu=2)  # fmt: skip
    after = take_sample(now_ns=10**18 + 10**9, monotonic=2.0, cpu_seconds=1.5,
                        memory_bytes=3000, max_memory_bytes=100, pids=2, ncpu=2)  # fmt: skip
    doc = running_document("abc", "/web", after, before, memory_limit=0,
                           host_memory=8 << 30, ncpu=2)  # fmt: skip
    usage = doc["cpu_stats"]["cpu_usage"]
    assert usage["total_usage"] == 1_500_000_000 and sum(usage["percpu_usage"]) == 1_500_000_000
    assert doc["precpu_stats"]["cpu_usage"]["total_usage"] == 500_000_000
    # One second on two CPUs passed on the host.
    assert (
        doc["cpu_stats"]["system_cpu_usage"] - doc["precpu_stats"]["system_cpu_usage"] == 2 * 10**9
    )
    assert doc["memory_stats"]["usage"] == 3000 and doc["memory_stats"]["max_usage"] == 3000
    assert doc["memory_stats"]["limit"] == 8 << 30
    assert doc["pids_stats"] == {"current": 2}
    assert doc["read"] == "2001-09-09T01:46:41.000000000Z"
    assert doc["networks"]["eth0"]["rx_bytes"] == 0


def test_memory_limit_is_the_containers_when_set() -> None:
    sample = take_sample(now_ns=0, monotonic=0.0, cpu_seconds=0, memory_bytes=1,
                         max_memory_bytes=0, pids=1, ncpu=1)  # fmt: skip
    doc = running_document("abc", "/web", sample, None, memory_limit=64 << 20,
                           host_memory=8 << 30, ncpu=1, networked=False)  # fmt: skip
    assert doc["memory_stats"]["limit"] == 64 << 20
    assert doc["memory_stats"]["stats"]["hierarchical_memory_limit"] == 64 << 20
    assert doc["preread"] == "0001-01-01T00:00:00Z" and "networks" not in doc
