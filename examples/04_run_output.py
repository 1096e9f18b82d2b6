"""Lesson 4: Run a container and read its output.

A container's output is two streams, stdout and stderr.  ``run`` returns
stdout by default, can include stderr, can hand the output over line by line
as it comes, and raises ``ContainerError`` when the command fails.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, ensure_image, run_lesson, say, show

import dockersdk


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)

    say("run a command; its stdout comes back as bytes")
    output = client.containers.run(BUSYBOX, ["uname", "-s"], remove=True, labels=LABELS)
    show("uname -s", output.decode().strip())

    script = "echo to stdout; echo to stderr >&2"
    say(f"stdout only (the default), then both streams: sh -c {script!r}")
    only_out = client.containers.run(BUSYBOX, ["sh", "-c", script], remove=True, labels=LABELS)
    show("stdout", only_out.decode().splitlines())
    both = client.containers.run(
        BUSYBOX, ["sh", "-c", script], remove=True, stderr=True, labels=LABELS
    )
    show("stdout + stderr", sorted(both.decode().splitlines()))

    say("stream=True: each chunk as the container writes it")
    counting = "for i in 1 2 3; do echo line $i; sleep 0.1; done"
    for chunk in client.containers.run(
        BUSYBOX, ["sh", "-c", counting], remove=True, stream=True, labels=LABELS
    ):
        print(f"   got {chunk.decode().strip()!r}")

    say("a failing command raises ContainerError, with its exit status and stderr")
    try:
        client.containers.run(
            BUSYBOX, ["ls", "/no/such/dir"], remove=True, stderr=True, labels=LABELS
        )
    except dockersdk.ContainerError as failed:
        show("exit status", failed.exit_status)
        show("stderr", (failed.stderr or b"").decode().strip())
    else:
        raise AssertionError("ls of a missing directory should have failed")


if __name__ == "__main__":
    run_lesson(lesson)
