"""Run an HTTPServer on its own event loop in a background thread, for blocking clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests_unixsocket
from backends import http_base

from mockd import MockDaemon
from mockd.server import App, HTTPServer

T = TypeVar("T")


class ServerThread:
    """An HTTPServer whose loop runs in a daemon thread; ``call`` runs a coroutine on it."""

    def __init__(self, app: App, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: HTTPServer = self.call(self._make(app, options))

    @staticmethod
    async def _make(app: App, options: dict[str, Any]) -> HTTPServer:
        return HTTPServer(app, **options)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def soon(self, fn: Callable[[], object]) -> None:
        """Run a plain function on the server's loop (e.g. set an asyncio.Event)."""
        self.loop.call_soon_threadsafe(fn)

    def tcp(self, ssl_context: Any = None) -> tuple[str, int]:
        return self.call(self.server.listen_tcp("127.0.0.1", 0, ssl_context))

    def unix(self, path: Path, mode: int = 0o660) -> Path:
        self.call(self.server.listen_unix(path, mode))
        return path

    def stop(self) -> None:
        if self.loop.is_running():
            self.call(self.server.close())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        self.loop.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerThread]]:
    """``start_server(app, **HTTPServer options)``; every server is closed after the test."""
    started: list[ServerThread] = []

    def start(app: App, **options: Any) -> ServerThread:
        thread = ServerThread(app, **options)
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.stop()


@pytest.fixture
def busybox_daemon() -> Iterator[MockDaemon]:
    """A MockDaemon on a private socket, with busybox pulled."""
    with MockDaemon() as d:
        with requests_unixsocket.Session() as session:  # a stream of progress: not api()'s JSON
            pulled = session.post(http_base(d.docker_host) + "/images/create?fromImage=busybox")
            assert pulled.status_code == 200, pulled.text
        yield d
