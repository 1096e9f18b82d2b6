"""Build cache in ``GET /system/df`` and ``POST /build/prune``.

Both backends: the prune reply's shape and the status codes of its errors.
The mock only: the records themselves.  dockerd 20.10's classic builder
reports ``BuildCache`` empty and its prune leaves the classic cache alone
(its cache is the image store); the mock goes further because the issue asks
for it: each committed step is a ``BuildCache`` record, and pruning a record
makes the next identical build miss the cache.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from backends import Backend

from tests.contract.test_build import build, built_id, text

V = "/v1.41"


def prune(docker: Backend, **params: Any) -> dict[str, Any]:
    reply = docker.api("POST", f"{V}/build/prune", params=params)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def cache_records(docker: Backend) -> list[dict[str, Any]]:
    reply = docker.api("GET", f"{V}/system/df")
    assert reply.status_code == 200, reply.text
    return list(reply.json()["BuildCache"] or [])


def dockerfile() -> str:
    return (
        f"FROM busybox\nLABEL test.nonce={uuid.uuid4().hex}\n"
        "RUN dd if=/dev/zero of=/big bs=1000 count=300\nCOPY a.txt /a.txt\n"
    )


def test_prune_reply_and_errors(docker: Backend) -> None:
    # A filter that matches no record: safe on a shared real engine.
    nothing = json.dumps({"id": [f"no-such-record-{uuid.uuid4().hex}"]})
    assert prune(docker, filters=nothing) == {"CachesDeleted": None, "SpaceReclaimed": 0}
    unknown = docker.api("POST", f"{V}/build/prune", params={"filters": '{"foo":["x"]}'})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "failed to prune build cache: Invalid filter 'foo'"
    for params in ({"filters": '{"until":["xx"]}'}, {"keep-storage": "abc"}):
        reply = docker.api("POST", f"{V}/build/prune", params=params)
        assert reply.status_code == 500, (params, reply.text)
        assert reply.json()["message"]


def test_mock_records_each_step_and_prune_all_clears_them(docker: Backend) -> None:
    if not docker.is_mock:
        pytest.skip("dockerd 20.10's classic builder keeps no build-cache records")
    files = {"Dockerfile": dockerfile(), "a.txt": "hello\n"}
    status, _messages = build(docker, files, t="cached:1")
    assert status == 200
    records = cache_records(docker)
    by_description = {r["Description"]: r for r in records}
    assert set(by_description) == {
        next(d for d in by_description if d.startswith("LABEL test.nonce=")),
        "RUN dd if=/dev/zero of=/big bs=1000 count=300",
        "COPY a.txt /a.txt",
    }
    run = by_description["RUN dd if=/dev/zero of=/big bs=1000 count=300"]
    copy = by_description["COPY a.txt /a.txt"]
    assert run["Size"] == 300_000 and copy["Size"] == 6
    assert run["Type"] == "regular" and run["UsageCount"] == 1 and run["InUse"] is False
    assert copy["Parent"] == run["ID"]  # API 1.41 shape
    assert all(r["Shared"] for r in records)  # the tagged image keeps every layer

    _, again = build(docker, files)
    assert text(again).count(" ---> Using cache\n") == 3
    assert {r["ID"]: r["UsageCount"] for r in cache_records(docker)}[run["ID"]] == 2

    assert prune(docker)["CachesDeleted"] is None  # shared records are not dangling
    pruned = prune(docker, all=1)
    assert sorted(pruned["CachesDeleted"]) == sorted(r["ID"] for r in records)
    assert pruned["SpaceReclaimed"] == 0  # the tag keeps the layers
    assert cache_records(docker) == []
    _, rebuilt = build(docker, files)
    assert "Using cache" not in text(rebuilt)


def test_mock_prune_frees_an_untagged_build(docker: Backend) -> None:
    if not docker.is_mock:
        pytest.skip("dockerd 20.10's classic builder keeps no build-cache records")
    files = {"Dockerfile": dockerfile(), "a.txt": "hello\n"}
    _, messages = build(docker, files)
    image_id = built_id(messages)
    records = cache_records(docker)
    assert len(records) == 3 and not any(r["Shared"] for r in records)
    df = docker.api("GET", "/v1.52/system/df", params={"type": "build-cache"}).json()
    assert df["BuildCacheUsage"]["Reclaimable"] == 300_006

    kept = prune(docker, filters=json.dumps({"until": ["1h"]}))  # all used just now
    assert kept["CachesDeleted"] is None
    pruned = prune(docker)
    assert len(pruned["CachesDeleted"]) == 3 and pruned["SpaceReclaimed"] == 300_006
    assert docker.api("GET", f"{V}/images/{image_id}/json").status_code == 404
    assert re.fullmatch(r"[0-9a-z]{25}", pruned["CachesDeleted"][0])


def test_mock_keep_storage_keeps_the_most_recently_used(docker: Backend) -> None:
    if not docker.is_mock:
        pytest.skip("dockerd 20.10's classic builder keeps no build-cache records")
    _, _messages = build(docker, {"Dockerfile": dockerfile(), "a.txt": "hello\n"})
    pruned = prune(docker, **{"keep-storage": "10"})
    # Oldest first until no more than 10 bytes remain: the label (0 B), the RUN (300 kB).
    assert len(pruned["CachesDeleted"]) == 2
    (left,) = cache_records(docker)
    assert left["Description"] == "COPY a.txt /a.txt"


def test_label_filters_are_accepted(docker: Backend) -> None:
    # `docker system prune --filter label=...` sends its filters to build prune too.
    for key in ("label", "label!"):
        filters = json.dumps({key: [f"no.such.label={uuid.uuid4().hex}"], "id": ["no-such-id"]})
        assert prune(docker, filters=filters)["SpaceReclaimed"] == 0


def test_mock_label_matches_no_record_and_label_not_matches_all(docker: Backend) -> None:
    if not docker.is_mock:
        pytest.skip("dockerd 20.10's classic builder keeps no build-cache records")
    build(docker, {"Dockerfile": dockerfile(), "a.txt": "hello\n"})
    assert len(cache_records(docker)) == 3
    assert prune(docker, filters=json.dumps({"label": ["a=b"]}))["CachesDeleted"] is None
    pruned = prune(docker, filters=json.dumps({"label!": ["a=b"]}))
    assert len(pruned["CachesDeleted"]) == 3


def test_mock_records_are_version_shaped(docker: Backend) -> None:
    if not docker.is_mock:
        pytest.skip("dockerd 20.10's classic builder keeps no build-cache records")
    build(docker, {"Dockerfile": dockerfile(), "a.txt": "hello\n"})
    old = docker.api("GET", "/v1.41/system/df").json()
    assert all("Parent" in r and "Parents" not in r for r in old["BuildCache"])
    assert old["BuilderSize"] == sum(r["Size"] for r in old["BuildCache"]) == 300_006
    new = docker.api("GET", "/v1.44/system/df").json()
    assert all("Parents" in r and "Parent" not in r for r in new["BuildCache"])
    assert "BuilderSize" not in new
    items = docker.api("GET", "/v1.52/system/df", params={"verbose": 1}).json()
    assert all("Parent" not in r for r in items["BuildCacheUsage"]["Items"])
