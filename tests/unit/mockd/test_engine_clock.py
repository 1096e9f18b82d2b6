"""The engine's clock: the manual clock moves only when told, and wakes sleepers in order."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from mockd.engine.clock import ManualClock, SystemClock, rfc3339_nano, rfc3339_nano_fixed


def test_manual_clock_stands_still_until_advanced() -> None:
    clock = ManualClock(start=1000.0)
    assert clock.now() == 1000.0
    time.sleep(0.01)
    assert clock.now_ns() == 1000 * 10**9
    clock.advance(2.5)
    assert clock.now() == 1002.5
    assert clock.monotonic() == 2.5
    clock.set(500.0)
    assert clock.now() == 500.0
    assert clock.monotonic() == 0.0  # never goes back below its start
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_advance_wakes_sleepers_in_deadline_order() -> None:
    clock = ManualClock(start=0.0)
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    async def main() -> None:
        tasks = [
            asyncio.create_task(sleeper("c", 3)),
            asyncio.create_task(sleeper("a", 1)),
            asyncio.create_task(sleeper("b", 2)),
            asyncio.create_task(sleeper("late", 10)),
        ]
        await asyncio.sleep(0)
        assert clock.sleepers == 4
        clock.advance(0.5)
        await asyncio.sleep(0)
        assert woke == []
        clock.advance(2.5)  # now 3: a, b and c are due
        for _ in range(3):
            await asyncio.sleep(0)
        assert woke == ["a", "b", "c"]
        assert clock.sleepers == 1
        clock.advance(7)
        await asyncio.gather(*tasks)
        assert woke == ["a", "b", "c", "late"]

    asyncio.run(main())


def test_cancelled_sleeper_is_forgotten() -> None:
    clock = ManualClock(start=0.0)

    async def main() -> None:
        task = asyncio.create_task(clock.sleep(5))
        await asyncio.sleep(0)
        assert clock.sleepers == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert clock.sleepers == 0

    asyncio.run(main())


def test_advance_from_another_thread_wakes_the_loop() -> None:
    clock = ManualClock(start=0.0)

    async def main() -> float:
        waiting = asyncio.create_task(clock.sleep(60))
        await asyncio.sleep(0)
        threading.Timer(0.05, clock.advance, args=(60,)).start()
        await asyncio.wait_for(waiting, timeout=5)
        return clock.now()

    assert asyncio.run(main()) == 60.0


def test_system_clock_follows_the_host() -> None:
    clock = SystemClock()
    assert abs(clock.now() - time.time()) < 1
    assert abs(clock.now_ns() - time.time_ns()) < 10**9
    started = clock.monotonic()
    asyncio.run(clock.sleep(0.01))
    assert clock.monotonic() - started >= 0.009


def test_timestamps_are_formatted_like_dockerd() -> None:
    ns = 1_795_812_771_508_015_705
    assert rfc3339_nano(ns) == "2026-11-27T20:52:51.508015705Z"
    assert rfc3339_nano(1_795_812_771_500_000_000) == "2026-11-27T20:52:51.5Z"
    assert rfc3339_nano(1_795_812_771_000_000_000) == "2026-11-27T20:52:51Z"
    assert rfc3339_nano_fixed(1_795_812_771_500_000_000) == "2026-11-27T20:52:51.500000000Z"
