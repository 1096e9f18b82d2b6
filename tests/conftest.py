"""Fixtures shared by the test suites: the ``docker`` fixture runs a test on each backend.

``@pytest.mark.mock_lacks("reason")`` marks a contract test that the mock cannot
pass yet: on the mock it is a strict xfail (so it turns red the day the mock
gains the operation and the mark should go), on the real engine it runs as usual.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Mock daemons started anywhere in the suite check their replies against the API document.
os.environ.setdefault("MOCKD_VALIDATE_RESPONSES", "1")
from backends import Backend, find_real_engine, open_backend, selected_backends


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mock_lacks(reason): strict xfail on the mock backend; the reason names what it lacks",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        mark = item.get_closest_marker("mock_lacks")
        callspec = getattr(item, "callspec", None)
        if mark is None or callspec is None or callspec.params.get("docker") != "mock":
            continue
        reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
        item.add_marker(pytest.mark.xfail(strict=True, reason=f"mock lacks {reason}"))


@pytest.fixture(params=selected_backends())
def docker(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A daemon to test against: a fresh mock, or the real engine (skipped when absent)."""
    real_host = ""
    if request.param == "real":
        host, why_not = find_real_engine()
        if host is None:
            pytest.skip(why_not)
        real_host = host
    with open_backend(request.param, real_host) as backend:
        yield backend
