"""Time control: with a ManualClock, the daemon's time moves only when the test says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import docker
import pytest

from mockd.daemon import MockDaemon
from mockd.engine.clock import ManualClock

START = ManualClock.DEFAULT_START


@pytest.fixture
def timed(timed_daemon: MockDaemon) -> Iterator[docker.DockerClient]:
    client = docker.DockerClient(base_url=timed_daemon.docker_host, timeout=30)
    client.images.pull("busybox")
    yield client
    client.close()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_sleep_in_a_container_ends_only_when_time_is_advanced(
    timed_daemon: MockDaemon, timed: docker.DockerClient
) -> None:
    container = timed.containers.run("busybox", ["sh", "-c", "sleep 30; echo woke"], detach=True)
    timed_daemon.settle()
    container.reload()
    assert container.status == "running"
    timed_daemon.advance(29)
    container.reload()
    assert container.status == "running"
    timed_daemon.advance(1)
    assert container.wait(timeout=10)["StatusCode"] == 0
    assert container.logs() == b"woke\n"
    container.reload()
    assert container.attrs["State"]["FinishedAt"].startswith(_iso(START + 30))


def test_timestamps_are_the_clock_s(timed_daemon: MockDaemon, timed: docker.DockerClient) -> None:
    timed_daemon.advance(3600)
    container = timed.containers.create("busybox", ["true"])
    assert container.attrs["Created"].startswith(_iso(START + 3600))
    timed_daemon.advance(5)
    container.start()
    container.wait(timeout=10)
    container.reload()
    assert container.attrs["State"]["StartedAt"].startswith(_iso(START + 3605))


def test_events_since_and_until_read_the_clock(
    timed_daemon: MockDaemon, timed: docker.DockerClient
) -> None:
    timed.volumes.create("early")
    timed_daemon.advance(100)
    timed.volumes.create("late")
    t0 = int(START)
    early = list(timed.events(since=t0, until=t0 + 50, decode=True, filters={"type": "volume"}))
    late = list(
        timed.events(since=t0 + 50, until=t0 + 100, decode=True, filters={"type": "volume"})
    )
    assert [e["Actor"]["ID"] for e in early] == ["early"]
    assert [e["Actor"]["ID"] for e in late] == ["late"]
    assert late[0]["time"] == t0 + 100


def test_log_timestamps_and_since_follow_the_clock(
    timed_daemon: MockDaemon, timed: docker.DockerClient
) -> None:
    container = timed.containers.run(
        "busybox", ["sh", "-c", "echo one; sleep 10; echo two"], detach=True
    )
    timed_daemon.settle()
    timed_daemon.advance(10)
    container.wait(timeout=10)
    lines = container.logs(timestamps=True).decode().splitlines()
    assert lines[0].startswith(_iso(START)) and lines[0].endswith(" one")
    assert lines[1].startswith(_iso(START + 10)) and lines[1].endswith(" two")
    assert container.logs(since=int(START) + 5) == b"two\n"


def test_restart_back_off_waits_on_the_clock(
    timed_daemon: MockDaemon, timed: docker.DockerClient
) -> None:
    container = timed.containers.run(
        "busybox", ["sh", "-c", "exit 1"], detach=True, restart_policy={"Name": "always"}
    )

    def restarts() -> int:
        timed_daemon.settle()
        container.reload()
        return int(container.attrs["RestartCount"])

    assert restarts() == 1  # exited once: waiting out the first back-off (100 ms)
    assert container.attrs["State"]["Restarting"] is True
    assert restarts() == 1  # ...for as long as the clock stands still
    timed_daemon.advance(0.1)
    assert restarts() == 2  # ran and exited again: now 200 ms
    timed_daemon.advance(0.1)
    assert restarts() == 2
    timed_daemon.advance(0.1)
    assert restarts() == 3
    container.stop()


def test_advance_needs_a_manual_clock(daemon: MockDaemon) -> None:
    with pytest.raises(TypeError, match="ManualClock"):
        daemon.advance(1)


def test_advance_in_steps_runs_what_wakes_on_the_way(timed_daemon: MockDaemon) -> None:
    client = docker.DockerClient(base_url=timed_daemon.docker_host)
    client.images.pull("busybox")
    container = client.containers.run(
        "busybox", ["sh", "-c", "for i in 1 2 3; do sleep 60; echo $i; done"], detach=True
    )
    timed_daemon.settle()
    timed_daemon.advance(180, step=60)
    assert container.wait(timeout=10)["StatusCode"] == 0
    assert container.logs() == b"1\n2\n3\n"
    client.close()
