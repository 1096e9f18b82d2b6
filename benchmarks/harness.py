"""Timing and memory measurement shared by every benchmark.

A measurement is a warm-up, then N timed repetitions with
``time.perf_counter_ns``; it is summarised by its median and 90th percentile.
Throughput runs time one long operation and divide.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Repetitions of one operation, in nanoseconds."""

    samples_ns: tuple[int, ...]

    @property
    def median_ns(self) -> float:
        return float(statistics.median(self.samples_ns))

    @property
    def p90_ns(self) -> float:
        ordered = sorted(self.samples_ns)
        # Nearest-rank percentile: with few samples, the largest below 90%.
        index = max(0, min(len(ordered) - 1, round(0.9 * len(ordered)) - 1))
        return float(ordered[index])

    @property
    def median_us(self) -> float:
        return self.median_ns / 1000

    @property
    def p90_us(self) -> float:
        return self.p90_ns / 1000


def measure(operation: Callable[[], object], repeat: int, warmup: int = 3) -> Timing:
    """Time ``operation`` ``repeat`` times after ``warmup`` untimed calls.

    The collector is paused while timing so that a collection triggered by one
    client's garbage is not billed to whichever client happens to run next.
    """
    for _ in range(warmup):
        operation()
    samples: list[int] = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter_ns()
            operation()
            samples.append(time.perf_counter_ns() - start)
    finally:
        if enabled:
            gc.enable()
    return Timing(tuple(samples))


@dataclass(frozen=True)
class Throughput:
    """One long transfer: bytes (or items) moved, wall and CPU time of this process."""

    amount: int
    wall_ns: int
    cpu_ns: int

    @property
    def per_second(self) -> float:
        return self.amount / (self.wall_ns / 1e9) if self.wall_ns else 0.0


def measure_throughput(transfer: Callable[[], int]) -> Throughput:
    """Run ``transfer`` once; it returns how much it moved."""
    cpu_start = time.process_time_ns()
    start = time.perf_counter_ns()
    amount = transfer()
    wall = time.perf_counter_ns() - start
    return Throughput(amount, wall, time.process_time_ns() - cpu_start)


def best_throughput(transfer: Callable[[], int], repeat: int) -> Throughput:
    """The median-wall run of ``repeat`` transfers (one when ``repeat`` < 2)."""
    runs = sorted((measure_throughput(transfer) for _ in range(max(1, repeat))),
                  key=lambda t: t.wall_ns)  # fmt: skip
    return runs[len(runs) // 2]


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (this one by default), from /proc."""
    with open(f"/proc/{pid or os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc status")
