"""The examples of docs/TESTING.md, each run as the test module it is."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "TESTING.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.DOTALL)


def test_the_guide_has_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example(pytester: pytest.Pytester, index: int) -> None:
    source = BLOCKS[index]
    tests = len(re.findall(r"^def test_", source, re.MULTILINE))
    pytester.makepyfile(**{f"test_example_{index}": source})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
        mp.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        result = pytester.runpytest_subprocess(
            "-p", "mockd.pytest_plugin", "-p", "no:cacheprovider"
        )
    result.assert_outcomes(passed=tests)
