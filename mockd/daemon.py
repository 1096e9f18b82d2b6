"""Running a mock daemon: the engine, the router and the server, on one loop.

:func:`serve` opens the listeners on the running loop (``mockd serve`` uses it
directly); :class:`MockDaemon` runs the same on a loop in a background thread,
for tests and examples that want a daemon next to their own code.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from mockd.engine import Engine
from mockd.engine.clock import Clock
from mockd.engine.system import API_VERSION

if TYPE_CHECKING:
    import dockersdk
    from mockd.server import HTTPServer
    from mockd.spec import Spec

T = TypeVar("T")

START_TIMEOUT = 30.0


@dataclass(frozen=True)
class TLSFiles:
    """PEM files for a TLS listener; ``verify_client`` asks clients for a certificate."""

    cert: str
    key: str
    ca: str | None = None
    verify_client: bool = False


@dataclass
class Listening:
    """Where a running daemon answers."""

    server: HTTPServer
    unix_path: str | None = None
    tcp_address: tuple[str, int] | None = None
    tls: bool = False
    hosts: list[str] = field(default_factory=list)  # DOCKER_HOST strings, first preferred


@functools.cache
def _spec() -> Spec:
    # The document is the same for every daemon in a process: load it once.
    from mockd.spec import load_spec

    return load_spec()


def parse_tcp(value: str | tuple[str, int]) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) or a ``(host, port)`` pair."""
    if isinstance(value, tuple):
        return value
    text = value.removeprefix("tcp://")
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, not {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


async def serve(
    engine: Engine,
    *,
    unix_path: str | None = None,
    tcp: str | tuple[str, int] | None = None,
    tls: TLSFiles | None = None,
) -> Listening:
    """Open the daemon's listeners on the running loop; ``server.close()`` ends them."""
    from mockd.router import Router
    from mockd.server import HTTPServer, make_server_ssl_context

    if unix_path is None and tcp is None:
        raise ValueError("give a unix socket path, a TCP address, or both")
    server = HTTPServer(Router(_spec(), engine))
    listening = Listening(server=server)
    try:
        if unix_path is not None:
            await server.listen_unix(unix_path)
            listening.unix_path = unix_path
            listening.hosts.append(f"unix://{unix_path}")
        if tcp is not None:
            host, port = parse_tcp(tcp)
            ssl_context = None
            if tls is not None:
                ssl_context = make_server_ssl_context(
                    tls.cert, tls.key, tls.ca, verify_client=tls.verify_client
                )
            bound_host, bound_port = await server.listen_tcp(host, port, ssl_context)
            listening.tcp_address = (bound_host, bound_port)
            listening.tls = tls is not None
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            listening.hosts.append(f"tcp://{shown}:{bound_port}")
    except BaseException:
        await server.close()
        raise
    return listening


class MockDaemon:
    """A mock Docker daemon in a background thread, with fresh state.

    ::

        with MockDaemon() as daemon:
            client = daemon.client()
            client.ping()

    By default it listens on a unix socket in a private temporary directory;
    ``tcp="127.0.0.1:0"`` listens on a free TCP port instead (``tls`` adds TLS).
    """

    def __init__(
        self,
        *,
        socket_path: str | None = None,
        tcp: str | tuple[str, int] | None = None,
        tls: TLSFiles | None = None,
        clock: Clock | None = None,
        seed: int | str | None = None,
        api_version: str | None = None,
        insecure_registries: tuple[str, ...] | list[str] = (),
        name: str = "mockd",
    ) -> None:
        if tls is not None and tcp is None:
            raise ValueError("TLS needs a TCP listener: pass tcp= as well")
        self.engine = Engine(
            clock,
            version=api_version or API_VERSION,
            insecure_registries=tuple(insecure_registries),
            seed=seed,
            name=name,
        )
        self._socket_path = socket_path
        self._tcp = tcp
        self._tls = tls
        self._tempdir: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested: asyncio.Event | None = None
        self._listening: Listening | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> MockDaemon:
        if self._thread is not None:
            raise RuntimeError("this MockDaemon is already started")
        socket_path = self._socket_path
        if socket_path is None and self._tcp is None:
            # A short private directory: unix socket paths are limited to ~100 bytes.
            self._tempdir = tempfile.mkdtemp(prefix="mockd-")
            socket_path = os.path.join(self._tempdir, "docker.sock")
        loop = asyncio.new_event_loop()
        started = threading.Event()
        outcome: list[Listening | BaseException] = []
        stop_requested = asyncio.Event()

        async def main() -> None:
            # One coroutine owns the listeners from opening to closing, so a
            # stop that comes early or late always finds them in one state.
            try:
                listening = await serve(
                    self.engine, unix_path=socket_path, tcp=self._tcp, tls=self._tls
                )
            except BaseException as exc:
                outcome.append(exc)
                started.set()
                return
            outcome.append(listening)
            started.set()
            try:
                await stop_requested.wait()
            finally:
                await listening.server.close()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(main())
                # Let what is left (connections being closed) finish.
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

        thread = threading.Thread(target=run, name="mockd", daemon=True)
        self._loop, self._thread, self._stop_requested = loop, thread, stop_requested
        thread.start()
        if not started.wait(START_TIMEOUT):
            self.stop()
            raise RuntimeError("the mock daemon did not start in time")
        result = outcome[0]
        if isinstance(result, BaseException):
            self.stop()
            raise result
        self._listening = result
        return self

    def stop(self) -> None:
        """Close the listeners and end the loop; safe to call more than once."""
        loop, thread, stop_requested = self._loop, self._thread, self._stop_requested
        self._loop = self._thread = self._listening = self._stop_requested = None
        if loop is not None and stop_requested is not None:
            try:
                loop.call_soon_threadsafe(stop_requested.set)
            except RuntimeError:  # the loop has already closed
                pass
        if thread is not None:
            thread.join(timeout=10)
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self) -> MockDaemon:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- how to reach it ---------------------------------------------------

    @property
    def running(self) -> bool:
        return self._listening is not None

    @property
    def listening(self) -> Listening:
        if self._listening is None:
            raise RuntimeError("the mock daemon is not running: use start() or a with block")
        return self._listening

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value that reaches this daemon (``unix:///...``)."""
        return self.listening.hosts[0]

    @property
    def socket_path(self) -> str | None:
        return self.listening.unix_path

    @property
    def tcp_address(self) -> tuple[str, int] | None:
        return self.listening.tcp_address

    def environ(self) -> dict[str, str]:
        """Variables that point a docker client here (and at nothing else)."""
        return {"DOCKER_HOST": self.docker_host}

    def client(self, **kwargs: Any) -> dockersdk.DockerClient:
        """Our SDK's client, bound to this daemon."""
        import dockersdk

        return dockersdk.DockerClient(base_url=self.docker_host, **kwargs)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 30.0) -> T:
        """Run ``coro`` on the daemon's loop (where the engine lives) and return its result."""
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the mock daemon is not running")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    def __repr__(self) -> str:
        where = self._listening.hosts[0] if self._listening else "stopped"
        return f"<MockDaemon {where}>"
