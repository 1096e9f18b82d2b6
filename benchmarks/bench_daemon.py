"""The mock's start time and memory at rest.

* first start in a fresh interpreter: importing ``mockd`` and
  ``MockDaemon().start()`` (what the first test of a session pays), and the
  start alone;
* a further daemon in the same process, started and stopped (what every
  test using the ``mockd`` fixture pays);
* ``mockd serve`` as a process: from spawn to the first answered ping
  (includes the interpreter's own start), and its RSS then.

Handler modules are imported on a daemon's first call that needs them, not at
its start, so the first ping after a fresh start (its handler's import
included) is shown beside the start.  One untimed fresh start comes first, so
that every module's bytecode is current (see ``pythonpath_env``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from benchmarks.backends import REPO_ROOT, MockProcess, pythonpath_env
from benchmarks.context import Context
from benchmarks.harness import measure, rss_bytes

NAME = "daemon"
START_TARGET_MS = 300
MEMORY_TARGET_MB = 200

_FRESH = """
import json, time
t0 = time.perf_counter()
from mockd import MockDaemon
t1 = time.perf_counter()
daemon = MockDaemon().start()
t2 = time.perf_counter()
import http.client, socket
conn = http.client.HTTPConnection("localhost")
conn.sock = socket.socket(socket.AF_UNIX)
conn.sock.connect(daemon.socket_path)
conn.request("GET", "/_ping")
assert conn.getresponse().read() == b"OK"
t3 = time.perf_counter()
conn.close()
daemon.stop()
print(json.dumps({"import": t1 - t0, "start": t2 - t1, "first_ping": t3 - t2}))
"""


def _fresh_start() -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _FRESH], env=pythonpath_env(), cwd=REPO_ROOT,
                         capture_output=True, check=True, text=True).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _start_stop() -> None:
    from mockd import MockDaemon

    MockDaemon().start().stop()


def run(ctx: Context) -> None:
    reps = ctx.scale(5, 2)
    _fresh_start()  # untimed: brings every .pyc up to date
    fresh = [_fresh_start() for _ in range(reps)]
    first_ms = statistics.median(1000 * (f["import"] + f["start"]) for f in fresh)
    start_ms = statistics.median(1000 * f["start"] for f in fresh)
    ping_ms = statistics.median(1000 * f["first_ping"] for f in fresh)
    again = measure(_start_stop, ctx.scale(20, 3), warmup=1)
    spawns, rss = [], []
    for _ in range(reps):
        process = MockProcess.start()
        spawns.append(process.started_in_s * 1000)
        rss.append(rss_bytes(process.pid))
        process.stop()
    table = ctx.report.table("The mock daemon: start and memory at rest", ["measure", "value"])
    table.add("fresh interpreter: import mockd + MockDaemon().start() (ms)", first_ms)
    table.add("fresh interpreter: MockDaemon().start() alone (ms)", start_ms)
    table.add("fresh interpreter: then the first ping, answered (ms)", ping_ms)
    table.add("another MockDaemon in the same process, start + stop (ms)",
              again.median_us / 1000)  # fmt: skip
    table.add("mockd serve: spawn to first ping, interpreter included (ms)",
              statistics.median(spawns))  # fmt: skip
    table.add("mockd serve: RSS at rest (MB)", statistics.median(rss) / 1024 / 1024)
    ctx.report.target(
        f"daemon start under {START_TARGET_MS} ms",
        first_ms < START_TARGET_MS,
        f"first start in a fresh interpreter {first_ms:.0f} ms (import {first_ms - start_ms:.0f}"
        f" + start {start_ms:.0f}), first ping {ping_ms:.0f} ms after it; later daemons"
        f" {again.median_us / 1000:.0f} ms; "
        f"mockd serve to first ping {statistics.median(spawns):.0f} ms",
    )
    ctx.report.target(
        f"daemon memory at rest under {MEMORY_TARGET_MB} MB",
        statistics.median(rss) / 1024 / 1024 < MEMORY_TARGET_MB,
        f"{statistics.median(rss) / 1024 / 1024:.0f} MB RSS (mockd serve, nothing pulled)",
    )
