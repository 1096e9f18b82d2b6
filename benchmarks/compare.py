"""Timing several clients doing the same call, interleaved.

Each client's repetitions are split over a few rounds that alternate
between clients, so that drift in the daemon (a cache warming, another
tenant of the real engine) is shared rather than billed to one client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from benchmarks.harness import Timing, measure

ROUNDS = 3


def compare(operations: Mapping[str, Callable[[], object]], repeat: int) -> dict[str, Timing]:
    samples: dict[str, list[int]] = {name: [] for name in operations}
    per_round = max(1, repeat // ROUNDS)
    for _ in range(ROUNDS):
        for name, operation in operations.items():
            samples[name].extend(measure(operation, per_round, warmup=2).samples_ns)
    return {name: Timing(tuple(values)) for name, values in samples.items()}
