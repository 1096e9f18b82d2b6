"""``df``, ``system.prune`` and the events follower through the SDK, on both backends.

On the real engine nothing is pruned but what the test made: every prune
carries a label filter unique to the test, and the build cache (which has no
labels) is never pruned.  The real engine already holds busybox (no pull there).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from backends import Backend

import dockersdk
from dockersdk.models import EventMessage

IMAGE = "busybox:latest"


@pytest.fixture
def client(docker: Backend) -> Iterator[dockersdk.DockerClient]:
    client = docker.client()
    if docker.is_mock:  # the mock starts empty and pulls from its built-in catalogue
        client.images.pull(IMAGE, progress=False)
    yield client


def unique_label() -> tuple[str, str]:
    return "dockersdk.test.system", uuid.uuid4().hex


def test_df_shape_and_consistency(docker: Backend, client: dockersdk.DockerClient) -> None:
    key, value = unique_label()
    name = docker.track("container", f"sdk-df-{value[:8]}")
    # 100 kB written into the container's own layer.
    client.containers.run(
        IMAGE,
        ["sh", "-c", "dd if=/dev/zero of=/blob bs=1000 count=100 2>/dev/null"],
        name=name,
        labels={key: value},
    )
    usage = client.df()
    assert usage.images and usage.containers is not None
    assert usage.volumes is not None and usage.build_cache is not None
    sizes = [image.size or 0 for image in usage.images]
    assert usage.layers_size is not None and usage.layers_size > 0
    # Layers shared by images count once in LayersSize and once per image in their sizes.
    assert max(sizes) <= usage.layers_size <= sum(sizes)
    busybox = [i for i in usage.images if IMAGE in (i.repo_tags or [])]
    assert len(busybox) == 1 and (busybox[0].containers or 0) >= 1

    mine = [c for c in usage.containers if (c.labels or {}).get(key) == value]
    assert len(mine) == 1
    assert mine[0].size_rw is not None and 100_000 <= mine[0].size_rw < 200_000
    assert mine[0].size_root_fs is not None and mine[0].size_root_fs >= mine[0].size_rw


def test_df_type_restricts_the_report(client: dockersdk.DockerClient) -> None:
    only = client.df(type=["image"])
    assert only.images and only.layers_size
    assert only.containers is None and only.volumes is None and only.build_cache is None


def test_prune_with_a_label_removes_exactly_the_labelled(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    key, value = unique_label()
    mine, other = {key: value}, {key: value + "-other"}
    stopped = client.containers.create(IMAGE, ["true"], labels=mine)
    spared = client.containers.create(IMAGE, ["true"], labels=other)
    for container in (stopped, spared):
        docker.track("container", container.id)
    nets = [
        client.networks.create(f"sdk-prune-{value[:8]}-{i}", labels=lbl)
        for i, lbl in enumerate((mine, other))
    ]
    vols = [
        client.volumes.create(f"sdk-prune-{value[:8]}-{i}", labels=lbl)
        for i, lbl in enumerate((mine, other))
    ]
    for net in nets:
        docker.track("network", net.id)
    for vol in vols:
        docker.track("volume", vol.name)

    report = client.system.prune(all=True, volumes=True, filters={"label": f"{key}={value}"})

    assert report.containers == [stopped.id]
    assert report.networks == [nets[0].name]
    assert report.volumes == [vols[0].name]
    assert report.images_deleted == [] and report.build_cache == []
    remaining_containers = {c.id for c in client.containers.list(all=True, filters={"label": key})}
    assert spared.id in remaining_containers and stopped.id not in remaining_containers
    assert [n.name for n in client.networks.list(filters={"label": key})] == [nets[1].name]
    assert [v.name for v in client.volumes.list(filters={"label": key})] == [vols[1].name]


def test_prune_of_a_labelled_image(docker: Backend, client: dockersdk.DockerClient) -> None:
    key, value = unique_label()
    donor = client.containers.create(IMAGE, ["true"])
    docker.track("container", donor.id)
    image = donor.commit(changes=[f"LABEL {key}={value}"])  # untagged: dangling
    docker.track("image", image.id)
    report = client.system.prune(filters={"label": f"{key}={value}"})
    assert report.images_deleted == [image.id]
    with pytest.raises(dockersdk.ImageNotFound):
        client.images.get(image.id)


def test_events_follower_sees_a_run_in_order_and_closes_promptly(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    key, value = unique_label()
    seen: list[EventMessage] = []
    ready = threading.Event()
    stream = client.events(filters={"label": f"{key}={value}"}, type="container")

    def follow() -> None:
        ready.set()
        seen.extend(stream)

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    ready.wait(5)
    client.containers.run(IMAGE, ["true"], labels={key: value}, remove=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(e.action == "destroy" for e in seen):
        time.sleep(0.05)

    closed_at = time.monotonic()
    stream.close()  # from this thread, while the reader blocks on the socket
    reader.join(5)
    assert not reader.is_alive(), "closing the stream did not end the iteration"
    assert time.monotonic() - closed_at < 5

    actions = [e.action for e in seen if e.action in ("create", "start", "die", "destroy")]
    assert actions == ["create", "start", "die", "destroy"]
    assert all(isinstance(e, EventMessage) and e.type == "container" for e in seen)
    ids = {e.actor.id for e in seen if e.actor is not None}
    assert len(ids) == 1


def test_events_raw_follower_with_the_context_manager(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    volume = f"sdk-ev-{uuid.uuid4().hex[:8]}"
    with client.events(decode=False, filters={"volume": volume}) as stream:
        client.volumes.create(volume)
        docker.track("volume", volume)
        first = next(stream)
    assert stream.closed
    assert isinstance(first, bytes) and b'"create"' in first and volume.encode() in first
