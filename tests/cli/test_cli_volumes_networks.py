"""The docker CLI's volume, network, port and system commands against ``mockd serve``."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.dockercli import NEEDS_CLI, run_docker

pytestmark = NEEDS_CLI

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(mockd_serve: str, docker_cli_env: dict[str, str]) -> Cli:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = run_docker(mockd_serve, docker_cli_env, *args)
        assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"
        return done

    return run


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_volume_commands(cli: Cli) -> None:
    name = unique("clivol")
    assert cli("volume", "create", "--label", f"{name}=1", name).stdout == f"{name}\n"
    assert name in cli("volume", "ls", "-q").stdout.split()
    (inspected,) = json.loads(cli("volume", "inspect", name).stdout)
    assert inspected["Name"] == name and inspected["Labels"] == {name: "1"}
    assert cli("volume", "rm", name).stdout == f"{name}\n"
    other = unique("clivol")
    cli("volume", "create", "--label", f"{other}=1", other)
    pruned = cli("volume", "prune", "-f", "--all", "--filter", f"label={other}").stdout
    assert other in pruned and "Total reclaimed space" in pruned
    assert other not in cli("volume", "ls", "-q").stdout.split()


def test_a_second_container_reads_what_the_first_wrote_to_a_volume(cli: Cli) -> None:
    volume = unique("clidata")
    cli("run", "--rm", "-v", f"{volume}:/data", "busybox", "sh", "-c", "echo hello > /data/f")
    assert (
        cli("run", "--rm", "-v", f"{volume}:/data", "busybox", "cat", "/data/f").stdout == "hello\n"
    )


def test_a_bind_mount_writes_to_the_host(cli: Cli, tmp_path: Path) -> None:
    shared = tmp_path / "dir"
    shared.mkdir()
    cli("run", "--rm", "-v", f"{shared}:/data", "busybox", "sh", "-c", "echo kept > /data/out")
    assert (shared / "out").read_text() == "kept\n"


def test_network_commands(cli: Cli) -> None:
    network, container = unique("clinet"), unique("clic")
    cli("network", "create", network)
    cli("run", "-d", "--name", container, "busybox", "sleep", "1000")
    cli("network", "connect", "--alias", "db", network, container)
    (inspected,) = json.loads(cli("network", "inspect", network).stdout)
    (member,) = inspected["Containers"].values()
    assert member["Name"] == container
    networks = json.loads(
        cli("inspect", "--format", "{{json .NetworkSettings.Networks}}", container).stdout
    )
    assert set(networks) == {"bridge", network} and "db" in networks[network]["Aliases"]
    assert member["IPv4Address"] == f"{networks[network]['IPAddress']}/16"
    cli("network", "disconnect", network, container)
    (inspected,) = json.loads(cli("network", "inspect", network).stdout)
    assert inspected["Containers"] == {}
    cli("rm", "-f", container)
    assert cli("network", "rm", network).stdout == f"{network}\n"


def test_docker_port_lists_the_published_ports(cli: Cli) -> None:
    name = unique("web")
    cli("run", "-d", "--name", name, "-p", "8080:80", "busybox", "sleep", "1000")
    assert cli("port", name).stdout == "80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n"
    assert cli("port", name, "80").stdout == "0.0.0.0:8080\n[::]:8080\n"
    ps = cli("ps", "--filter", f"name={name}", "--format", "{{.Ports}}").stdout
    assert ps == "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp\n"
    cli("rm", "-f", name)


def test_system_df(cli: Cli) -> None:
    name = unique("dfc")
    volume = unique("dfv")
    cli(
        "run",
        "--name",
        name,
        "-v",
        f"{volume}:/data",
        "busybox",
        "sh",
        "-c",
        "echo 12345 > /data/f",
    )
    lines = cli("system", "df").stdout.splitlines()
    assert lines[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert [line.split()[0] for line in lines[1:]] == ["Images", "Containers", "Local", "Build"]
    verbose = cli("system", "df", "-v").stdout
    assert "Images space usage:" in verbose and "Build cache usage: 0B" in verbose
    volume_rows = [line.split() for line in verbose.splitlines() if line.startswith(volume)]
    assert volume_rows == [[volume, "1", "6B"]]  # the volume, its one user, "12345\n"
    container_rows = [line for line in verbose.splitlines() if line.endswith(f" {name}")]
    assert len(container_rows) == 1 and "Exited (0)" in container_rows[0]
    cli("rm", name)


def test_system_prune_with_a_label_filter(cli: Cli) -> None:
    key = unique("prune")
    doomed, kept = unique("pc"), unique("pk")
    cli("run", "--name", doomed, "--label", key, "busybox", "true")
    cli("run", "--name", kept, "busybox", "true")
    network = unique("pn")
    cli("network", "create", "--label", key, network)
    out = cli("system", "prune", "-f", "--filter", f"label={key}").stdout
    assert "Deleted Containers:" in out and "Deleted Networks:" in out
    assert network in out and "Total reclaimed space" in out
    names = cli("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert kept in names and doomed not in names
    assert network not in cli("network", "ls", "--format", "{{.Name}}").stdout.split()
    cli("rm", kept)
