"""``docker system df [-v]`` and ``docker builder prune`` against ``mockd serve``.

The mock keeps the classic builder's steps as build-cache records (dockerd
20.10 keeps none; see tests/contract/test_build_cache.py for why the mock
goes further).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.dockercli import NEEDS_CLI
from tests.cli.test_cli_build import docker

pytestmark = NEEDS_CLI


def test_system_df_shows_build_cache_and_builder_prune_clears_it(
    mockd_serve: str, docker_cli_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nRUN dd if=/dev/zero of=/big bs=1000 count=200\nCOPY a.txt /a.txt\n"
    )
    (tmp_path / "a.txt").write_text("cache me\n")
    built = docker(mockd_serve, docker_cli_env, "build", ".", cwd=tmp_path)
    assert built.returncode == 0, built.stderr + built.stdout

    df = docker(mockd_serve, docker_cli_env, "system", "df")
    assert df.returncode == 0, df.stderr
    # Untagged build: nothing keeps the two step layers, all of it is reclaimable.
    assert re.search(r"^Build Cache\s+2\s+0\s+200kB\s+200kB$", df.stdout, re.M), df.stdout

    verbose = docker(mockd_serve, docker_cli_env, "system", "df", "-v")
    assert verbose.returncode == 0, verbose.stderr
    rows = re.findall(r"^([0-9a-z]{12})\s+regular\s+(\S+)\s", verbose.stdout, re.M)
    assert sorted(size for _, size in rows) == ["200kB", "9B"], verbose.stdout

    pruned = docker(mockd_serve, docker_cli_env, "builder", "prune", "-f")
    assert pruned.returncode == 0, pruned.stderr
    assert "Deleted build cache objects:" in pruned.stdout
    assert all(ident in pruned.stdout for ident, _ in rows)
    assert re.search(r"^Total reclaimed space: 200kB$", pruned.stdout, re.M), pruned.stdout

    rebuilt = docker(mockd_serve, docker_cli_env, "build", ".", cwd=tmp_path)
    assert rebuilt.returncode == 0 and "Using cache" not in rebuilt.stdout
    tagged = docker(mockd_serve, docker_cli_env, "build", "-t", "kept", ".", cwd=tmp_path)
    assert tagged.stdout.count(" ---> Using cache") == 2
    again = docker(mockd_serve, docker_cli_env, "builder", "prune", "-a", "-f")
    assert again.returncode == 0 and "Total reclaimed space: 0B" in again.stdout
