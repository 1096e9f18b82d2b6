"""The payoff: one representative integration test, run through our SDK on
the real engine and on the mock; the wall-time ratio.

Use busybox (pulling it if missing), create a volume and a network, run three
short containers, run one detached on both, exec in it (writing to the
container), read its logs, kill and remove it, remove the network and volume.
"""

from __future__ import annotations

import itertools
from functools import partial

from benchmarks.backends import RUN_ID
from benchmarks.context import Context
from benchmarks.harness import Timing, measure
from dockersdk import DockerClient, ImageNotFound

NAME = "scenario"
_serial = itertools.count()


def scenario(client: DockerClient, labels: dict[str, str]) -> None:
    try:
        client.images.get("busybox")
    except ImageNotFound:
        client.images.pull("busybox", "latest")
    suffix = f"{RUN_ID}-{next(_serial)}"
    volume = client.volumes.create(f"bench-vol-{suffix}", labels=labels)
    network = client.networks.create(f"bench-net-{suffix}", labels=labels)
    try:
        for i in range(3):
            out = client.containers.run("busybox", f"echo hello {i}", remove=True, labels=labels)
            if out != f"hello {i}\n".encode():
                raise RuntimeError(f"unexpected output {out!r}")
        container = client.containers.run(
            "busybox", ["sh", "-c", "echo ready; sleep 60"], detach=True, labels=labels,
            volumes={volume.name: {"bind": "/data", "mode": "rw"}}, network=network.name,
        )  # fmt: skip
        try:
            # Written to the container, not the volume: the mock does not mount
            # volumes into containers yet (HostConfig.Binds is stored, unused).
            result = container.exec_run(["sh", "-c", "echo stored > /stored && cat /stored"])
            if result.exit_code != 0 or result.output != b"stored\n":
                raise RuntimeError(f"unexpected exec result {result!r}")
            logs = container.logs()
            if not isinstance(logs, bytes) or b"ready" not in logs:
                raise RuntimeError(f"unexpected logs {logs!r}")
        finally:
            container.remove(force=True)
    finally:
        network.remove()
        volume.remove()


def run(ctx: Context) -> None:
    table = ctx.report.table(
        "Integration scenario through the SDK (ms, median / p90)",
        ["backend", "n", "wall time"],
    )
    timings: dict[str, Timing] = {}
    for backend in ctx.backends:
        client: DockerClient = backend.sdk()
        n = ctx.scale(20, 3) if backend.is_mock else ctx.scale(5, 1)
        timing = measure(partial(scenario, client, backend.labels()), n, warmup=1)
        timings[backend.name] = timing
        table.add(backend.name, n,
                  f"{timing.median_us / 1000:.1f} / {timing.p90_us / 1000:.1f}")  # fmt: skip
    if "mock" in timings and "real" in timings:
        ratio = timings["real"].median_ns / timings["mock"].median_ns
        table.notes.append(f"the scenario runs {ratio:.0f}x faster on the mock")
