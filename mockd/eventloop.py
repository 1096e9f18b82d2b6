"""The event loop the daemon runs on: uvloop when it is installed, else asyncio's own.

uvloop (libuv underneath) takes about a quarter off the daemon's CPU per
request, most of it in the loop's own bookkeeping and the socket reads and
writes.  ``MOCKD_EVENT_LOOP=asyncio`` picks asyncio's loop, to tell a bug of
ours from one of the loop's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def uses_uvloop() -> bool:
    if os.environ.get("MOCKD_EVENT_LOOP", "").lower() == "asyncio":
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def new_event_loop() -> asyncio.AbstractEventLoop:
    if uses_uvloop():
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on the loop :func:`new_event_loop` makes."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
