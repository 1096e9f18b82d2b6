"""The process table of one container, as ``ps``, ``kill`` and ``docker top`` see it.

The engine makes one ``ProcessTable`` per container and hands it to every
program started there; ``mockd.programs.runner`` adds and removes entries as
processes start and end.  The table is also the container's CPU account
(the cgroup's ``cpuacct``): what the runner measures and what programs report
adds up in ``cpu_ns``, which keeps the time of processes that have ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mockd.programs.signals import Signals


@dataclass(eq=False)
class ProcessInfo:
    pid: int
    ppid: int
    argv: list[str]
    uid: int
    user: str
    start_time: float  # seconds since the epoch, from the container's clock
    signals: Signals
    state: str = "S"  # ps's STAT: S sleeping, R running, Z zombie, T stopped
    memory_bytes: int = 0  # what the program last reported (``report_usage``)
    run_cpu_ns: int = 0  # CPU time the runner measured running its steps
    reported_cpu_seconds: float = 0.0  # what the program last reported (``report_usage``)
    tty: bool = False
    children: set[int] = field(default_factory=set)

    @property
    def cpu_seconds(self) -> float:
        """Its CPU time so far (``ps``'s and ``top``'s TIME)."""
        return self.run_cpu_ns / 1e9 + self.reported_cpu_seconds

    @property
    def command(self) -> str:
        return " ".join(self.argv)


class ProcessTable:
    """Live processes of a container, by PID (the first one started is PID 1)."""

    def __init__(self) -> None:
        self._processes: dict[int, ProcessInfo] = {}
        self._next_pid = 1
        self.cpu_ns = 0  # CPU time of every process ever in the table; only grows

    def charge_cpu(self, pid: int, nanoseconds: int) -> None:
        """CPU time process ``pid`` just used (its entry may be gone: the account stays)."""
        self.cpu_ns += nanoseconds
        info = self._processes.get(pid)
        if info is not None:
            info.run_cpu_ns += nanoseconds

    def report_cpu(self, pid: int, seconds: float) -> None:
        """A program's own figure of its CPU time so far; the account grows by the increase."""
        info = self._processes.get(pid)
        if info is None:
            return
        increase = seconds - info.reported_cpu_seconds
        info.reported_cpu_seconds = seconds
        self.cpu_ns += max(0, round(increase * 1e9))

    def add(
        self,
        argv: list[str],
        *,
        ppid: int,
        uid: int,
        user: str,
        start_time: float,
        signals: Signals,
        tty: bool = False,
    ) -> ProcessInfo:
        pid = self._next_pid
        self._next_pid += 1
        info = ProcessInfo(pid, ppid, list(argv), uid, user, start_time, signals, tty=tty)
        self._processes[pid] = info
        if ppid in self._processes:
            self._processes[ppid].children.add(pid)
        return info

    def remove(self, pid: int) -> None:
        info = self._processes.pop(pid, None)
        if info is not None and info.ppid in self._processes:
            self._processes[info.ppid].children.discard(pid)

    def get(self, pid: int) -> ProcessInfo | None:
        return self._processes.get(pid)

    def list(self) -> list[ProcessInfo]:
        """Live processes, by PID."""
        return [self._processes[pid] for pid in sorted(self._processes)]

    def kill(self, pid: int, signum: int) -> None:
        """Send a signal; ``ProcessLookupError`` when there is no such process."""
        info = self._processes.get(pid)
        if info is None:
            raise ProcessLookupError(pid)
        info.signals.deliver(signum)

    def kill_all(self, signum: int) -> None:
        """Signal every process (the kernel does this with SIGKILL when PID 1 ends)."""
        for info in self.list():
            info.signals.deliver(signum)

    def __len__(self) -> int:
        return len(self._processes)
