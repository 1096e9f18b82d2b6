"""Fair turns on the one event loop that every container's programs share.

A program's awaits suspend only when it has to wait (a full pipe, a sleep, stdin).
A program that never has to wait (``yes > /dev/null``, ``seq 1 100000000 > f``) would
otherwise keep the loop, and the whole daemon with it.  The streams and files
programs use call :func:`checkpoint` on every operation: it hands the loop back
once the running program has had it for a slice, as a kernel's scheduler would.
"""

from __future__ import annotations

import asyncio
import threading
import time

# How long a program may run before others get a turn.  Long enough that a
# program's ordinary writes pay one clock read each, short enough that the
# daemon's latency stays well under a millisecond or two.
SLICE_SECONDS = 0.002


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
