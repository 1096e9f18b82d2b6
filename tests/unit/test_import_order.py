"""Every module imports on its own, first, in a fresh interpreter.

A circular import only shows when the cycle is entered from one particular
module, so importing the package as a whole can hide it; this imports each
module first in turn (dropping the project's modules in between).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_IMPORT_EACH_FIRST = """
import importlib, pkgutil, sys
names = []
for top in ("dockersdk", "mockd"):
    package = importlib.import_module(top)
    names.append(top)
    # A __main__ is a program (it runs on import), not a module to import.
    names += [
        m.name for m in pkgutil.walk_packages(package.__path__, top + ".")
        if not m.name.endswith(".__main__")
    ]
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("dockersdk", "mockd")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
print(len(names))
print("\\n".join(failed))
"""


def test_every_module_imports_first_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH_FIRST], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    count, *failures = done.stdout.splitlines()
    assert int(count) > 100
    assert [line for line in failures if line] == []
