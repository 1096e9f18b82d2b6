"""A container's main process: the program, its stdio, signals, pause and exit.

This is the mock's runc + containerd-shim: :class:`ContainerProcess` starts
``argv`` as PID 1 of a fresh process table (``mockd.programs``), routes its
output both to the container's :class:`~mockd.engine.logs.LogStore` and to
live attach subscribers, gives attach a stdin writer, delivers signals, and
freezes the programs on ``pause`` (their clock stands still and their output
blocks), as the freezer cgroup does.

Public surface (read by exec, attach, logs, stats, top):
``start(argv, env, cwd, user, tty, stdin_open)``, ``stdin`` (``write``,
``close`` = EOF), ``subscribe()``, ``signal(signum)``, ``pause()``,
``resume()``, ``paused``, ``await wait()``, ``exit_code``, ``running``,
``pid`` (the host PID of PID 1), ``host_pid(container_pid)``, ``processes``
(the ``ProcessTable``), ``clock`` (the pausable clock programs see),
``usage()``, ``context(...)`` (a ``ProgramContext`` for another process in
this container, e.g. an exec).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from mockd.engine.clock import Clock
from mockd.engine.logs import LogStore, Stream
from mockd.fs.api import FileSystem
from mockd.programs.api import ProgramContext, User
from mockd.programs.process import ProcessTable
from mockd.programs.registry import ProgramRegistry, default_registry
from mockd.programs.runner import Process, start_program
from mockd.programs.signals import SIGKILL, Signals
from mockd.programs.streams import EmptyInput, InputStream, Pipe

# A process that reported nothing still uses some memory; ``docker stats``
# of an idle busybox shows a few hundred KiB.
BASE_MEMORY_BYTES = 400 * 1024


class PausableClock:
    """The engine's clock as a container's programs see it: it stands still while paused.

    ``now()`` is the real time (a paused container's ``date`` still reads the
    wall clock after unpause), but ``sleep`` only counts time spent unpaused.
    """

    def __init__(self, base: Clock) -> None:
        self.base = base
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._paused_event = asyncio.Event()

    def now(self) -> float:
        return self.base.now()

    def now_ns(self) -> int:
        return self.base.now_ns()

    def monotonic(self) -> float:
        return self.base.monotonic()

    def active_time(self) -> float:
        """Seconds of unpaused time, on the base clock's monotonic scale."""
        now = self.base.monotonic()
        paused = self._paused_total
        if self._paused_since is not None:
            paused += now - self._paused_since
        return now - paused

    @property
    def paused(self) -> bool:
        return self._paused_since is not None

    def pause(self) -> None:
        if self._paused_since is None:
            self._paused_since = self.base.monotonic()
            self._resumed.clear()
            self._paused_event.set()

    def resume(self) -> None:
        if self._paused_since is not None:
            self._paused_total += self.base.monotonic() - self._paused_since
            self._paused_since = None
            self._paused_event.clear()
            self._resumed.set()

    async def wait_unpaused(self) -> None:
        await self._resumed.wait()

    async def sleep(self, seconds: float) -> None:
        deadline = self.active_time() + seconds
        while True:
            await self._resumed.wait()
            remaining = deadline - self.active_time()
            if remaining <= 0:
                await asyncio.sleep(0)
                return
            sleeper = asyncio.ensure_future(self.base.sleep(remaining))
            paused = asyncio.ensure_future(self._paused_event.wait())
            try:
                await asyncio.wait({sleeper, paused}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, paused):
                    task.cancel()


class _Output:
    """stdout or stderr of the container: to the log and every subscriber; blocks while paused."""

    def __init__(self, owner: ContainerProcess, stream: Stream) -> None:
        self._owner, self._stream = owner, stream

    async def write(self, data: bytes) -> None:
        if data:
            await self._owner.clock.wait_unpaused()
            self._owner._emit(self._stream, data)


class StdinWriter:
    """The write end of the container's stdin, for attach; ``close()`` is EOF."""

    def __init__(self, pipe: Pipe | None) -> None:
        self._pipe = pipe

    @property
    def open(self) -> bool:
        """Whether the container has a stdin at all (``OpenStdin``)."""
        return self._pipe is not None

    async def write(self, data: bytes) -> None:
        if self._pipe is not None:
            await self._pipe.write(data)

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.close_write()


@dataclass(frozen=True)
class ResourceUsage:
    memory_bytes: int
    cpu_seconds: float
    pids: int


