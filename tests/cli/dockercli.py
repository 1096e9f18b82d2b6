"""The docker CLI as these tests run it: the modern client this machine ships.

Debian's docker.io package brings an older CLI to /usr/bin; the tests want the
newer one in /usr/local/bin (``DOCKERSDK_DOCKER_CLI`` overrides).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PREFERRED_CLI = "/usr/local/bin/docker"
DOCKER = os.environ.get("DOCKERSDK_DOCKER_CLI") or (
    PREFERRED_CLI if os.access(PREFERRED_CLI, os.X_OK) else shutil.which("docker") or PREFERRED_CLI
)

# For a test module's ``pytestmark``.
NEEDS_CLI = [
    pytest.mark.cli,
    pytest.mark.skipif(not shutil.which(DOCKER), reason=f"docker CLI not found ({DOCKER})"),
]


def run_docker(
    host: str,
    env: dict[str, str],
    *args: str,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """``docker --host HOST ARGS...`` with text output and no stdin."""
    return subprocess.run(
        [DOCKER, "--host", host, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


def run_docker_bytes(
    host: str, env: dict[str, str], *args: str, stdin: bytes | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """``docker --host HOST ARGS...`` with bytes in and out (``stdin`` piped when given)."""
    return subprocess.run(
        [DOCKER, "--host", host, *args],
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
