"""Concurrency: many clients at once, then nothing leaked and nothing lost.

Bounded by ``MOCKD_SOAK_SECONDS`` (default 6) of load; the whole test stays
well under 20 s on two cores.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from typing import Any

import docker
import pytest

import dockersdk
from mockd.daemon import MockDaemon

SOAK_SECONDS = float(os.environ.get("MOCKD_SOAK_SECONDS", "6"))
SDK_WORKERS = 3
DOCKERPY_WORKERS = 3
FOLLOWERS = 3


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _task_count() -> int:
    return len(asyncio.all_tasks())


class Follower(threading.Thread):
    """Reads the event stream into a list until the stream is closed."""

    def __init__(self, client: dockersdk.DockerClient, since: float) -> None:
        super().__init__(daemon=True)
        self.stream = client.events(since=since, decode=False)
        self.events: list[bytes] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for raw in self.stream:
                self.events.append(raw)
        except BaseException as exc:
            self.error = exc


def _sdk_worker(client: dockersdk.DockerClient, n: int, deadline: float, errors: list[str]) -> None:
    i = 0
    while time.monotonic() < deadline:
        try:
            assert client.ping()
            client.info()
            volume = client.volumes.create(f"soak-v{n}-{i}")
            network = client.networks.create(f"soak-n{n}-{i}")
            client.volumes.api.remove(volume.name)
            client.networks.api.remove(network.id)
        except Exception as exc:  # collected: a thread's assert would be lost
            errors.append(f"sdk worker {n}: {exc!r}")
            return
        i += 1


def _dockerpy_worker(host: str, n: int, deadline: float, errors: list[str]) -> None:
    client = docker.DockerClient(base_url=host, timeout=30)
    i = 0
    try:
        while time.monotonic() < deadline:
            network = client.networks.create(f"soak-dn{n}-{i}")
            container = client.containers.create(
                "busybox:latest", ["sleep", "3600"], name=f"soak-c{n}-{i}", stop_signal="SIGKILL"
            )
            network.connect(container)
            container.start()
            result = container.exec_run(["echo", "hi"])
            assert result.exit_code == 0 and result.output == b"hi\n", result
            container.stop(timeout=0)
            last = time.monotonic() >= deadline - 0.5
            if last:
                break  # keep the last pair: the membership check looks at it
            network.disconnect(container)
            container.remove(force=True)
            network.remove()
            i += 1
        # Leave one connected, running pair per worker for the consistency check.
        container.start()
    except Exception as exc:
        errors.append(f"docker-py worker {n}: {exc!r}")
    finally:
        client.close()


def test_many_clients_at_once(tmp_path: Any) -> None:
    daemon = MockDaemon(validate_responses=True).start()
    try:
        _soak(daemon)
    finally:
        daemon.stop()
    assert daemon.response_violations == []


def _soak(daemon: MockDaemon) -> None:
    setup = daemon.client()
    setup.images.pull("busybox", tag="latest")
    setup.close()
    fds_before = _fd_count()
    tasks_before = daemon.call(_task_count())
    start = time.time() - 1

    follower_clients = [daemon.client() for _ in range(FOLLOWERS)]
    followers = [Follower(c, since=start) for c in follower_clients]
    for follower in followers:
        follower.start()

    # A follower that never reads: its connection must not slow anyone down.
    assert daemon.socket_path is not None
    stuck = socket.socket(socket.AF_UNIX)
    stuck.connect(daemon.socket_path)
    stuck.sendall(b"GET /events HTTP/1.1\r\nHost: d\r\n\r\n")

    errors: list[str] = []
    deadline = time.monotonic() + SOAK_SECONDS
    sdk_clients = [daemon.client() for _ in range(SDK_WORKERS)]
    workers = [
        threading.Thread(target=_sdk_worker, args=(c, n, deadline, errors), daemon=True)
        for n, c in enumerate(sdk_clients)
    ] + [
        threading.Thread(
            target=_dockerpy_worker, args=(daemon.docker_host, n, deadline, errors), daemon=True
        )
        for n in range(DOCKERPY_WORKERS)
    ]
    for worker in workers:
        worker.start()

    # Meanwhile another client's ping stays fast.
    latencies: list[float] = []
    probe = daemon.client()
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        assert probe.ping()
        latencies.append(time.monotonic() - t0)
        time.sleep(0.05)
    for worker in workers:
        worker.join(30)
        assert not worker.is_alive(), "a worker is stuck"
    assert not errors, errors
    assert max(latencies) < 1.0, f"ping took {max(latencies):.2f} s under load"

    # -- the state is consistent ------------------------------------------------
    check = daemon.client()
    raw = check.transport
    containers = raw.request("GET", "/containers/json", params={"all": True}).json()
    networks = raw.request("GET", "/networks").json()
    assert len([c for c in containers if c["Names"][0].startswith("/soak-c")]) == DOCKERPY_WORKERS
    by_id = {c["Id"]: c for c in containers}
    for summary in networks:
        network = raw.request("GET", f"/networks/{summary['Id']}").json()
        for cid in network.get("Containers") or {}:
            assert cid in by_id, f"network {network['Name']} lists a removed container"
            inspect = raw.request("GET", f"/containers/{cid}/json").json()
            assert network["Name"] in inspect["NetworkSettings"]["Networks"]
    for container in containers:
        inspect = raw.request("GET", f"/containers/{container['Id']}/json").json()
        for name in inspect["NetworkSettings"]["Networks"]:
            network = raw.request("GET", f"/networks/{name}").json()
            if (
                network["Name"] in ("bridge", "host", "none")
                and inspect["State"]["Status"] != "running"
            ):
                continue
            assert container["Id"] in (network.get("Containers") or {}), (
                f"{inspect['Name']} thinks it is on {name}, {name} does not list it"
            )

    # -- every follower saw every event, in order ----------------------------------
    until = time.time()
    history = raw.request(
        "GET", "/events", params={"since": f"{start:.9f}", "until": f"{until:.9f}"}
    ).content.splitlines()
    time.sleep(0.3)  # the last events reach the followers
    for follower in followers:
        follower.stream.close()
    for follower in followers:
        follower.join(10)
        assert not follower.is_alive()
        assert follower.error is None, follower.error
    streams = [[line for line in f.events if line.strip()] for f in followers]
    assert len(streams[0]) > 20
    assert all(s == streams[0] for s in streams), "followers disagree"
    # dockerd keeps only the last 256 events for replay: compare that tail.
    tail = [line for line in streams[0] if line in set(history)]
    assert history and tail[-len(history) :] == history

    # -- nothing leaked --------------------------------------------------------------
    # The pairs left for the membership check hold their programs' tasks: end them.
    for container in containers:
        if container["State"] == "running":
            raw.request("POST", f"/containers/{container['Id']}/kill")
    stuck.close()
    for client in [*follower_clients, *sdk_clients, probe, check]:
        client.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tasks_now = daemon.call(_task_count())
        fds_now = _fd_count()
        if tasks_now <= tasks_before and fds_now <= fds_before + 5:
            break
        time.sleep(0.1)
    assert tasks_now <= tasks_before, (tasks_before, tasks_now)
    assert fds_now <= fds_before + 5, (fds_before, fds_now)
    assert daemon.client().ping()


@pytest.mark.parametrize("n", [50])
def test_connections_opened_and_dropped_do_not_leak(n: int) -> None:
    with MockDaemon() as daemon:
        fds_before = _fd_count()
        tasks_before = daemon.call(_task_count())
        assert daemon.socket_path is not None
        for _ in range(n):
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(daemon.socket_path)
            sock.sendall(b"GET /events HTTP/1.1\r\nHost: d\r\n\r\n")
            sock.recv(100)
            sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and daemon.call(_task_count()) > tasks_before:
            time.sleep(0.05)
        assert daemon.call(_task_count()) <= tasks_before
        assert _fd_count() <= fds_before + 2


def test_concurrent_restarts_all_succeed() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with MockDaemon() as daemon:
        client = daemon.client()
        client.images.pull("busybox", tag="latest")
        raw = client.transport
        raw.request(
            "POST",
            "/containers/create",
            params={"name": "restarted"},
            json={"Image": "busybox:latest", "Cmd": ["sleep", "3600"], "StopTimeout": 1},
        )
        raw.request("POST", "/containers/restarted/start")

        def restart() -> int:
            with daemon.client() as other:
                reply = other.transport.request(
                    "POST", "/containers/restarted/restart", params={"t": 1}
                )
                return reply.status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: restart(), range(4)))
        client.close()
    assert statuses == [204, 204, 204, 204]
