"""Container lifecycle rate: ``run --rm busybox true`` (create, attach,
start, wait, remove) through our SDK, and create/start/wait/delete through the
raw API; and ``run --rm busybox echo hi`` on the mock against the real engine."""

from __future__ import annotations

import json
from collections.abc import Callable

from benchmarks.backends import Backend
from benchmarks.context import Context, ensure_busybox
from benchmarks.harness import Timing, measure

NAME = "lifecycle"
SPEEDUP_TARGET = 100


def _operations(backend: Backend) -> dict[str, Callable[[], object]]:
    sdk = backend.sdk()
    labels = backend.labels()
    return {
        "SDK run --rm busybox true":
            lambda: sdk.containers.run("busybox", "true", remove=True, labels=labels),
        "raw create/start/wait/delete": _raw_run(backend),
        "SDK run --rm busybox echo hi":
            lambda: sdk.containers.run("busybox", "echo hi", remove=True, labels=labels),
    }  # fmt: skip


def _raw_run(backend: Backend) -> Callable[[], None]:
    raw = backend.raw()
    body = json.dumps({"Image": "busybox", "Cmd": ["true"], "Labels": backend.labels()}).encode()

    def once() -> None:
        status, answer = raw.call("POST", backend.v("/containers/create"), body)
        if status != 201:
            raise RuntimeError(f"create: {status} {answer[:200]!r}")
        cid = json.loads(answer)["Id"]
        for method, path in (("POST", "/start"), ("POST", "/wait"), ("DELETE", "")):
            status, answer = raw.call(method, backend.v(f"/containers/{cid}{path}"))
            if status >= 400:
                raise RuntimeError(f"{method} {path}: {status} {answer[:200]!r}")

    return once


def run(ctx: Context) -> None:
    table = ctx.report.table(
        "Container lifecycle (ms per container, median / p90; containers per second)",
        ["backend", "operation", "n", "ms", "per second"],
    )
    echo: dict[str, Timing] = {}
    for backend in ctx.backends:
        ensure_busybox(backend)
        n = ctx.scale(200, 20) if backend.is_mock else ctx.scale(10, 3)
        for name, operation in _operations(backend).items():
            timing = measure(operation, n, warmup=1)
            table.add(backend.name, name, n,
                      f"{timing.median_us / 1000:.2f} / {timing.p90_us / 1000:.2f}",
                      f"{1e9 / timing.median_ns:.0f}")  # fmt: skip
            if "echo" in name:
                echo[backend.name] = timing
    if "mock" in echo and "real" in echo:
        speedup = echo["real"].median_ns / echo["mock"].median_ns
        ctx.report.target(
            f"run --rm busybox echo hi >= {SPEEDUP_TARGET}x faster on the mock",
            speedup >= SPEEDUP_TARGET,
            f"{speedup:.0f}x (real {echo['real'].median_us / 1000:.1f} ms, "
            f"mock {echo['mock'].median_us / 1000:.2f} ms)",
        )
    else:
        ctx.report.target(f"run --rm busybox echo hi >= {SPEEDUP_TARGET}x faster on the mock",
                          None, "needs both backends")  # fmt: skip
