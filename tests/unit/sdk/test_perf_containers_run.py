"""``containers.run`` sends what ``docker run`` sends and no more: counted
requests against canned answers (``responses``; the attach is a stand-in)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

import dockersdk
from dockersdk.api.containers import ContainersAPI
from dockersdk.errors import ContainerError
from dockersdk.streams import STDERR, STDOUT

BASE = "http://127.0.0.1:2375/v1.41"
CID = "c0ffee" * 10 + "abcd"
INSPECT = {"Id": CID, "Name": "/web", "State": {"Status": "created"}, "Config": {"Tty": False}}


@pytest.fixture
def client() -> Iterator[dockersdk.DockerClient]:
    with dockersdk.DockerClient(base_url="tcp://127.0.0.1:2375", version="1.41") as c:
        yield c


class FakeConnection:
    """The hijacked attach connection; records the ``tty`` it was read with."""

    def __init__(self, frames: list[tuple[int, bytes]]) -> None:
        self._frames = frames
        self.tty: bool | None = None
        self.closed = False

    def frames(self, tty: bool | None = None) -> Iterator[tuple[int, bytes]]:
        self.tty = tty
        yield from self._frames

    def close(self) -> None:
        self.closed = True


def canned(monkeypatch: pytest.MonkeyPatch, exit_code: int = 0) -> list[dict[str, Any]]:
    """Answers for every container call ``run`` might make; the attaches made."""
    responses.post(f"{BASE}/containers/create", json={"Id": CID})
    responses.get(f"{BASE}/containers/{CID}/json", json=INSPECT)
    responses.post(f"{BASE}/containers/{CID}/wait", json={"StatusCode": exit_code, "Error": None})
    responses.post(f"{BASE}/containers/{CID}/start", status=204)
    responses.delete(f"{BASE}/containers/{CID}", status=204)
    responses.get(f"{BASE}/containers/{CID}/logs", body=b"")
    attaches: list[dict[str, Any]] = []
    connection = FakeConnection([(STDOUT, b"out\n"), (STDERR, b"err\n")])

    def attach(self: ContainersAPI, container: str, **kwargs: Any) -> FakeConnection:
        attaches.append({"container": container, **kwargs})
        return connection

    monkeypatch.setattr(ContainersAPI, "attach", attach)
    return attaches


def sent() -> list[str]:
    """``METHOD /path`` of each request sent, without the version prefix and query."""
    calls = []
    for call in responses.calls:
        url = str(call.request.url).removeprefix(BASE).split("?")[0]
        calls.append(f"{call.request.method} {url.replace(CID, 'ID')}")
    return calls


@responses.activate
def test_foreground_run_is_create_wait_attach_start(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attaches = canned(monkeypatch)
    assert client.containers.run("busybox", ["x"]) == b"out\n"
    assert sent() == ["POST /containers/create", "POST /containers/ID/wait",
                      "POST /containers/ID/start"]  # fmt: skip
    assert len(attaches) == 1 and attaches[0]["container"] == CID


@responses.activate
def test_run_remove_adds_no_call(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daemon removes the container (AutoRemove), and the wait ends once it did.
    attaches = canned(monkeypatch)
    assert client.containers.run("busybox", ["x"], remove=True, stderr=True) == b"out\nerr\n"
    assert sent() == ["POST /containers/create", "POST /containers/ID/wait",
                      "POST /containers/ID/start"]  # fmt: skip
    assert len(attaches) == 1


@responses.activate
def test_failed_run_still_needs_no_inspect(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    canned(monkeypatch, exit_code=3)
    with pytest.raises(ContainerError) as caught:
        client.containers.run("busybox", ["x"], remove=True)
    assert caught.value.container == CID and caught.value.stderr == b"err\n"
    assert not any(call.endswith("/json") or "/logs" in call for call in sent())


@pytest.mark.parametrize("tty", [False, True])
@responses.activate
def test_tty_comes_from_the_arguments(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    canned(monkeypatch)
    connection = FakeConnection([(STDOUT, b"merged\n")])
    monkeypatch.setattr(ContainersAPI, "attach", lambda self, *a, **k: connection)
    assert client.containers.run("busybox", ["x"], tty=tty) == b"merged\n"
    assert connection.tty is tty
    assert "GET /containers/ID/json" not in sent()
