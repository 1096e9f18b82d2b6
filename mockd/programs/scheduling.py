"""Fair turns on the one event loop that every container's programs share.

A program's awaits suspend only when it has to wait (a full pipe, a sleep, stdin).
A program that never has to wait (``yes > /dev/null``, ``seq 1 100000000 > f``) would
otherwise keep the loop, and the whole daemon with it.  The streams and files
programs use call :func:`checkpoint` on every operation: it hands the loop back
once the running program has had it for a slice, as a kernel's scheduler would.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

# How long a program may run before others get a turn.  Longer than twice
# CPython's switch interval (5 ms): each turn handed back makes the loop poll
# its sockets, which releases and retakes the GIL, and a thread waiting for the
# GIL restarts its wait whenever that happens.  Turns handed back more often
# than the switch interval starve every other thread of the process (an
# embedding test's own thread could not even return from time.sleep).
SLICE_SECONDS = max(0.01, 2 * sys.getswitchinterval())


class _Turn(threading.local):
    """When the current slice began (one per thread: each daemon has its loop)."""

    started = 0.0


_turn = _Turn()


async def checkpoint() -> None:
    """Yield to the event loop when the current program's slice is used up."""
    now = time.perf_counter()
    if now - _turn.started >= SLICE_SECONDS:
        await asyncio.sleep(0)
        _turn.started = time.perf_counter()
