"""A mock daemon the way users run it: ``mockd serve`` in a process of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import REPO_ROOT, answers_ping

START_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def mockd_serve() -> Iterator[str]:
    """``python -m mockd.cli serve --socket PATH`` running; yields its ``DOCKER_HOST``."""
    # A short directory of our own: unix socket paths stop at 107 bytes.
    state = Path(tempfile.mkdtemp(prefix="mockd-", dir="/tmp"))
    socket = state / "d.sock"
    host = f"unix://{socket}"
    log = (state / "mockd.log").open("wb")
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", "serve", "--socket", str(socket)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers_ping(host, timeout=1.0):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (state / "mockd.log").read_text(errors="replace")[-3000:]
                pytest.fail(
                    f"mockd serve did not answer on {host} (exit {process.poll()}):\n{output}"
                )
            time.sleep(0.1)
        yield host
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def docker_cli_env(tmp_path: Path) -> dict[str, str]:
    """An environment for the docker CLI that ignores the user's config and contexts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_CONFIG"] = str(tmp_path / "docker-config")
    return env
