"""The events bus: every part of the engine publishes here, ``GET /events`` reads.

It follows dockerd's ``daemon/events``: a bounded history of the most recent
events (replayed to a subscriber that gives ``since`` or ``until``), then live
events fanned out to every subscriber, each through its own bounded queue.
Times come from the engine's clock.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mockd.engine.clock import NANOS, Clock

# dockerd keeps the last 256 events for replay (daemon/events: eventsLimit)...
HISTORY_LIMIT = 256
# ...and gives each subscriber a buffer of 1024 (the publisher's bufferSize).
QUEUE_LIMIT = 1024

EVENT_TYPES = (
    "builder", "config", "container", "daemon", "image", "network", "node",
    "plugin", "secret", "service", "volume",
)  # fmt: skip

# Actions that clients filter on without their ":" suffix
# ("health_status: healthy", "exec_start: sh"); dockerd matches them by prefix.
_PREFIX_ACTIONS = frozenset({"health_status", "exec_create", "exec_start"})


@dataclass(frozen=True)
class Event:
    type: str
    action: str
    actor_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    scope: str = "local"
    time_nano: int = 0

    @property
    def time(self) -> int:
        """Whole seconds since the epoch."""
        return self.time_nano // NANOS


class EventFilter:
    """dockerd's event filter: values of one key OR together, keys AND.

    ``container``, ``volume``, ``network``, ``daemon``, ``plugin`` and the swarm
    kinds match the actor's ID or its ``name`` attribute, exactly or by prefix;
    ``image`` matches the image ID or name, also without its tag; ``label``
    values all have to match (``key`` or ``key=value``).
    """

    def __init__(self, filters: Mapping[str, Iterable[str]] | None = None) -> None:
        self._f: dict[str, frozenset[str]] = {
            key: frozenset(values) for key, values in (filters or {}).items()
        }

    def __bool__(self) -> bool:
        return any(self._f.values())

    def _exact(self, key: str, source: str) -> bool:
        values = self._f.get(key)
        return not values or source in values

    def _fuzzy(self, key: str, source: str) -> bool:
        values = self._f.get(key)
        return not values or any(source.startswith(v) for v in values)

    def _by_name(self, ev: Event, kind: str) -> bool:
        # Every kind key applies to every event, as in dockerd: a "container"
        # filter also drops a volume event whose ID does not match.
        return self._fuzzy(kind, ev.actor_id) or self._fuzzy(kind, ev.attributes.get("name", ""))

    def _event(self, ev: Event) -> bool:
        values = self._f.get("event")
        if values and values & _PREFIX_ACTIONS:
            return self._fuzzy("event", ev.action)
        return self._exact("event", ev.action)

    def _image(self, ev: Event) -> bool:
        if not self._f.get("image"):
            return True
        name = ev.attributes.get("name" if ev.type == "image" else "image", "")
        candidates = {ev.actor_id, name, familiar_name(ev.actor_id), familiar_name(name)}
        return bool(self._f["image"] & candidates)

    def _labels(self, ev: Event) -> bool:
        values = self._f.get("label")
        if not values:
            return True
        for value in values:
            key, sep, expected = value.partition("=")
            if key not in ev.attributes:
                return False
            if sep and ev.attributes[key] != expected:
                return False
        return True

    def include(self, ev: Event) -> bool:
        return (
            self._event(ev)
            and self._exact("type", ev.type)
            and self._exact("scope", ev.scope)
            and all(
                self._by_name(ev, kind)
                for kind in ("daemon", "container", "plugin", "volume", "network",
                             "node", "service", "secret", "config")
            )
            and self._image(ev)
            and self._labels(ev)
        )  # fmt: skip


def familiar_name(ref: str) -> str:
    """An image reference without tag or digest, and without ``docker.io/library/``.

    The short form dockerd compares image filters against.
    """
    if not ref:
        return ref
    name = ref.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        name = name[:colon]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class Subscription:
    """One follower of the bus: the replayed history, then live events.

    Iterate it with ``async for``; the iteration ends when ``until`` has passed,
    when it is closed, or when it was dropped for falling behind.
    """

    def __init__(
        self,
        bus: EventBus,
        replay: Iterable[Event],
        until_ns: int | None,
        event_filter: EventFilter,
        only_past: bool,
        limit: int,
    ) -> None:
        self._bus = bus
        self._pending: deque[Event] = deque(replay)
        self._until_ns = until_ns
        self._filter = event_filter
        self._only_past = only_past
        self._limit = limit
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None
        self._waiter_loop: asyncio.AbstractEventLoop | None = None
        self.closed = only_past
        self.dropped = False

    # Called by the bus, under its lock, from whichever thread publishes.
    def _offer(self, ev: Event) -> None:
        if self.closed or not self._filter.include(ev):
            return
        with self._lock:
            if len(self._pending) >= self._limit:
                # The follower is not reading. Dropping it (dockerd evicts a
                # listener that stalls) keeps publishers from ever blocking, and
                # keeps memory bounded; the client sees its stream end.
                self.dropped = True
                self.closed = True
            else:
                self._pending.append(ev)
        self._wake()

    def _wake(self) -> None:
        waiter, loop = self._waiter, self._waiter_loop
        if waiter is None or loop is None or loop.is_closed():
            return

        def resolve() -> None:
            if not waiter.done():
                waiter.set_result(None)

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            resolve()
        else:
            loop.call_soon_threadsafe(resolve)

    def close(self) -> None:
        self.closed = True
        self._bus._unsubscribe(self)
        self._wake()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            ev: Event | None = None
            with self._lock:
                if self.dropped:
                    self._pending.clear()
                elif self._pending:
                    ev = self._pending.popleft()
                    if self._until_ns is not None and ev.time_nano > self._until_ns:
                        ev = None
                        self._pending.clear()
                        self.closed = True
                ended = ev is None and self.closed
                if ev is None and not ended:
                    loop = asyncio.get_running_loop()
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._waiter, self._waiter_loop = waiter, loop
            if ev is not None:
                return ev
            if ended:
                # Outside our lock: the bus takes its lock before ours.
                self._bus._unsubscribe(self)
                raise StopAsyncIteration
            await self._wait(waiter)

    async def _wait(self, waiter: asyncio.Future[None]) -> None:
        if self._until_ns is None:
            await waiter
            return
        remaining = (self._until_ns - self._bus.clock.now_ns()) / NANOS
        if remaining <= 0:
            self.closed = True
            return
        timer = asyncio.ensure_future(self._bus.clock.sleep(remaining))
        try:
            await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if self._bus.clock.now_ns() >= self._until_ns and not self._pending:
            self.closed = True


class EventBus:
    def __init__(
        self,
        clock: Clock,
        *,
        history_limit: int = HISTORY_LIMIT,
        queue_limit: int = QUEUE_LIMIT,
    ) -> None:
        self.clock = clock
        self._history: deque[Event] = deque(maxlen=history_limit)
        self._subscribers: list[Subscription] = []
        self._queue_limit = queue_limit
        self._lock = threading.Lock()

    def publish(
        self,
        type: str,
        action: str,
        actor_id: str,
        attributes: Mapping[str, str] | None = None,
        *,
        scope: str = "local",
    ) -> Event:
        """Record an event that happens now and hand it to every follower."""
        ev = Event(
            type=type,
            action=action,
            actor_id=actor_id,
            attributes=MappingProxyType(dict(attributes or {})),
            scope=scope,
            time_nano=self.clock.now_ns(),
        )
        self.publish_event(ev)
        return ev

    def publish_event(self, ev: Event) -> None:
        with self._lock:
            self._history.append(ev)
            for sub in self._subscribers:
                sub._offer(ev)
            # Followers dropped for falling behind leave at once.
            self._subscribers = [sub for sub in self._subscribers if not sub.dropped]

    def history(self) -> list[Event]:
        with self._lock:
            return list(self._history)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def subscribe(
        self,
        since_ns: int | None = None,
        until_ns: int | None = None,
        event_filter: EventFilter | None = None,
    ) -> Subscription:
        """Follow the bus.

        As dockerd: history is replayed only when ``since`` or ``until`` is
        given (events at or after ``since``, at or before ``until``); with an
        ``until`` already past, the subscription ends after the replay;
        otherwise it follows live events until the clock reaches ``until``.
        """
        flt = event_filter or EventFilter()
        with self._lock:
            replay: list[Event] = []
            if since_ns is not None or until_ns is not None:
                replay = [
                    ev
                    for ev in self._history
                    if (since_ns is None or ev.time_nano >= since_ns)
                    and (until_ns is None or ev.time_nano <= until_ns)
                    and flt.include(ev)
                ]
            only_past = until_ns is not None and until_ns < self.clock.now_ns()
            sub = Subscription(self, replay, until_ns, flt, only_past, self._queue_limit)
            if not only_past:
                self._subscribers.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)
