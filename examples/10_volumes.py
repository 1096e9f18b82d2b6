"""Lesson 10: Volumes: data that outlives the container.

A container's own files go when the container is removed.  A named volume is
storage the daemon keeps apart from any container: mount it (``volumes=``) in
one container, write, remove that container, and the next container that
mounts it finds the data.  A volume in use cannot be removed.
"""

from __future__ import annotations

from _common import BUSYBOX, LABELS, Cleanup, ensure_image, run_lesson, say, show

import dockersdk

VOLUME = "tour-data"
WRITE = "echo 'written by the first container' > /data/note.txt; echo scratch > /scratch.txt"
READ = "cat /data/note.txt; ls /scratch.txt 2>&1 || true"


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say(f"create the volume {VOLUME}")
        volume = cleanup.volume(client.volumes.create(VOLUME, labels=LABELS))
        show("name", volume.name)
        show("driver", volume.attrs.driver)
        show("mountpoint", volume.attrs.mountpoint)

        say("a first container writes into the volume (/data) and into its own filesystem")
        mount = {VOLUME: {"bind": "/data", "mode": "rw"}}
        client.containers.run(
            BUSYBOX, ["sh", "-c", WRITE], volumes=mount, remove=True, labels=LABELS
        )
        show("first container", "exited and removed")

        say("a second container mounts the same volume: the note is there, the scratch file not")
        output = client.containers.run(
            BUSYBOX, ["sh", "-c", READ], volumes=mount, remove=True, labels=LABELS
        )
        for line in output.decode().splitlines():
            print(f"   {line}")

        say("mounted read-only (:ro), the volume refuses writes")
        try:
            client.containers.run(
                BUSYBOX,
                ["sh", "-c", "echo more > /data/more.txt"],
                remove=True,
                stderr=True,
                volumes=[f"{VOLUME}:/data:ro"],
                labels=LABELS,
            )
        except dockersdk.ContainerError as refused:
            show("exit status", refused.exit_status)
            show("stderr", (refused.stderr or b"").decode().strip())
        else:
            raise AssertionError("a write to a read-only volume should have failed")

        say("a volume that a container uses cannot be removed")
        holder = cleanup.container(
            client.containers.create(
                BUSYBOX, ["true"], name="tour-holder", volumes=mount, labels=LABELS
            )
        )
        mounts = holder.inspect.mounts or []
        show("holder mounts", [f"{m.name} -> {m.destination}" for m in mounts])
        try:
            volume.remove()
        except dockersdk.Conflict as conflict:
            show("remove", f"{conflict.status}: {conflict.message}")
        else:
            raise AssertionError("removing a volume in use should have failed")
        holder.remove()
        volume.remove()
        left = client.volumes.list(filters={"name": [VOLUME]})
        show("volumes left", f"{len(left)} named {VOLUME}, after removing the holder, then it")


if __name__ == "__main__":
    run_lesson(lesson)
