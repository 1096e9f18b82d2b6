"""Restart policy, log driver configuration and healthcheck."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dockersdk.params.durations import Duration, to_nanoseconds
from dockersdk.params.errors import InvalidArgument

RESTART_POLICIES = ("", "no", "always", "unless-stopped", "on-failure")

# dockerd: healthcheck durations are 0 (inherit) or at least 1ms.
_MIN_HEALTHCHECK_DURATION = 1_000_000


def restart_policy(policy: Mapping[str, Any] | str) -> dict[str, Any]:
    """``"on-failure:3"``, ``"always"`` or ``{"Name": ..., "MaximumRetryCount": n}``."""
    if isinstance(policy, str):
        name, sep, count_text = policy.partition(":")
        if sep and not count_text.isdigit():
            raise InvalidArgument(
                f"invalid restart policy {policy!r}: the retry count must be a number",
                argument="restart_policy",
            )
        count = int(count_text) if sep else None
    elif isinstance(policy, Mapping):
        name = policy.get("Name", policy.get("name", ""))
        count = policy.get("MaximumRetryCount", policy.get("maximum_retry_count"))
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise InvalidArgument("MaximumRetryCount must be an int", argument="restart_policy")
    else:
        raise InvalidArgument(
            "restart_policy must be a string like 'on-failure:3' or a dict",
            argument="restart_policy",
        )
    if name not in RESTART_POLICIES:
        raise InvalidArgument(
            f"invalid restart policy name {name!r}: expected one of no, always, "
            "unless-stopped, on-failure",
            argument="restart_policy",
        )
    if count is not None and count < 0:
        raise InvalidArgument("MaximumRetryCount cannot be negative", argument="restart_policy")
    if count and name != "on-failure":
        raise InvalidArgument(
            f"a maximum retry count cannot be used with restart policy {name!r}",
            argument="restart_policy",
        )
    result: dict[str, Any] = {"Name": name}
    if count is not None:
        result["MaximumRetryCount"] = count
    return result


def log_config(config: Mapping[str, Any] | str) -> dict[str, Any]:
    """``"json-file"`` or ``{"type": "json-file", "config": {"max-size": "10m"}}``.

    Option values are sent as strings (dockerd reads a string map), so
    ``{"max-file": 3}`` works too.
    """
    if isinstance(config, str):
        driver, options = config, dict[str, Any]()
    elif isinstance(config, Mapping):
        driver = config.get("type", config.get("Type"))
        options = config.get("config", config.get("Config")) or {}
        if not isinstance(driver, str):
            raise InvalidArgument("log_config needs a driver 'type'", argument="log_config")
        if not isinstance(options, Mapping):
            raise InvalidArgument("log_config 'config' must be a dict", argument="log_config")
    else:
        raise InvalidArgument("log_config must be a driver name or a dict", argument="log_config")
    return {"Type": driver, "Config": {str(key): str(value) for key, value in options.items()}}


@dataclass(frozen=True)
class Healthcheck:
    """A container healthcheck, with readable durations.

    ``test``: a shell command string (-> ["CMD-SHELL", s]) or the API list
    (["CMD", ...], ["CMD-SHELL", s], ["NONE"], [] to inherit). Durations are
    seconds, Go duration strings ("30s") or timedeltas.
    """

    test: Sequence[str] | str | None = None
    interval: Duration | None = None
    timeout: Duration | None = None
    retries: int | None = None
    start_period: Duration | None = None
    start_interval: Duration | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.test is not None:
            body["Test"] = _healthcheck_test(self.test)
        for attribute, key in (
            ("interval", "Interval"),
            ("timeout", "Timeout"),
            ("start_period", "StartPeriod"),
            ("start_interval", "StartInterval"),
        ):
            value = getattr(self, attribute)
            if value is not None:
                body[key] = _healthcheck_duration(value, attribute)
        if self.retries is not None:
            if (
                isinstance(self.retries, bool)
                or not isinstance(self.retries, int)
                or self.retries < 0
            ):
                raise InvalidArgument(
                    "healthcheck retries must be an int >= 0", argument="healthcheck"
                )
            body["Retries"] = self.retries
        return body


_API_KEYS = {"Test", "Interval", "Timeout", "Retries", "StartPeriod", "StartInterval"}


def healthcheck(value: Healthcheck | Mapping[str, Any]) -> dict[str, Any]:
    """A Healthcheck, or a dict of its fields.

    Capitalised keys (``docker.types.Healthcheck``, the API's own shape) carry
    nanoseconds as the API does; lowercase keys are read like ``Healthcheck``.
    """
    if isinstance(value, Healthcheck):
        return value.to_api()
    if not isinstance(value, Mapping):
        raise InvalidArgument("healthcheck must be a Healthcheck or a dict", argument="healthcheck")
    raw = {key: item for key, item in value.items() if key in _API_KEYS and item is not None}
    readable = {key: item for key, item in value.items() if key not in _API_KEYS}
    try:
        body = Healthcheck(**readable).to_api()
    except TypeError as error:
        raise InvalidArgument(f"invalid healthcheck: {error}", argument="healthcheck") from None
    if "Test" in raw:
        raw["Test"] = _healthcheck_test(raw["Test"])
    for key in ("Interval", "Timeout", "StartPeriod", "StartInterval"):
        if key in raw:
            _check_nanoseconds(raw[key], key)
    body.update(raw)
    return body


def _healthcheck_test(test: Sequence[str] | str) -> list[str]:
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    items = list(test)
    if items and items[0] not in ("NONE", "CMD", "CMD-SHELL"):
        raise InvalidArgument(
            f"healthcheck test must start with CMD, CMD-SHELL or NONE, not {items[0]!r}",
            argument="healthcheck",
        )
    if any(not isinstance(item, str) for item in items):
        raise InvalidArgument("healthcheck test items must be strings", argument="healthcheck")
    return items


def _healthcheck_duration(value: Duration, name: str) -> int:
    nanoseconds = to_nanoseconds(value, argument=f"healthcheck {name}")
    _check_nanoseconds(nanoseconds, name)
    return nanoseconds


def _check_nanoseconds(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(
            f"healthcheck {name} must be an int of nanoseconds", argument="healthcheck"
        )
    if value != 0 and value < _MIN_HEALTHCHECK_DURATION:
        raise InvalidArgument(
            f"healthcheck {name} must be 0 or at least 1ms", argument="healthcheck"
        )
