"""Lesson 9: Events: what the daemon reports while a container runs.

Every change of state is an event (container create, start, die, destroy;
image pull, tag; volume mount; network connect).  ``events(since, until)``
replays those of a time window and ends; without ``until`` it waits for new
ones.  Filters keep the ones about one container, one type, one label.
"""

from __future__ import annotations

import threading
import time

from _common import BUSYBOX, LABELS, ensure_image, expect, run_lesson, say, show

import dockersdk

NAME = "tour-events"
LIVE = "tour-events-live"
WATCH_TIMEOUT = 20.0


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)

    say(f"run a container named {NAME}, noting the time before and after")
    since = time.time()
    client.containers.run(BUSYBOX, ["echo", "hi"], name=NAME, remove=True, labels=LABELS)
    until = time.time()

    say("replay the events of that window that are about it (since/until, filter)")
    actions: list[str] = []
    with client.events(since=since, until=until, filters={"container": [NAME]}) as events:
        for event in events:
            attributes = event.actor.attributes if event.actor and event.actor.attributes else {}
            when = time.strftime("%H:%M:%S", time.localtime(event.time or 0))
            nanos = (event.time_nano or 0) % 1_000_000_000
            extra = f"  exitCode={attributes['exitCode']}" if "exitCode" in attributes else ""
            print(f"   {when}.{nanos // 1000:06d}  {event.type} {event.action}{extra}")
            actions.append(event.action or "")
    show("events", len(actions))
    lifecycle = [action for action in actions if action in LIFECYCLE]
    show("lifecycle", " -> ".join(lifecycle))
    expect(lifecycle == list(LIFECYCLE), "the events of a container's whole life, in order")

    say("watch live: open the stream first, then run; read until the container is destroyed")
    seen: list[str] = []
    with client.events(filters={"container": [LIVE]}, type="container") as live:
        # A missing event must fail the lesson, not hang it: close the stream after a while.
        guard = threading.Timer(WATCH_TIMEOUT, live.close)
        guard.start()
        try:
            client.containers.run(BUSYBOX, ["true"], name=LIVE, remove=True, labels=LABELS)
            for event in live:
                print(f"   seen: {event.type} {event.action}")
                seen.append(event.action or "")
                if event.action == "destroy":
                    break
        finally:
            guard.cancel()
    expect(seen[-1:] == ["destroy"], f"the live stream to reach destroy within {WATCH_TIMEOUT}s")

    say("a window before the run holds none of them")
    with client.events(since=since - 60, until=since - 30, filters={"container": [NAME]}) as old:
        show("events", sum(1 for _ in old))


LIFECYCLE = ("create", "attach", "start", "die", "destroy")


if __name__ == "__main__":
    run_lesson(lesson)
