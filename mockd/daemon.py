"""Running a mock daemon: the engine, the router and the server, on one loop.

:func:`serve` opens the listeners on the running loop (``mockd serve`` uses it
directly); :class:`MockDaemon` runs the same on a loop in a background thread,
for tests and examples that want a daemon next to their own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from mockd.engine import Engine
from mockd.engine.clock import Clock, ManualClock
from mockd.engine.system import API_VERSION
from mockd.eventloop import new_event_loop
from mockd.faults import Faults, Interceptor, RequestRecord
from mockd.fs.tarread import DEFAULT_LIMITS, TarLimits
from mockd.scripting import ScriptedImages

if TYPE_CHECKING:
    import dockersdk
    from mockd.router import Router
    from mockd.server import HTTPServer
    from mockd.spec import Spec
    from mockd.validation import ResponseViolation

T = TypeVar("T")
log = logging.getLogger(__name__)

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
    router: Router
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
    validate_responses: bool | None = None,
    violations: list[ResponseViolation] | None = None,
    max_body_size: int | None = None,
    socket_mode: int = 0o660,
    interceptor: Interceptor | None = None,
) -> Listening:
    """Open the daemon's listeners on the running loop; ``server.close()`` ends them.

    ``validate_responses`` (default: ``MOCKD_VALIDATE_RESPONSES``) checks every reply
    against the API document and appends mismatches to ``violations``.
    ``interceptor`` (``mockd.faults``) injects faults and records requests.
    ``max_body_size`` bounds a request body (413 beyond it); ``socket_mode`` is the
    unix socket's permission bits.  Every archive read while serving is held to
    ``engine.tar_limits``.
    """
    from mockd.fs.tarread import use_limits
    from mockd.router import Router
    from mockd.server import DEFAULT_MAX_BODY_SIZE, HTTPServer, make_server_ssl_context

    # Connections are tasks started from this context, and inherit the limits from it.
    use_limits(engine.tar_limits)

    if unix_path is None and tcp is None:
        raise ValueError("give a unix socket path, a TCP address, or both")
    from mockd.validation import enabled_by_env

    if validate_responses is None:
        validate_responses = enabled_by_env()
    router = Router(_spec(), engine, validate_responses=validate_responses, violations=violations)
    router.interceptor = interceptor
    server = HTTPServer(router, max_body_size=max_body_size or DEFAULT_MAX_BODY_SIZE)
    listening = Listening(server=server, router=router)
    try:
        if unix_path is not None:
            await server.listen_unix(unix_path, mode=socket_mode)
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


# Variables that would send a docker client elsewhere than DOCKER_HOST says.
CONFLICTING_ENV = ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT")


@contextlib.contextmanager
def docker_environment(docker_host: str) -> Iterator[dict[str, str]]:
    """Set ``DOCKER_HOST`` (and unset the TLS and context variables) for code under test.

    Everything is restored on exit.  The process environment is global: do not
    use it from tests that run in parallel threads.
    """
    names = ("DOCKER_HOST", *CONFLICTING_ENV)
    saved = {name: os.environ.get(name) for name in names}
    os.environ["DOCKER_HOST"] = docker_host
    for name in CONFLICTING_ENV:
        os.environ.pop(name, None)
    try:
        yield {"DOCKER_HOST": docker_host}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class MockDaemon:
    """A mock Docker daemon in a background thread, with fresh state.

    ::

        with MockDaemon() as daemon:
            client = daemon.client()
            client.ping()

    By default it listens on a unix socket in a private temporary directory;
    ``tcp="127.0.0.1:0"`` listens on a free TCP port instead (``tls`` adds TLS).
    Limits: ``socket_mode`` (0o660), ``max_body_size`` (413 beyond it) and
    ``tar_limits`` (``mockd.fs.TarLimits``: what any archive it reads may hold).

    For tests: ``images.add`` (images whose processes are Python functions,
    ``mockd.scripting``), ``faults`` and ``requests`` (``mockd.faults``),
    ``advance`` (with ``clock=ManualClock()``), ``reset()`` (pristine state,
    fast), ``state_file`` / ``save_state()`` (``mockd.snapshot``).
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
        validate_responses: bool | None = None,
        max_body_size: int | None = None,
        socket_mode: int = 0o660,
        state_file: str | os.PathLike[str] | None = None,
        tar_limits: TarLimits | None = None,
    ) -> None:
        if tls is not None and tcp is None:
            raise ValueError("TLS needs a TCP listener: pass tcp= as well")
        # Kept to build the same engine again on reset().
        self._engine_args: dict[str, Any] = {
            "clock": clock,
            "version": api_version or API_VERSION,
            "insecure_registries": tuple(insecure_registries),
            "seed": seed,
            "name": name,
            "tar_limits": tar_limits if tar_limits is not None else DEFAULT_LIMITS,
        }
        self.engine = self._new_engine()
        # The same clock for the daemon's whole life, across reset().
        self._engine_args["clock"] = self.engine.clock
        self.state_file = os.fspath(state_file) if state_file is not None else None
        self.faults = Faults(op.operation_id for op in _spec().operations)
        self.requests = RequestRecord()
        self.images = ScriptedImages(lambda: self.engine, self._on_loop)
        self._socket_path = socket_path
        self._tcp = tcp
        self._tls = tls
        self._tempdir: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested: asyncio.Event | None = None
        self._listening: Listening | None = None
        self._validate_responses = validate_responses
        self._max_body_size = max_body_size
        self._socket_mode = socket_mode
        # Replies that did not match the API document (with validate_responses on).
        self.response_violations: list[ResponseViolation] = []

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> MockDaemon:
        if self._thread is not None:
            raise RuntimeError("this MockDaemon is already started")
        socket_path = self._socket_path
        if socket_path is None and self._tcp is None:
            # A short private directory: unix socket paths are limited to ~100 bytes.
            self._tempdir = tempfile.mkdtemp(prefix="mockd-")
            socket_path = os.path.join(self._tempdir, "docker.sock")
        loop = new_event_loop()
        started = threading.Event()
        outcome: list[Listening | BaseException] = []
        stop_requested = asyncio.Event()

        async def main() -> None:
            # One coroutine owns the listeners from opening to closing, so a
            # stop that comes early or late always finds them in one state.
            try:
                if self.state_file is not None and os.path.exists(self.state_file):
                    from mockd.snapshot import restore

                    await restore(self.engine, self.state_file)
                listening = await serve(
                    self.engine,
                    unix_path=socket_path,
                    tcp=self._tcp,
                    tls=self._tls,
                    validate_responses=self._validate_responses,
                    violations=self.response_violations,
                    max_body_size=self._max_body_size,
                    socket_mode=self._socket_mode,
                    interceptor=Interceptor(self.faults, self.requests),
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
        """Close the listeners and end the loop; safe to call more than once.

        With a ``state_file``, the state is saved first (a clean shutdown); a save
        that fails is raised once the daemon has stopped anyway.
        """
        save_error: Exception | None = None
        if self.state_file is not None and self._loop is not None and self._listening:
            try:
                self.save_state()
            except Exception as exc:  # stop regardless; report it after
                save_error = exc
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
        if save_error is not None:
            raise save_error

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

    def docker_environment(self) -> contextlib.AbstractContextManager[dict[str, str]]:
        """``with daemon.docker_environment():`` code under test finds this daemon."""
        return docker_environment(self.docker_host)

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

    # -- test helpers ------------------------------------------------------

    def _new_engine(self) -> Engine:
        args = self._engine_args
        return Engine(
            args["clock"],
            version=args["version"],
            insecure_registries=args["insecure_registries"],
            seed=args["seed"],
            name=args["name"],
            tar_limits=args["tar_limits"],
        )

    def _on_loop(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the daemon's loop when it runs (the engine is not thread-safe)."""
        if self._loop is None:
            return fn()

        async def run() -> T:
            return fn()

        return self.call(run())

    @property
    def clock(self) -> Clock:
        """The engine's clock (a ``ManualClock`` when given one: ``advance`` moves it)."""
        return self.engine.clock

    def advance(self, seconds: float, *, step: float | None = None) -> None:
        """Move a ``ManualClock`` forward, then let the daemon run what woke up.

        One jump by default: a sleeper woken on the way that sleeps again starts
        from the new time.  With ``step``, time moves in steps of that size and the
        daemon runs between them (``advance(120, step=60)`` is two minutes of a
        ``sleep 60`` loop).
        """
        clock = self.engine.clock
        if not isinstance(clock, ManualClock):
            raise TypeError("advance() needs MockDaemon(clock=ManualClock())")
        if step is not None and step <= 0:
            raise ValueError("step must be positive")
        self.settle()  # what was started before this call gets to its sleep first
        left = seconds
        while True:
            move = left if step is None else min(step, left)
            clock.advance(move)
            self.settle()
            left -= move
            if left <= 1e-9:
                return

    def settle(self, max_rounds: int = 50) -> None:
        """Let the daemon's loop run what is ready (woken sleepers, exits, restarts).

        Runs the loop until a round changes neither its set of tasks nor the
        number of sleepers on the clock (a short real pause each round lets the
        threads of sync programs hop back), or ``max_rounds`` have passed.
        """
        clock = self.engine.clock

        async def spin() -> None:
            last: tuple[int, int] | None = None
            for _ in range(max_rounds):
                for _ in range(10):
                    await asyncio.sleep(0)
                await asyncio.sleep(0.001)
                sleepers = clock.sleepers if isinstance(clock, ManualClock) else 0
                now = (len(asyncio.all_tasks()), sleepers)
                if now == last:
                    return
                last = now

        if self._loop is not None:
            self.call(spin())

    def reset(self) -> None:
        """Back to a pristine daemon: a new engine, no faults, an empty request record.

        Containers of the old engine are killed; the listeners, the clock and open
        connections stay (a client keeps working).  Much cheaper than a new daemon.
        The state file, if any, is neither read nor written.
        """

        async def renew() -> None:
            old = self.engine
            for container in old.containers.all():
                try:
                    await old.containers.delete(container.id, force=True)
                except Exception:  # the old engine is discarded anyway: keep going
                    log.debug("reset: removing %s failed", container.id, exc_info=True)
            self.engine = self._new_engine()
            if self._listening is not None:
                self._listening.router.engine = self.engine

        if self._loop is None:
            self.engine = self._new_engine()
        else:
            self.call(renew())
        self.faults.clear()
        self.requests.clear()
        self.response_violations.clear()

    def save_state(self, path: str | os.PathLike[str] | None = None) -> str:
        """Write the whole state to ``path`` (default: ``state_file``) atomically; returns it."""
        from mockd.snapshot import save

        target = os.fspath(path) if path is not None else self.state_file
        if target is None:
            raise ValueError("no path given and no state_file configured")
        if self._loop is None:
            asyncio.run(save(self.engine, target))
        else:
            self.call(save(self.engine, target), timeout=None)
        return target

    def __repr__(self) -> str:
        where = self._listening.hosts[0] if self._listening else "stopped"
        return f"<MockDaemon {where}>"
