"""Fixtures for the mockd.fs tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def clock() -> Callable[[], float]:
    ticks = iter(range(1_700_000_000, 1_800_000_000))
    return lambda: float(next(ticks))
