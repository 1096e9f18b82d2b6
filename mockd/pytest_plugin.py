"""pytest fixtures for testing code against a mock Docker daemon.

Registered through the ``pytest11`` entry point, so installing the package is
enough.  Each test that asks for one gets a fresh daemon:

* ``mockd``: a running :class:`mockd.MockDaemon`;
* ``docker_host``: its ``DOCKER_HOST`` string;
* ``docker_client``: a ``dockersdk.DockerClient`` bound to it;
* ``docker_env``: ``DOCKER_HOST`` set to it for the test (and the TLS and
  context variables unset), so code that reads the environment finds it.

Importing this module starts nothing: the daemon is imported and started
only by the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import dockersdk
    from mockd.daemon import MockDaemon

# Variables that would send a docker client elsewhere than DOCKER_HOST says.
_CONFLICTING_ENV = ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT")


@pytest.fixture
def mockd() -> Iterator[MockDaemon]:
    """A fresh mock daemon on a private unix socket, stopped after the test."""
    from mockd.daemon import MockDaemon

    with MockDaemon() as daemon:
        yield daemon


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
        close = getattr(client, "close", None)
        if callable(close):
            close()


@pytest.fixture
def docker_env(mockd: MockDaemon, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Point ``DOCKER_HOST`` at this test's mock daemon; restored after the test."""
    monkeypatch.setenv("DOCKER_HOST", mockd.docker_host)
    for name in _CONFLICTING_ENV:
        monkeypatch.delenv(name, raising=False)
    yield {"DOCKER_HOST": mockd.docker_host}
