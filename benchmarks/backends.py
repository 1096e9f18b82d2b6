"""The daemons a run measures: a mock daemon in a process of its own, and the
real engine when one answers.

The mock runs as ``python -m mockd.cli serve`` rather than in a thread of
this process: a daemon sharing the benchmark's interpreter would share its
GIL, and every client would pay for the server's Python work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dockersdk
from benchmarks.rawhttp import RawClient, UnixHTTPConnection, socket_path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REAL_HOST = "unix:///tmp/dockersdk-real-engine/docker.sock"  # scripts/real-engine
# Every resource a benchmark creates carries this label, so that cleanup on a
# shared engine removes only what this run made.
LABEL = "dockersdk.benchmark"
RUN_ID = uuid.uuid4().hex[:12]


def answers_ping(docker_host: str, timeout: float = 2.0) -> bool:
    try:
        conn = UnixHTTPConnection(socket_path(docker_host), timeout=timeout)
        conn.request("GET", "/_ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, ValueError):
        return False


def real_docker_host() -> str:
    return os.environ.get("DOCKERSDK_REAL_DOCKER_HOST") or DEFAULT_REAL_HOST


def pythonpath_env() -> dict[str, str]:
    """The environment a child Python needs to import the (uninstalled) project.

    Bytecode writing is allowed (CI sets PYTHONDONTWRITEBYTECODE): with it off,
    every source edited since its last ``.pyc`` is compiled again by every child,
    and start times would measure the compiler, which an installed package
    (pip compiles at install) never runs.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


@dataclass
class MockProcess:
    """``mockd serve`` on a private socket; ``pid`` is for RSS readings."""

    process: subprocess.Popen[bytes]
    docker_host: str
    tempdir: str
    started_in_s: float  # from spawn to the first answered ping

    @classmethod
    def start(cls, timeout: float = 30.0) -> MockProcess:
        tempdir = tempfile.mkdtemp(prefix="mockd-bench-")
        path = os.path.join(tempdir, "docker.sock")
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "mockd.cli", "serve", "--socket", path],
            env=pythonpath_env(), cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        host = f"unix://{path}"
        while not (os.path.exists(path) and answers_ping(host, 1.0)):
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"mockd serve exited: {err}")
            if time.perf_counter() - started > timeout:
                process.kill()
                raise RuntimeError("mockd serve did not answer in time")
            time.sleep(0.002)
        return cls(process, host, tempdir, time.perf_counter() - started)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        try:
            os.remove(socket_path(self.docker_host))
        except OSError:
            pass
        os.rmdir(self.tempdir) if not os.listdir(self.tempdir) else None


@dataclass
class Backend:
    """One daemon and the three ways the benchmarks talk to it."""

    name: str  # "mock" or "real"
    docker_host: str
    api_version: str
    mock: MockProcess | None = None
    _clients: list[Any] = field(default_factory=list)

    @property
    def is_mock(self) -> bool:
        return self.mock is not None

    def sdk(self) -> dockersdk.DockerClient:
        client = dockersdk.DockerClient(base_url=self.docker_host, version=self.api_version)
        self._clients.append(client)
        return client

    def dockerpy(self) -> Any:
        import docker

        client = docker.DockerClient(base_url=self.docker_host, version=self.api_version)
        self._clients.append(client)
        return client

    def raw(self) -> RawClient:
        client = RawClient(self.docker_host)
        self._clients.append(client)
        return client

    def v(self, path: str) -> str:
        """``path`` with this backend's version prefix, for raw calls."""
        return f"/v{self.api_version}{path}"

    def labels(self) -> dict[str, str]:
        return {LABEL: RUN_ID}

    def cleanup(self) -> None:
        """Remove what this run created (by label), then close the clients."""
        if self.mock is None:
            self._remove_labelled()
        self.close_clients()

    def close_clients(self) -> None:
        for client in self._clients:
            try:
                client.close()
            except Exception:
                pass
        self._clients.clear()

    def _remove_labelled(self) -> None:
        raw = RawClient(self.docker_host)
        label_filter = json.dumps({"label": [f"{LABEL}={RUN_ID}"]})
        query = "filters=" + quote(label_filter)
        for kind, list_path, key, remove in (
            ("containers", "/containers/json?all=1&", "Id", "/containers/{}?force=1&v=1"),
            ("networks", "/networks?", "Id", "/networks/{}"),
            ("volumes", "/volumes?", "Name", "/volumes/{}?force=1"),
        ):
            status, body = raw.call("GET", self.v(list_path + query))
            if status != 200:
                continue
            items = json.loads(body)
            if kind == "volumes":
                items = items.get("Volumes") or []
            for item in items:
                raw.call("DELETE", self.v(remove.format(item[key])))
        raw.close()

    def stop(self) -> None:
        self.cleanup()
        if self.mock is not None:
            self.mock.stop()


def start_mock() -> Backend:
    process = MockProcess.start()
    version = _server_version(process.docker_host)
    return Backend("mock", process.docker_host, version, mock=process)


def connect_real() -> Backend | None:
    host = real_docker_host()
    if not host.startswith("unix://") or not answers_ping(host):
        return None
    return Backend("real", host, _server_version(host))


def _server_version(docker_host: str) -> str:
    """The API version to pin every client to: the daemon's, capped at the SDK's."""
    conn = UnixHTTPConnection(socket_path(docker_host))
    conn.request("GET", "/_ping")
    response = conn.getresponse()
    response.read()
    conn.close()
    server = response.getheader("API-Version") or "1.41"
    cap = dockersdk.MAX_API_VERSION
    return min(server, cap, key=lambda v: tuple(int(p) for p in v.split(".")))
