"""Networks on both backends: default shapes, create with a subnet, errors, events."""

from __future__ import annotations

import json
import time
import uuid

from backends import Backend


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_default_networks_shape(docker: Backend) -> None:
    bridge = docker.api("GET", "/v1.41/networks/bridge").json()
    assert bridge["Driver"] == "bridge" and bridge["Scope"] == "local"
    assert bridge["IPAM"]["Driver"] == "default" and bridge["IPAM"]["Options"] is None
    # The real engine under test may run with its own --bip; the mock has dockerd's default.
    subnet = bridge["IPAM"]["Config"][0]["Subnet"]
    assert subnet == "172.17.0.0/16" if docker.is_mock else "/" in subnet
    assert bridge["Options"]["com.docker.network.bridge.default_bridge"] == "true"
    for name, driver in (("host", "host"), ("none", "null")):
        shape = docker.api("GET", f"/v1.41/networks/{name}").json()
        assert (shape["Driver"], shape["IPAM"]["Config"], shape["Labels"]) == (driver, [], {})
    reply = docker.api("DELETE", "/v1.41/networks/bridge")
    assert reply.status_code == 403
    assert reply.json()["message"] == "bridge is a pre-defined network and cannot be removed"


def test_create_with_subnet_then_inspect(docker: Backend) -> None:
    client = docker.client()
    name = _name("ct-net")
    network = client.networks.create(
        name, ipam={"Config": [{"Subnet": "10.231.7.0/24", "Gateway": "10.231.7.254"}]},
        labels={"suite": name},
    )  # fmt: skip
    docker.track("network", network.id)
    assert len(network.id) == 64 and network.name == name
    config = (network.attrs.ipam.config or [])[0] if network.attrs.ipam else None
    assert config is not None
    assert (config.subnet, config.gateway) == ("10.231.7.0/24", "10.231.7.254")
    assert network.attrs.labels == {"suite": name} and network.containers == []
    reply = docker.api("POST", "/networks/create", json={"Name": name, "CheckDuplicate": True})
    assert reply.status_code == 409
    assert reply.json()["message"] == f"network with name {name} already exists"
    overlap = docker.api("POST", "/networks/create", json={
        "Name": _name("ct-ov"), "CheckDuplicate": True,
        "IPAM": {"Config": [{"Subnet": "10.231.0.0/16"}]},
    })  # fmt: skip
    assert overlap.status_code == 403
    assert overlap.json()["message"] == "Pool overlaps with other one on this address space"
    assert [n.name for n in client.networks.list(filters={"label": f"suite={name}"})] == [name]
    assert client.networks.prune(filters={"label": f"suite={name}"}).networks_deleted == [name]
    reply = docker.api("GET", f"/networks/{name}")
    assert reply.status_code == 404 and reply.json()["message"] == f"network {name} not found"


def test_network_events_in_order(docker: Backend) -> None:
    name = _name("ct-nev")
    since = str(int(time.time()) - 1) if docker.is_real else "0"
    created = docker.api("POST", "/networks/create", json={"Name": name, "CheckDuplicate": True})
    network_id = docker.track("network", created.json()["Id"])
    assert docker.api("DELETE", f"/networks/{network_id}").status_code == 204
    reply = docker.api("GET", "/events", params={
        "since": since, "until": str(int(time.time()) + 1),
        "filters": f'{{"type":["network"],"network":["{network_id}"]}}',
    })  # fmt: skip
    seen = [
        (e["Action"], e["Actor"]["ID"], e["Actor"]["Attributes"])
        for e in map(json.loads, filter(None, reply.iter_lines()))
    ]
    attrs = {"name": name, "type": "bridge"}
    assert seen == [("create", network_id, attrs), ("destroy", network_id, attrs)]


def test_endpoint_driver_opts_are_kept(docker: Backend) -> None:
    docker.ensure_busybox()
    client = docker.client()
    network = client.networks.create(_name("ct-opts"))
    docker.track("network", network.id)
    created = docker.api("POST", "/v1.41/containers/create", json={
        "Image": "busybox", "Cmd": ["true"],
        "NetworkingConfig": {"EndpointsConfig": {network.name: {"DriverOpts": {"a": "1"}}}},
        "HostConfig": {"NetworkMode": network.name},
    })  # fmt: skip
    assert created.status_code == 201, created.text
    first = docker.track("container", created.json()["Id"])
    later = docker.track("container", client.containers.create("busybox", "true").id)
    network.connect(later, driver_opt={"k": "v"})
    for container_id, expected in ((first, {"a": "1"}), (later, {"k": "v"})):
        inspect = docker.api("GET", f"/v1.41/containers/{container_id}/json").json()
        assert inspect["NetworkSettings"]["Networks"][network.name]["DriverOpts"] == expected
