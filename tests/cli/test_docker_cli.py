"""The docker CLI, unmodified, against ``mockd serve``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from backends import http_base, new_session

# The modern CLI this machine ships; Debian's docker.io brings an older one to /usr/bin.
PREFERRED_CLI = "/usr/local/bin/docker"
DOCKER = os.environ.get("DOCKERSDK_DOCKER_CLI") or (
    PREFERRED_CLI if os.access(PREFERRED_CLI, os.X_OK) else shutil.which("docker") or PREFERRED_CLI
)

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(not shutil.which(DOCKER), reason=f"docker CLI not found ({DOCKER})"),
]


def run_docker(host: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKER, "--host", host, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def server_version(host: str) -> dict[str, object]:
    with new_session() as session:
        reply = session.get(http_base(host) + "/version", timeout=10)
    reply.raise_for_status()
    body: dict[str, object] = reply.json()
    return body


def test_docker_version(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    result = run_docker(mockd_serve, docker_cli_env, "version", "--format", "{{json .}}")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    shown = json.loads(result.stdout)
    wire = server_version(mockd_serve)
    assert shown["Server"]["Version"] == wire["Version"]
    assert shown["Server"]["ApiVersion"] == wire["ApiVersion"]
    assert shown["Server"]["Os"] == "linux"


def test_docker_version_plain_output(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    result = run_docker(mockd_serve, docker_cli_env, "version")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Server:" in result.stdout
    assert f"Version:          {server_version(mockd_serve)['Version']}" in result.stdout


def test_docker_info(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    result = run_docker(mockd_serve, docker_cli_env, "info")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Server Version: {server_version(mockd_serve)['Version']}" in result.stdout
    assert "Containers: 0" in result.stdout


def test_docker_system_events_in_a_past_window(
    mockd_serve: str, docker_cli_env: dict[str, str]
) -> None:
    result = run_docker(
        mockd_serve, docker_cli_env, "system", "events", "--since", "1", "--until", "2"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == ""
