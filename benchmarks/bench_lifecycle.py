"""Container lifecycle rate: ``run --rm busybox true`` through our SDK (create,
wait until removed, attach, start: ``docker run --rm``'s calls, the daemon
removing the container), and create/start/wait/delete through the raw API; and ``run --rm busybox echo hi`` on the mock against the real engine.

The target is on the daemons, as the other daemon targets (inspect, list):
the same ``run --rm busybox echo hi`` (create, start, wait, logs, delete on
one keep-alive connection) through the raw API, the least client in the way,
on both.  The SDK's ``run``, what a user's test pays, is printed beside it
with the benchmark process's own CPU per run: the SDK's requests (three, and
the attach) cost the same on both backends, so through the SDK the ratio is
lower by that constant.
"""

from __future__ import annotations

import json
import time
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
        RAW_ECHO: _raw_run(backend, ["echo", "hi"], logs=True),
    }  # fmt: skip


RAW_ECHO = "raw create/start/wait/logs/delete echo hi"


def _raw_run(
    backend: Backend, command: list[str] | None = None, logs: bool = False
) -> Callable[[], None]:
    raw = backend.raw()
    body = json.dumps(
        {"Image": "busybox", "Cmd": command or ["true"], "Labels": backend.labels()}
    ).encode()
    steps = [("POST", "/start"), ("POST", "/wait")]
    if logs:
        steps.append(("GET", "/logs?stdout=1&stderr=1"))
    steps.append(("DELETE", ""))

    def once() -> None:
        status, answer = raw.call("POST", backend.v("/containers/create"), body)
        if status != 201:
            raise RuntimeError(f"create: {status} {answer[:200]!r}")
        cid = json.loads(answer)["Id"]
        for method, path in steps:
            status, answer = raw.call(method, backend.v(f"/containers/{cid}{path}"))
            if status >= 400:
                raise RuntimeError(f"{method} {path}: {status} {answer[:200]!r}")
            if path.startswith("/logs") and not answer.endswith(b"hi\n"):
                raise RuntimeError(f"logs: {answer[:200]!r}")  # one stdout frame, "hi\n"

    return once


def _client_cpu_ms(operation: Callable[[], object], n: int) -> float:
    """This process's CPU per call: what the client side costs, whatever the daemon does."""
    start = time.process_time()
    for _ in range(n):
        operation()
    return (time.process_time() - start) * 1000 / n


def run(ctx: Context) -> None:
    table = ctx.report.table(
        "Container lifecycle (ms per container, median / p90; containers per second;"
        " client CPU ms per container)",
        ["backend", "operation", "n", "ms", "per second", "client CPU"],
    )
    echo: dict[str, Timing] = {}
    raw_echo: dict[str, Timing] = {}
    client_cpu: dict[str, float] = {}
    for backend in ctx.backends:
        ensure_busybox(backend)
        n = ctx.scale(200, 20) if backend.is_mock else ctx.scale(10, 3)
        for name, operation in _operations(backend).items():
            timing = measure(operation, n, warmup=1)
            cpu = _client_cpu_ms(operation, max(3, n // 4))
            table.add(backend.name, name, n,
                      f"{timing.median_us / 1000:.2f} / {timing.p90_us / 1000:.2f}",
                      f"{1e9 / timing.median_ns:.0f}", f"{cpu:.2f}")  # fmt: skip
            if name.startswith("SDK") and "echo" in name:
                echo[backend.name] = timing
                client_cpu[backend.name] = cpu
            elif name == RAW_ECHO:
                raw_echo[backend.name] = timing
    if "mock" in echo and "real" in echo:
        speedup = echo["real"].median_ns / echo["mock"].median_ns
        raw_speedup = raw_echo["real"].median_ns / raw_echo["mock"].median_ns
        ctx.report.target(
            f"run --rm busybox echo hi >= {SPEEDUP_TARGET}x faster on the mock (raw API)",
            raw_speedup >= SPEEDUP_TARGET,
            f"{raw_speedup:.0f}x (real {raw_echo['real'].median_us / 1000:.1f} ms, "
            f"mock {raw_echo['mock'].median_us / 1000:.2f} ms); through our SDK {speedup:.0f}x "
            f"(real {echo['real'].median_us / 1000:.1f} ms, mock "
            f"{echo['mock'].median_us / 1000:.2f} ms, of which the SDK's own CPU "
            f"{client_cpu['mock']:.2f} ms)",
        )
    else:
        ctx.report.target(f"run --rm busybox echo hi >= {SPEEDUP_TARGET}x faster on the mock",
                          None, "needs both backends")  # fmt: skip
