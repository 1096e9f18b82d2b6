"""Lesson 8: Resource limits, and reading them back with inspect.

Limits are part of a container's HostConfig: memory (``mem_limit``), CPU
(``nano_cpus`` or ``cpu_shares``), the number of processes (``pids_limit``).
``inspect`` shows what the daemon recorded; ``update`` changes some of them on
a running container; ``stats`` shows the memory limit the container sees.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, human_size, run_lesson, say, show

import dockersdk

HALF_A_CPU = 500_000_000  # nano_cpus: billionths of a CPU


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say("run with limits: 64 MiB of memory, half a CPU, at most 50 processes")
        container = cleanup.container(
            client.containers.run(
                BUSYBOX,
                ["sleep", "300"],
                detach=True,
                name="tour-limited",
                labels=LABELS,
                mem_limit="64m",
                nano_cpus=HALF_A_CPU,
                pids_limit=50,
            )
        )

        say("inspect: the HostConfig the daemon recorded, and the state")
        container.reload()  # run() returns the container as created: read it again
        host = container.inspect.host_config
        assert host is not None
        show("memory", human_size(host.memory))
        show("CPUs", (host.nano_cpus or 0) / 1e9)
        show("pids limit", host.pids_limit)
        state = container.inspect.state
        assert state is not None
        show("status", state.status)
        show("started at", state.started_at)
        show("created", container.inspect.created)

        say("update: raise the memory limit of the running container to 128 MiB")
        container.update(mem_limit="128m", memswap_limit="256m")
        container.reload()
        updated = container.inspect.host_config
        assert updated is not None
        show("memory", human_size(updated.memory))
        show("memory + swap", human_size(updated.memory_swap))

        say("stats: the container's cgroup sees the new limit")
        sample = client.containers.api.stats(container.id, one_shot=True)
        memory = sample.memory_stats
        show("memory limit", human_size(memory.limit if memory else None))
        show("memory used", human_size(memory.usage if memory else None))


if __name__ == "__main__":
    run_lesson(lesson)
