"""Response validation (mockd.validation): replies checked against the API document."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from mockd.daemon import MockDaemon
from mockd.http import Reply, Request, Response, StreamResponse, json_response
from mockd.router import Router
from mockd.spec import load_spec
from mockd.validation import (
    ResponseValidationError,
    ResponseValidator,
    assert_no_violations,
    enabled_by_env,
)

SPEC = load_spec()
ENGINE: Any = SimpleNamespace(
    api_version="1.55", system=SimpleNamespace(server_header="Docker/29.0.0 (linux)")
)


def replying(reply: Reply) -> Any:
    async def handler(req: Request, engine: Any) -> Reply:
        return reply

    return handler


def serve_once(operation_id: str, reply: Reply, method: str, path: str) -> tuple[Reply, Router]:
    router = Router(SPEC, ENGINE, handlers={operation_id: replying(reply)}, validate_responses=True)
    request = Request(method=method, path=path, query={}, headers={})
    return asyncio.run(router(request)), router


GOOD_VOLUME = {
    "Name": "v",
    "Driver": "local",
    "Mountpoint": "/var/lib/docker/volumes/v/_data",
    "Labels": None,
    "Scope": "local",
    "Options": None,
}


def test_a_conforming_reply_passes_untouched() -> None:
    reply, router = serve_once(
        "VolumeInspect", json_response(GOOD_VOLUME), "GET", "/v1.55/volumes/v"
    )
    assert isinstance(reply, Response) and reply.status == 200
    assert json.loads(reply.body) == GOOD_VOLUME
    assert router.violations == []


def test_a_wrong_type_becomes_a_500_naming_operation_and_path() -> None:
    bad = {**GOOD_VOLUME, "Mountpoint": 42}
    reply, router = serve_once("VolumeInspect", json_response(bad), "GET", "/volumes/v")
    assert isinstance(reply, Response) and reply.status == 500
    message = json.loads(reply.body)["message"]
    assert "VolumeInspect" in message and "$.Mountpoint" in message
    assert [(v.operation_id, v.path) for v in router.violations] == [
        ("VolumeInspect", "$.Mountpoint")
    ]


def test_a_missing_required_property_is_reported() -> None:
    bad = {k: v for k, v in GOOD_VOLUME.items() if k != "Scope"}
    reply, router = serve_once("VolumeInspect", json_response(bad), "GET", "/volumes/v")
    assert isinstance(reply, Response) and reply.status == 500
    assert router.violations[0].path == "$.Scope"
    assert "required" in router.violations[0].message


def test_null_is_refused_for_a_plain_scalar_but_not_for_maps_or_nullable_fields() -> None:
    validator = ResponseValidator(SPEC)
    op = SPEC.operation("VolumeInspect")
    schema = {"$ref": "#/definitions/Volume"}
    # Labels (a map) may be null: Go encodes a nil map so.
    assert validator.check_value(op, 200, schema, GOOD_VOLUME, (1, 55)) == []
    found = validator.check_value(op, 200, schema, {**GOOD_VOLUME, "Driver": None}, (1, 55))
    assert [v.path for v in found] == ["$.Driver"]
    # PidsLimit is x-nullable in the document.
    resources = {"$ref": "#/definitions/Resources"}
    assert validator.check_value(op, 200, resources, {"PidsLimit": None}, (1, 55)) == []
    assert validator.check_value(op, 200, resources, {"CpuShares": None}, (1, 55)) != []


def test_enum_and_nested_array_paths() -> None:
    validator = ResponseValidator(SPEC)
    op = SPEC.operation("SystemEvents")
    schema = {"$ref": "#/definitions/EventMessage"}
    good = {"Type": "container", "Action": "start", "Actor": {"ID": "x", "Attributes": {}}}
    assert validator.check_value(op, 200, schema, good, (1, 55)) == []
    found = validator.check_value(op, 200, schema, {**good, "Type": "spaceship"}, (1, 55))
    assert [v.path for v in found] == ["$.Type"]
    found = validator.check_value(
        op, 200, schema, {**good, "Actor": {"ID": "x", "Attributes": {"a": 1}}}, (1, 55)
    )
    assert [v.path for v in found] == ["$.Actor.Attributes['a']"]


def test_required_fields_added_later_are_not_required_of_older_versions() -> None:
    validator = ResponseValidator(SPEC)
    op = SPEC.operation("ImageList")
    schema = {"$ref": "#/definitions/ImageManifestSummary"}
    # Every required field of ImageManifestSummary was added in 1.47.
    assert validator.check_value(op, 200, schema, {}, (1, 44)) == []
    assert validator.check_value(op, 200, schema, {}, (1, 47)) != []


def test_an_undeclared_success_status_is_a_violation() -> None:
    # VolumeInspect declares 200 and 404; a 201 is not something dockerd sends.
    reply, router = serve_once(
        "VolumeInspect", json_response(GOOD_VOLUME, status=201), "GET", "/volumes/v"
    )
    assert isinstance(reply, Response) and reply.status == 500
    assert router.violations[0].path == "$status"


def test_errdefs_statuses_are_allowed_but_must_be_error_bodies() -> None:
    # VolumeCreate declares no 400, but dockerd answers one for a bad name (errdefs).
    ok, router = serve_once(
        "VolumeCreate", json_response({"message": "bad name"}, 400), "POST", "/volumes/create"
    )
    assert isinstance(ok, Response) and ok.status == 400 and router.violations == []
    bad, router = serve_once(
        "VolumeCreate", json_response({"msg": "bad name"}, 400), "POST", "/volumes/create"
    )
    assert isinstance(bad, Response) and bad.status == 500
    assert router.violations[0].path == "$.message"


def test_stream_messages_are_checked_one_by_one() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"Type":"container","Action":"start"}\n{"Type":'
        yield b'"bogus","Action":"x"}\n'
        yield b'{"Type":"volume","time":"soon"}\n'

    async def run() -> tuple[list[bytes], Router]:
        reply = StreamResponse(chunks())
        router = Router(
            SPEC, ENGINE, handlers={"SystemEvents": replying(reply)}, validate_responses=True
        )
        out = await router(Request(method="GET", path="/events", query={}, headers={}))
        assert isinstance(out, StreamResponse)
        return [c async for c in out.chunks], router

    sent, router = asyncio.run(run())
    # The bytes go out unchanged; the violations are recorded with the message index.
    assert b"".join(sent).count(b"\n") == 3
    assert [(v.stream_item, v.path) for v in router.violations] == [(1, "$.Type"), (2, "$.time")]


def test_validation_is_off_unless_asked() -> None:
    bad = {**GOOD_VOLUME, "Mountpoint": 42}
    router = Router(SPEC, ENGINE, handlers={"VolumeInspect": replying(json_response(bad))})
    reply = asyncio.run(router(Request(method="GET", path="/volumes/v", query={}, headers={})))
    assert isinstance(reply, Response) and reply.status == 200
    assert enabled_by_env({"MOCKD_VALIDATE_RESPONSES": "1"})
    assert not enabled_by_env({"MOCKD_VALIDATE_RESPONSES": "0"})
    assert not enabled_by_env({})


def test_assert_no_violations_fails_with_the_details() -> None:
    validator = ResponseValidator(SPEC)
    op = SPEC.operation("VolumeInspect")
    found = validator.check_value(op, 200, {"$ref": "#/definitions/Volume"}, {}, (1, 55))
    with pytest.raises(ResponseValidationError, match=r"VolumeInspect 200: \$\.Name"):
        assert_no_violations(found)
    assert_no_violations([])


@pytest.mark.parametrize("env_value", ["1", None])
def test_mock_daemon_switch(monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    """The real handlers, validated: a busy sequence leaves no violations."""
    if env_value is None:
        monkeypatch.delenv("MOCKD_VALIDATE_RESPONSES", raising=False)
        daemon = MockDaemon(validate_responses=True)
    else:
        monkeypatch.setenv("MOCKD_VALIDATE_RESPONSES", env_value)
        daemon = MockDaemon()
    with daemon:
        client = daemon.client()
        client.ping()
        client.version()
        client.info()
        for path in ("/volumes", "/networks", "/images/json", "/containers/json?all=1"):
            client.transport.request("GET", path)
        client.close()
        # The router checks (whatever it found is in the list, which must be empty).
        router = daemon.listening.server.app
        assert isinstance(router, Router) and router.validator is not None
    assert daemon.response_violations == []


def test_allof_wrappers_take_the_type_of_their_part() -> None:
    validator = ResponseValidator(SPEC)
    op = SPEC.operation("ContainerInspect")
    schema = {"$ref": "#/definitions/MountPoint"}
    assert validator.check_value(op, 200, schema, {"Type": "volume"}, (1, 55)) == []
    found = validator.check_value(op, 200, schema, {"Type": "floppy"}, (1, 55))
    assert [v.path for v in found] == ["$.Type"]
    found = validator.check_value(op, 200, schema, {"Type": {}}, (1, 55))
    assert [v.path for v in found] == ["$.Type"]


def test_request_bodies_with_allof_wrapped_enums_decode_like_go() -> None:
    """mockd.spec's body checker: ``Mount.Type`` is a string (found while fuzzing)."""
    from mockd.errors import InvalidParameter

    op = SPEC.operation("ContainerCreate")
    good = {"Image": "x", "HostConfig": {"Mounts": [{"Type": "bind", "Target": "/x"}]}}
    SPEC.check_body(op, good)
    bad = {"Image": "x", "HostConfig": {"Mounts": [{"Type": 5, "Target": "/x"}]}}
    with pytest.raises(InvalidParameter, match=r"cannot unmarshal number .* of type string"):
        SPEC.check_body(op, bad)
