"""The README's claims stay true: its SDK guide runs, its coverage table is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mockd import MockDaemon

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def test_the_sdk_guide_runs_against_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    code = re.search(r"```python\n(.*?)```", _section("## The SDK in five minutes"), re.S)
    assert code is not None
    with MockDaemon() as daemon:
        monkeypatch.setenv("DOCKER_HOST", daemon.docker_host)
        for name in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT"):
            monkeypatch.delenv(name, raising=False)
        exec(compile(code.group(1), "README.md", "exec"), {})
        client = daemon.client()
        assert [v.name for v in client.volumes.list()] == ["data"]
        assert client.containers.list(all=True) == []


def test_the_coverage_table_is_current() -> None:
    table = re.search(r"<!-- coverage:start -->\n(.*?)<!-- coverage:end -->", README, re.S)
    assert table is not None
    current = subprocess.run(
        [sys.executable, "-m", "mockd.cli", "coverage", "--markdown"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert table.group(1).strip() == current.strip(), (
        "README's coverage table is stale: paste the output of `mockd coverage --markdown`"
    )
