"""The mock holding many containers (created, not started), in a daemon
process of its own: memory per container, list and inspect latency.

The list is held to a floor: encoding the same answer with msgspec (what the
mock's ``json_response`` does) plus sending those bytes from the static
server.  What the mock spends above that is building the answer.
"""

from __future__ import annotations

import json
import time
from functools import partial

import msgspec

from benchmarks.backends import Backend, MockProcess
from benchmarks.context import Context, create_containers, ensure_busybox
from benchmarks.harness import measure, rss_bytes
from benchmarks.staticserver import StaticServer

NAME = "scale"
MB = 1024 * 1024
INSPECT_TARGET_MS = 1.0
LIST_FLOOR_FACTOR = 3
MEMORY_TARGET_MB = 200


def run(ctx: Context) -> None:
    if ctx.mock is None:
        ctx.report.skip("scale: mock only")
        return
    count = ctx.scale(10_000, 1_000)
    process = MockProcess.start()
    backend = Backend("mock", process.docker_host, ctx.mock.api_version, mock=process)
    try:
        _measure(ctx, backend, process.pid, count)
    finally:
        backend.stop()


def _measure(ctx: Context, backend: Backend, pid: int, count: int) -> None:
    ensure_busybox(backend)
    raw = backend.raw()
    at_rest = rss_bytes(pid)
    started = time.perf_counter()
    ids = create_containers(backend, count)
    create_s = time.perf_counter() - started
    held = rss_bytes(pid)
    names = [json.loads(raw.get(backend.v(f"/containers/{ids[i]}/json")))["Name"].lstrip("/")
             for i in (0, count // 2)]  # fmt: skip
    reps = ctx.scale(20, 5)
    list_path = backend.v("/containers/json?all=1")
    body = raw.get(list_path)
    if len(json.loads(body)) != count:
        raise RuntimeError("the list does not hold every container")
    list_raw = measure(lambda: raw.get(list_path), reps, warmup=1)
    sdk = backend.sdk()
    list_sdk = measure(lambda: sdk.containers.api.list(all=True), reps, warmup=1)
    inspects = {
        "inspect by full ID": ids[count // 2],
        "inspect by name": names[1],
        "inspect by 12-char ID prefix": ids[count // 2][:12],
    }
    inspect_timings = {
        label: measure(partial(raw.get, backend.v(f"/containers/{ref}/json")), ctx.repeat, 3)
        for label, ref in inspects.items()
    }
    # The floor: encode the same objects, then send the same bytes.
    objects = msgspec.json.decode(body)
    encode = measure(lambda: msgspec.json.encode(objects), reps, warmup=1)
    with StaticServer(body) as static:
        static_raw = backend.__class__("static", static.docker_host, backend.api_version)
        client = static_raw.raw()
        send = measure(lambda: client.get("/containers/json"), reps, warmup=1)
        static_raw.close_clients()
    floor_ns = encode.median_ns + send.median_ns

    table = ctx.report.table(
        f"The mock holding {count:,} containers (created, not started)",
        ["measure", "value"],
    )
    table.add("create rate (raw API, containers/s)", count / create_s)
    table.add("RSS at rest, busybox pulled (MB)", at_rest / MB)
    table.add(f"RSS with {count:,} containers (MB)", held / MB)
    table.add("memory per container (KB)", (held - at_rest) / count / 1024)
    table.add("list body (MB)", len(body) / 1e6)
    table.add(
        "list, raw client (ms, median / p90)",
        f"{list_raw.median_us / 1000:.1f} / {list_raw.p90_us / 1000:.1f}",
    )
    table.add(
        "list, dockersdk typed (ms, median / p90)",
        f"{list_sdk.median_us / 1000:.1f} / {list_sdk.p90_us / 1000:.1f}",
    )
    table.add("floor: msgspec encode (ms)", encode.median_us / 1000)
    table.add("floor: static server send, raw client (ms)", send.median_us / 1000)
    table.add("list / floor", list_raw.median_ns / floor_ns)
    for label, timing in inspect_timings.items():
        table.add(f"{label}, raw client (ms, median / p90)",
                  f"{timing.median_us / 1000:.3f} / {timing.p90_us / 1000:.3f}")  # fmt: skip

    by_id = inspect_timings["inspect by full ID"]
    slowest_label, slowest = max(inspect_timings.items(), key=lambda item: item[1].median_ns)
    ctx.report.target(
        f"inspect under {INSPECT_TARGET_MS:g} ms with {count:,} containers",
        slowest.median_us / 1000 < INSPECT_TARGET_MS,
        f"by ID {by_id.median_us / 1000:.3f} ms; slowest {slowest_label} "
        f"{slowest.median_us / 1000:.3f} ms (median, raw client, round trip included)",
    )
    ratio = list_raw.median_ns / floor_ns
    ctx.report.target(
        f"list of {count:,} within {LIST_FLOOR_FACTOR}x of encode+send",
        ratio <= LIST_FLOOR_FACTOR,
        f"{ratio:.1f}x (list {list_raw.median_us / 1000:.1f} ms, floor "
        f"{floor_ns / 1e6:.1f} ms = encode {encode.median_us / 1000:.1f} + send "
        f"{send.median_us / 1000:.1f})",
    )
    ctx.report.target(
        f"daemon memory under {MEMORY_TARGET_MB} MB with {count:,} containers",
        held / MB < MEMORY_TARGET_MB,
        f"{held / MB:.0f} MB RSS ({(held - at_rest) / count / 1024:.1f} KB per container)",
    )
