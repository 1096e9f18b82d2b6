"""The events bus: history replay, live following, dockerd's filters, slow followers."""

from __future__ import annotations

import asyncio
import threading

from mockd.engine.clock import NANOS, ManualClock
from mockd.engine.events import HISTORY_LIMIT, Event, EventBus, EventFilter, familiar_name

T0 = 1_000_000.0


def _bus(**kwargs: int) -> tuple[ManualClock, EventBus]:
    clock = ManualClock(start=T0)
    return clock, EventBus(clock, **kwargs)


async def _drain(sub: object, timeout: float = 5) -> list[Event]:
    async def collect() -> list[Event]:
        return [ev async for ev in sub]  # type: ignore[attr-defined]

    return await asyncio.wait_for(collect(), timeout)


def test_publish_stamps_events_with_the_clock() -> None:
    clock, bus = _bus()
    clock.advance(1.25)
    ev = bus.publish("volume", "create", "v1", {"driver": "local"})
    assert ev.time_nano == round((T0 + 1.25) * NANOS)
    assert ev.time == int(T0 + 1.25)
    assert ev.scope == "local"
    assert ev.attributes == {"driver": "local"}
    assert bus.history() == [ev]


def test_history_is_bounded_like_dockerd() -> None:
    _, bus = _bus()
    for i in range(HISTORY_LIMIT + 10):
        bus.publish("volume", "create", f"v{i}")
    history = bus.history()
    assert len(history) == HISTORY_LIMIT == 256
    assert history[0].actor_id == "v10"


def test_replay_between_since_and_until_then_end() -> None:
    clock, bus = _bus()
    stamps = []
    for i in range(5):
        stamps.append(bus.publish("volume", "create", f"v{i}").time_nano)
        clock.advance(10)
    # until is in the past: replay the window, then the subscription ends.
    sub = bus.subscribe(since_ns=stamps[1], until_ns=stamps[3])
    got = asyncio.run(_drain(sub))
    assert [e.actor_id for e in got] == ["v1", "v2", "v3"]
    assert bus.subscriber_count == 0


def test_no_replay_without_since_or_until() -> None:
    _, bus = _bus()
    bus.publish("volume", "create", "old")

    async def main() -> list[Event]:
        sub = bus.subscribe()
        await asyncio.sleep(0)
        bus.publish("volume", "create", "new")
        first = await asyncio.wait_for(sub.__anext__(), 5)
        sub.close()
        return [first]

    assert [e.actor_id for e in asyncio.run(main())] == ["new"]


def test_follow_live_until_the_clock_reaches_until() -> None:
    clock, bus = _bus()
    bus.publish("volume", "create", "before")
    since = clock.now_ns()

    async def main() -> list[Event]:
        sub = bus.subscribe(since_ns=since - 1, until_ns=clock.now_ns() + 30 * NANOS)
        got: list[Event] = []

        async def follow() -> None:
            async for ev in sub:
                got.append(ev)

        task = asyncio.create_task(follow())
        await asyncio.sleep(0)
        clock.advance(10)
        bus.publish("volume", "create", "live")
        await asyncio.sleep(0.01)
        assert not task.done()
        clock.advance(25)  # past until: the stream ends
        await asyncio.wait_for(task, 5)
        return got

    assert [e.actor_id for e in asyncio.run(main())] == ["before", "live"]
    assert bus.subscriber_count == 0


def test_events_are_delivered_in_publish_order_across_threads() -> None:
    _, bus = _bus()

    async def main() -> list[str]:
        sub = bus.subscribe()

        def publisher() -> None:
            for i in range(200):
                bus.publish("volume", "create", f"v{i:03d}")

        thread = threading.Thread(target=publisher)
        thread.start()
        got = []
        async for ev in sub:
            got.append(ev.actor_id)
            if len(got) == 200:
                break
        sub.close()
        thread.join()
        return got

    assert asyncio.run(main()) == [f"v{i:03d}" for i in range(200)]


