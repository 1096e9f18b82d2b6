"""The public model of a program that runs inside a mock container.

A program is ``async def program(ctx: ProgramContext) -> int`` (its exit
code).  A plain function ``def program(ctx: SyncContext) -> int`` is accepted
too: it runs in a worker thread and sees blocking stdio and sleep (see
``mockd.programs.sync``).  Programs see the container only through the
context: its filesystem, environment, standard streams, clock, signals and
process table; they start other programs with ``ctx.spawn``.

The engine starts a container's process with ``mockd.programs.run_program``
(or ``start_program`` to learn about exec errors before waiting).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mockd.fs.api import FileSystem
from mockd.programs.limits import DEFAULT_LIMITS, Limits
from mockd.programs.process import ProcessTable
from mockd.programs.signals import Signals
from mockd.programs.streams import EmptyInput, InputStream, NullOutput, OutputStream

if TYPE_CHECKING:
    from mockd.programs.registry import ProgramRegistry
    from mockd.programs.runner import Process

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Exit codes shells and dockerd use.
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127
EXIT_SIGNAL_BASE = 128


class ProgramClock(Protocol):
    """What programs need of a clock; ``mockd.engine.clock.Clock`` satisfies it.

    The engine hands each container a clock that stands still while the
    container is paused, so a paused ``sleep`` does not advance.
    """

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class NetworkView(Protocol):
    """What a program may learn of its container's networks; ``mockd.engine.dns`` makes it.

    The emulation sends no packet: names and reachability come from the engine's state.
    """

    @property
    def embedded_dns(self) -> bool:
        """Whether Docker's embedded DNS server (127.0.0.11) answers in this container."""
        ...

    def resolve(self, name: str) -> list[str]:
        """The embedded DNS's IPv4 answer for ``name`` ([]: NXDOMAIN, or no embedded DNS)."""
        ...

    def reachable(self, address: str) -> bool:
        """Whether something at ``address`` answers this container's pings."""
        ...

    def interfaces(self) -> list[Interface]:
        """The container's interfaces besides ``lo``: eth0, eth1... in attachment order."""
        ...


@dataclass(frozen=True)
class Interface:
    """One of a container's network interfaces (its end of a veth pair)."""

    name: str  # eth0
    index: int  # ifindex; the host's end of the pair is index + 1
    mac: str
    address: str  # IPv4, dotted
    prefix_len: int
    gateway: str
    mtu: int = 1500


@dataclass(frozen=True)
class User:
    uid: int = 0
    gid: int = 0
    name: str = "root"
    groups: tuple[int, ...] = ()
    home: str = "/root"
    group_name: str = "root"


