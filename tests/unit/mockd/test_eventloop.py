"""The daemon runs on uvloop when it is installed, on asyncio's loop when told to."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

import dockersdk
from mockd import MockDaemon
from mockd.eventloop import new_event_loop, uses_uvloop


def _loop_of(daemon: MockDaemon) -> asyncio.AbstractEventLoop:
    return daemon._on_loop(asyncio.get_running_loop)


def _run_echo(daemon: MockDaemon) -> bytes:
    with dockersdk.DockerClient(base_url=daemon.docker_host) as client:
        out = client.containers.run("busybox", ["sh", "-c", "echo hi; exit 0"], remove=True)
        assert client.containers.list(all=True) == []
    assert isinstance(out, bytes)
    return out


def test_uvloop_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOCKD_EVENT_LOOP", raising=False)
    assert uses_uvloop()
    with MockDaemon() as daemon:
        assert isinstance(_loop_of(daemon), uvloop.Loop)
        assert _run_echo(daemon) == b"hi\n"


@pytest.mark.parametrize("choice", ["asyncio", "ASYNCIO"])
def test_asyncio_loop_when_asked(monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    monkeypatch.setenv("MOCKD_EVENT_LOOP", choice)
    assert not uses_uvloop()
    loop = new_event_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
    with MockDaemon() as daemon:
        assert not isinstance(_loop_of(daemon), uvloop.Loop)
        assert _run_echo(daemon) == b"hi\n"