class ContainerProcess:
    """The main process of one run of a container."""

    def __init__(
        self,
        *,
        fs: FileSystem,
        clock: Clock,
        logs: LogStore,
        pid: int,
        hostname: str,
        registry: ProgramRegistry | None = None,
    ) -> None:
        self.fs = fs
        self.clock = PausableClock(clock)
        self.logs = logs
        self.pid = pid  # the host's PID of PID 1
        self.hostname = hostname
        self.registry = registry if registry is not None else default_registry()
        self.processes = ProcessTable()
        self.stdin = StdinWriter(None)
        self.tty = False
        self.exit_code: int | None = None
        self._main: Process | None = None
        self._done: asyncio.Future[int] | None = None
        self._subscribers: list[asyncio.Queue[tuple[Stream, bytes] | None]] = []

    # -- starting -----------------------------------------------------------

    def context(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: str,
        user: User,
        tty: bool,
        stdin: InputStream | None = None,
    ) -> ProgramContext:
        """A context for a process of this container (the main one, or an exec)."""
        return ProgramContext(
            argv=list(argv),
            fs=self.fs,
            env=dict(env),
            cwd=cwd or "/",
            user=user,
            hostname=self.hostname,
            stdin=stdin if stdin is not None else EmptyInput(),
            stdout=_Output(self, "stdout"),
            stderr=_Output(self, "stdout" if tty else "stderr"),
            tty=tty,
            clock=self.clock,
            processes=self.processes,
            registry=self.registry,
        )

    def start(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str,
        user: User,
        tty: bool = False,
        stdin_open: bool = False,
    ) -> None:
        """Start ``argv`` as PID 1; raises an ``ExecError`` (nothing runs) when it cannot."""
        pipe = Pipe() if stdin_open else None
        ctx = self.context(argv, env=env, cwd=cwd, user=user, tty=tty, stdin=pipe)
        ctx.signals = Signals(init=True)
        self.tty = tty
        self._main = start_program(ctx)
        self.stdin = StdinWriter(pipe)
        self._done = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().create_task(self._reap(self._main))

    async def _reap(self, main: Process) -> None:
        code = await main.wait()
        # The kernel kills the rest of a PID namespace when its init ends.
        self.processes.kill_all(SIGKILL)
        self.exit_code = code
        self.clock.resume()
        self.logs.flush()
        for queue in self._subscribers:
            queue.put_nowait(None)
        self._subscribers.clear()
        if self._done is not None and not self._done.done():
            self._done.set_result(code)

    # -- output ---------------------------------------------------------------

    def _emit(self, stream: Stream, data: bytes) -> None:
        self.logs.append(stream, data, self.clock.now_ns())
        for queue in self._subscribers:
            queue.put_nowait((stream, data))

    async def subscribe(self) -> AsyncIterator[tuple[Stream, bytes]]:
        """Output from now on, as written (not split in lines), until the process ends.

        With a TTY everything arrives as ``"stdout"``.  Subscribe before
        starting stdin traffic so nothing is missed.
        """
        if not self.running:
            return
        queue: asyncio.Queue[tuple[Stream, bytes] | None] = asyncio.Queue()
        self._subscribers.append(queue)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            if queue in self._subscribers:
                self._subscribers.remove(queue)

    # -- control --------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._main is not None and self.exit_code is None

    @property
    def paused(self) -> bool:
        return self.clock.paused

    def signal(self, signum: int) -> None:
        """Deliver a signal to PID 1 (SIGKILL also reaches a paused process, as in Linux)."""
        if self._main is None or self.exit_code is not None:
            return
        if signum == SIGKILL:
            self.clock.resume()
        self._main.send_signal(signum)

    def pause(self) -> None:
        self.clock.pause()
        for info in self.processes.list():
            info.state = "D"

    def resume(self) -> None:
        self.clock.resume()
        for info in self.processes.list():
            info.state = "S"

    async def wait(self) -> int:
        """The exit code of PID 1, once it has ended."""
        if self._done is None:
            raise RuntimeError("the process was never started")
        return await asyncio.shield(self._done)

    # -- what top and stats read ----------------------------------------------

    def host_pid(self, container_pid: int) -> int:
        """The PID the host sees for a PID of this container."""
        return self.pid + container_pid - 1

    def usage(self) -> ResourceUsage:
        infos = self.processes.list()
        return ResourceUsage(
            memory_bytes=BASE_MEMORY_BYTES * len(infos) + sum(i.memory_bytes for i in infos),
            cpu_seconds=sum(i.cpu_seconds for i in infos),
            pids=len(infos),
        )
