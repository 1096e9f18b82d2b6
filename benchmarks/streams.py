"""Reading one stream to its end with each client, for throughput runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Throughput, measure_throughput

Transfer = Callable[[], int]


def interleaved(transfers: dict[str, Transfer], rounds: int) -> dict[str, Throughput]:
    """Each transfer ``rounds`` times, alternating; the median-wall run of each."""
    runs: dict[str, list[Throughput]] = {name: [] for name in transfers}
    for _ in range(max(1, rounds)):
        for name, transfer in transfers.items():
            runs[name].append(measure_throughput(transfer))
    return {name: sorted(r, key=lambda t: t.wall_ns)[len(r) // 2] for name, r in runs.items()}


def count_payload(items: Any) -> int:
    """Total length of the byte chunks a stream yields (its payload)."""
    return sum(len(item) for item in items)


def count_frames_payload(frames: Any) -> int:
    return sum(len(payload) for _, payload in frames)


def count_items(items: Any) -> int:
    return sum(1 for _ in items)


def count_decoded_lines(chunks: Any) -> int:
    """Split a JSON-lines stream and ``json.loads`` each line: the least a
    client must do to hand out events as objects."""
    count = 0
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line:
                json.loads(line)
                count += 1
    return count
