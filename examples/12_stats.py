"""Lesson 12: Stats: CPU, memory, network and processes of a running container.

``docker stats`` in code: the daemon samples a container's cgroup once a
second.  CPU % needs two samples (it is the container's share of the CPU time
that passed between them); ``cpu_percent`` and ``memory_usage`` compute what
the docker CLI shows.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, human_size, run_lesson, say, show

import dockersdk
from dockersdk.models.containers import cpu_percent, memory_percent, memory_usage

SAMPLES = 2  # a second apart: the second one has a CPU % to show

BUSY = "while true; do :; done"


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say("a container that keeps a CPU busy, limited to half a CPU and 32 MiB")
        busy = cleanup.container(
            client.containers.run(
                BUSYBOX,
                ["sh", "-c", BUSY],
                detach=True,
                name="tour-busy",
                labels=LABELS,
                nano_cpus=500_000_000,
                mem_limit="32m",
            )
        )

        say(f"stream {SAMPLES} samples, as `docker stats` shows them")
        print(f"   {'CPU %':>7}  {'MEM USAGE / LIMIT':>22}  {'MEM %':>6}  {'PIDS':>4}")
        with client.containers.api.stats_stream(busy.id) as samples:
            for count, sample in enumerate(samples, start=1):
                limit = sample.memory_stats.limit if sample.memory_stats else None
                usage = f"{human_size(memory_usage(sample))} / {human_size(limit)}"
                pids = sample.pids_stats.current if sample.pids_stats else None
                print(
                    f"   {cpu_percent(sample):6.1f}%  {usage:>22}  "
                    f"{memory_percent(sample):5.1f}%  {pids or 0:>4}"
                )
                if count == SAMPLES:
                    break

        say("one sample without waiting for a second one (one_shot): no CPU % yet")
        once = client.containers.api.stats(busy.id, one_shot=True)
        show("read at", once.read)
        show("CPU %", f"{cpu_percent(once):.1f}")
        networks = once.networks or {}
        for name, counters in networks.items():
            show(
                f"{name} rx/tx",
                f"{human_size(counters.rx_bytes)} / {human_size(counters.tx_bytes)}",
            )


if __name__ == "__main__":
    run_lesson(lesson)
