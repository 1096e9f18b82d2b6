"""Restart policy, log config, healthcheck."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dockersdk.params import Healthcheck, InvalidArgument, healthcheck, log_config, restart_policy

SECOND = 1_000_000_000


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("always", {"Name": "always"}),
        ("unless-stopped", {"Name": "unless-stopped"}),
        ("no", {"Name": "no"}),
        ("on-failure", {"Name": "on-failure"}),
        ("on-failure:3", {"Name": "on-failure", "MaximumRetryCount": 3}),
        (
            {"Name": "on-failure", "MaximumRetryCount": 3},
            {"Name": "on-failure", "MaximumRetryCount": 3},
        ),
        ({"Name": "always", "MaximumRetryCount": 0}, {"Name": "always", "MaximumRetryCount": 0}),
        ({"name": "always"}, {"Name": "always"}),
    ],
)
def test_restart_policies(policy: Any, expected: dict[str, Any]) -> None:
    assert restart_policy(policy) == expected


@pytest.mark.parametrize(
    "policy",
    [
        "sometimes",
        "on-failure:x",
        "on-failure:-1",
        "always:3",
        {"Name": "always", "MaximumRetryCount": 2},
        {"Name": "on-failure", "MaximumRetryCount": "3"},
        {"Name": "on-failure", "MaximumRetryCount": -1},
        3,
    ],
)
def test_invalid_restart_policies(policy: Any) -> None:
    with pytest.raises(InvalidArgument):
        restart_policy(policy)


def test_log_config_forms() -> None:
    expected = {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}
    assert (
        log_config({"type": "json-file", "config": {"max-size": "10m", "max-file": 3}}) == expected
    )
    assert (
        log_config({"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}})
        == expected
    )
    assert log_config("none") == {"Type": "none", "Config": {}}
    from docker.types import LogConfig

    theirs = LogConfig(type="syslog", config={"tag": "x"})
    assert log_config(theirs) == dict(theirs)
    for bad in ({"config": {}}, {"type": "json-file", "config": ["x"]}, 5):
        with pytest.raises(InvalidArgument):
            log_config(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            {"test": "curl -f http://localhost/"},
            {"Test": ["CMD-SHELL", "curl -f http://localhost/"]},
        ),
        ({"test": ["CMD", "true"]}, {"Test": ["CMD", "true"]}),
        ({"test": ["NONE"]}, {"Test": ["NONE"]}),
        ({"test": []}, {"Test": []}),
        (
            {
                "test": "true",
                "interval": 30,
                "timeout": "5s",
                "retries": 3,
                "start_period": timedelta(seconds=10),
            },
            {
                "Test": ["CMD-SHELL", "true"],
                "Interval": 30 * SECOND,
                "Timeout": 5 * SECOND,
                "Retries": 3,
                "StartPeriod": 10 * SECOND,
            },
        ),
        (
            {"interval": "1m30s", "start_interval": "500ms"},
            {"Interval": 90 * SECOND, "StartInterval": SECOND // 2},
        ),
        ({"interval": 0}, {"Interval": 0}),
        # API-shaped keys carry nanoseconds unchanged (docker.types.Healthcheck).
        (
            {"Test": ["CMD", "x"], "Interval": 2 * SECOND, "Retries": 1},
            {"Test": ["CMD", "x"], "Interval": 2 * SECOND, "Retries": 1},
        ),
    ],
)
def test_healthchecks(given: dict[str, Any], expected: dict[str, Any]) -> None:
    assert healthcheck(given) == expected


def test_healthcheck_dataclass_and_docker_py_type() -> None:
    assert Healthcheck(test="true", interval="10s").to_api() == {
        "Test": ["CMD-SHELL", "true"],
        "Interval": 10 * SECOND,
    }
    from docker.types import Healthcheck as DockerPyHealthcheck

    theirs = DockerPyHealthcheck(test="true", interval=10 * SECOND, retries=2)
    assert healthcheck(theirs) == {k: v for k, v in theirs.items() if v is not None}


@pytest.mark.parametrize(
    "given",
    [
        {"test": ["echo", "x"]},
        {"interval": "0.5ms"},
        {"interval": -1},
        {"interval": 30_000_000_000},  # nanoseconds given where seconds are meant
        {"retries": -1},
        {"retries": "3"},
        {"Interval": 10},
        {"colour": "red"},
    ],
)
def test_invalid_healthchecks(given: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        healthcheck(given)
