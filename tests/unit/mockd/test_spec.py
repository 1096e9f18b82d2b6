from __future__ import annotations

import json
from pathlib import Path

import pytest

from mockd import spec as spec_module
from mockd.errors import InvalidParameter
from mockd.spec import Spec, default_spec_path, load_spec

DOCUMENT = Path(__file__).parents[3] / "openapi" / "engine-api.json"
METHODS = {"get", "head", "post", "put", "delete", "patch", "options"}


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def test_finds_the_checkout_document() -> None:
    assert default_spec_path().resolve() == DOCUMENT.resolve()


def test_versions(spec: Spec) -> None:
    raw = json.loads(DOCUMENT.read_text())
    assert spec.version == raw["info"]["version"] == "1.55"
    assert spec.min_version == "1.24"


def test_one_operation_per_path_and_method(spec: Spec) -> None:
    raw = json.loads(DOCUMENT.read_text())
    expected = {
        (method.upper(), path, op["operationId"])
        for path, item in raw["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }
    got = {(op.method, op.path, op.operation_id) for op in spec.operations}
    assert got == expected
    assert len(spec.operations) == len(expected)


@pytest.mark.parametrize(
    ("operation_id", "method", "path", "tag"),
    [
        ("ImageInspect", "GET", "/images/{name}/json", "Image"),
        ("ImagePush", "POST", "/images/{name}/push", "Image"),
        ("ContainerCreate", "POST", "/containers/create", "Container"),
        ("DistributionInspect", "GET", "/distribution/{name}/json", "Distribution"),
        ("SystemPingHead", "HEAD", "/_ping", "System"),
        ("ExecStart", "POST", "/exec/{id}/start", "Exec"),
    ],
)
def test_templates(spec: Spec, operation_id: str, method: str, path: str, tag: str) -> None:
    op = spec.operation(operation_id)
    assert (op.method, op.path) == (method, path)
    assert tag in op.tags


def test_operation_details(spec: Spec) -> None:
    inspect = spec.operation("ImageInspect")
    assert [p.name for p in inspect.parameters if p.location == "path"] == ["name"]
    assert inspect.parameters[0].greedy
    assert not spec.operation("ServiceInspect").parameters[0].greedy
    assert spec.operation("ContainerAttach").stream == "multiplexed-or-raw"
    assert spec.operation("SystemEvents").stream == "json-lines"
    assert spec.operation("ContainerInspect").stream is None
    assert spec.operation("ContainerCreate").takes_json_body
    assert not spec.operation("ImageBuild").takes_json_body  # a tar
    assert not spec.operation("ContainerList").takes_json_body
    stats_stream = next(
        p for p in spec.operation("ContainerStats").query_params if p.name == "stream"
    )
    assert (
        stats_stream.type == "boolean" and stats_stream.has_default and stats_stream.default is True
    )
    assert "200" in spec.operation("ContainerList").responses


def test_resolve_follows_refs(spec: Spec) -> None:
    resolved = spec.resolve({"$ref": "#/definitions/HostConfig"})
    assert resolved is spec.definitions["HostConfig"]
    with pytest.raises(ValueError):
        spec.resolve({"$ref": "other.json#/x"})


def test_loads_once() -> None:
    # Its speed is the daemon-start benchmark's business (benchmarks/bench_daemon.py).
    assert load_spec() is load_spec()
    fresh = spec_module._load.__wrapped__(DOCUMENT)
    assert fresh is not load_spec()
    assert fresh.definitions.keys() == load_spec().definitions.keys()


# Body checks: what Go's encoding/json refuses, and only that.


def check(spec: Spec, operation_id: str, body: object) -> None:
    spec.check_body(spec.operation(operation_id), body)


def test_wrong_json_type_is_refused_with_go_message(spec: Spec) -> None:
    with pytest.raises(InvalidParameter) as caught:
        check(spec, "ContainerCreate", {"Image": "busybox", "Tty": "yes"})
    assert caught.value.status == 400
    assert caught.value.message == (
        "json: cannot unmarshal string into Go struct field ContainerConfig.Tty of type bool"
    )


def test_nested_field_and_float_into_integer(spec: Spec) -> None:
    with pytest.raises(InvalidParameter) as caught:
        check(spec, "ContainerCreate", {"HostConfig": {"Memory": 1.5}})
    assert caught.value.message == (
        "json: cannot unmarshal number 1.5 into Go struct field "
        "ContainerConfig.HostConfig.Memory of type int64"
    )


def test_map_values_and_list_items_are_checked(spec: Spec) -> None:
    with pytest.raises(InvalidParameter, match=r"Labels\.a of type string"):
        check(spec, "ContainerCreate", {"Labels": {"a": 1}})
    with pytest.raises(InvalidParameter, match="of type string"):
        check(spec, "ContainerCreate", {"Env": ["A=1", 2]})
    with pytest.raises(InvalidParameter, match=r"into Go value of type"):
        check(spec, "VolumeCreate", ["not", "an", "object"])


def test_lenient_where_dockerd_is(spec: Spec) -> None:
    check(spec, "ContainerCreate", {"Image": "busybox", "NoSuchField": [1, {"x": 2}]})
    check(spec, "ContainerCreate", {"Image": None, "HostConfig": None, "Labels": None})
    check(spec, "ContainerCreate", {"Cmd": "echo hi", "Entrypoint": ["sh", "-c"]})
    check(spec, "ContainerCreate", {"HostConfig": {"CapAdd": "NET_ADMIN"}})
    check(spec, "ContainerCreate", {})  # required fields are the handler's business
    check(spec, "ContainerCreate", {"HostConfig": {"CgroupnsMode": "not-an-enum-value"}})
    check(spec, "VolumeCreate", {"Name": "v", "Labels": {"a": "b"}})
