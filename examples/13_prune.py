"""Lesson 13: Disk usage, and pruning what is stopped or unused (only your own).

``system.df()`` is ``docker system df``: what images, containers (their
writable layers) and volumes take.  Stopped containers, unused volumes and
networks pile up; ``prune`` removes them in one call per kind and says what it
removed, and a ``label`` filter limits it to what you labelled, so the other
things on a shared engine stay.
"""

from __future__ import annotations

from _common import (
    BUSYBOX,
    LABELS,
    ONLY_TOUR,
    TOUR_LABEL,
    Cleanup,
    ensure_image,
    expect,
    human_size,
    run_lesson,
    say,
    short_id,
    show,
)

import dockersdk
from dockersdk.api.system import DiskUsage


def lesson(client: dockersdk.DockerClient) -> None:
    ensure_image(client, BUSYBOX)
    with Cleanup(client) as cleanup:
        say("disk usage, as `docker system df` shows it")
        print_disk_usage(client.system.df())

        say("leave things behind: two exited containers, a running one, a volume, a network")
        exited = [
            cleanup.container(
                client.containers.run(
                    BUSYBOX, ["sh", "-c", WRITE], detach=True, name=f"tour-done-{n}", labels=LABELS
                )
            )
            for n in (1, 2)
        ]
        for container in exited:
            container.wait()
        running = cleanup.container(
            client.containers.run(
                BUSYBOX, ["sleep", "300"], detach=True, name="tour-running", labels=LABELS
            )
        )
        cleanup.volume(client.volumes.create("tour-unused", labels=LABELS))
        cleanup.network(client.networks.create("tour-unused-net", labels=LABELS))
        mine = client.containers.list(all=True, filters=ONLY_TOUR)
        show("tour containers", sorted(c.name for c in mine))
        written = tour_containers_size(client.system.df(type="container"))
        show("they wrote", human_size(written))
        expect(written >= 2 * len("some data\n"), "the exited containers' files to count")

        say("prune containers with the tour's label: the stopped ones go, the running one stays")
        pruned = client.containers.prune(filters=ONLY_TOUR)
        deleted = pruned.containers_deleted or []
        show("deleted", sorted(short_id(ident) for ident in deleted))
        show("space reclaimed", human_size(pruned.space_reclaimed))
        expect(sorted(deleted) == sorted(c.id for c in exited), "the two exited ones pruned")
        left = client.containers.list(all=True, filters=ONLY_TOUR)
        show("tour containers", [c.name for c in left])
        expect([c.id for c in left] == [running.id], "the running one kept")
        show("tour writes left", human_size(tour_containers_size(client.system.df("container"))))

        say("prune unused volumes and networks, again only the tour's")
        volume_filters: dict[str, list[str]] = dict(ONLY_TOUR)
        if api_version(client) >= (1, 42):
            # Since API 1.42 a volume prune spares named volumes unless asked with `all`
            # (an engine before 1.42 refuses that filter).
            volume_filters["all"] = ["true"]
        volumes = client.volumes.prune(filters=volume_filters)
        show("volumes deleted", volumes.volumes_deleted or [])
        expect(volumes.volumes_deleted == ["tour-unused"], "the unused volume pruned")
        networks = client.networks.prune(filters=ONLY_TOUR)
        show("networks deleted", networks.networks_deleted or [])
        expect(networks.networks_deleted == ["tour-unused-net"], "the unused network pruned")


WRITE = "echo some data > /data.txt"


def print_disk_usage(usage: DiskUsage) -> None:
    images, containers, volumes = usage.images or [], usage.containers or [], usage.volumes or []
    rows = [
        ("Images", len(images), sum(1 for i in images if (i.containers or 0) > 0),
         usage.layers_size),
        ("Containers", len(containers), sum(1 for c in containers if c.state == "running"),
         usage.containers_size_rw),
        ("Local Volumes", len(volumes),
         sum(1 for v in volumes if v.usage_data and (v.usage_data.ref_count or 0) > 0),
         usage.volumes_size),
    ]  # fmt: skip
    print(f"   {'TYPE':<14} {'TOTAL':>5} {'ACTIVE':>6} {'SIZE':>10}")
    for kind, total, active, size in rows:
        print(f"   {kind:<14} {total:>5} {active:>6} {human_size(size):>10}")


def tour_containers_size(usage: DiskUsage) -> int:
    """The bytes the tour's containers wrote (their writable layers)."""
    return sum(
        c.size_rw or 0 for c in usage.containers or [] if (c.labels or {}).get(TOUR_LABEL) == "1"
    )


def api_version(client: dockersdk.DockerClient) -> tuple[int, int]:
    major, minor = client.api_version.split(".")
    return int(major), int(minor)


if __name__ == "__main__":
    run_lesson(lesson)
