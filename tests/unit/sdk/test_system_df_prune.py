"""``system.df``, ``system.prune`` and the event filters, against mocked HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from dockersdk import DiskUsage, DockerClient, PruneReport
from dockersdk.api.system import event_filters
from dockersdk.models import ContainerSummary, ImageSummary

BASE = "http://docker.test:2375"

IMAGE = {
    "Id": "sha256:aa",
    "Size": 1000,
    "SharedSize": 1000,
    "Containers": 1,
    "Created": 1,
    "ParentId": "",
    "RepoTags": ["x:1"],
    "Labels": None,
}
CONTAINER = {"Id": "c1", "Names": ["/c"], "SizeRw": 12, "SizeRootFs": 1012, "Image": "x:1"}
VOLUME = {
    "Name": "v",
    "Driver": "local",
    "Mountpoint": "/m",
    "Scope": "local",
    "UsageData": {"Size": 7, "RefCount": 0},
}
# IMAGE as the SDK decodes it.
IMAGE_SUMMARY = ImageSummary(
    id="sha256:aa",
    size=1000,
    shared_size=1000,
    containers=1,
    created=1,
    parent_id="",
    repo_tags=["x:1"],
)
CACHE = {"ID": "b1", "Type": "regular", "Size": 30, "InUse": False, "Shared": False}
LEGACY = {
    "LayersSize": 1000,
    "Images": [IMAGE],
    "Containers": [CONTAINER],
    "Volumes": [VOLUME],
    "BuildCache": [CACHE],
    "BuilderSize": 0,
}


def usage_body(**kinds: list[dict[str, object]]) -> dict[str, object]:
    keys = {
        "images": "ImageUsage",
        "containers": "ContainerUsage",
        "volumes": "VolumeUsage",
        "build_cache": "BuildCacheUsage",
    }
    body: dict[str, object] = {}
    for kind, items in kinds.items():
        body[keys[kind]] = {
            "ActiveCount": 0,
            "TotalCount": len(items),
            "Reclaimable": 0,
            "TotalSize": 1000 if kind == "images" else 0,
            "Items": items,
        }
    return body


def client_at(rsps: responses.RequestsMock, version: str) -> DockerClient:
    rsps.get(f"{BASE}/_ping", body="OK", headers={"API-Version": version})
    return DockerClient("tcp://docker.test:2375")


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def query_of(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# -- df ------------------------------------------------------------------------------------


def test_df_before_1_52_reads_the_flat_lists(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.41")
    rsps.get(f"{BASE}/v1.41/system/df", json=LEGACY)
    usage = client.df()
    assert usage.layers_size == 1000
    assert usage.images == [IMAGE_SUMMARY]
    assert usage.containers is not None and usage.containers[0].size_rw == 12
    assert isinstance(usage.containers[0], ContainerSummary)
    assert usage.volumes is not None and usage.volumes[0].name == "v"
    assert usage.build_cache is not None and usage.build_cache[0].id == "b1"
    assert (
        usage.images_size,
        usage.containers_size_rw,
        usage.volumes_size,
        usage.build_cache_size,
    ) == (1000, 12, 7, 30)
    assert "type" not in query_of(rsps.calls[-1])


def test_df_type_before_1_42_is_dropped_here(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.41")
    rsps.get(f"{BASE}/v1.41/system/df", json=LEGACY)
    usage = client.system.df(type="container")
    assert "type" not in query_of(rsps.calls[-1])  # 1.41 has no such parameter
    assert usage.containers is not None and len(usage.containers) == 1
    assert usage.images is None and usage.volumes is None and usage.build_cache is None
    assert usage.layers_size is None


def test_df_type_is_sent_from_1_42(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    rsps.get(f"{BASE}/v1.45/system/df", json={"LayersSize": 0, "Volumes": [VOLUME]})
    usage = client.system.df(type=["volume", "image"])
    assert query_of(rsps.calls[-1])["type"] == ["volume", "image"]
    assert usage.volumes is not None and usage.volumes[0].usage_data is not None
    assert usage.images == [] and usage.containers is None


def test_df_from_1_52_asks_verbose_and_reads_the_usage_items(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.55")
    rsps.get(
        f"{BASE}/v1.55/system/df",
        json=usage_body(
            images=[IMAGE], containers=[CONTAINER], volumes=[VOLUME], build_cache=[CACHE]
        ),
    )
    usage = client.df()
    assert query_of(rsps.calls[-1])["verbose"] == ["1"]
    assert usage == DiskUsage(
        layers_size=1000,
        images=[IMAGE_SUMMARY],
        containers=[
            ContainerSummary(id="c1", names=["/c"], size_rw=12, size_root_fs=1012, image="x:1")
        ],
        volumes=usage.volumes,
        build_cache=usage.build_cache,
    )
    assert usage.volumes_size == 7 and usage.build_cache_size == 30


def test_df_rejects_an_unknown_type(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    with pytest.raises(ValueError, match="layers"):
        client.df(type="layers")  # type: ignore[arg-type]


# -- system prune ----------------------------------------------------------------------------


def mock_prunes(rsps: responses.RequestsMock, version: str) -> None:
    rsps.post(
        f"{BASE}/v{version}/containers/prune",
        json={"ContainersDeleted": ["c1", "c2"], "SpaceReclaimed": 10},
    )
    rsps.post(f"{BASE}/v{version}/networks/prune", json={"NetworksDeleted": ["n1"]})
    rsps.post(
        f"{BASE}/v{version}/volumes/prune", json={"VolumesDeleted": ["v1"], "SpaceReclaimed": 100}
    )
    rsps.post(
        f"{BASE}/v{version}/images/prune",
        json={
            "ImagesDeleted": [
                {"Untagged": "x:1"},
                {"Deleted": "sha256:aa"},
                {"Deleted": "sha256:bb"},
            ],
            "SpaceReclaimed": 1000,
        },
    )
    rsps.post(f"{BASE}/v{version}/build/prune", json={"CachesDeleted": ["b1"], "SpaceReclaimed": 5})


def calls_by_path(rsps: responses.RequestsMock) -> dict[str, dict[str, list[str]]]:
    return {
        urlsplit(c.request.url).path: query_of(c) for c in rsps.calls if c.request.method == "POST"
    }


def test_system_prune_defaults_like_the_cli(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    mock_prunes(rsps, "1.45")
    report = client.system.prune()
    assert report == PruneReport(
        containers=["c1", "c2"],
        images_deleted=["sha256:aa", "sha256:bb"],
        images_untagged=["x:1"],
        networks=["n1"],
        volumes=[],
        build_cache=["b1"],
        space_reclaimed=10 + 1000 + 5,
    )
    calls = calls_by_path(rsps)
    assert "/v1.45/volumes/prune" not in calls  # only with volumes=True
    assert json.loads(calls["/v1.45/images/prune"]["filters"][0]) == {"dangling": ["true"]}
    assert "all" not in calls["/v1.45/build/prune"]


def test_system_prune_all_and_volumes(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    mock_prunes(rsps, "1.45")
    report = client.system.prune(all=True, volumes=True, filters={"until": "24h"})
    assert report.volumes == ["v1"]
    assert report.space_reclaimed == 10 + 100 + 1000 + 5
    calls = calls_by_path(rsps)
    assert json.loads(calls["/v1.45/images/prune"]["filters"][0]) == {
        "until": ["24h"],
        "dangling": ["false"],
    }
    assert json.loads(calls["/v1.45/volumes/prune"]["filters"][0]) == {
        "until": ["24h"],
        "all": ["true"],
    }
    assert json.loads(calls["/v1.45/containers/prune"]["filters"][0]) == {"until": ["24h"]}
    assert calls["/v1.45/build/prune"]["all"] == ["1"]


def test_system_prune_volume_all_filter_needs_1_42(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.41")
    mock_prunes(rsps, "1.41")
    client.system.prune(all=True, volumes=True)
    assert "filters" not in calls_by_path(rsps)["/v1.41/volumes/prune"]


def test_system_prune_leaves_the_build_cache_alone_under_a_label_filter(
    rsps: responses.RequestsMock,
) -> None:
    client = client_at(rsps, "1.45")
    mock_prunes(rsps, "1.45")
    report = client.system.prune(volumes=True, filters={"label": ["a=b", "c"]})
    calls = calls_by_path(rsps)
    assert "/v1.45/build/prune" not in calls
    assert report.build_cache == []
    for path in ("containers", "networks", "volumes"):
        assert json.loads(calls[f"/v1.45/{path}/prune"]["filters"][0]) == {"label": ["a=b", "c"]}


def test_system_prune_without_build_cache(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    mock_prunes(rsps, "1.45")
    client.system.prune(build_cache=False)
    assert "/v1.45/build/prune" not in calls_by_path(rsps)


# -- event filters ---------------------------------------------------------------------------


def test_event_filters_merge_type_and_action() -> None:
    assert event_filters(None) is None
    assert event_filters({"container": "web"}, type="container", action=["start", "die"]) == {
        "container": "web",
        "type": ["container"],
        "action": ["start", "die"],
    }
    assert event_filters({"type": "image"}, type=["volume"]) == {"type": ["image", "volume"]}


def test_events_type_and_action_go_out_as_filters(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    event = {"Type": "container", "Action": "die", "Actor": {"ID": "c1"}, "time": 1}
    rsps.get(f"{BASE}/v1.45/events", body=json.dumps(event) + "\n")
    with client.events(filters={"label": ["a=1", "b"]}, type="container", action="die") as s:
        events = list(s)
    assert [e.action for e in events] == ["die"]
    assert json.loads(query_of(rsps.calls[-1])["filters"][0]) == {
        "label": ["a=1", "b"],
        "type": ["container"],
        "action": ["die"],
    }


def test_client_events_undecoded_are_bytes_lines(rsps: responses.RequestsMock) -> None:
    client = client_at(rsps, "1.45")
    events = [{"Type": "image", "Action": "pull", "time": 1}, {"Type": "network", "time": 2}]
    rsps.get(f"{BASE}/v1.45/events", body="".join(json.dumps(e) + "\n" for e in events))
    with client.events(decode=False) as stream:
        raw = list(stream)
    assert all(isinstance(item, bytes) for item in raw)
    assert [json.loads(item) for item in raw] == events
