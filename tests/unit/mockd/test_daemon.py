"""MockDaemon end to end: our SDK, raw HTTP, docker-py and the docker CLI as clients."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests_unixsocket

from mockd import Engine, ManualClock, MockDaemon
from mockd.engine.clock import NANOS

DOCKER_CLI = shutil.which("docker") or "/usr/local/bin/docker"


@pytest.fixture
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        yield d


def _base(d: MockDaemon) -> str:
    assert d.socket_path is not None
    return "http+unix://" + quote(d.socket_path, safe="")


def test_starts_fast_on_a_private_socket_and_cleans_up() -> None:
    MockDaemon().start().stop()  # the document is loaded once per process
    started = time.perf_counter()
    d = MockDaemon().start()
    elapsed = time.perf_counter() - started
    try:
        assert d.docker_host.startswith("unix://")
        path = d.socket_path
        assert path is not None and os.path.exists(path)
        assert elapsed < 0.3, f"start took {elapsed:.3f}s"
    finally:
        d.stop()
    assert not os.path.exists(path)
    assert not d.running


def test_each_daemon_has_fresh_state() -> None:
    with MockDaemon() as a, MockDaemon() as b:
        assert a.docker_host != b.docker_host
        assert a.engine is not b.engine
        a.engine.events.publish("volume", "create", "only-in-a")
        assert b.engine.events.history() == []
        assert a.engine.system.id != b.engine.system.id


def test_raw_http_ping_version_info(daemon: MockDaemon) -> None:
    with requests_unixsocket.Session() as session:
        ping = session.get(_base(daemon) + "/_ping")
        assert ping.status_code == 200 and ping.text == "OK"
        assert ping.headers["Api-Version"] == "1.55"
        assert ping.headers["Server"] == f"Docker/{daemon.engine.system.version} (linux)"
        assert ping.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
        head = session.head(_base(daemon) + "/_ping")
        assert head.status_code == 200 and head.content == b""
        version = session.get(_base(daemon) + "/v1.55/version").json()
        assert version["ApiVersion"] == "1.55" and version["MinAPIVersion"] == "1.24"
        info = session.get(_base(daemon) + "/v1.41/info").json()
        assert info["ID"] == daemon.engine.system.id
        assert info["BridgeNfIptables"] is True  # shaped for the 1.41 client


def test_sdk_ping_version_info_events(daemon: MockDaemon) -> None:
    with daemon.client() as client:
        assert client.ping() is True
        assert client.version().api_version == "1.55"
        info = client.info()
        assert info.id == daemon.engine.system.id and info.name == "mockd"
        assert list(client.events(since=1, until=2)) == []
        now = time.time()
        daemon.engine.events.publish("volume", "create", "v1", {"driver": "local"})
        events = list(client.events(since=now - 5, until=time.time() + 0.2))
        assert [(e.type, e.action) for e in events] == [("volume", "create")]
        assert events[0].actor is not None and events[0].actor.id == "v1"


def test_events_stream_follows_live_events_until_until(daemon: MockDaemon) -> None:
    """A follower sees events published while it listens, then the stream ends."""
    until = time.time() + 1.0
    seen: list[dict[str, object]] = []

    def follow() -> None:
        with requests_unixsocket.Session() as session:
            reply = session.get(
                _base(daemon) + "/v1.55/events",
                params={"until": f"{until:.9f}", "filters": json.dumps({"type": ["network"]})},
                stream=True,
                timeout=10,
            )
            for line in reply.iter_lines():
                seen.append(json.loads(line))

    thread = threading.Thread(target=follow)
    thread.start()
    deadline = time.time() + 5
    while daemon.engine.events.subscriber_count == 0 and time.time() < deadline:
        time.sleep(0.01)
    daemon.engine.events.publish("volume", "create", "skipped")
    daemon.engine.events.publish("network", "create", "n1", {"name": "n1", "type": "bridge"})
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [(e["Type"], e["Action"]) for e in seen] == [("network", "create")]


def test_manual_clock_drives_the_daemon() -> None:
    clock = ManualClock(start=1_800_000_000.0)
    with MockDaemon(clock=clock) as d, d.client() as client:
        assert client.info().system_time == "2027-01-15T08:00:00Z"
        d.engine.events.publish("volume", "create", "v1")
        clock.advance(10)
        events = list(client.events(since=1_799_999_999, until=1_800_000_005))
        assert [e.time_nano for e in events] == [1_800_000_000 * NANOS]


def test_call_runs_on_the_daemons_loop(daemon: MockDaemon) -> None:
    async def where() -> str:
        return threading.current_thread().name

    assert daemon.call(where()) == "mockd"


def test_seed_makes_identity_reproducible() -> None:
    assert Engine(seed=5).system.id == Engine(seed=5).system.id
    with MockDaemon(seed=5) as a, MockDaemon(seed=5) as b:
        assert a.engine.system.id == b.engine.system.id


def test_tcp_listener() -> None:
    with MockDaemon(tcp="127.0.0.1:0") as d, d.client() as client:
        assert d.docker_host.startswith("tcp://127.0.0.1:")
        assert d.tcp_address is not None and d.tcp_address[1] > 0
        assert client.ping()


def test_older_api_version() -> None:
    with MockDaemon(api_version="1.44") as d, d.client() as client:
        assert client.version().api_version == "1.44"
        assert client.api_version == "1.44"


def test_docker_py_ping_version_info(daemon: MockDaemon) -> None:
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=daemon.docker_host)
    try:
        assert client.ping() is True
        assert client.version()["ApiVersion"] == "1.55"
        assert client.info()["ID"] == daemon.engine.system.id
    finally:
        client.close()


def _docker_cli(d: MockDaemon, *args: str) -> subprocess.CompletedProcess[str]:
    if not os.path.exists(DOCKER_CLI):
        pytest.skip("the docker CLI is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_HOST"] = d.docker_host
    env["DOCKER_CONFIG"] = os.path.join(os.path.dirname(d.socket_path or "/tmp"), "cli")
    return subprocess.run(
        [DOCKER_CLI, *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )


@pytest.mark.cli
def test_docker_cli_version(daemon: MockDaemon) -> None:
    done = _docker_cli(daemon, "version")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert daemon.engine.system.version in done.stdout
    assert "1.55 (minimum version 1.24)" in done.stdout


@pytest.mark.cli
def test_docker_cli_info(daemon: MockDaemon) -> None:
    done = _docker_cli(daemon, "info")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no WARNING lines, no errors
    assert f"ID: {daemon.engine.system.id}" in done.stdout
    assert "Storage Driver: overlay2" in done.stdout
    assert "127.0.0.0/8" in done.stdout


@pytest.mark.cli
def test_docker_cli_events_in_a_past_window_terminate(daemon: MockDaemon) -> None:
    done = _docker_cli(daemon, "system", "events", "--since", "1", "--until", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


@pytest.mark.cli
def test_docker_cli_events_replays_what_happened(daemon: MockDaemon) -> None:
    since = int(time.time()) - 1
    daemon.engine.events.publish("volume", "create", "clivol", {"driver": "local"})
    done = _docker_cli(
        daemon, "events", "--since", str(since), "--until", str(int(time.time()) + 1),
        "--format", "{{.Type}} {{.Action}} {{.Actor.ID}}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["volume create clivol"]


def test_start_failure_is_reported_and_leaves_nothing_running(tmp_path: object) -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        d = MockDaemon(tcp=f"127.0.0.1:{port}")
        with pytest.raises(OSError):
            d.start()
        assert not d.running
    finally:
        busy.close()