@dataclass(eq=False)
class Terminal:
    """The pseudo-terminal a container's (or a TTY exec's) processes share.

    Mutable and shared, not copied into each child context: a resize through
    the API is seen at once by every process on that terminal, as with a pty.
    """

    rows: int = 24
    cols: int = 80

    @property
    def size(self) -> tuple[int, int]:
        return self.rows, self.cols

    def resize(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols


@dataclass(frozen=True)
class Usage:
    memory_bytes: int | None
    cpu_seconds: float | None


# -- exec errors: raised by resolution, before any program runs ---------------


class ExecError(Exception):
    """A program could not be started; ``exit_code`` is what a shell reports."""

    exit_code = EXIT_NOT_EXECUTABLE

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class CommandNotFound(ExecError):
    """No executable of that name in ``$PATH`` (dockerd: ``exec: "foo": executable file not found in $PATH``)."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, name: str) -> None:
        super().__init__(name, "executable file not found in $PATH")


class NoSuchFile(ExecError):
    """A path given with a ``/`` does not exist (dockerd: ``stat /x: no such file or directory``)."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, name: str) -> None:
        super().__init__(name, "no such file or directory")


class PermissionDenied(ExecError):
    """The file is not executable, or is a directory."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "permission denied")


class ExecFormatError(ExecError):
    """Content the mock cannot run: an ELF other than busybox, an unregistered marker, text without ``#!``."""

    def __init__(self, name: str, detail: str = "exec format error") -> None:
        super().__init__(name, detail)


# -- the context ----------------------------------------------------------------


def _default_clock() -> ProgramClock:
    from mockd.engine.clock import SystemClock

    return SystemClock()


def _default_registry() -> ProgramRegistry:
    from mockd.programs.registry import default_registry

    return default_registry()


@dataclass(eq=False)
class ProgramContext:
    """Everything a running program may use.  ``argv[0]`` is the name it was started by."""

    argv: list[str]
    fs: FileSystem
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    user: User = field(default_factory=User)
    hostname: str = "localhost"
    stdin: InputStream = field(default_factory=EmptyInput)
    stdout: OutputStream = field(default_factory=NullOutput)
    stderr: OutputStream = field(default_factory=NullOutput)
    tty: bool = False  # stdin/stdout are a terminal (``docker run -t``)
    terminal: Terminal = field(default_factory=Terminal)  # its size, when ``tty``
    clock: ProgramClock = field(default_factory=_default_clock)
    signals: Signals = field(default_factory=Signals)
    processes: ProcessTable = field(default_factory=ProcessTable)
    registry: ProgramRegistry = field(default_factory=_default_registry)
    pid: int = 0  # set by the runner
    ppid: int = 0
    on_usage: Callable[[int, Usage], None] | None = None  # (pid, usage), for ``docker stats``
    umask: int = 0o022
    limits: Limits = field(default_factory=lambda: DEFAULT_LIMITS)  # replaced, never mutated
    network: NetworkView | None = None  # None: no network knowledge (/etc/hosts, literals)

    @property
    def tty_size(self) -> tuple[int, int]:
        """(rows, cols) of the terminal, as ``TIOCGWINSZ`` reads it (``stty size``)."""
        return self.terminal.size

    def report_usage(
        self, *, memory_bytes: int | None = None, cpu_seconds: float | None = None
    ) -> None:
        """Tell the engine how much memory this process uses now, and how much CPU time it
        has used so far beyond the steps the runner times for it (``docker stats``, ``top``).
        """
        info = self.processes.get(self.pid)
        if info is not None:
            if memory_bytes is not None:
                info.memory_bytes = memory_bytes
            if cpu_seconds is not None:
                self.processes.report_cpu(self.pid, cpu_seconds)
        if self.on_usage is not None:
            self.on_usage(self.pid, Usage(memory_bytes, cpu_seconds))

    def derive(self, **changes: Any) -> ProgramContext:
        """A copy for a child process: a fresh ``Signals`` unless given, ``env`` copied."""
        changes.setdefault("signals", Signals())
        changes.setdefault("env", dict(self.env))
        changes.setdefault("ppid", self.pid)
        return dataclasses.replace(self, **changes)

    async def spawn(
        self,
        argv: list[str],
        *,
        stdin: InputStream | None = None,
        stdout: OutputStream | None = None,
        stderr: OutputStream | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> Process:
        """Start another program, found through ``PATH`` in this container's filesystem.

        Raises an ``ExecError`` when it cannot be started; returns its running ``Process``.
        """
        from mockd.programs.runner import start_program

        child = self.derive(
            argv=list(argv),
            stdin=stdin if stdin is not None else self.stdin,
            stdout=stdout if stdout is not None else self.stdout,
            stderr=stderr if stderr is not None else self.stderr,
            env=dict(env) if env is not None else dict(self.env),
            cwd=cwd if cwd is not None else self.cwd,
        )
        return start_program(child)


ProgramResult = int | Awaitable[int]
Program = Callable[[ProgramContext], Awaitable[int]]
SyncProgram = Callable[..., int]  # receives a ``SyncContext``
AnyProgram = Program | SyncProgram
