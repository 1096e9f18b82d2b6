"""The docker CLI's container commands against ``mockd serve``."""

from __future__ import annotations

import json
import subprocess

from tests.cli.dockercli import NEEDS_CLI, run_docker

pytestmark = NEEDS_CLI


docker = run_docker


def test_run_rm_prints_output(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    done = docker(mockd_serve, docker_cli_env, "run", "--rm", "busybox", "echo", "hello")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello\n"


def test_run_rm_of_a_command_that_cannot_start_ends(
    mockd_serve: str, docker_cli_env: dict[str, str]
) -> None:
    # The CLI waits for the daemon to remove the container after the failed start.
    name = "cannot-start"
    done = docker(
        mockd_serve, docker_cli_env, "run", "--rm", "--name", name, "busybox", "nosuch", timeout=20
    )
    assert done.returncode == 127
    assert 'exec: "nosuch": executable file not found in $PATH' in done.stderr
    listed = docker(mockd_serve, docker_cli_env, "ps", "-aq", "--filter", f"name={name}")
    assert (listed.returncode, listed.stdout) == (0, "")


def test_detached_lifecycle(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return docker(mockd_serve, docker_cli_env, *args)

    assert cli("pull", "busybox").returncode == 0
    run = cli("run", "-d", "--name", "web", "-e", "A=1", "busybox", "sleep", "1000")
    assert run.returncode == 0, run.stderr
    cid = run.stdout.strip()
    assert len(cid) == 64

    ps = cli("ps")
    assert ps.returncode == 0, ps.stderr
    header, *rows = ps.stdout.splitlines()
    assert header.split()[:2] == ["CONTAINER", "ID"]
    assert any(row.startswith(cid[:12]) and row.rstrip().endswith("web") for row in rows)
    assert any('"sleep 1000"' in row and "Up " in row for row in rows)

    top = cli("top", "web")
    assert top.returncode == 0, top.stderr
    assert top.stdout.split()[:8] == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    assert "sleep 1000" in top.stdout

    inspected = json.loads(cli("inspect", "web").stdout)[0]
    assert inspected["State"]["Running"] is True
    assert "A=1" in inspected["Config"]["Env"]

    stop = cli("stop", "-t", "1", "web")
    assert stop.returncode == 0, stop.stderr
    assert stop.stdout.strip() == "web"
    assert json.loads(cli("inspect", "web").stdout)[0]["State"]["ExitCode"] == 137

    rm = cli("rm", "web")
    assert rm.returncode == 0 and rm.stdout.strip() == "web"
    gone = cli("inspect", "web")
    assert gone.returncode == 1 and gone.stdout.strip() == "[]"
    # The CLI then tries the other object kinds (networks, volumes...): the
    # container's own 404 is what matters here.