def test_a_follower_that_does_not_read_is_dropped_without_blocking_publish() -> None:
    _, bus = _bus(queue_limit=8)

    async def main() -> tuple[list[str], list[Event]]:
        stalled = bus.subscribe()
        reader = bus.subscribe()
        got: list[str] = []

        async def read() -> None:
            async for ev in reader:
                got.append(ev.actor_id)
                if len(got) == 50:
                    return

        task = asyncio.create_task(read())
        for i in range(50):  # never blocks, though nobody reads `stalled`
            bus.publish("volume", "create", f"v{i}")
            await asyncio.sleep(0)
        await asyncio.wait_for(task, 5)
        assert stalled.dropped and not reader.dropped
        assert bus.subscriber_count == 1  # the stalled one left as it was dropped
        reader.close()
        return got, await _drain(stalled)

    got, from_stalled = asyncio.run(main())
    assert got == [f"v{i}" for i in range(50)]
    assert from_stalled == []  # a dropped follower's stream just ends
    assert bus.subscriber_count == 0


def _ev(type_: str, action: str, actor: str, **attrs: str) -> Event:
    return Event(type=type_, action=action, actor_id=actor, attributes=attrs)


CONTAINER = _ev("container", "start", "abcdef123456" + "0" * 52, name="web", image="nginx:1.25")
VOLUME = _ev("volume", "create", "data", driver="local")
IMAGE = _ev("image", "pull", "sha256:" + "1" * 64, name="docker.io/library/busybox:latest")


def test_filters_same_key_ors_different_keys_and() -> None:
    f = EventFilter({"type": ["container", "volume"]})
    assert f.include(CONTAINER) and f.include(VOLUME) and not f.include(IMAGE)
    f = EventFilter({"type": ["container"], "event": ["stop"]})
    assert not f.include(CONTAINER)
    f = EventFilter({"type": ["container"], "event": ["stop", "start"]})
    assert f.include(CONTAINER)


def test_container_filter_matches_id_prefix_or_name() -> None:
    assert EventFilter({"container": ["abcdef"]}).include(CONTAINER)
    assert EventFilter({"container": ["web"]}).include(CONTAINER)
    assert not EventFilter({"container": ["db"]}).include(CONTAINER)
    # As in dockerd, a container filter also applies to other kinds of events.
    assert not EventFilter({"container": ["web"]}).include(VOLUME)


def test_image_filter_matches_names_without_tag() -> None:
    assert EventFilter({"image": ["nginx"]}).include(CONTAINER)
    assert EventFilter({"image": ["nginx:1.25"]}).include(CONTAINER)
    assert not EventFilter({"image": ["nginx:1.26"]}).include(CONTAINER)
    assert EventFilter({"image": ["busybox"]}).include(IMAGE)
    assert familiar_name("docker.io/library/busybox:latest") == "busybox"
    assert familiar_name("localhost:5000/app@sha256:abc") == "localhost:5000/app"


def test_label_filters_all_have_to_match() -> None:
    ev = _ev("container", "create", "c1", name="x", tier="web", env="prod")
    assert EventFilter({"label": ["tier"]}).include(ev)
    assert EventFilter({"label": ["tier=web", "env=prod"]}).include(ev)
    assert not EventFilter({"label": ["tier=web", "env=dev"]}).include(ev)


def test_volume_network_scope_daemon_filters() -> None:
    assert EventFilter({"volume": ["data"]}).include(VOLUME)
    assert not EventFilter({"volume": ["other"]}).include(VOLUME)
    net = _ev("network", "create", "n" * 64, name="backend", type="bridge")
    assert EventFilter({"network": ["backend"]}).include(net)
    assert EventFilter({"scope": ["local"]}).include(net)
    assert not EventFilter({"scope": ["swarm"]}).include(net)
    daemon = _ev("daemon", "reload", "uuid-1", name="mockd")
    assert EventFilter({"daemon": ["mockd"]}).include(daemon)


def test_prefix_actions_match_with_their_detail() -> None:
    ev = _ev("container", "health_status: healthy", "c1", name="x")
    assert EventFilter({"event": ["health_status"]}).include(ev)
    assert not EventFilter({"event": ["start"]}).include(ev)


def test_filters_apply_to_replay_and_live() -> None:
    _, bus = _bus()
    bus.publish("volume", "create", "v1")
    bus.publish("network", "create", "n1", {"name": "n1"})
    sub = bus.subscribe(since_ns=0, event_filter=EventFilter({"type": ["network"]}))

    async def main() -> list[str]:
        bus.publish("volume", "create", "v2")
        bus.publish("network", "destroy", "n1", {"name": "n1"})
        got = [(await sub.__anext__()).action, (await sub.__anext__()).action]
        sub.close()
        return got

    assert asyncio.run(main()) == ["create", "destroy"]
