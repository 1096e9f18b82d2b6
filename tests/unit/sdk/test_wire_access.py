"""docker-py's dict reads on the typed models: the same values as the JSON holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

import dockersdk
from dockersdk.models import ContainerInspectResponse, ImageInspect, SystemInfo
from mockd import MockDaemon

INSPECT = {
    "Id": "abc",
    "State": {"Status": "running", "Running": True, "ExitCode": 0, "Health": None},
    "Config": {"Env": ["A=1"], "Labels": {"x": "y"}, "Cmd": ["sh"]},
    "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"}}},
    "Mounts": [{"Type": "volume", "Destination": "/data"}],
}


@pytest.fixture
def inspect() -> ContainerInspectResponse:
    return msgspec.json.decode(json.dumps(INSPECT), type=ContainerInspectResponse)


def test_reads_by_wire_name_follow_nested_models(inspect: ContainerInspectResponse) -> None:
    assert inspect["Id"] == "abc"
    assert inspect["State"]["Status"] == "running"
    assert inspect["Config"]["Env"] == ["A=1"]
    assert inspect["Config"]["Labels"] == {"x": "y"}
    assert inspect["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] == "172.17.0.2"
    assert inspect["Mounts"][0]["Destination"] == "/data"


def test_absent_fields_read_as_none_and_unknown_names_raise(
    inspect: ContainerInspectResponse,
) -> None:
    assert inspect["State"]["Health"] is None  # a field the model knows, null on the wire
    assert inspect["Name"] is None  # a field the model knows, left out
    with pytest.raises(KeyError, match="NoSuchField"):
        inspect["NoSuchField"]
    with pytest.raises(KeyError):
        inspect["state"]  # wire names only, not attribute names


def test_get_keys_contains_and_iteration_see_only_fields_with_values(
    inspect: ContainerInspectResponse,
) -> None:
    assert inspect.get("Name", "none") == "none"
    assert inspect.get("Nope") is None
    assert inspect.get("Id") == "abc"
    assert "Health" not in inspect["State"]
    assert "Status" in inspect["State"]
    assert 3 not in inspect["State"]
    assert set(inspect.keys()) == {"Id", "State", "Config", "NetworkSettings", "Mounts"}
    assert sorted(inspect) == sorted(inspect.keys())
    assert set(dict(inspect["Config"])) == {"Env", "Labels", "Cmd"}


def test_to_dict_is_the_json_without_nulls(inspect: ContainerInspectResponse) -> None:
    expected = json.loads(json.dumps(INSPECT))
    del expected["State"]["Health"]
    assert inspect.to_dict() == expected
    assert json.loads(json.dumps(inspect.to_dict())) == expected


def test_typed_attributes_are_unchanged(inspect: ContainerInspectResponse) -> None:
    assert inspect.state is not None and inspect.state.status == "running"
    assert inspect.config is not None and inspect.config.env == ["A=1"]
    with pytest.raises(TypeError):
        ContainerInspectResponse("abc")  # type: ignore[call-arg]  # still keyword-only


@pytest.fixture(scope="module")
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        d.client().images.pull("busybox", tag="latest")
        yield d


def _raw(daemon: MockDaemon, path: str) -> Any:
    client = daemon.client()
    response = client.transport.request("GET", path)  # the JSON as the daemon sent it
    return response.json()


def test_docker_py_style_reads_match_the_daemons_json(daemon: MockDaemon) -> None:
    client: dockersdk.DockerClient = daemon.client()
    info: SystemInfo = client.info()
    raw_info = _raw(daemon, "/info")
    for key in ("ServerVersion", "OperatingSystem", "NCPU", "MemTotal", "Driver"):
        assert info[key] == raw_info[key]
    assert client.version()["ApiVersion"] == _raw(daemon, "/version")["ApiVersion"]

    image = client.images.get("busybox:latest")
    assert isinstance(image.attrs, ImageInspect)
    raw_image = _raw(daemon, "/images/busybox:latest/json")
    assert image.attrs["Config"]["Cmd"] == raw_image["Config"]["Cmd"]
    assert image.attrs["RootFS"]["Layers"] == raw_image["RootFS"]["Layers"]

    container = client.containers.run("busybox", "sleep 30", detach=True)
    try:
        stats = container.stats(stream=False)
        assert stats["memory_stats"]["limit"] > 0
        assert isinstance(stats["cpu_stats"]["cpu_usage"]["total_usage"], int)
    finally:
        container.remove(force=True)
    assert client.df()["Images"][0]["Id"] == raw_image["Id"]
    with pytest.raises(KeyError):
        client.df()["images"]
