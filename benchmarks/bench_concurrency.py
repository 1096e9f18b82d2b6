"""Concurrent clients on the mock: N threads, each with its own client and
connection, inspecting the same container; aggregate calls per second.

The clients share this process's GIL, so the figure is the lesser of what the
clients can send and what the daemon can answer; the raw rows, whose client
does little, come closer to the daemon's own limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from benchmarks.backends import Backend
from benchmarks.context import Context, create_containers, ensure_busybox

NAME = "concurrency"
THREADS = (1, 4, 16)


def _rate(workers: list[Callable[[], object]], calls_each: int) -> float:
    barrier = threading.Barrier(len(workers) + 1)

    def loop(call: Callable[[], object]) -> None:
        barrier.wait()
        for _ in range(calls_each):
            call()

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(workers) * calls_each / (time.perf_counter() - started)


def _sdk_inspect(backend: Backend, cid: str) -> Callable[[], object]:
    client = backend.sdk()
    return lambda: client.containers.api.inspect(cid)


def _raw_get(backend: Backend, path: str) -> Callable[[], object]:
    raw = backend.raw()
    return lambda: raw.get(path)


def run(ctx: Context) -> None:
    backend = ctx.mock
    if backend is None:
        ctx.report.skip("concurrency: mock only")
        return
    ensure_busybox(backend)
    cid = create_containers(backend, 1)[0]
    table = ctx.report.table(
        "Concurrent clients on the mock (container inspect; calls/s, all threads together)",
        ["threads", "dockersdk calls/s", "raw calls/s"],
    )
    calls_each = ctx.scale(300, 30)
    for count in THREADS:
        path = backend.v(f"/containers/{cid}/json")
        sdk_rate = _rate([_sdk_inspect(backend, cid) for _ in range(count)], calls_each)
        raw_rate = _rate([_raw_get(backend, path) for _ in range(count)], calls_each)
        table.add(count, sdk_rate, raw_rate)
