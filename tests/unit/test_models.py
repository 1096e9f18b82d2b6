"""The generated Structs against bodies recorded from a real dockerd (API 1.41).

The fixtures in tests/fixtures/real/ were recorded from Docker Engine 20.10 while
the models are generated from the 1.55 document: decoding them also checks that an
older daemon's bodies fit the newer models.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest

from dockersdk import models

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real"

# fixture file -> the type its body decodes into
CASES: dict[str, Any] = {
    "version.json": models.SystemVersion,
    "info.json": models.SystemInfo,
    "containers-list.json": list[models.ContainerSummary],
    "container-create.json": models.ContainerCreateResponse,
    "container-inspect.json": models.ContainerInspectResponse,
    "images-list.json": list[models.ImageSummary],
    "image-inspect-busybox.json": models.ImageInspect,
    "network-bridge.json": models.NetworkInspect,
    "volume-create.json": models.Volume,
    "volumes-list.json": models.VolumeListResponse,
}


def event_lines() -> list[bytes]:
    return [line for line in (FIXTURES / "events.jsonl").read_bytes().splitlines() if line]


def declared_projection(value: Any, info: msgspec.inspect.Type) -> Any:
    """``value`` (decoded JSON) reduced to what the type declares, ``null`` fields dropped.

    This is what a decode + re-encode must reproduce exactly: undeclared keys are
    ignored on decode, and a ``null`` decodes to the default ``None``, which
    ``omit_defaults`` leaves out.
    """
    if isinstance(info, msgspec.inspect.UnionType):
        concrete = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if value is None or len(concrete) != 1:
            return value
        info = concrete[0]
    if isinstance(info, msgspec.inspect.StructType):
        fields = {f.encode_name: f for f in info.fields}
        return {
            key: declared_projection(item, fields[key].type)
            for key, item in value.items()
            if key in fields and item is not None
        }
    if isinstance(info, msgspec.inspect.ListType):
        return [declared_projection(item, info.item_type) for item in value]
    if isinstance(info, msgspec.inspect.DictType):
        return {key: declared_projection(item, info.value_type) for key, item in value.items()}
    return value


def test_every_fixture_is_present() -> None:
    recorded = {p.name for p in FIXTURES.iterdir()}
    assert set(CASES) | {"events.jsonl"} <= recorded


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_decodes_and_round_trips(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    decoded = msgspec.json.decode(raw, type=CASES[name])
    expected = declared_projection(json.loads(raw), msgspec.inspect.type_info(CASES[name]))
    assert json.loads(msgspec.json.encode(decoded)) == expected
    # The projection must not be trivially empty: the models do describe these bodies.
    assert expected


def test_decoded_values_are_reachable_by_attribute() -> None:
    raw = json.loads((FIXTURES / "container-inspect.json").read_bytes())
    container = msgspec.json.decode(
        (FIXTURES / "container-inspect.json").read_bytes(), type=models.ContainerInspectResponse
    )
    assert container.id == raw["Id"]
    assert container.state is not None and container.state.status == raw["State"]["Status"]
    assert container.config is not None and container.config.labels == raw["Config"]["Labels"]
    assert container.host_config is not None
    assert container.host_config.network_mode == raw["HostConfig"]["NetworkMode"]


@pytest.mark.parametrize("index", range(len(event_lines())))
def test_event_lines_decode(index: int) -> None:
    line = event_lines()[index]
    event = msgspec.json.decode(line, type=models.EventMessage)
    raw = json.loads(line)
    assert event.type == raw["Type"]
    assert event.action == raw["Action"]
    assert event.time_nano == raw["timeNano"]
    expected = declared_projection(raw, msgspec.inspect.type_info(models.EventMessage))
    assert json.loads(msgspec.json.encode(event)) == expected


def test_unknown_fields_are_tolerated() -> None:
    body = json.loads((FIXTURES / "version.json").read_bytes())
    body["FieldFromTheFuture"] = {"nested": [1, 2, 3]}
    body["Components"][0]["AlsoNew"] = True
    version = msgspec.json.decode(json.dumps(body).encode(), type=models.SystemVersion)
    assert version.version == body["Version"]
    assert b"FieldFromTheFuture" not in msgspec.json.encode(version)


def test_unknown_enum_value_is_tolerated() -> None:
    summary = msgspec.json.decode(b'{"State": "teleporting"}', type=models.ContainerSummary)
    assert summary.state == "teleporting"


@pytest.mark.parametrize(
    ("body", "type_"),
    [
        (b'{"Id": 123}', models.ContainerSummary),
        (b'{"Created": "yesterday"}', models.ContainerSummary),
        (b'{"Names": "not-a-list"}', models.ContainerSummary),
        (b'{"Ports": [{"PrivatePort": "80"}]}', models.ContainerSummary),
        (b'{"Labels": {"a": 1}}', models.Volume),
    ],
)
def test_wrong_type_raises_validation_error(body: bytes, type_: Any) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(body, type=type_)


def test_snake_case_attributes_keep_wire_names() -> None:
    fields = {f.name: f.encode_name for f in msgspec.structs.fields(models.ContainerStatsResponse)}
    assert fields["cpu_stats"] == "cpu_stats"
    assert {f.encode_name for f in msgspec.structs.fields(models.ContainerSummary)} >= {
        "Id",
        "ImageID",
        "SizeRw",
    }
    by_wire = {f.encode_name: f.name for f in msgspec.structs.fields(models.EndpointSettings)}
    assert by_wire["IPv6Gateway"] == "ipv6_gateway"
    assert by_wire["GlobalIPv6PrefixLen"] == "global_ipv6_prefix_len"


def test_encoding_omits_unset_fields() -> None:
    body = models.ContainerCreateBody(
        image="busybox", cmd=["true"], host_config=models.HostConfig(auto_remove=True)
    )
    assert json.loads(msgspec.json.encode(body)) == {
        "Image": "busybox",
        "Cmd": ["true"],
        "HostConfig": {"AutoRemove": True},
    }


def test_every_exported_name_is_a_model() -> None:
    assert len(models.__all__) > 200
    for name in models.__all__:
        assert hasattr(models, name), name


def test_every_struct_follows_the_conventions() -> None:
    structs = [getattr(models, n) for n in models.__all__]
    structs = [t for t in structs if isinstance(t, type) and issubclass(t, msgspec.Struct)]
    assert len(structs) > 200
    for struct in structs:
        config = struct.__struct_config__
        assert config.omit_defaults, struct
        params = inspect.signature(struct).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), struct
        assert not config.forbid_unknown_fields, struct
        for f in msgspec.structs.fields(struct):
            assert f.default is None, (struct, f.name)


def load_generator() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "gen_models.py"
    spec = importlib.util.spec_from_file_location("gen_models", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_models", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("wire", "attr"),
    [
        ("IPv6Gateway", "ipv6_gateway"),
        ("NanoCPUs", "nano_cpus"),
        ("NanoCpus", "nano_cpus"),
        ("DeviceIDs", "device_ids"),
        ("OOMKilled", "oom_killed"),
        ("ContainerIDFile", "container_id_file"),
        ("IPAMConfig", "ipam_config"),
        ("os.version", "os_version"),
        ("timeNano", "time_nano"),
        ("cpu_stats", "cpu_stats"),
        ("For", "for_"),
        ("Global", "global_"),
        ("int", "int_"),
        ("80/tcp", "f_80_tcp"),
    ],
)
def test_snake_case_names(wire: str, attr: str) -> None:
    assert load_generator().snake(wire) == attr
