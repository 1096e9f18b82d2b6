"""The pytest plugin as a user's suite sees it: fixtures, isolation, the backend marker."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mockd.daemon import docker_environment

pytest_plugins = ["pytester"]

# The engine CI starts (scripts/real-engine), or one named in the environment.
REAL_SOCKET = os.environ.get(
    "DOCKERSDK_REAL_DOCKER_HOST", "unix:///tmp/dockersdk-real-engine/docker.sock"
).removeprefix("unix://")
REPO = Path(__file__).resolve().parents[2]


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess, so the environment a test sets is the one the inner run sees.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        # Only our plugin: the other installed ones make each inner start take seconds.
        mp.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        return pytester.runpytest_subprocess(
            "-p", "mockd.pytest_plugin", "-p", "no:cacheprovider", *args
        )


def test_function_scope_gives_each_test_fresh_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        hosts = []

        def test_make(docker_client, mockd):
            docker_client.volumes.create("mine")
            hosts.append(mockd.docker_host)

        def test_fresh(docker_client, mockd):
            assert [v.name for v in docker_client.volumes.list()] == []
            assert mockd.docker_host not in hosts
        """
    )
    _run(pytester).assert_outcomes(passed=2)


def test_session_daemon_is_shared_and_reset_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time

        hosts = []

        def test_make(mockd_session):
            client = mockd_session.client()
            client.volumes.create("mine")
            mockd_session.faults.fail("SystemPing", times=None)
            hosts.append(mockd_session.docker_host)

        def test_pristine(mockd_session):
            client = mockd_session.client()
            assert hosts == [mockd_session.docker_host]  # the same daemon
            assert client.volumes.list() == []           # ... with fresh state
            assert client.ping()                         # ... and no fault left armed
            assert len(mockd_session.requests.of("VolumeList")) == 1
        """
    )
    _run(pytester).assert_outcomes(passed=2)


def test_reset_keeps_the_listener_loop_and_connections() -> None:
    """What makes a reset cheap (its speed is for benchmarks, not a timed test): the
    listener, the loop thread and open connections stay; only the engine is new."""
    import threading

    from mockd.daemon import MockDaemon

    with MockDaemon() as daemon:
        client = daemon.client()
        client.volumes.create("kept-until-reset")
        container = client.containers.run("busybox", "sleep 60", detach=True)
        host, engine, threads = daemon.docker_host, daemon.engine, threading.active_count()
        daemon.reset()
        assert daemon.docker_host == host
        assert daemon.engine is not engine
        assert threading.active_count() == threads  # no new loop thread
        assert client.volumes.list() == []  # the same client, without reconnecting
        assert client.containers.list(all=True) == []
        assert engine.containers.all() == []  # the old engine's containers were removed
        assert container.id not in {c.id for c in client.containers.list(all=True)}


def test_docker_env_points_code_under_test_at_the_daemon(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os
        import dockersdk

        def test_env(docker_env, mockd):
            assert os.environ["DOCKER_HOST"] == mockd.docker_host
            assert "DOCKER_TLS_VERIFY" not in os.environ
            assert "DOCKER_CONTEXT" not in os.environ
            assert dockersdk.DockerClient().ping()

        def test_restored():
            assert os.environ["DOCKER_TLS_VERIFY"] == "1"
            assert os.environ["DOCKER_HOST"] == "tcp://elsewhere:2376"
        """
    )
    env = {"DOCKER_TLS_VERIFY": "1", "DOCKER_HOST": "tcp://elsewhere:2376", "DOCKER_CONTEXT": "x"}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        _run(pytester).assert_outcomes(passed=2)


def test_docker_environment_context_manager_restores_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_CERT_PATH", "/certs")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    with docker_environment("unix:///tmp/x.sock") as values:
        assert values == {"DOCKER_HOST": "unix:///tmp/x.sock"}
        assert os.environ["DOCKER_HOST"] == "unix:///tmp/x.sock"
        assert "DOCKER_CERT_PATH" not in os.environ
    assert os.environ["DOCKER_CERT_PATH"] == "/certs"
    assert "DOCKER_HOST" not in os.environ


BOTH_BACKENDS_TEST = """
import pytest

@pytest.mark.docker_backends
def test_ping(docker_backend):
    assert docker_backend.client.ping()
    assert docker_backend.is_mock == (docker_backend.mockd is not None)
    with docker_backend.environment():
        import os
        assert os.environ["DOCKER_HOST"] == docker_backend.docker_host

@pytest.mark.docker_backends("mock")
def test_mock_only(docker_backend):
    assert docker_backend.name == "mock"
"""


def test_backend_marker_runs_on_the_mock_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BOTH_BACKENDS_TEST)
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_ping?mock? PASSED*", "*test_mock_only?mock? PASSED*"])


def test_backend_marker_skips_an_unreachable_real_engine_with_a_reason(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(BOTH_BACKENDS_TEST)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DOCKERSDK_REAL_DOCKER_HOST", raising=False)
        mp.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        result = _run(pytester, "-v", "-rs", "--docker-backend=both")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["*real Docker engine at unix:///nonexistent/docker.sock*"])


def test_backend_marker_limits_backends_a_test_supports(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BOTH_BACKENDS_TEST)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DOCKERSDK_REAL_DOCKER_HOST", raising=False)  # CI points it at a live engine
        mp.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        result = _run(pytester, "-rs", "--docker-backend=real")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*does not run on --docker-backend=real*"])


@pytest.mark.skipif(not os.path.exists(REAL_SOCKET), reason="no reference engine here")
def test_backend_marker_runs_on_a_reachable_real_engine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(BOTH_BACKENDS_TEST)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKERSDK_REAL_DOCKER_HOST", f"unix://{REAL_SOCKET}")
        result = _run(pytester, "-v", "--docker-backend=both")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*test_ping?real? PASSED*"])
