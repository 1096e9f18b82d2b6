"""High-level ``containers.list()``: docker-py inspects every listed
container (one request each); ours builds the objects from the list answer.

Both are asked for the newest 100 containers (``all=True, limit=100``), so
the answer is the same size on every daemon whatever else it holds.
"""

from __future__ import annotations

from benchmarks.backends import Backend
from benchmarks.compare import compare
from benchmarks.context import Context, create_containers, ensure_busybox
from benchmarks.report import Table

NAME = "highlevel"
COUNT = 100


def run(ctx: Context) -> None:
    table = ctx.report.table(
        f"High-level containers.list(all=True, limit={COUNT}) (ms): median / p90",
        ["backend", "listed", "dockersdk", "docker-py", "docker-py / dockersdk"],
    )
    for backend in ctx.backends:
        _measure(ctx, backend, table)


def _measure(ctx: Context, backend: Backend, table: Table) -> None:
    ensure_busybox(backend)
    sdk, dp = backend.sdk(), backend.dockerpy()
    present = len(sdk.containers.api.list(all=True, limit=COUNT))
    if present < COUNT:
        create_containers(backend, COUNT - present)
    listed = len(sdk.containers.list(all=True, limit=COUNT))
    timings = compare(
        {"dockersdk": lambda: sdk.containers.list(all=True, limit=COUNT),
         "docker-py": lambda: dp.containers.list(all=True, limit=COUNT)},
        max(3, ctx.repeat // 10),
    )  # fmt: skip
    ours, theirs = timings["dockersdk"], timings["docker-py"]
    table.add(backend.name, listed,
              f"{ours.median_us / 1000:.2f} / {ours.p90_us / 1000:.2f}",
              f"{theirs.median_us / 1000:.2f} / {theirs.p90_us / 1000:.2f}",
              f"{theirs.median_ns / ours.median_ns:.1f}x")  # fmt: skip
