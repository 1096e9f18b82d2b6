"""The same calls through docker-py and through our SDK, against one mock daemon.

Issue #3: code written for docker-py moves over by changing imports.  The
signatures are compared in tests/unit/sdk/test_dockerpy_parity.py; here the
most used calls run through both libraries and their results are compared as
values: docker-py's dicts against our models' wire reads / ``to_dict()``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import docker.types
import msgspec
import pytest

import dockersdk
from mockd import MockDaemon

FIELD_VERSIONS = Path(__file__).resolve().parents[2] / "openapi" / "field-versions.json"


def removed_fields(schema: str) -> frozenset[str]:
    """Fields of ``schema`` the API document dropped at some version: an older
    daemon still sends them, and our generated models (the current document) do
    not carry them, so a model's ``to_dict()`` lacks them (reported)."""
    fields = json.loads(FIELD_VERSIONS.read_text())["definitions"][schema]
    return frozenset("." + name for name, versions in fields.items() if "removed" in versions)


def _unindexed(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def differences(
    theirs: Any, ours: Any, ignore: frozenset[str] = frozenset(), path: str = ""
) -> list[tuple[str, Any, Any]]:
    """Where two JSON-shaped values differ; a missing key, ``None``, ``{}`` and ``[]``
    count as the same "nothing" (our models omit empty fields in ``to_dict()``)."""
    empty: tuple[Any, ...] = (None, {}, [])
    if isinstance(theirs, dict) and isinstance(ours, dict):
        found = []
        for key in sorted(set(theirs) | set(ours)):
            found += differences(theirs.get(key), ours.get(key), ignore, f"{path}.{key}")
        return found
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        found = []
        for index, (a, b) in enumerate(zip(theirs, ours, strict=True)):
            found += differences(a, b, ignore, f"{path}[{index}]")
        return found
    if theirs == ours or (theirs in empty and ours in empty) or _unindexed(path) in ignore:
        return []
    return [(path, theirs, ours)]


class Both:
    """docker-py and our SDK, on the same daemon."""

    def __init__(self, daemon: MockDaemon) -> None:
        self.daemon = daemon
        self.dp = docker.DockerClient(base_url=daemon.docker_host)
        self.us = dockersdk.DockerClient(daemon.docker_host)

    def close(self) -> None:
        self.dp.close()
        self.us.close()


# The real engine's API version, and the newest the mock speaks (shapes differ:
# df, removed fields).
@pytest.fixture(scope="module", params=["1.41", None], ids=["api-1.41", "api-newest"])
def both(request: pytest.FixtureRequest) -> Iterator[Both]:
    with MockDaemon(api_version=request.param) as daemon:
        clients = Both(daemon)
        clients.dp.images.pull("busybox", tag="latest")
        try:
            yield clients
        finally:
            clients.close()


def test_the_same_api_version_is_negotiated(both: Both) -> None:
    assert both.dp.ping() is True and both.us.ping() is True
    assert both.dp.api.api_version == both.us.api_version


def test_version(both: Both) -> None:
    theirs, ours = both.dp.version(), both.us.version()
    assert differences(theirs, ours.to_dict()) == []
    assert ours["ApiVersion"] == theirs["ApiVersion"] and ours["Os"] == theirs["Os"]


def test_info(both: Both) -> None:
    theirs, ours = both.dp.info(), both.us.info()
    # SystemTime is the daemon's clock at each call.
    ignore = removed_fields("SystemInfo") | {".SystemTime"}
    found = differences(theirs, ours.to_dict(), ignore)
    assert found == []
    assert (ours["NCPU"], ours["Containers"]) == (theirs["NCPU"], theirs["Containers"])


def test_images_get_and_list(both: Both) -> None:
    theirs, ours = both.dp.images.get("busybox"), both.us.images.get("busybox")
    assert (ours.id, ours.short_id, ours.tags, ours.labels) == (
        theirs.id, theirs.short_id, theirs.tags, theirs.labels,
    )  # fmt: skip
    assert differences(theirs.attrs, ours.attrs.to_dict(), removed_fields("ImageInspect")) == []
    assert ours.attrs["Config"]["Cmd"] == theirs.attrs["Config"]["Cmd"]
    assert sorted(i.id for i in both.us.images.list()) == sorted(
        i.id for i in both.dp.images.list()
    )
    assert [i.id for i in both.us.images.list("busybox")] == [
        i.id for i in both.dp.images.list("busybox")
    ]


def test_run_in_the_foreground(both: Both) -> None:
    command = "sh -c 'echo out; echo err >&2'"
    for stdout, stderr in ((True, False), (True, True), (False, True)):
        theirs = both.dp.containers.run("busybox", command, stdout, stderr, remove=True)
        ours = both.us.containers.run("busybox", command, stdout, stderr, remove=True)
        assert ours == theirs, (stdout, stderr)


def test_run_failure_raises_container_error(both: Both) -> None:
    command = "sh -c 'echo boom >&2; exit 3'"
    with pytest.raises(docker.errors.ContainerError) as theirs:
        both.dp.containers.run("busybox", command, remove=True)
    with pytest.raises(dockersdk.ContainerError) as ours:
        both.us.containers.run("busybox", command, remove=True)
    assert (ours.value.exit_status, ours.value.stderr) == (
        theirs.value.exit_status, theirs.value.stderr,
    )  # fmt: skip


def test_detached_container_reads(both: Both) -> None:
    created = both.dp.containers.run(
        "busybox", "sh -c 'echo ready; exec sleep 60'", detach=True, name="vs-detached",
        labels={"suite": "vs"}, environment={"X": "1"}, ports={"80/tcp": None},
    )  # fmt: skip
    try:
        theirs, ours = both.dp.containers.get("vs-detached"), both.us.containers.get("vs-detached")
        assert differences(theirs.attrs, ours.attrs) == []
        assert (ours.id, ours.short_id, ours.name, ours.status, ours.labels, ours.ports) == (
            theirs.id, theirs.short_id, theirs.name, theirs.status, theirs.labels, theirs.ports,
        )  # fmt: skip
        assert ours.image.id == theirs.image.id and ours.health == theirs.health
        assert ours.logs() == theirs.logs() == b"ready\n"
        assert differences(theirs.top(), ours.top().to_dict()) == []

        listed_theirs = {c.id: c.status for c in both.dp.containers.list(all=True)}
        listed_ours = {c.id: c.status for c in both.us.containers.list(all=True)}
        assert listed_ours == listed_theirs
        assert [c.id for c in both.us.containers.list(filters={"label": "suite=vs"})] == [
            c.id for c in both.dp.containers.list(filters={"label": "suite=vs"})
        ]
    finally:
        created.remove(force=True)


def test_exec_run(both: Both) -> None:
    both.dp.containers.run("busybox", "sleep 60", detach=True, name="vs-exec")
    try:
        theirs, ours = both.dp.containers.get("vs-exec"), both.us.containers.get("vs-exec")
        command = "sh -c 'echo o; echo e >&2; exit 4'"
        for kwargs in ({}, {"demux": True}, {"stderr": False}, {"environment": {"V": "1"}}):
            assert ours.exec_run(command, **kwargs) == theirs.exec_run(command, **kwargs), kwargs
        assert ours.exec_run("pwd", workdir="/tmp") == theirs.exec_run("pwd", workdir="/tmp")
        ours.exec_run("touch /tmp/made")
        assert [c.to_dict() for c in ours.diff()] == theirs.diff()
        stream_theirs, stat_theirs = theirs.get_archive("/etc/hostname")
        stream_ours, stat_ours = ours.get_archive("/etc/hostname")
        assert b"".join(stream_ours) == b"".join(stream_theirs)
        assert stat_ours.to_dict() == stat_theirs and stat_ours["size"] == stat_theirs["size"]
    finally:
        both.dp.containers.get("vs-exec").remove(force=True)


def test_stop_wait_remove(both: Both) -> None:
    theirs = both.dp.containers.run("busybox", "sleep 60", detach=True, name="vs-stop")
    ours = both.us.containers.get("vs-stop")
    ours.stop(timeout=1)
    assert ours.wait() == theirs.wait() == {"StatusCode": 137, "Error": None}
    ours.reload()
    theirs.reload()
    assert ours.status == theirs.status == "exited"
    ours.remove()
    with pytest.raises(docker.errors.NotFound) as not_theirs:
        both.dp.containers.get("vs-stop")
    with pytest.raises(dockersdk.NotFound) as not_ours:
        both.us.containers.get("vs-stop")
    assert not_ours.value.status == not_theirs.value.status_code == 404
    assert not_theirs.value.explanation in str(not_ours.value)


def test_volumes_and_networks(both: Both) -> None:
    volume = both.dp.volumes.create("vs-volume", labels={"k": "v"})
    network = both.dp.networks.create("vs-net", labels={"k": "v"})
    container = both.dp.containers.run("busybox", "sleep 60", detach=True, name="vs-net-member")
    try:
        ours_volume = both.us.volumes.get("vs-volume")
        assert differences(volume.attrs, ours_volume.attrs.to_dict()) == []
        assert (ours_volume.id, ours_volume.short_id, ours_volume.name) == (
            volume.id, volume.short_id, volume.name,
        )  # fmt: skip
        assert [v.name for v in both.us.volumes.list()] == [v.name for v in both.dp.volumes.list()]

        both.us.networks.get("vs-net").connect(container.id, aliases=["member"])
        network.reload()
        ours_network = both.us.networks.get("vs-net")
        assert differences(network.attrs, ours_network.attrs.to_dict()) == []
        assert [c.name for c in ours_network.containers] == [c.name for c in network.containers]
        assert [n.name for n in both.us.networks.list(names=["vs-net"])] == [
            n.name for n in both.dp.networks.list(names=["vs-net"])
        ]
    finally:
        container.remove(force=True)
        network.remove()
        volume.remove()


def test_df_and_events(both: Both) -> None:
    since = int(time.time())
    both.us.containers.run("busybox", "true", remove=True)
    until = int(time.time()) + 1
    theirs = list(both.dp.events(since=since, until=until, decode=True))
    ours = [event.to_dict() for event in both.us.events(since=since, until=until)]
    assert theirs and differences(theirs, ours) == []

    df_theirs, df_ours = both.dp.df(), both.us.df()
    # Our df() reads the daemon's answer with ``verbose`` (per-item lists) from
    # API 1.52: compare the keys docker-py got.
    dropped = frozenset().union(*(removed_fields(schema) for schema in (
        "ImageSummary", "ContainerSummary", "Volume", "BuildCache")))  # fmt: skip
    for key, value in df_theirs.items():
        read = df_ours[key]
        if isinstance(read, dict):
            read = {k: v for k, v in read.items() if k != "Items"}
        assert differences(value, msgspec.to_builtins(read), dropped) == [], key


def test_registry_data(both: Both) -> None:
    theirs = both.dp.images.get_registry_data("busybox:latest")
    ours = both.us.images.get_registry_data("busybox:latest")
    assert (ours.id, ours.short_id) == (theirs.id, theirs.short_id)
    assert differences(theirs.attrs, ours.attrs.to_dict()) == []
    for platform in ("linux/amd64", "linux/arm64", {"os": "linux", "architecture": "amd64"}):
        assert ours.has_platform(platform) == theirs.has_platform(platform), platform
    assert ours.pull().id == theirs.pull().id == both.dp.images.get("busybox").id


def test_image_remove_and_tag(both: Both) -> None:
    container = both.dp.containers.create("busybox", "true", name="vs-commit-source")
    try:
        image_theirs = container.commit("vs-commit-theirs", "1")
        image_ours = both.us.containers.get("vs-commit-source").commit("vs-commit-ours", "1")
        assert both.us.images.get(image_ours.id).tag("vs-commit-ours", "2", force=True) is True
        assert both.dp.images.get(image_theirs.id).tag("vs-commit-theirs", "2", force=True)
        removed_theirs = both.dp.images.get(image_theirs.id).remove(force=True)
        removed_ours = both.us.images.get(image_ours.id).remove(force=True)
        # Same steps, each on its own image: the same shape with the names swapped.
        renamed = [
            {key: value.replace("theirs", "ours").replace(image_theirs.id, image_ours.id)
             for key, value in item.items()}
            for item in removed_theirs
        ]  # fmt: skip
        assert [item.to_dict() for item in removed_ours] == renamed
    finally:
        container.remove()


def test_network_connect_with_endpoint_settings(both: Both) -> None:
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="172.28.0.0/16")])
    network = both.dp.networks.create("vs-ipam", ipam=ipam)
    first = both.dp.containers.run("busybox", "sleep 60", detach=True, name="vs-ipam-1")
    second = both.dp.containers.run("busybox", "sleep 60", detach=True, name="vs-ipam-2")
    settings: dict[str, Any] = {
        "aliases": ["db"], "links": [("vs-ipam-1", "one")], "link_local_ips": ["169.254.1.1"],
        "driver_opt": {"k": "v"}, "mac_address": "02:42:ac:1c:00:09",
    }  # fmt: skip
    try:
        network.connect(first, ipv4_address="172.28.5.10", **settings)
        both.us.networks.get("vs-ipam").connect(second.id, ipv4_address="172.28.5.11", **settings)
        sent_theirs, sent_ours = (r.body for r in both.daemon.requests.of("NetworkConnect")[-2:])
        assert sent_theirs["Container"] == first.id and sent_ours["Container"] == second.id
        sent_theirs["EndpointConfig"]["IPAMConfig"]["IPv4Address"] = "172.28.5.11"
        assert sent_ours["EndpointConfig"] == sent_theirs["EndpointConfig"]

        endpoint = both.dp.containers.get("vs-ipam-2").attrs["NetworkSettings"]["Networks"]
        assert endpoint["vs-ipam"]["IPAMConfig"]["IPv4Address"] == "172.28.5.11"
        assert "db" in endpoint["vs-ipam"]["Aliases"]
        network.reload()
        assert sorted(c.id for c in both.us.networks.get("vs-ipam").containers) == sorted(
            c.id for c in network.containers
        )
    finally:
        first.remove(force=True)
        second.remove(force=True)
        network.remove()


def test_from_context_and_from_env(both: Both, tmp_path: Path) -> None:
    """A context named in a config directory, as the docker CLI stores it; DOCKER_HOST
    does not override an explicit context, and ``use_context=False`` ignores it."""
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"vs").hexdigest() / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"Name": "vs", "Endpoints": {
        "docker": {"Host": both.daemon.docker_host}}}))  # fmt: skip
    env = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_HOST": "unix:///nonexistent.sock"}
    with dockersdk.DockerClient.from_context("vs", environment=env, max_pool_size=2) as client:
        assert client.version()["ApiVersion"] == both.dp.version()["ApiVersion"]
    current = {"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "vs"}
    with dockersdk.from_env(environment=current) as client:
        assert client.ping()
    with dockersdk.from_env(environment=current, use_context=False) as client:
        assert client.endpoint.address == "/var/run/docker.sock"
