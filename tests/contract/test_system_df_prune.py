"""``system df``, the prune endpoints with a label filter, and /info's counts, on both backends.

Every object gets a label unique to the test, and every prune is filtered by
it, so nothing else on the real engine is ever pruned.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

import pytest
from backends import Backend

IMAGE = "busybox:latest"
V = "/v1.41"


@pytest.fixture
def d(docker: Backend) -> Backend:
    docker.ensure_busybox()
    return docker


def call(d: Backend, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    reply = d.api(method, V + path, **kwargs)
    assert reply.status_code == status, reply.text
    return reply.json() if reply.content else None


def create(d: Backend, cmd: list[str], labels: dict[str, str], **extra: Any) -> str:
    body = {"Image": IMAGE, "Cmd": cmd, "Labels": labels, **extra}
    return d.track("container", call(d, "POST", "/containers/create", 201, json=body)["Id"])


def run_to_end(d: Backend, cmd: list[str], labels: dict[str, str], **extra: Any) -> str:
    cid = create(d, cmd, labels, **extra)
    call(d, "POST", f"/containers/{cid}/start", 204)
    assert call(d, "POST", f"/containers/{cid}/wait")["StatusCode"] == 0
    return cid


def label_filter(key: str) -> dict[str, str]:
    return {"filters": json.dumps({"label": [key]})}


def test_system_df_reports_containers_volumes_and_images(d: Backend) -> None:
    key = f"df-{uuid.uuid4().hex[:8]}"
    volume = d.track("volume", f"{key}-vol")
    cid = run_to_end(
        d, ["sh", "-c", "echo 0123456789 > /data/f; echo abc > /written"], {key: ""},
        HostConfig={"Binds": [f"{volume}:/data"]},
    )  # fmt: skip
    df = call(d, "GET", "/system/df")
    assert df["LayersSize"] > 0
    (container,) = [c for c in df["Containers"] if c["Id"] == cid]
    assert container["SizeRw"] >= 4 and container["SizeRootFs"] > container["SizeRw"]
    (vol,) = [v for v in df["Volumes"] if v["Name"] == volume]
    assert vol["UsageData"] == {"RefCount": 1, "Size": 11}
    image_id = call(d, "GET", f"/containers/{cid}/json")["Image"]
    (image,) = [i for i in df["Images"] if i["Id"] == image_id]
    assert image["Containers"] >= 1 and image["Size"] > 0 and "SharedSize" in image
    if d.is_mock:  # the real engine may hold BuildKit records from other suites
        assert df["BuildCache"] is None


def test_prune_with_a_label_removes_exactly_the_labelled_objects(d: Backend) -> None:
    key = f"prune-{uuid.uuid4().hex[:8]}"
    doomed = run_to_end(d, ["sh", "-c", "echo x > /f"], {key: "yes"})
    kept_other = run_to_end(d, ["true"], {f"{key}-other": ""})
    running = create(d, ["sleep", "300"], {key: "yes"})
    call(d, "POST", f"/containers/{running}/start", 204)
    network = call(d, "POST", "/networks/create", 201, json={"Name": key, "Labels": {key: "yes"}})
    d.track("network", network["Id"])
    other_network = call(d, "POST", "/networks/create", 201, json={"Name": f"{key}-o"})
    d.track("network", other_network["Id"])
    volume = d.track("volume", f"{key}-vol")
    call(d, "POST", "/volumes/create", 201, json={"Name": volume, "Labels": {key: "yes"}})

    pruned = call(d, "POST", "/containers/prune", params=label_filter(f"{key}=yes"))
    assert pruned["ContainersDeleted"] == [doomed] and pruned["SpaceReclaimed"] >= 0
    assert d.api("GET", f"{V}/containers/{doomed}/json").status_code == 404
    assert call(d, "GET", f"/containers/{kept_other}/json")["Id"] == kept_other
    assert call(d, "GET", f"/containers/{running}/json")["State"]["Running"] is True

    pruned = call(d, "POST", "/networks/prune", params=label_filter(key))
    assert pruned["NetworksDeleted"] == [key]
    assert call(d, "GET", f"/networks/{other_network['Id']}")["Name"] == f"{key}-o"

    pruned = call(d, "POST", "/volumes/prune", params=label_filter(key))
    assert pruned["VolumesDeleted"] == [volume] and pruned["SpaceReclaimed"] >= 0

    pruned = call(d, "POST", "/images/prune", params=label_filter(key))
    assert pruned["ImagesDeleted"] is None and pruned["SpaceReclaimed"] == 0


def _counts(d: Backend) -> tuple[int, int, int, int]:
    info = call(d, "GET", "/info")
    counts = (
        info["Containers"],
        info["ContainersRunning"],
        info["ContainersPaused"],
        info["ContainersStopped"],
    )
    assert counts[0] == sum(counts[1:])
    return counts


def _listed(d: Backend) -> tuple[int, int, int, int]:
    states = [c["State"] for c in call(d, "GET", "/containers/json?all=1")]
    running = sum(1 for s in states if s in ("running", "restarting"))
    paused = states.count("paused")
    return len(states), running, paused, len(states) - running - paused


def _counts_match_the_list(d: Backend) -> tuple[int, int, int, int]:
    """/info's counts agree with the container list (re-read while others change the engine)."""
    for _ in range(30):
        before, listed, after = _counts(d), _listed(d), _counts(d)
        if before == listed == after:
            break
        time.sleep(0.1)  # dockerd counts a stop from the exit event, a moment later
    assert before == listed
    return before


def test_info_counts_follow_create_start_pause_stop(d: Backend) -> None:
    key = f"info-{uuid.uuid4().hex[:8]}"
    steps: list[tuple[int, int, int, int]] = [_counts_match_the_list(d)]
    cid = create(d, ["sleep", "300"], {key: ""})
    steps.append(_counts_match_the_list(d))
    for action in ("start", "pause", "unpause", "stop?t=0"):
        call(d, "POST", f"/containers/{cid}/{action}", 204)
        steps.append(_counts_match_the_list(d))
    if d.is_mock:  # the real engine may be shared: exact differences only on our own daemon
        deltas = [
            tuple(b - a for a, b in zip(x, y, strict=True)) for x, y in itertools.pairwise(steps)
        ]
        assert deltas == [(1, 0, 0, 1), (0, 1, 0, -1), (0, -1, 1, 0), (0, 1, -1, 0), (0, -1, 0, 1)]
