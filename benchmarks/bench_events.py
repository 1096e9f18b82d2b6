"""Events decoding rate: one long ``GET /events`` answer of recorded engine
events (``tests/fixtures/real/events.jsonl``, repeated), served by the static
server one HTTP chunk per event as dockerd flushes them, so that only the
clients differ: our SDK's typed
``EventMessage`` stream and its raw-bytes mode, docker-py's ``events(decode=True)``
(dicts), and the raw socket split into lines (with and without ``json.loads``).

Live daemons are not used here: dockerd replays at most 256 past events, too
few to time, and live events come only as fast as something produces them.
"""

from __future__ import annotations

from benchmarks.backends import Backend
from benchmarks.bench_decode import FIXTURES
from benchmarks.context import Context
from benchmarks.rawhttp import count_json_lines, socket_path, socket_stream
from benchmarks.staticserver import StaticServer
from benchmarks.streams import count_decoded_lines, count_items, interleaved

NAME = "events"
API_VERSION = "1.41"


def run(ctx: Context) -> None:
    lines = [line for line in (FIXTURES / "events.jsonl").read_bytes().splitlines() if line]
    count = ctx.scale(200_000, 10_000)
    body = b"\n".join((lines * (count // len(lines) + 1))[:count]) + b"\n"
    table = ctx.report.table(
        f"Events decoding rate ({count:,} events, {len(body) / 1e6:.0f} MB; thousand events/s, "
        "median run; client CPU µs per event)",
        [
            "client",
            "k events/s",
            "CPU µs/event",
            "vs raw socket split",
            "vs raw socket + json.loads",
        ],
    )
    with StaticServer(body, chunked=True, per_line=True) as server:
        # A Backend without a daemon behind it: only its clients are used.
        backend = Backend("static", server.docker_host, API_VERSION)
        sdk, dp, raw = backend.sdk(), backend.dockerpy().api, backend.raw()
        target = backend.v("/events")
        path = socket_path(server.docker_host)
        results = interleaved({
            "dockersdk (typed)": lambda: count_items(sdk.events()),
            "dockersdk (bytes)": lambda: count_items(sdk.system.events(decode=False)),
            "docker-py (dicts)": lambda: count_items(dp.events(decode=True)),
            "raw http.client split": lambda: count_json_lines(raw.stream(target)),
            "raw socket split": lambda: count_json_lines(socket_stream(path, target)),
            "raw socket + json.loads": lambda: count_decoded_lines(socket_stream(path, target)),
        }, ctx.scale(3, 1))  # fmt: skip
        backend.close_clients()
    for name, result in results.items():
        if result.amount != count:
            raise RuntimeError(f"{name} read {result.amount} events of {count}")
    split, loads = results["raw socket split"], results["raw socket + json.loads"]
    for name, result in results.items():
        table.add(name, result.per_second / 1000, result.cpu_ns / 1000 / count,
                  f"{result.per_second / split.per_second:.2f}",
                  f"{result.per_second / loads.per_second:.2f}")  # fmt: skip
    typed = results["dockersdk (typed)"].per_second
    ctx.report.target(
        "event stream >= 90% of the raw socket's throughput",
        typed >= 0.9 * loads.per_second,
        f"typed SDK {typed / loads.per_second:.0%} of raw socket + json.loads, "
        f"{typed / split.per_second:.0%} of raw socket split-only (no decoding)",
    )
