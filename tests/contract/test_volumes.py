"""Volumes on both backends: create, inspect, list, remove, prune, events."""

from __future__ import annotations

import json
import time
import uuid

from backends import Backend


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_volume_lifecycle_with_labels(docker: Backend) -> None:
    client = docker.client()
    name = docker.track("volume", _name("ct-vol"))
    volume = client.volumes.create(name, labels={"suite": name})
    assert volume.name == name
    assert volume.attrs.driver == "local" and volume.attrs.scope == "local"
    assert (volume.attrs.mountpoint or "").endswith(f"/volumes/{name}/_data")
    again = client.volumes.create(name, labels={"other": "x"})
    assert again.labels == {"suite": name}  # an existing name is returned as it is
    assert [v.name for v in client.volumes.list(filters={"label": f"suite={name}"})] == [name]
    # Before API 1.42 prune takes every unused volume; from 1.42 only with all=true.
    filters: dict[str, str] = {"label": f"suite={name}"}
    if client.api_version >= "1.42":
        filters["all"] = "true"
    assert client.volumes.prune(filters=filters).volumes_deleted == [name]
    assert docker.api("GET", f"/volumes/{name}").status_code == 404


def test_volume_errors(docker: Backend) -> None:
    reply = docker.api("GET", "/volumes/" + _name("ct-missing"))
    assert reply.status_code == 404 and "no such volume" in reply.json()["message"]
    reply = docker.api("POST", "/volumes/create", json={"Name": "bad/name"})
    assert reply.status_code == 400
    assert reply.json()["message"].startswith('create bad/name: "bad/name" includes invalid')
    reply = docker.api("POST", "/volumes/create", json={"Name": _name("ct"), "Driver": "nodriver"})
    assert reply.status_code == 404 and 'plugin "nodriver" not found' in reply.json()["message"]
    reply = docker.api("GET", "/volumes", params={"filters": '{"nofilter":["x"]}'})
    assert reply.status_code == 400


def test_volume_events_in_order(docker: Backend) -> None:
    name = docker.track("volume", _name("ct-ev"))
    since = str(int(time.time()) - 1) if docker.is_real else "0"
    assert docker.api("POST", "/volumes/create", json={"Name": name}).status_code == 201
    assert docker.api("DELETE", f"/volumes/{name}").status_code == 204
    reply = docker.api("GET", "/events", params={
        "since": since, "until": str(int(time.time()) + 1),
        "filters": f'{{"type":["volume"],"volume":["{name}"]}}',
    })  # fmt: skip
    events = [line for line in reply.iter_lines() if line]
    seen = [
        (e["Action"], e["Actor"]["ID"], e["Actor"]["Attributes"]) for e in map(json.loads, events)
    ]
    assert seen == [("create", name, {"driver": "local"}), ("destroy", name, {"driver": "local"})]
