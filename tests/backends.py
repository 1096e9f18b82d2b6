"""The two backends every contract test runs on: the mock daemon and a real dockerd.

A :class:`Backend` hands a test the same four ways in to either daemon (our SDK,
docker-py, raw HTTP, the ``DOCKER_HOST`` string) and removes, on the real side,
whatever the test said it created.  Which backends run is chosen by the
environment, not by a command-line option, so that it cannot clash with the
options of ``mockd.pytest_plugin``:

``DOCKERSDK_BACKENDS``           ``mock``, ``real`` or ``both`` (the default).
``DOCKERSDK_REAL_DOCKER_HOST``   the real engine to use; when set, it must answer.
``DOCKERSDK_REAL_ENGINE_DIR``    the state dir of ``scripts/real-engine`` (its
                                 socket is tried when the variable above is unset).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
import requests_unixsocket

if TYPE_CHECKING:
    import docker

    import dockersdk

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKEND_NAMES = ("mock", "real")
NO_REAL_ENGINE = (
    "no real Docker engine reachable: run scripts/real-engine start "
    "or set DOCKERSDK_REAL_DOCKER_HOST"
)
# Resources a test may create, and the path that removes each kind from dockerd.
_REMOVE_PATHS = {
    "container": "/containers/{}?force=1&v=1",
    "image": "/images/{}?force=1",
    "volume": "/volumes/{}?force=1",
    "network": "/networks/{}",
}


def selected_backends() -> list[str]:
    """The backends named by ``DOCKERSDK_BACKENDS`` (``both`` when unset)."""
    choice = os.environ.get("DOCKERSDK_BACKENDS", "both").strip().lower() or "both"
    if choice == "both":
        return list(BACKEND_NAMES)
    if choice in BACKEND_NAMES:
        return [choice]
    raise ValueError(f"DOCKERSDK_BACKENDS must be mock, real or both, not {choice!r}")


def http_base(docker_host: str) -> str:
    """The URL prefix that reaches ``docker_host`` through requests-unixsocket."""
    if docker_host.startswith("unix://"):
        return "http+unix://" + quote(docker_host.removeprefix("unix://"), safe="")
    if docker_host.startswith("tcp://"):
        return "http://" + docker_host.removeprefix("tcp://")
    if docker_host.startswith(("http://", "https://")):
        return docker_host
    raise ValueError(f"unsupported DOCKER_HOST: {docker_host!r}")


def answers_ping(docker_host: str, timeout: float = 2.0) -> bool:
    """Whether a daemon at ``docker_host`` replies ``OK`` to ``/_ping``."""
    try:
        with new_session() as session:
            reply = session.get(http_base(docker_host) + "/_ping", timeout=timeout)
    except (requests.RequestException, OSError):
        return False
    return bool(reply.status_code == 200 and reply.text == "OK")


def script_engine_host() -> str:
    """The ``DOCKER_HOST`` that ``scripts/real-engine start`` serves on."""
    state_dir = os.environ.get("DOCKERSDK_REAL_ENGINE_DIR", "/tmp/dockersdk-real-engine")
    return f"unix://{state_dir}/docker.sock"


def find_real_engine() -> tuple[str | None, str]:
    """The real engine's ``DOCKER_HOST``, or ``None`` and why there is none.

    An engine named explicitly by ``DOCKERSDK_REAL_DOCKER_HOST`` that does not
    answer is an error (CI set it and must not silently skip); the script's
    engine not answering only means nobody started it.
    """
    explicit = os.environ.get("DOCKERSDK_REAL_DOCKER_HOST", "").strip()
    if explicit:
        if answers_ping(explicit):
            return explicit, ""
        raise RuntimeError(f"DOCKERSDK_REAL_DOCKER_HOST={explicit} does not answer /_ping")
    host = script_engine_host()
    if answers_ping(host):
        return host, ""
    return None, NO_REAL_ENGINE


def new_session() -> requests.Session:
    """A requests session that reaches unix sockets and ignores proxy settings."""
    session: requests.Session = requests_unixsocket.Session()
    # HTTP(S)_PROXY from the environment must never carry traffic meant for a daemon.
    session.trust_env = False
    return session


@dataclass
class Backend:
    """One daemon, and the ways a test talks to it."""

    name: str  # "mock" or "real"
    docker_host: str
    _session: requests.Session = field(default_factory=new_session)
    _created: list[tuple[str, str]] = field(default_factory=list)
    _closers: list[Any] = field(default_factory=list)

    @property
    def is_mock(self) -> bool:
        return self.name == "mock"

    @property
    def is_real(self) -> bool:
        return self.name == "real"

    def client(self, **kwargs: Any) -> dockersdk.DockerClient:
        """Our SDK's client for this daemon (closed at teardown)."""
        import dockersdk

        client = dockersdk.DockerClient(base_url=self.docker_host, **kwargs)
        self._closers.append(client)
        return client

    def dockerpy(self, **kwargs: Any) -> docker.DockerClient:
        """A docker-py client for this daemon (closed at teardown)."""
        import docker

        client = docker.DockerClient(base_url=self.docker_host, **kwargs)
        self._closers.append(client)
        return client

    def url(self, path: str) -> str:
        return http_base(self.docker_host) + path

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A raw HTTP request: ``path`` goes out as given (with or without ``/v1.NN``)."""
        kwargs.setdefault("timeout", 30)
        return self._session.request(method, self.url(path), **kwargs)

    def ensure_busybox(self) -> None:
        """Make ``busybox:latest`` present: the mock starts empty and pulls it from its
        catalogue; the real engine has the image ``scripts/real-engine`` imported."""
        if self.is_mock:
            reply = self.api("POST", "/images/create?fromImage=busybox&tag=latest")
            assert reply.status_code == 200, reply.text

    def track(self, kind: str, ident: str) -> str:
        """Remember a resource the test created, to remove it at teardown; returns ``ident``."""
        if kind not in _REMOVE_PATHS:
            raise ValueError(f"cannot track a {kind!r}; known kinds: {sorted(_REMOVE_PATHS)}")
        self._created.append((kind, ident))
        return ident

    def cleanup(self) -> None:
        """Close the clients; on a real engine, remove what was tracked, newest first.

        The mock needs no removal: each test gets a daemon with fresh state.
        """
        errors: list[str] = []
        if self.is_real:
            for kind, ident in reversed(self._created):
                path = _REMOVE_PATHS[kind].format(quote(ident, safe=""))
                reply = self.api("DELETE", path)
                if reply.status_code not in (200, 204, 404):
                    errors.append(f"{kind} {ident}: {reply.status_code} {reply.text.strip()}")
        self._created.clear()
        for closable in reversed(self._closers):
            closable.close()
        self._closers.clear()
        self._session.close()
        if errors:
            raise RuntimeError("could not remove what the test created: " + "; ".join(errors))


@contextmanager
def open_backend(name: str, real_host: str = "") -> Iterator[Backend]:
    """A ready :class:`Backend`: a fresh mock daemon, or the real engine at ``real_host``."""
    if name == "mock":
        from mockd import MockDaemon
        from mockd.validation import assert_no_violations

        # Every reply the mock sends in a contract test is checked against the API
        # document; a mismatch fails the test that caused it.
        with MockDaemon(validate_responses=True) as daemon:
            backend = Backend("mock", daemon.docker_host)
            try:
                yield backend
            finally:
                backend.cleanup()
            assert_no_violations(daemon.response_violations)
    elif name == "real":
        backend = Backend("real", real_host)
        try:
            yield backend
        finally:
            backend.cleanup()
    else:
        raise ValueError(f"unknown backend {name!r}")
