"""The docker CLI, unmodified, against ``mockd serve``."""

from __future__ import annotations

import json

from backends import http_base, new_session

from tests.cli.dockercli import NEEDS_CLI, run_docker

pytestmark = NEEDS_CLI


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
