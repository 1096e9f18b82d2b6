"""``docker stats`` CPU figures come from the work a container does, on both backends.

The CPU percentage is computed as the docker CLI does, from one sample of the
stream and the one before it (``cpu_stats`` against ``precpu_stats``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from backends import Backend

import dockersdk
from dockersdk.models.containers import Container, cpu_percent

IMAGE = "busybox:latest"


@pytest.fixture
def client(docker: Backend) -> Iterator[dockersdk.DockerClient]:
    yield docker.client()


def running(docker: Backend, client: dockersdk.DockerClient, script: str) -> Container:
    container = client.containers.run(IMAGE, ["sh", "-c", script], detach=True)
    docker.track("container", container.id)
    assert isinstance(container, Container)
    return container


def streamed_cpu_percent(client: dockersdk.DockerClient, container: Container) -> float:
    """The CLI's figure from the second sample of the stream (the first has no ``precpu``)."""
    with client.containers.api.stats_stream(container.id) as samples:
        first = next(samples)
        assert first.precpu_stats is None or not first.precpu_stats.system_cpu_usage
        second = next(samples)
    now, before = second.cpu_stats, second.precpu_stats
    assert now is not None and before is not None and now.cpu_usage and before.cpu_usage
    # The counters only grow: the container's time and the host's (every CPU).
    assert (now.cpu_usage.total_usage or 0) >= (before.cpu_usage.total_usage or 0)
    assert (now.system_cpu_usage or 0) > (before.system_cpu_usage or 0)
    return cpu_percent(second)


def test_a_busy_loop_is_busy_and_a_sleep_is_idle(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    busy = running(docker, client, "while :; do :; done")
    idle = running(docker, client, "sleep 300")
    busy_percent = streamed_cpu_percent(client, busy)
    idle_percent = streamed_cpu_percent(client, idle)
    assert busy_percent > 20.0, busy_percent  # tens of % (a whole CPU on the real engine)
    assert idle_percent < 5.0, idle_percent
    # The one-sample endpoint (two readings a second apart) agrees.
    assert cpu_percent(busy.stats()) > 20.0
    busy.kill()
    idle.kill()


def test_cpu_time_splits_into_user_and_kernel(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    busy = running(docker, client, "while :; do :; done")
    sample = busy.stats()
    usage = sample.cpu_stats.cpu_usage if sample.cpu_stats else None
    assert usage is not None
    total = usage.total_usage or 0
    user, kernel = usage.usage_in_usermode or 0, usage.usage_in_kernelmode or 0
    assert total > 100_000_000  # a tenth of a second at least, in a second's wait
    # cgroup v1 keeps user and kernel time in ticks: together about the total.
    assert user > 0 and user + kernel <= total + 50_000_000
    busy.kill()
