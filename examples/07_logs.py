"""Lesson 7: Logs: all of them, the last few, a time window, or followed live.

The daemon keeps what a container writes, running or exited: ``logs()`` reads
it back.  ``tail`` keeps the last lines, ``timestamps`` prefixes each line with
the time it was written, ``since``/``until`` keep a time window, and
``stream=True`` follows new lines as they come.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, logs_text, run_lesson, say, show

import dockersdk

FIVE_LINES = "for i in 1 2 3 4 5; do echo line $i; sleep 0.02; done"
TICKER = "i=1; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say("a container that prints five lines and exits; its logs stay readable")
        finished = cleanup.container(
            client.containers.run(
                BUSYBOX,
                ["sh", "-c", FIVE_LINES],
                detach=True,
                name="tour-lines",
                labels=LABELS,
            )
        )
        finished.wait()
        show("all", logs_text(finished).splitlines())
        show("tail=2", logs_text(finished, tail=2).splitlines())

        say("timestamps=True: when each line was written (RFC 3339, nanoseconds)")
        stamped = logs_text(finished, timestamps=True).splitlines()
        for line in stamped[-2:]:
            print(f"   {line}")

        say("since/until: the lines written in a time window (both ends included)")
        third = unix_time(stamped[2].split(" ", 1)[0])
        show("since line 3", logs_text(finished, since=third).splitlines())
        show("until line 3", logs_text(finished, until=third).splitlines())

        say("stream=True follows a running container: new lines as they are written")
        ticker = cleanup.container(
            client.containers.run(
                BUSYBOX, ["sh", "-c", TICKER], detach=True, name="tour-ticker", labels=LABELS
            )
        )
        started = time.monotonic()
        followed = client.containers.api.logs(ticker.id, follow=True)
        with followed:  # closing the stream stops following
            for count, chunk in enumerate(followed, start=1):
                print(f"   {time.monotonic() - started:4.1f}s  {chunk.decode().strip()}")
                if count == 5:
                    break
        ticker.reload()
        show("ticker", f"{ticker.status}: following stopped, the container did not")


def unix_time(rfc3339: str) -> str:
    """``2026-01-02T03:04:05.123456789Z`` as ``<unix seconds>.<nanoseconds>``.

    Keeps the nanoseconds that a datetime would cut to microseconds, so that
    the window starts exactly at the line.
    """
    whole, _, fraction = rfc3339.removesuffix("Z").partition(".")
    seconds = int(datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp())
    return f"{seconds}.{fraction.ljust(9, '0')}"


if __name__ == "__main__":
    run_lesson(lesson)
