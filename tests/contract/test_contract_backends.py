"""The two-backend machinery itself: which backends run, and how they are reached."""

from __future__ import annotations

from pathlib import Path

import pytest
from backends import (
    NO_REAL_ENGINE,
    Backend,
    find_real_engine,
    http_base,
    open_backend,
    selected_backends,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ["mock", "real"]), ("both", ["mock", "real"]), ("mock", ["mock"]), ("REAL", ["real"])],
)
def test_backends_are_chosen_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("DOCKERSDK_BACKENDS", value)
    assert selected_backends() == expected


def test_an_unknown_backend_name_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKERSDK_BACKENDS", "podman")
    with pytest.raises(ValueError, match="mock, real or both"):
        selected_backends()


def test_http_base_reaches_unix_and_tcp_hosts() -> None:
    assert http_base("unix:///tmp/x/d.sock") == "http+unix://%2Ftmp%2Fx%2Fd.sock"
    assert http_base("tcp://127.0.0.1:2375") == "http://127.0.0.1:2375"
    with pytest.raises(ValueError):
        http_base("ssh://host")


def test_no_engine_means_a_skip_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DOCKERSDK_REAL_DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKERSDK_REAL_ENGINE_DIR", f"{tmp_path}/nothing-here")
    assert find_real_engine() == (None, NO_REAL_ENGINE)


def test_an_explicit_engine_that_does_not_answer_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKERSDK_REAL_DOCKER_HOST", f"unix://{tmp_path}/missing.sock")
    with pytest.raises(RuntimeError, match="does not answer"):
        find_real_engine()


def test_tracking_refuses_unknown_kinds() -> None:
    backend = Backend("real", "unix:///nonexistent.sock")
    with pytest.raises(ValueError, match="cannot track"):
        backend.track("secret", "x")
    assert backend.track("volume", "v1") == "v1"


def test_tracked_resources_are_removed_from_the_real_engine() -> None:
    host, why_not = find_real_engine()
    if host is None:
        pytest.skip(why_not)
    name = "dockersdk-test-cleanup"
    with open_backend("real", host) as backend:
        created = backend.api("POST", "/volumes/create", json={"Name": name})
        assert created.status_code == 201, created.text
        backend.track("volume", name)
    with open_backend("real", host) as backend:
        assert backend.api("GET", f"/volumes/{name}").status_code == 404
