"""``python -m benchmarks --quick`` runs against the mock and prints its tables.

A smoke test, not a timed one: it asserts that every benchmark ran and
reported, never what the figures are.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_quick_run_against_the_mock_prints_tables() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--backend", "mock"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for title in ("## Per-call latency", "## Decoding recorded bodies",
                  "## Log streaming throughput", "## Events decoding rate",
                  "## Container lifecycle", "## The mock holding", "## Targets"):  # fmt: skip
        assert title in out, f"{title!r} missing from:\n{out}"
    # Table rows measured on the mock, with numbers in them.
    mock_rows = [line for line in out.splitlines() if line.startswith("| mock ")]
    assert mock_rows and all(any(ch.isdigit() for ch in row) for row in mock_rows)
    assert "| mock    | container list 1000 |" in out
    assert "failed" not in out, out
