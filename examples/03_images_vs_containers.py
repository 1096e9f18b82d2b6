"""Lesson 3: Images vs containers: create, start, wait, or run in one call.

An image is a template; a container is one use of it, with its own state
(created, running, exited) and its own writable layer.  ``run`` is ``create``
then ``start`` then ``wait`` and reading the output, in one call.
"""

from __future__ import annotations

from _common import (
    BUSYBOX,
    LABELS,
    ONLY_TOUR,
    Cleanup,
    ensure_image,
    expect,
    logs_text,
    run_lesson,
    say,
    show,
)

import dockersdk


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    image = client.images.get(BUSYBOX)
    with Cleanup(client) as cleanup:
        say("create: a container exists, but nothing runs yet")
        created = cleanup.container(
            client.containers.create(
                BUSYBOX, ["echo", "hello from a container"], name="tour-created", labels=LABELS
            )
        )
        show("name", created.name)
        show("status", created.status)
        expect(created.status == "created", "a created container not to run")
        show("from image", f"{created.inspect.image == image.id} ({image.short_id})")

        say("start it, wait for its exit, read what it printed")
        created.start()
        result = created.wait()
        created.reload()
        show("exit code", result["StatusCode"])
        show("status", created.status)
        show("output", logs_text(created).strip())

        say("run: the same in one call (and remove=True removes the container after)")
        output = client.containers.run(BUSYBOX, ["echo", "hello again"], remove=True, labels=LABELS)
        show("output", output.decode().strip())

        say("a second container of the same image: two states, one image")
        second = cleanup.container(
            client.containers.create(BUSYBOX, ["true"], name="tour-second", labels=LABELS)
        )
        for container in client.containers.list(all=True, filters=ONLY_TOUR):
            container.reload()
            print(f"   {container.name:<14} {container.status:<8} image {short(container)}")
        same = second.inspect.image == created.inspect.image == image.id
        show("same image", same)
        expect(same, "both containers to refer to the busybox image")


def short(container: dockersdk.models.containers.Container) -> str:
    return (container.inspect.image or "").removeprefix("sha256:")[:12]


if __name__ == "__main__":
    run_lesson(lesson)
