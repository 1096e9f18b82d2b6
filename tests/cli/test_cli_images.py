"""The docker CLI's image transfer commands against ``mockd serve``.

save/load, export | import, commit, and push/pull through the local registry
(``DOCKERSDK_REGISTRY``, default ``127.0.0.1:5000``; skipped when nothing
answers ``/v2/``).  Names are unique; pushed manifests are deleted afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from tests.cli.dockercli import NEEDS_CLI, run_docker_bytes

REGISTRY = os.environ.get("DOCKERSDK_REGISTRY", "127.0.0.1:5000")

pytestmark = NEEDS_CLI


def registry_answers() -> bool:
    try:
        return requests.get(f"http://{REGISTRY}/v2/", timeout=2).status_code in (200, 401)
    except requests.RequestException:
        return False


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Cli:
    """The docker CLI pointed at ``mockd serve``."""

    def __init__(self, host: str, env: dict[str, str]) -> None:
        self.host, self.env = host, env

    def raw(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return run_docker_bytes(self.host, self.env, *args, stdin=stdin)

    def __call__(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
        done = self.raw(*args, stdin=stdin)
        return subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
        )  # fmt: skip


@pytest.fixture
def cli(mockd_serve: str, docker_cli_env: dict[str, str]) -> Cli:
    return Cli(mockd_serve, docker_cli_env)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_save_to_a_file_and_load_it_back(cli: Cli, tmp_path: Path) -> None:
    run = cli
    ok(run("pull", "busybox"))
    repo = unique("cli-saved")
    ok(run("tag", "busybox", f"{repo}:v1"))
    image_id = ok(run("image", "inspect", "-f", "{{.Id}}", f"{repo}:v1")).strip()
    archive = tmp_path / "image.tar"
    ok(run("save", "-o", str(archive), f"{repo}:v1"))
    assert archive.stat().st_size > 10_000
    ok(run("rmi", f"{repo}:v1"))
    loaded = ok(run("load", "-i", str(archive)))
    assert f"Loaded image: {repo}:v1" in loaded
    assert ok(run("image", "inspect", "-f", "{{.Id}}", f"{repo}:v1")).strip() == image_id


def test_export_piped_into_import_runs(cli: Cli) -> None:
    run = cli
    name = unique("cli-export")
    ok(run("run", "--name", name, "busybox", "sh", "-c", "echo from export > /marker"))
    export = run.raw("export", name)
    assert export.returncode == 0, export.stderr
    exported = export.stdout
    repo = unique("cli-imported")
    imported = ok(run("import", "--change", 'CMD ["cat", "/marker"]', "-", f"{repo}:v1",
                      stdin=exported))  # fmt: skip
    assert imported.strip().startswith("sha256:")
    assert ok(run("run", "--rm", f"{repo}:v1")) == "from export\n"
    config = json.loads(ok(run("image", "inspect", "-f", "{{json .Config.Cmd}}", f"{repo}:v1")))
    assert config == ["cat", "/marker"]


def test_commit_then_run(cli: Cli) -> None:
    run = cli
    name = unique("cli-commit")
    ok(run("run", "--name", name, "busybox", "sh", "-c", "echo committed > /f"))
    repo = unique("cli-committed")
    image_id = ok(run("commit", "-m", "msg", "-c", "ENV B=2", name, f"{repo}:v1")).strip()
    assert image_id.startswith("sha256:")
    assert ok(run("run", "--rm", f"{repo}:v1", "sh", "-c", "cat /f; echo $B")) == "committed\n2\n"
    assert ok(run("image", "inspect", "-f", "{{.Comment}}", f"{repo}:v1")).strip() == "msg"


@pytest.mark.skipif(not registry_answers(), reason=f"no registry answers http://{REGISTRY}/v2/")
def test_tag_push_remove_pull_run(cli: Cli) -> None:
    run = cli
    ok(run("pull", "busybox"))
    repo = f"{REGISTRY}/{unique('cli-app')}"
    ok(run("tag", "busybox", f"{repo}:v1"))
    try:
        pushed = ok(run("push", f"{repo}:v1"))
        assert f"The push refers to repository [{repo}]" in pushed
        assert "v1: digest: sha256:" in pushed
        again = ok(run("push", f"{repo}:v1"))
        assert "Layer already exists" in again
        ok(run("rmi", f"{repo}:v1"))
        pulled = ok(run("pull", f"{repo}:v1"))
        assert f"Status: Downloaded newer image for {repo}:v1" in pulled
        assert ok(run("run", "--rm", f"{repo}:v1", "echo", "pulled")) == "pulled\n"
    finally:
        path = repo.partition("/")[2]
        accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
        head = requests.head(f"http://{REGISTRY}/v2/{path}/manifests/v1", headers=accept, timeout=5)
        if head.headers.get("Docker-Content-Digest"):
            digest = head.headers["Docker-Content-Digest"]
            requests.delete(f"http://{REGISTRY}/v2/{path}/manifests/{digest}", timeout=5)
