"""Error classes chosen from status and message; readable messages."""

from __future__ import annotations

import pytest

from dockersdk import errors
from dockersdk.errors import api_error
from tests.unit.sdk.status_classes import STATUS_CLASSES


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_picks_the_class(status: int, cls: type[errors.APIError]) -> None:
    error = api_error(status, "boom", "GET /x")
    assert type(error) is cls
    assert isinstance(error, errors.DockerError)
    assert (error.status, error.message, error.operation) == (status, "boom", "GET /x")


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("No such container: nope", errors.ContainerNotFound),
        ("no such image: nope:latest: No such image: nope:latest", errors.ImageNotFound),
        ("reference does not exist", errors.ImageNotFound),
        ("Could not find the file /etc/nope in container abc", errors.NotFound),
        ("network x not found", errors.NotFound),
    ],
)
def test_not_found_subclass_follows_the_message(message: str, cls: type[errors.NotFound]) -> None:
    assert type(api_error(404, message)) is cls


def test_str_names_status_operation_and_message() -> None:
    error = api_error(409, "container is running", "ContainerDelete")
    assert str(error) == "409 (ContainerDelete): container is running"


def test_daemon_unreachable_names_the_host_and_cause() -> None:
    error = errors.DaemonUnreachable("unix:///var/run/docker.sock", "socket missing")
    assert "unix:///var/run/docker.sock" in str(error)
    assert "socket missing" in str(error)


def test_read_timeout_is_a_timeout_error() -> None:
    assert issubclass(errors.ReadTimeout, TimeoutError)


def test_container_error_carries_the_run() -> None:
    error = errors.ContainerError("abc", 3, ["sh", "-c", "exit 3"], "busybox", b"oops\n")
    assert (error.container, error.exit_status, error.image, error.stderr) == (
        "abc",
        3,
        "busybox",
        b"oops\n",
    )
    assert "exit status 3" in str(error)
    assert "oops" in str(error)
