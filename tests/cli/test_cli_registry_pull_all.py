"""``docker push`` of two tags then ``docker pull -a`` against ``mockd serve`` and the
local registry (``DOCKERSDK_REGISTRY``, default ``127.0.0.1:5000``)."""

from __future__ import annotations

import re
import uuid

from tests.cli.dockercli import NEEDS_CLI
from tests.cli.test_cli_build import docker
from tests.contract.test_image_transfer import REGISTRY, needs_registry

pytestmark = NEEDS_CLI


@needs_registry
def test_pull_all_tags(mockd_serve: str, docker_cli_env: dict[str, str]) -> None:
    repo = f"{REGISTRY}/cli-pull-all-{uuid.uuid4().hex[:8]}"
    assert docker(mockd_serve, docker_cli_env, "pull", "busybox").returncode == 0
    for tag in ("a", "b"):
        assert (
            docker(mockd_serve, docker_cli_env, "tag", "busybox", f"{repo}:{tag}").returncode == 0
        )
        pushed = docker(mockd_serve, docker_cli_env, "push", f"{repo}:{tag}")
        assert pushed.returncode == 0, pushed.stderr
    removed = docker(mockd_serve, docker_cli_env, "rmi", f"{repo}:a", f"{repo}:b")
    assert removed.returncode == 0, removed.stderr

    pulled = docker(mockd_serve, docker_cli_env, "pull", "-a", repo)
    assert pulled.returncode == 0, pulled.stderr
    path = repo.partition("/")[2]
    # In the registry's order, as dockerd takes it.
    assert sorted(re.findall(r"^(\w+): Pulling from (\S+)$", pulled.stdout, re.M)) == [
        ("a", path), ("b", path)]  # fmt: skip
    assert f"Status: Downloaded newer image for {repo}" in pulled.stdout
    listed = docker(mockd_serve, docker_cli_env, "images", repo, "--format", "{{.Tag}}")
    assert sorted(listed.stdout.split()) == ["a", "b"]
