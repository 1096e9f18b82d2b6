"""The one clock the engine reads.

Everything in the engine that needs the time (event timestamps, ``Created``
fields, timeouts, ``until`` in the events stream) asks a :class:`Clock`, so a
test can swap in a :class:`ManualClock` and move time by hand.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

NANOS = 1_000_000_000

# What dockerd writes for a time that was never set (Go's zero time.Time).
ZERO_TIME = "0001-01-01T00:00:00Z"


@runtime_checkable
class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def now_ns(self) -> int:
        """Nanoseconds since the epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for durations)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The host's clock."""

    def now(self) -> float:
        return time.time()

    def now_ns(self) -> int:
        return time.time_ns()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(order=True)
class _Sleeper:
    deadline_ns: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)
    loop: asyncio.AbstractEventLoop = field(compare=False)


class ManualClock:
    """A clock that moves only when told to, for deterministic tests.

    ``advance`` and ``set`` may be called from any thread (a test drives the
    clock while the daemon's loop runs in another thread): sleepers whose
    deadline has come are woken in deadline order (ties in the order they
    began sleeping).  A woken coroutine runs later on its own loop, and by
    then reads the clock's new time.
    """

    DEFAULT_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now_ns = round(start * NANOS)
        self._start_ns = self._now_ns
        self._sleepers: list[_Sleeper] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now_ns / NANOS

    def now_ns(self) -> int:
        return self._now_ns

    def monotonic(self) -> float:
        # Time elapsed since the clock was made; ``set`` to an earlier time
        # never makes it go back.
        return max(0, self._now_ns - self._start_ns) / NANOS

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            deadline = self._now_ns + round(seconds * NANOS)
            heapq.heappush(self._sleepers, _Sleeper(deadline, next(self._seq), future, loop))
        try:
            await future
        finally:
            if not future.done():  # cancelled: forget the sleeper
                with self._lock:
                    self._sleepers = [s for s in self._sleepers if s.future is not future]
                    heapq.heapify(self._sleepers)

    @property
    def sleepers(self) -> int:
        """How many coroutines are waiting on this clock."""
        with self._lock:
            return sum(1 for s in self._sleepers if not s.future.done())

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a ManualClock only advances forward; use set() to go back")
        self._move_to(self._now_ns + round(seconds * NANOS))

    def set(self, t: float) -> None:
        """Jump to ``t`` seconds since the epoch (backwards too, like a host clock)."""
        self._move_to(round(t * NANOS))

    def _move_to(self, target_ns: int) -> None:
        due: list[_Sleeper] = []
        with self._lock:
            self._now_ns = target_ns
            while self._sleepers and self._sleepers[0].deadline_ns <= target_ns:
                due.append(heapq.heappop(self._sleepers))
        # Resolving in deadline order schedules the wake-ups in that order:
        # asyncio runs callbacks first in, first out.
        for sleeper in due:
            _wake(sleeper)


def _wake(sleeper: _Sleeper) -> None:
    def resolve() -> None:
        if not sleeper.future.done():
            sleeper.future.set_result(None)

    if sleeper.loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is sleeper.loop:
        resolve()
    else:
        sleeper.loop.call_soon_threadsafe(resolve)


def rfc3339_nano(ns: int) -> str:
    """Format like Go's ``time.RFC3339Nano`` in UTC, as dockerd writes times.

    Go trims trailing zeros of the fraction (and drops it when it is zero):
    ``2026-11-27T20:52:51.508015705Z``, ``2026-11-27T20:52:51.5Z``,
    ``2026-11-27T20:52:51Z``.
    """
    seconds, nanos = divmod(ns, NANOS)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


def rfc3339_nano_fixed(ns: int) -> str:
    """RFC 3339 with all nine digits of nanoseconds (``...51.500000000Z``)."""
    seconds, nanos = divmod(ns, NANOS)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"
