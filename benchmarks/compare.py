"""Timing several clients doing the same call, interleaved.

Each client's repetitions are split over a few rounds that alternate
between clients, so that drift in the daemon (a cache warming, another
tenant of the real engine) is shared rather than billed to one client.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping

from benchmarks.harness import Timing, measure

ROUNDS = 3


def compare(operations: Mapping[str, Callable[[], object]], repeat: int) -> dict[str, Timing]:
    return compare_with_cpu(operations, repeat)[0]


def compare_with_cpu(
    operations: Mapping[str, Callable[[], object]], repeat: int
) -> tuple[dict[str, Timing], dict[str, float]]:
    """The timings, and each client's own CPU per call in µs (the median round's).

    CPU is this process's: the client's work whatever the daemon spends, so it
    separates clients even where the daemon's time swamps the wall time (the
    real engine's ``/version`` takes ~5 ms).
    """
    samples: dict[str, list[int]] = {name: [] for name in operations}
    cpu: dict[str, list[float]] = {name: [] for name in operations}
    per_round = max(1, repeat // ROUNDS)
    warmup = 2
    for _ in range(ROUNDS):
        for name, operation in operations.items():
            started = time.process_time()
            samples[name].extend(measure(operation, per_round, warmup=warmup).samples_ns)
            cpu[name].append((time.process_time() - started) * 1e6 / (per_round + warmup))
    timings = {name: Timing(tuple(values)) for name, values in samples.items()}
    return timings, {name: statistics.median(values) for name, values in cpu.items()}
