"""``DOCKER_BUILDKIT=0 docker build`` (the classic builder) against ``mockd serve``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.cli.dockercli import NEEDS_CLI, run_docker

pytestmark = NEEDS_CLI


def docker(
    host: str, env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The classic builder (``DOCKER_BUILDKIT=0``): the one the mock serves."""
    return run_docker(host, {**env, "DOCKER_BUILDKIT": "0"}, *args, cwd=cwd, timeout=120)


def test_classic_build_then_images_and_run(
    mockd_serve: str, docker_cli_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\nCMD ["cat", "/hello.txt"]\n'
    )
    (tmp_path / "hello.txt").write_text("hello from the context\n")
    (tmp_path / ".dockerignore").write_text("ignored\n")
    (tmp_path / "ignored").write_text("x")

    built = docker(mockd_serve, docker_cli_env, "build", "-t", "app", ".", cwd=tmp_path)
    assert built.returncode == 0, built.stderr + built.stdout
    out = built.stdout
    assert re.search(r"^Sending build context to Docker daemon\s+\S+", out, re.M)
    assert "Step 1/4 : FROM busybox\n" in out
    assert re.search(r"^ ---> Running in [0-9a-f]{12}$", out, re.M)
    assert "\nhello from the context\n" in out
    match = re.search(r"^Successfully built ([0-9a-f]{12})$", out, re.M)
    assert match is not None
    assert out.rstrip().endswith("Successfully tagged app:latest")

    images = docker(
        mockd_serve, docker_cli_env, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"
    )
    assert images.returncode == 0, images.stderr
    assert f"app:latest {match.group(1)}" in images.stdout.splitlines()

    again = docker(mockd_serve, docker_cli_env, "build", "-t", "app", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(" ---> Using cache") == 3
    assert f"Successfully built {match.group(1)}" in again.stdout

    run = docker(mockd_serve, docker_cli_env, "run", "--rm", "app")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "hello from the context\n"


def test_a_failing_build_exits_non_zero_with_the_engines_message(
    mockd_serve: str, docker_cli_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN exit 3\n")
    failed = docker(mockd_serve, docker_cli_env, "build", ".", cwd=tmp_path)
    assert failed.returncode == 3
    assert "The command '/bin/sh -c exit 3' returned a non-zero code: 3" in failed.stderr
