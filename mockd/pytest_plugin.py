"""pytest fixtures for testing code against a mock Docker daemon.

Registered through the ``pytest11`` entry point, so installing the package is
enough.

Fixtures:

* ``mockd``: a fresh, running :class:`mockd.MockDaemon` for the test;
* ``mockd_session``: one daemon for the whole session, ``reset()`` to a
  pristine state before each test that asks for it (much cheaper than a new
  daemon); ``mockd_session_daemon`` is the session-scoped daemon itself;
* ``docker_host``: the ``DOCKER_HOST`` string of ``mockd``;
* ``docker_client``: a ``dockersdk.DockerClient`` bound to ``mockd``;
* ``docker_env``: ``DOCKER_HOST`` set to ``mockd`` for the test (and the TLS and
  context variables unset), so code that reads the environment finds it;
* ``docker_backend``: for tests marked ``@pytest.mark.docker_backends``, a
  :class:`DockerBackend` per backend chosen by ``--docker-backend``
  (``mock``, ``real`` or ``both``; default ``mock``).  The real engine is
  ``DOCKERSDK_REAL_DOCKER_HOST``, else ``DOCKER_HOST``; when it does not answer
  ``/_ping`` its runs are skipped, saying why.

Importing this module starts nothing: the daemon is imported and started
only by the fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import dockersdk
    from mockd.daemon import MockDaemon

BACKENDS = ("mock", "real")
MARKER = "docker_backends"
REAL_HOST_VARIABLES = ("DOCKERSDK_REAL_DOCKER_HOST", "DOCKER_HOST")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockd", "mock Docker daemon")
    group.addoption(
        "--docker-backend",
        choices=("mock", "real", "both"),
        default="mock",
        help=f"backends for tests marked {MARKER}: the mock daemon (default), a real "
        "engine (DOCKERSDK_REAL_DOCKER_HOST or DOCKER_HOST), or both",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*names): run on each backend chosen by --docker-backend, through the "
        "docker_backend fixture; names (mock, real) limit the backends the test supports",
    )


def _chosen_backends(config: pytest.Config) -> list[str]:
    choice = str(config.getoption("--docker-backend", default="mock"))
    return list(BACKENDS) if choice == "both" else [choice]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "docker_backend" not in metafunc.fixturenames:
        return
    mark = metafunc.definition.get_closest_marker(MARKER)
    supported = [str(name) for name in mark.args] if mark is not None and mark.args else BACKENDS
    unknown = set(supported) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"{MARKER}: unknown backends {sorted(unknown)}")
    names = [name for name in _chosen_backends(metafunc.config) if name in supported]
    if not names:
        # Neither chosen backend is one the test supports: one skipped run says so.
        names = [f"skip:{supported[0]}"]
    metafunc.parametrize("docker_backend", names, indirect=True, ids=lambda n: n)


# -- the environment -------------------------------------------------------------


def docker_environment(docker_host: str) -> AbstractContextManager[dict[str, str]]:
    """``DOCKER_HOST`` for code under test (TLS and context variables unset), restored after."""
    from mockd.daemon import docker_environment as environment

    return environment(docker_host)


# -- the mock --------------------------------------------------------------------------


@pytest.fixture
def mockd() -> Iterator[MockDaemon]:
    """A fresh mock daemon on a private unix socket, stopped after the test."""
    from mockd.daemon import MockDaemon
    from mockd.validation import assert_no_violations

    with MockDaemon() as daemon:
        yield daemon
    # With MOCKD_VALIDATE_RESPONSES=1, a reply that departs from the API document fails the test.
    assert_no_violations(daemon.response_violations)


@pytest.fixture(scope="session")
def mockd_session_daemon() -> Iterator[MockDaemon]:
    """One mock daemon for the whole session (its state is whatever tests left)."""
    from mockd.daemon import MockDaemon

    with MockDaemon() as daemon:
        yield daemon


@pytest.fixture
def mockd_session(mockd_session_daemon: MockDaemon) -> Iterator[MockDaemon]:
    """The session's daemon, reset to a pristine state for this test."""
    from mockd.validation import assert_no_violations

    mockd_session_daemon.reset()
    yield mockd_session_daemon
    violations = list(mockd_session_daemon.response_violations)
    mockd_session_daemon.response_violations.clear()
    assert_no_violations(violations)


@pytest.fixture
def docker_host(mockd: MockDaemon) -> str:
    """The ``DOCKER_HOST`` string of this test's mock daemon."""
    return mockd.docker_host


@pytest.fixture
def docker_client(mockd: MockDaemon) -> Iterator[dockersdk.DockerClient]:
    """Our SDK's client, bound to this test's mock daemon."""
    client = mockd.client()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def docker_env(mockd: MockDaemon) -> Iterator[dict[str, str]]:
    """Point ``DOCKER_HOST`` at this test's mock daemon; restored after the test."""
    with docker_environment(mockd.docker_host) as values:
        yield values


# -- both backends -----------------------------------------------------------------------


@dataclass
class DockerBackend:
    """One backend of a ``docker_backends`` test: its name, where it is, a client."""

    name: str  # "mock" or "real"
    docker_host: str
    client: dockersdk.DockerClient
    mockd: MockDaemon | None = None  # the mock daemon, on the mock backend

    @property
    def is_mock(self) -> bool:
        return self.name == "mock"

    def environment(self) -> AbstractContextManager[dict[str, str]]:
        """``DOCKER_HOST`` pointing here, for code under test that reads the environment."""
        return docker_environment(self.docker_host)


def real_docker_host() -> tuple[str | None, str]:
    """The real engine to use and, when there is none that answers, why."""
    for variable in REAL_HOST_VARIABLES:
        host = os.environ.get(variable, "").strip()
        if host:
            break
    else:
        return None, "no real Docker engine: set DOCKERSDK_REAL_DOCKER_HOST or DOCKER_HOST"
    import dockersdk

    try:
        with dockersdk.DockerClient(base_url=host, timeout=3) as client:
            client.ping()
    except Exception as exc:  # any failure to reach it means: not usable
        return None, f"real Docker engine at {host} ({variable}) does not answer: {exc}"
    return host, ""


@pytest.fixture
def docker_backend(request: pytest.FixtureRequest) -> Iterator[DockerBackend]:
    """A backend for a ``@pytest.mark.docker_backends`` test: the mock or a real engine."""
    name = str(request.param)
    if name.startswith("skip:"):
        chosen = request.config.getoption("--docker-backend")
        pytest.skip(f"this test does not run on --docker-backend={chosen}")
    import dockersdk

    if name == "mock":
        from mockd.daemon import MockDaemon
        from mockd.validation import assert_no_violations

        with MockDaemon() as daemon, daemon.client() as client:
            yield DockerBackend("mock", daemon.docker_host, client, daemon)
        assert_no_violations(daemon.response_violations)
        return
    host, why_not = real_docker_host()
    if host is None:
        pytest.skip(why_not)
    with dockersdk.DockerClient(base_url=host) as client:
        yield DockerBackend("real", host, client)
