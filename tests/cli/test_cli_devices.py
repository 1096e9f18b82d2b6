"""Devices through the docker CLI against ``mockd serve``: an endless device in a pipeline."""

from __future__ import annotations

import pytest

from tests.cli.dockercli import NEEDS_CLI, run_docker

pytestmark = NEEDS_CLI


docker = run_docker


@pytest.fixture(autouse=True)
def busybox(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    pulled = docker(mockd_serve, docker_cli_env, "pull", "-q", "busybox")
    assert pulled.returncode == 0, pulled.stderr


def test_head_of_urandom_through_a_pipe(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    script = "head -c 100000 /dev/urandom | wc -c; dd if=/dev/zero bs=1M count=3 | wc -c"
    done = docker(mockd_serve, docker_cli_env, "run", "--rm", "busybox", "sh", "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "100000\n3145728\n"
    assert done.stderr == "3+0 records in\n3+0 records out\n"


def test_dev_tty_is_the_terminal_with_t(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    script = "echo hi > /dev/tty; echo x > /dev/full"
    done = docker(mockd_serve, docker_cli_env, "run", "--rm", "-t", "busybox", "sh", "-c", script)
    assert done.returncode == 1
    # One terminal: both streams come back on stdout (text mode reads its \r\n as \n).
    assert done.stdout == "hi\nsh: write error: No space left on device\n"
