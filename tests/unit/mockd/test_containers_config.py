"""Config merge with the image's, and HostConfig defaults and validation, as dockerd."""

from __future__ import annotations

from typing import Any

import pytest

from mockd.engine.container_config import (
    command_of,
    merge_config,
    normalize_host_config,
    validate_host_config,
    validate_name,
)
from mockd.errors import InvalidParameter

IMAGE = {
    "Env": ["PATH=/bin", "A=image"],
    "Cmd": ["sh"],
    "Labels": {"l1": "image", "l2": "image"},
    "WorkingDir": "/srv",
    "User": "nobody",
    "ExposedPorts": {"80/tcp": {}},
    "StopSignal": "SIGQUIT",
}


@pytest.mark.parametrize(
    ("user", "key", "expected"),
    [
        ({"Env": ["A=user"]}, "Env", ["A=user", "PATH=/bin"]),
        ({}, "Env", ["PATH=/bin", "A=image"]),
        ({"Labels": {"l1": "user"}}, "Labels", {"l1": "user", "l2": "image"}),
        ({}, "Cmd", ["sh"]),
        ({"Cmd": ["echo"]}, "Cmd", ["echo"]),
        ({"Entrypoint": ["/entry"]}, "Cmd", None),
        ({}, "WorkingDir", "/srv"),
        ({"WorkingDir": "/x"}, "WorkingDir", "/x"),
        ({}, "User", "nobody"),
        ({"ExposedPorts": {"22/tcp": {}}}, "ExposedPorts", {"80/tcp": {}, "22/tcp": {}}),
        ({}, "StopSignal", "SIGQUIT"),
        ({"StopSignal": "SIGUSR1"}, "StopSignal", "SIGUSR1"),
    ],
)
def test_merge(user: dict[str, Any], key: str, expected: Any) -> None:
    assert merge_config(user, IMAGE)[key] == expected


def test_command_is_entrypoint_then_cmd() -> None:
    assert command_of({"Entrypoint": ["a"], "Cmd": ["b", "c"]}) == ["a", "b", "c"]
    with pytest.raises(InvalidParameter, match=r"^No command specified$"):
        command_of(merge_config({}, {}))


@pytest.mark.parametrize("name", ["web", "/web", "a.b_c-d", "0x"])
def test_valid_names(name: str) -> None:
    assert validate_name(name) == "/" + name.lstrip("/")


@pytest.mark.parametrize("name", ["-bad", "a", "x y", "/_x"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidParameter, match="only \\[a-zA-Z0-9\\]"):
        validate_name(name)


def test_host_config_defaults() -> None:
    host = normalize_host_config(None)
    assert host["LogConfig"] == {"Type": "json-file", "Config": {}}
    assert host["NetworkMode"] == "default"
    assert host["RestartPolicy"] == {"Name": "", "MaximumRetryCount": 0}
    assert host["ShmSize"] == 64 * 1024 * 1024
    assert normalize_host_config({"RestartPolicy": {"Name": "no"}})["RestartPolicy"]["Name"] == "no"


def test_memory_swap_defaults_to_twice_memory() -> None:
    assert normalize_host_config({"Memory": 100_000_000})["MemorySwap"] == 200_000_000
    assert normalize_host_config({"Memory": 100_000_000, "MemorySwap": -1})["MemorySwap"] == -1


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"Memory": 1000}, "Minimum memory limit allowed is 6MB"),
        ({"MemorySwap": 100_000_000}, "You should always set the Memory limit when using Memoryswap limit, see usage"),
        ({"Memory": 100_000_000, "MemorySwap": 1_000_000}, "Minimum memoryswap limit should be larger than memory limit, see usage"),
        ({"NanoCpus": 10**9, "CpuPeriod": 100000}, "Conflicting options: Nano CPUs and CPU Period cannot both be set"),
        ({"NanoCpus": 10**9, "CpuQuota": 100000}, "Conflicting options: Nano CPUs and CPU Quota cannot both be set"),
        ({"NanoCpus": 10**11}, "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"),
        ({"CpusetCpus": "0-99"}, "Requested CPUs are not available - requested 0-99, available: 0-1"),
        ({"CpusetCpus": "abc"}, "Invalid value abc for cpuset cpus: invalid format: abc"),
        ({"RestartPolicy": {"Name": "always", "MaximumRetryCount": 3}}, "maximum retry count cannot be used with restart policy 'always'"),
        ({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": -1}}, "maximum retry count cannot be negative"),
        ({"RestartPolicy": {"Name": "bogus"}}, "invalid restart policy 'bogus'"),
        ({"AutoRemove": True, "RestartPolicy": {"Name": "always"}}, "can't create 'AutoRemove' container with restart policy"),
    ],
)  # fmt: skip
def test_validation_messages(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        validate_host_config(normalize_host_config(given), ncpu=2)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "given", [{}, {"Memory": 6 * 1024 * 1024}, {"CpusetCpus": "0,1"}, {"NanoCpus": 1_500_000_000}]
)
def test_valid_host_configs(given: dict[str, Any]) -> None:
    validate_host_config(normalize_host_config(given), ncpu=2)
