"""The project's API document (openapi/) and its drift against the upstream specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi"
GENERATED = ROOT / "dockersdk" / "models" / "_generated.py"
# The upstream specs are reference data kept beside the checkout (../shared), not in it.
UPSTREAM = Path(
    os.environ.get("DOCKERSDK_OPENAPI_UPSTREAM", str(ROOT.parent / "shared" / "openapi-upstream"))
)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((OPENAPI / "engine-api.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def field_versions() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (OPENAPI / "field-versions.json").read_text(encoding="utf-8")
    )
    return loaded


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert method in METHODS, (path, method)
            yield path, method, op


def by_id(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (path, method, op) for path, method, op in operations(doc)}


def keyword_keys(node: Any, name_map: bool = False) -> Iterator[str]:
    """Keys at keyword positions; keys of ``properties``/``headers`` maps are names."""
    if isinstance(node, list):
        for item in node:
            yield from keyword_keys(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not name_map:
                yield key
            if key in ("enum", "default") and not name_map:
                continue
            yield from keyword_keys(
                value, name_map=key in ("properties", "headers") and not name_map
            )


def test_version_and_shape(doc: dict[str, Any]) -> None:
    assert doc["swagger"] == "2.0"
    assert doc["info"]["version"] == "1.55"
    assert doc["basePath"] == "/v1.55"
    assert "Docker Engine API" in doc["info"]["title"]
    assert set(doc["info"]) == {"title", "version"}


def test_operation_count_and_unique_ids(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == 108
    assert len(set(ids)) == len(ids)


def test_no_prose_is_kept(doc: dict[str, Any]) -> None:
    keys = set(keyword_keys(doc))
    assert not keys & {
        "description",
        "summary",
        "example",
        "examples",
        "title",
        "x-displayName",
    } - {"title"}
    assert not [k for k in keys if k.startswith("x-go-")]
    # `info.title` is ours; no other title survives.
    text = json.dumps({k: v for k, v in doc.items() if k != "info"})
    assert '"title"' not in text
    assert "x-logo" not in json.dumps(doc)


def test_no_description_string_anywhere(doc: dict[str, Any]) -> None:
    # The only "description" keys left are property *names* (ImageSearch results),
    # whose value is a schema, never text.
    def walk(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description":
                    yield value
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    assert all(isinstance(value, dict) and "type" in value for value in walk(doc))


def test_response_codes_are_strings(doc: dict[str, Any]) -> None:
    for _, _, op in operations(doc):
        assert op["responses"]
        for code in op["responses"]:
            assert isinstance(code, str) and code.isdigit(), (op["operationId"], code)


def test_tags(doc: dict[str, Any]) -> None:
    names = [tag["name"] for tag in doc["tags"]]
    assert {"Container", "Image", "Network", "Volume", "Exec", "System"} <= set(names)
    for _, _, op in operations(doc):
        assert set(op["tags"]) <= set(names)


def test_known_operations(doc: dict[str, Any]) -> None:
    ops = by_id(doc)
    assert ops["ImageInspect"][:2] == ("/images/{name}/json", "get")
    assert ops["ContainerCreate"][:2] == ("/containers/create", "post")
    assert ops["SystemPingHead"][:2] == ("/_ping", "head")
    assert set(ops["ContainerCreate"][2]["responses"]) == {"201", "400", "404", "409", "500"}
    params = {p["name"]: p for p in ops["ContainerList"][2]["parameters"]}
    assert params["all"] == {"name": "all", "in": "query", "type": "boolean", "default": False}


def test_definitions_keep_facts(doc: dict[str, Any]) -> None:
    defs = doc["definitions"]
    assert defs["ContainerSummary"]["properties"]["Id"]["type"] == "string"
    assert defs["ContainerSummary"]["properties"]["Id"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert defs["PortMap"]["additionalProperties"]["x-nullable"] is True
    assert "enum" in defs["MountType"]
    assert defs["HostConfig"]["allOf"][0] == {"$ref": "#/definitions/Resources"}


def test_stream_annotations(doc: dict[str, Any]) -> None:
    ops = by_id(doc)
    framing = {op_id: op.get("x-mockd-stream") for op_id, (_, _, op) in ops.items()}
    for op_id in (
        "SystemEvents",
        "ImageCreate",
        "ImagePush",
        "ImageBuild",
        "ContainerStats",
        "ImageLoad",
    ):
        assert framing[op_id] == "json-lines", op_id
    for op_id in ("ContainerLogs", "ContainerAttach", "ExecStart"):
        assert framing[op_id] == "multiplexed-or-raw", op_id
    for op_id in ("ContainerExport", "ContainerArchive", "ImageGet", "ImageGetAll"):
        assert framing[op_id] == "tar", op_id
    assert ops["ContainerAttach"][2]["x-mockd-hijack"] == "tcp"
    assert ops["ExecStart"][2]["x-mockd-hijack"] == "tcp"
    assert ops["ContainerStats"][2]["x-mockd-stream-when-param"] == "stream"
    assert framing["ContainerInspect"] is None
    assert "x-mockd-hijack" not in ops["ContainerLogs"][2]


def test_greedy_path_parameters(doc: dict[str, Any]) -> None:
    ops = by_id(doc)

    def path_params(op_id: str) -> list[dict[str, Any]]:
        return [p for p in ops[op_id][2]["parameters"] if p["in"] == "path"]

    # Image references contain slashes (`library/busybox`): dockerd routes `{name:.*}`.
    assert all(p.get("x-mockd-greedy") for p in path_params("ImageInspect"))
    assert all(p.get("x-mockd-greedy") for p in path_params("ImageDelete"))
    assert not any(p.get("x-mockd-greedy") for p in path_params("ServiceInspect"))


def test_field_versions(field_versions: dict[str, Any]) -> None:
    assert field_versions["versions"] == ["1.41", "1.44", "1.47", "1.55"]
    image = field_versions["definitions"]["ImageInspect"]
    assert image["VirtualSize"] == {"added": "1.41", "removed": "1.44"}
    assert image["Id"] == {"added": "1.41"}
    assert field_versions["operations"]["ImageAttestations"] == {"added": "1.55"}
    assert field_versions["query"]["ContainerList"]["all"] == {"added": "1.41"}
    for spans in field_versions["definitions"].values():
        for span in spans.values():
            assert span["added"] in field_versions["versions"]
            if "removed" in span:
                assert float(span["removed"]) > float(span["added"])


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"upstream specs not available at {UPSTREAM}")
def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    history = [str(UPSTREAM / f"engine-v{v}.yaml") for v in ("1.41", "1.44", "1.47")]
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "derive_openapi.py"),
            str(UPSTREAM / "engine-v1.55.yaml"),
            str(tmp_path),
            "--history",
            *history,
        ],
        check=True,
    )
    for name in ("engine-api.json", "field-versions.json"):
        assert (tmp_path / name).read_bytes() == (OPENAPI / name).read_bytes(), (
            f"openapi/{name} drifted"
        )
    out = tmp_path / "_generated.py"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "gen_models.py"),
            str(tmp_path / "engine-api.json"),
            str(out),
        ],
        check=True,
    )
    assert out.read_bytes() == GENERATED.read_bytes(), "dockersdk/models/_generated.py drifted"
