"""Signal delivery to an emulated process.

A signal goes to the process's ``Signals``: a coroutine waiting for it gets it
first, then an installed handler, else the default disposition, which (for
the signals that terminate) ends the process with exit code 128 + signum.
SIGKILL always ends it.  The init process of a container (PID 1) is
protected as the kernel protects it: signals it has no handler for are
ignored, except SIGKILL.
"""

from __future__ import annotations

import asyncio
import signal as _signal
from collections.abc import Callable
from typing import Literal

SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGUSR1, SIGUSR2 = 1, 2, 3, 9, 10, 12
SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGSTOP = 13, 14, 15, 17, 18, 19
SIGWINCH, SIGURG = 28, 23

# Signals whose default action is to do nothing (signal(7)).
_IGNORED_BY_DEFAULT = frozenset({SIGCHLD, SIGCONT, SIGURG, SIGWINCH})

Handler = Callable[[int], None]
Disposition = Handler | Literal["ignore", "default"]


def signal_number(name: str) -> int:
    """``TERM``, ``SIGTERM``, ``15`` or ``term`` → 15; ``ValueError`` otherwise."""
    text = name.strip().upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    try:
        return int(_signal.Signals[text])
    except KeyError:
        raise ValueError(name) from None


def signal_name(signum: int) -> str:
    """15 → ``TERM`` (busybox's spelling, without ``SIG``)."""
    try:
        return _signal.Signals(signum).name.removeprefix("SIG")
    except ValueError:
        return str(signum)


class Signals:
    """The signal state of one process."""

    def __init__(self, *, init: bool = False) -> None:
        self.init = init
        self._dispositions: dict[int, Disposition] = {}
        self._waiters: list[tuple[frozenset[int], asyncio.Future[int]]] = []
        # Set by the runner: how to end the process with an exit code.
        self._terminate: Callable[[int], None] | None = None

    def set_handler(self, signum: int, disposition: Disposition) -> None:
        """Install a handler (called on the loop, must not block), ``"ignore"`` or ``"default"``."""
        if signum in (SIGKILL, SIGSTOP):
            raise ValueError("SIGKILL and SIGSTOP cannot be caught or ignored")
        if disposition == "default":
            self._dispositions.pop(signum, None)
        else:
            self._dispositions[signum] = disposition

    def disposition(self, signum: int) -> Disposition:
        return self._dispositions.get(signum, "default")

    async def wait(self, *signums: int) -> int:
        """Wait for one of ``signums``; it is consumed here, not by the handler or default."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        entry = (frozenset(signums), future)
        self._waiters.append(entry)
        try:
            return await future
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def deliver(self, signum: int) -> None:
        if signum == 0:
            return  # ``kill -0``: only asks whether the process exists
        if signum == SIGKILL:
            self._end(128 + SIGKILL)
            return
        if signum == SIGSTOP:
            return  # stopping is the engine's pause, not a program's business
        for entry in self._waiters:
            wanted, future = entry
            if signum in wanted and not future.done():
                future.set_result(signum)
                return
        disposition = self.disposition(signum)
        if disposition == "ignore":
            return
        if disposition != "default":
            disposition(signum)
            return
        if signum in _IGNORED_BY_DEFAULT or self.init:
            return
        self._end(128 + signum)

    def _end(self, code: int) -> None:
        if self._terminate is not None:
            self._terminate(code)
