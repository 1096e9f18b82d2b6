"""The pytest plugin: its fixtures, as a user's test suite sees them."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[3]


def _plugin_args() -> list[str]:
    # Installed, the plugin loads through its pytest11 entry point; from a work
    # tree it has to be named.  Naming it twice would register it twice.
    installed = any(ep.value == "mockd.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "mockd.pytest_plugin"]


def test_fixtures_give_each_test_a_fresh_daemon(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        seen_hosts = []

        def test_client(docker_client, mockd):
            assert docker_client.ping()
            assert docker_client.info().id == mockd.engine.system.id
            mockd.engine.events.publish("volume", "create", "mine")
            seen_hosts.append(mockd.docker_host)

        def test_fresh_state(mockd, docker_host):
            assert docker_host == mockd.docker_host
            assert docker_host.startswith("unix://")
            assert mockd.engine.events.history() == []
            assert docker_host not in seen_hosts

        def test_env(docker_env, docker_host):
            assert os.environ["DOCKER_HOST"] == docker_host
            for name in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
                assert name not in os.environ
        """
    )
    os.environ["DOCKER_HOST"] = "tcp://elsewhere:2375"
    os.environ["DOCKER_TLS_VERIFY"] = "1"
    try:
        result = pytester.runpytest(*_plugin_args())
        # docker_env restored the variables it changed.
        assert os.environ["DOCKER_HOST"] == "tcp://elsewhere:2375"
        assert os.environ["DOCKER_TLS_VERIFY"] == "1"
    finally:
        del os.environ["DOCKER_HOST"], os.environ["DOCKER_TLS_VERIFY"]
    result.assert_outcomes(passed=3)


def test_daemon_is_stopped_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        paths = []

        def test_one(mockd):
            paths.append(mockd.socket_path)
            assert os.path.exists(paths[0])

        def test_after():
            assert not os.path.exists(paths[0])
        """
    )
    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=2)


def test_importing_the_plugin_starts_nothing() -> None:
    code = (
        "import sys, threading, mockd.pytest_plugin;"
        "assert 'mockd.server' not in sys.modules, 'server imported';"
        "assert 'mockd.daemon' not in sys.modules, 'daemon imported';"
        "assert threading.active_count() == 1"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
