"""mockd: a mock Docker daemon serving the Engine API from memory.

``MockDaemon`` runs one in a background thread (for tests and examples);
``mockd serve`` runs one as a process.  Importing this package starts nothing,
and loads its parts only when they are first used: the pytest plugin imports
the package in every test run, whether or not a test asks for a daemon.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mockd.daemon import MockDaemon, docker_environment
    from mockd.engine import Engine
    from mockd.engine.clock import ManualClock, SystemClock

__all__ = ["Engine", "ManualClock", "MockDaemon", "SystemClock", "docker_environment"]

_WHERE = {
    "MockDaemon": "mockd.daemon",
    "Engine": "mockd.engine",
    "ManualClock": "mockd.engine.clock",
    "SystemClock": "mockd.engine.clock",
    "docker_environment": "mockd.daemon",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mockd' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
