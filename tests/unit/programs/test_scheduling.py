"""Programs that never have to wait share the daemon's loop instead of keeping it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockd import MockDaemon

# Each would keep the event loop forever if its writes never handed it back.
HOGS = [
    "yes > /dev/null",
    "yes",  # into the container's log
    "yes > /tmp/f",
    "seq 1 100000000 > /dev/null",
    "yes | cat > /dev/null",
]


@pytest.fixture(scope="module")
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        d.client().images.pull("busybox", tag="latest")
        yield d


@pytest.mark.parametrize("command", HOGS)
def test_the_daemon_answers_while_a_program_runs_flat_out(
    daemon: MockDaemon, command: str
) -> None:
    client = daemon.client(timeout=10)
    container = client.containers.run("busybox", ["sh", "-c", command], detach=True)
    try:
        for _ in range(20):
            assert client.ping()
        container.reload()
        assert container.status == "running"
        exec_result = container.exec_run(["echo", "still here"])
        assert exec_result.output == b"still here\n"
    finally:
        container.remove(force=True)


def test_an_exec_that_runs_flat_out_does_not_block_the_daemon(daemon: MockDaemon) -> None:
    client = daemon.client(timeout=10)
    container = client.containers.run("busybox", "sleep 60", detach=True)
    try:
        execs = client.containers.exec_api
        exec_id = execs.create(container.id, ["sh", "-c", "yes"])
        assert exec_id
        execs.start_detached(exec_id)
        for _ in range(20):
            assert client.ping()
        assert execs.inspect(exec_id).running is True
    finally:
        container.remove(force=True)
