"""The docker CLI's stream commands against ``mockd serve``: run, exec, logs, stats, a TTY."""

from __future__ import annotations

import os
import pty
import select
import time
import uuid

import pytest

from tests.cli.dockercli import DOCKER, NEEDS_CLI, run_docker_bytes

pytestmark = NEEDS_CLI


docker = run_docker_bytes


@pytest.fixture
def host(mockd_serve: str, docker_cli_env: dict[str, str]) -> str:
    pulled = docker(mockd_serve, docker_cli_env, "pull", "-q", "busybox")
    assert pulled.returncode == 0, pulled.stderr
    return mockd_serve


@pytest.fixture
def web(host: str, docker_cli_env: dict[str, str]) -> str:
    """A running container that printed two lines, with ``A=hello-a`` in its env."""
    name = f"web-{uuid.uuid4().hex[:8]}"
    started = docker(
        host, docker_cli_env, "run", "-d", "--name", name, "-e", "A=hello-a", "busybox",
        "sh", "-c", "echo first; echo second; sleep 300",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    deadline = time.monotonic() + 10
    while docker(host, docker_cli_env, "logs", name).stdout != b"first\nsecond\n":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return name


def test_run_prints_the_output(host: str, docker_cli_env: dict[str, str]) -> None:
    result = docker(host, docker_cli_env, "run", "--rm", "busybox", "echo", "hello")
    assert (result.returncode, result.stdout) == (0, b"hello\n"), result.stderr


def test_run_reports_the_exit_code_and_stderr(host: str, docker_cli_env: dict[str, str]) -> None:
    result = docker(
        host, docker_cli_env, "run", "--rm", "busybox", "sh", "-c", "echo oops >&2; exit 7"
    )
    assert (result.returncode, result.stdout, result.stderr) == (7, b"", b"oops\n")


def test_run_with_stdin(host: str, docker_cli_env: dict[str, str]) -> None:
    result = docker(host, docker_cli_env, "run", "-i", "--rm", "busybox", "cat", stdin=b"hi\n")
    assert (result.returncode, result.stdout) == (0, b"hi\n"), result.stderr


def test_exec_env_has_the_containers_variables(
    host: str, docker_cli_env: dict[str, str], web: str
) -> None:
    # ``printenv`` is not an applet of the reference engine's busybox either: ``env`` is.
    result = docker(host, docker_cli_env, "exec", "-e", "B=b", web, "env")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert "A=hello-a" in lines and "B=b" in lines


def test_exec(host: str, docker_cli_env: dict[str, str], web: str) -> None:
    result = docker(host, docker_cli_env, "exec", web, "sh", "-c", "echo $A")
    assert (result.returncode, result.stdout) == (0, b"hello-a\n"), result.stderr
    failed = docker(host, docker_cli_env, "exec", web, "sh", "-c", "exit 3")
    assert failed.returncode == 3
    piped = docker(host, docker_cli_env, "exec", "-i", web, "cat", stdin=b"abc\n")
    assert piped.stdout == b"abc\n"


def test_logs_tail(host: str, docker_cli_env: dict[str, str], web: str) -> None:
    result = docker(host, docker_cli_env, "logs", "--tail", "1", web)
    assert (result.returncode, result.stdout) == (0, b"second\n"), result.stderr


def test_stats_no_stream(host: str, docker_cli_env: dict[str, str], web: str) -> None:
    result = docker(
        host,
        docker_cli_env,
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDs}} {{.MemUsage}}",
        web,
    )
    assert result.returncode == 0, result.stderr
    name, pids, usage = result.stdout.decode().split(" ", 2)
    assert name == web and int(pids) >= 1
    assert "/" in usage and not usage.startswith("0B")


def test_interactive_shell_through_a_pty(host: str, docker_cli_env: dict[str, str]) -> None:
    env = dict(docker_cli_env, TERM="xterm")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the docker CLI on a terminal
        os.execve(DOCKER, [DOCKER, "--host", host, "run", "-it", "--rm", "busybox", "sh"], env)
    seen = b""

    def read_until(marker: bytes, timeout: float = 15.0) -> bytes:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(fd, 4096)
                except OSError:
                    break
        return seen

    try:
        assert b"# " in read_until(b"# ")
        os.write(fd, b"echo $((6*7))\r")  # a terminal sends \r for Enter
        assert b"42\r\n" in read_until(b"42\r\n")
        os.write(fd, b"exit 5\r")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 5
    finally:
        os.close(fd)
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
