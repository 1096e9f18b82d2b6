"""Reading one stream to its end with each client, for throughput runs."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Throughput, measure_throughput

Transfer = Callable[[], int]


def interleaved(transfers: dict[str, Transfer], rounds: int) -> dict[str, Throughput]:
    """Each transfer ``rounds`` times, alternating; each one's median wall time and,
    separately, its median CPU time (the CPU of the median-wall run swings with
    how the daemon paced that run's reads)."""
    runs: dict[str, list[Throughput]] = {name: [] for name in transfers}
    for _ in range(max(1, rounds)):
        for name, transfer in transfers.items():
            runs[name].append(measure_throughput(transfer))
    return {name: _median_run(r) for name, r in runs.items()}


def _median_run(runs: list[Throughput]) -> Throughput:
    if len({run.amount for run in runs}) != 1:
        raise RuntimeError(f"runs moved different amounts: {[run.amount for run in runs]}")
    return Throughput(
        runs[0].amount,
        int(statistics.median(run.wall_ns for run in runs)),
        int(statistics.median(run.cpu_ns for run in runs)),
    )


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
