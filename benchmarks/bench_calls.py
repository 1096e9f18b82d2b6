"""Per-call latency: our SDK, docker-py and the raw socket floor, same daemon.

The added cost of a client is its median minus the raw floor's median: what
the library spends on top of sending the request and reading the bytes
(building the request, parsing the answer, decoding into models or dicts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from benchmarks.backends import Backend
from benchmarks.compare import compare_with_cpu
from benchmarks.context import Context, create_containers, ensure_busybox

NAME = "calls"
CLIENTS = ("dockersdk", "docker-py", "raw")


def run(ctx: Context) -> None:
    table = ctx.report.table(
        "Per-call latency (µs): median / p90; added = client median - raw median;"
        " client CPU µs per call",
        ["backend", "call", "n", "dockersdk", "docker-py", "raw", "sdk added",
         "docker-py added", "CPU sdk / docker-py / raw"],
    )  # fmt: skip
    worst: list[str] = []
    verdicts: list[bool] = []
    for backend in ctx.backends:
        for call, operations, note in _calls(ctx, backend):
            timings, cpu = compare_with_cpu(operations, ctx.repeat)
            sdk, dp, raw = (timings[name] for name in CLIENTS)
            sdk_cpu, dp_cpu, raw_cpu = (cpu[name] for name in CLIENTS)
            table.add(backend.name, call, note,
                      f"{sdk.median_us:.0f} / {sdk.p90_us:.0f}",
                      f"{dp.median_us:.0f} / {dp.p90_us:.0f}",
                      f"{raw.median_us:.0f} / {raw.p90_us:.0f}",
                      f"{sdk.median_us - raw.median_us:.0f}",
                      f"{dp.median_us - raw.median_us:.0f}",
                      f"{sdk_cpu:.0f} / {dp_cpu:.0f} / {raw_cpu:.0f}")  # fmt: skip
            verdicts.append(sdk_cpu <= dp_cpu)
            if sdk_cpu > dp_cpu:
                worst.append(f"{backend.name} {call}: {sdk_cpu:.0f} µs vs {dp_cpu:.0f} µs")
    ctx.report.target(
        "SDK added cost per call <= docker-py's, every call (client CPU per call)",
        all(verdicts) if verdicts else None,
        f"{sum(verdicts)}/{len(verdicts)} calls"
        + (f"; not met on {'; '.join(worst)}" if worst else ""),
    )


Call = tuple[str, dict[str, Callable[[], object]], str]


def _calls(ctx: Context, backend: Backend) -> Iterator[Call]:
    """(name, {client: operation}, note) for each call measured on ``backend``.
    A generator: containers are created between measurements, as each list
    size is reached."""
    ensure_busybox(backend)
    sdk, dp, raw = backend.sdk(), backend.dockerpy().api, backend.raw()
    target_id = create_containers(backend, 1)[0]
    yield from [
        ("ping", {"dockersdk": sdk.ping, "docker-py": dp.ping,
                  "raw": lambda: raw.get("/_ping")}, ""),
        ("version", {"dockersdk": sdk.version, "docker-py": dp.version,
                     "raw": lambda: raw.get(backend.v("/version"))}, ""),
        ("container inspect", {
            "dockersdk": lambda: sdk.containers.api.inspect(target_id),
            "docker-py": lambda: dp.inspect_container(target_id),
            "raw": lambda: raw.get(backend.v(f"/containers/{target_id}/json")),
        }, ""),
        ("image list", {"dockersdk": sdk.images.api.list, "docker-py": dp.images,
                        "raw": lambda: raw.get(backend.v("/images/json"))}, ""),
    ]  # fmt: skip
    list_ops: dict[str, Callable[[], object]] = {
        "dockersdk": lambda: sdk.containers.api.list(all=True),
        "docker-py": lambda: dp.containers(all=True),
        "raw": lambda: raw.get(backend.v("/containers/json?all=1")),
    }
    sizes = [100, 1000] if backend.is_mock else [100]
    for size in sizes:
        present = len(sdk.containers.api.list(all=True))
        if present < size:
            create_containers(backend, size - present)
        count = len(sdk.containers.api.list(all=True))
        yield f"container list {size}", list_ops, f"{count} listed"
    if not backend.is_mock:
        ctx.report.skip("container list 1000 on the real engine: creating 1,000 real "
                        "containers is slow; measured with 100 there")  # fmt: skip
