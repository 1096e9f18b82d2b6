"""A container's processes and stdio: the program, its output, signals, pause, OOM and exit.

This is the mock's runc + containerd-shim.  :class:`OutputHub` is the
container's stdio across its whole life (dockerd's ``StreamConfig``): it
exists from create, keeps the log, and hands subscribers "the log so far +
everything after" in one step, so an attach made before start, or one that
replays the log, misses nothing and repeats nothing.  :class:`ContainerProcess`
is one run: ``argv`` as PID 1 of a fresh process table (``mockd.programs``),
output into the hub (through a terminal's ``\n`` → ``\r\n`` with a TTY),
a stdin writer for attach, signals, the freezer's pause (the programs' clock
stands still and their output blocks), the terminal's size, and the memory
cgroup's OOM kill.

Public surface (read by exec, attach, logs, stats, top, health):
``OutputHub(logs)``: ``subscribe(replay=...)``, ``stdin()``, ``publish``,
``close()``.  ``ContainerProcess``: ``start(argv, env, cwd, user, tty,
stdin_open)``, ``stdin`` (``write``, ``close`` = EOF), ``subscribe()``,
``signal(signum)``, ``resize(rows, cols)``, ``terminal``, ``pause()``,
``resume()``, ``paused``, ``await wait()``, ``exit_code``, ``oom_killed``,
``memory_limit``, ``running``, ``pid`` (the host PID of PID 1),
``host_pid(container_pid)``, ``processes`` (the ``ProcessTable``), ``clock``
(the pausable clock programs see), ``usage()``, ``context(...)`` (a
``ProgramContext`` for another process in this container, e.g. an exec).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from mockd.engine.clock import Clock
from mockd.engine.logs import MAX_LINE, LogStore, Stream
from mockd.fs.api import FileSystem
from mockd.programs.api import NetworkView, ProgramContext, Terminal, Usage, User
from mockd.programs.limits import DEFAULT_LIMITS, Limits
from mockd.programs.process import ProcessTable
from mockd.programs.registry import ProgramRegistry, default_registry
from mockd.programs.runner import Process, start_program
from mockd.programs.scheduling import checkpoint
from mockd.programs.signals import SIGKILL, SIGWINCH, Signals
from mockd.programs.streams import EmptyInput, InputStream, Pipe

# A process that reported nothing still uses some memory; ``docker stats``
# of an idle busybox shows a few hundred KiB.
BASE_MEMORY_BYTES = 400 * 1024


def onlcr(data: bytes) -> bytes:
    """A terminal's output processing (``onlcr``): every ``\n`` goes out as ``\r\n``.

    Applied once, where the program writes, as the pty does: the log and
    every reader then hold what the real engine's hold.
    """
    return data.replace(b"\n", b"\r\n")


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


_Item = tuple[Stream, bytes]


class OutputSubscription:
    """What one reader of a container's output gets: a backlog, then live output.

    Iterate it for ``(stream, data)`` pieces; it ends when the run it saw
    (the current one, else the next) ends, or the container is removed.
    ``close()`` unsubscribes (iterating to the end does too).
    """

    def __init__(self, hub: OutputHub, backlog: list[_Item]) -> None:
        self._hub = hub
        self.backlog = backlog
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()

    def _put(self, item: _Item | None) -> None:
        self._queue.put_nowait(item)

    def __aiter__(self) -> AsyncIterator[_Item]:
        return self._items()

    async def _items(self) -> AsyncIterator[_Item]:
        try:
            for item in self.backlog:
                yield item
            while True:
                got = await self._queue.get()
                if got is None:
                    return
                yield got
        finally:
            self.close()

    def close(self) -> None:
        self._hub._unsubscribe(self)


class OutputHub:
    """A container's stdio over its whole life: the log, live readers, the current stdin.

    Made at create, before any process exists (dockerd's ``StreamConfig``),
    so ``docker run`` can attach before it starts the container.  Everything
    here runs on the event loop without awaiting, so ``subscribe`` takes its
    snapshot and registers in one step: no output can fall between the two.
    """

    def __init__(self, logs: LogStore) -> None:
        self.logs = logs
        self._subscribers: list[OutputSubscription] = []
        # Bytes after the last line break of each stream: the log holds them
        # back until their line ends, but a replaying reader must get them.
        self._pending: dict[Stream, bytes] = {}
        self._stdin: StdinWriter | None = None
        self._stdin_ready = asyncio.Event()
        self.closed = False

    def subscribe(
        self, *, replay: bool = False, stdout: bool = True, stderr: bool = True
    ) -> OutputSubscription:
        """Output from now on; with ``replay``, the log up to now first (partial lines included)."""
        backlog: list[_Item] = []
        if replay:
            backlog = [(e.stream, e.data) for e in self.logs.read(stdout=stdout, stderr=stderr)]
            backlog += [
                (stream, data)
                for stream, data in sorted(self._pending.items())
                if data and (stdout if stream == "stdout" else stderr)
            ]
        subscription = OutputSubscription(self, backlog)
        if self.closed:
            subscription._put(None)
        else:
            self._subscribers.append(subscription)
        return subscription

    def _unsubscribe(self, subscription: OutputSubscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)

    def publish(self, stream: Stream, data: bytes, time_ns: int) -> None:
        self.logs.append(stream, data, time_ns)
        tail = self._pending.get(stream, b"") + data
        cut = tail.rfind(b"\n")
        tail = tail[cut + 1 :] if cut >= 0 else tail
        self._pending[stream] = tail[len(tail) - len(tail) % MAX_LINE :]  # as the log splits
        for subscription in list(self._subscribers):
            subscription._put((stream, data))

    # -- runs ---------------------------------------------------------------

    def run_started(self, stdin: StdinWriter) -> None:
        self._stdin = stdin
        self._stdin_ready.set()

    def run_ended(self) -> None:
        """The run's streams closed: partial lines become log lines, readers end."""
        self.logs.flush()
        self._pending.clear()
        self._stdin = None
        self._stdin_ready.clear()
        subscribers, self._subscribers = self._subscribers, []
        for subscription in subscribers:
            subscription._put(None)

    async def stdin(self) -> StdinWriter | None:
        """The stdin of the current run, or of the next once it starts; ``None`` once removed."""
        while self._stdin is None and not self.closed:
            await self._stdin_ready.wait()
        return self._stdin

    def close(self) -> None:
        """The container is removed: every reader ends, and nobody waits for a run."""
        self.closed = True
        self._stdin_ready.set()
        subscribers, self._subscribers = self._subscribers, []
        for subscription in subscribers:
            subscription._put(None)


class _Output:
    """stdout or stderr of the container: into its hub; blocks while paused."""

    def __init__(self, owner: ContainerProcess, stream: Stream) -> None:
        self._owner, self._stream = owner, stream

    async def write(self, data: bytes) -> None:
        await checkpoint()  # `yes` must not keep the loop from the daemon
        if data:
            owner = self._owner
            await owner.clock.wait_unpaused()
            data = onlcr(data) if owner.tty else data
            owner.output.publish(self._stream, data, owner.clock.now_ns())


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
        output: OutputHub,
        pid: int,
        hostname: str,
        registry: ProgramRegistry | None = None,
        memory_limit: int = 0,
        tty_size: tuple[int, int] | None = None,
        network: NetworkView | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.fs = fs
        self.clock = PausableClock(clock)
        self.output = output
        self.pid = pid  # the host's PID of PID 1
        self.hostname = hostname
        self.network = network  # what nslookup and ping see (``mockd.engine.dns``)
        self.limits = limits if limits is not None else DEFAULT_LIMITS  # HostConfig.Ulimits
        self.registry = registry if registry is not None else default_registry()
        self.processes = ProcessTable()
        self.stdin = StdinWriter(None)
        self.tty = False
        self.terminal = Terminal(*tty_size) if tty_size else Terminal()
        self.memory_limit = memory_limit  # HostConfig.Memory in bytes; 0: none
        self.oom_killed = False
        self.exit_code: int | None = None
        self._main: Process | None = None
        self._done: asyncio.Future[int] | None = None

    @property
    def logs(self) -> LogStore:
        return self.output.logs

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
            terminal=self.terminal,
            clock=self.clock,
            processes=self.processes,
            registry=self.registry,
            on_usage=self._on_usage,
            network=self.network,
            limits=self.limits,
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
        self.tty = tty
        ctx = self.context(argv, env=env, cwd=cwd, user=user, tty=tty, stdin=pipe)
        ctx.signals = Signals(init=True)
        self._main = start_program(ctx)
        self.stdin = StdinWriter(pipe)
        self.output.run_started(self.stdin)
        self._done = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().create_task(self._reap(self._main))

    async def _reap(self, main: Process) -> None:
        code = await main.wait()
        # The kernel kills the rest of a PID namespace when its init ends.
        self.processes.kill_all(SIGKILL)
        self.exit_code = code
        self.clock.resume()
        self.output.run_ended()
        if self._done is not None and not self._done.done():
            self._done.set_result(code)

    # -- output ---------------------------------------------------------------

    async def subscribe(self) -> AsyncIterator[tuple[Stream, bytes]]:
        """This run's output from now on, as written (not split in lines), until it ends.

        With a TTY everything arrives as ``"stdout"``.  To miss nothing of a
        run that has not started yet, subscribe to the container's hub instead.
        """
        if not self.running:
            return
        async for item in self.output.subscribe():
            yield item

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

    def resize(self, rows: int, cols: int) -> None:
        """The pty's new size; with a TTY the kernel tells the foreground process (SIGWINCH)."""
        self.terminal.resize(rows, cols)
        if self.tty:
            self.signal(SIGWINCH)

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

    # -- the memory cgroup ------------------------------------------------------

    def _on_usage(self, pid: int, usage: Usage) -> None:
        """A program reported its use: over the limit, the OOM killer ends the container.

        The kernel charges the whole cgroup (``usage()``, what ``docker stats``
        shows) and, with Docker's one-process-tree containers, the kill that
        matters is PID 1's: SIGKILL, exit 137, ``State.OOMKilled``.
        """
        if usage.memory_bytes is None or not self.memory_limit or not self.running:
            return
        if self.usage().memory_bytes > self.memory_limit:
            self.oom_killed = True
            self.signal(SIGKILL)

    # -- what top and stats read ----------------------------------------------

    def host_pid(self, container_pid: int) -> int:
        """The PID the host sees for a PID of this container."""
        return self.pid + container_pid - 1

    def usage(self) -> ResourceUsage:
        infos = self.processes.list()
        return ResourceUsage(
            memory_bytes=BASE_MEMORY_BYTES * len(infos) + sum(i.memory_bytes for i in infos),
            cpu_seconds=self.processes.cpu_ns / 1e9,  # the ended processes' time too
            pids=len(infos),
        )
