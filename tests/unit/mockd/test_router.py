from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest

from mockd.errors import Conflict, NotFound, NotModified, Unavailable
from mockd.http import Reply, Request, Response, json_response
from mockd.router import Router
from mockd.spec import load_spec

SPEC = load_spec()


async def record(req: Request, engine: Any) -> Reply:
    """Echo what the router filled in, so tests can look at it."""
    return json_response(
        {
            "op": req.operation_id,
            "path_params": req.path_params,
            "version": list(req.api_version),
            "params": req.params,
            "json": req.json,
        }
    )


def raising(exc: Exception) -> Any:
    async def handler(req: Request, engine: Any) -> Reply:
        raise exc

    return handler


HANDLERS: dict[str, Any] = {
    op.operation_id: record
    for op in SPEC.operations
    if not {"Swarm", "Service", "Node", "Task", "Secret", "Config", "Plugin"} & set(op.tags)
}
HANDLERS["SecretInspect"] = record  # a swarm operation with a handler runs it
HANDLERS["ContainerKill"] = raising(NotFound("No such container: x"))
HANDLERS["ContainerRename"] = raising(Conflict("name in use"))
HANDLERS["ContainerStart"] = raising(NotModified("already started"))
HANDLERS["ContainerPause"] = raising(RuntimeError("boom"))
HANDLERS["ContainerUnpause"] = raising(Unavailable("busy"))
# The two things the router reads from the engine: its API version and its Server header.
ENGINE: Any = SimpleNamespace(
    api_version="1.55", system=SimpleNamespace(server_header="Docker/29.0.0 (linux)")
)
ROUTER = Router(SPEC, ENGINE, handlers=HANDLERS)


def call(
    method: str,
    target: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[Response, Any]:
    path, _, qs = target.partition("?")
    query: dict[str, list[str]] = {}
    for pair in filter(None, qs.split("&")):
        name, _, value = pair.partition("=")
        query.setdefault(name, []).append(value)
    req = Request(method=method, path=path, query=query, headers=headers or {}, body=body)
    reply = asyncio.run(ROUTER(req))
    assert isinstance(reply, Response)
    decoded = (
        json.loads(reply.body) if reply.content_type == "application/json" and reply.body else None
    )
    return reply, decoded


@pytest.mark.parametrize(
    ("method", "target", "op", "params"),
    [
        ("GET", "/images/library/busybox/json", "ImageInspect", {"name": "library/busybox"}),
        ("GET", "/v1.41/images/busybox:latest/json", "ImageInspect", {"name": "busybox:latest"}),
        ("POST", "/images/127.0.0.1:5000/app/push", "ImagePush", {"name": "127.0.0.1:5000/app"}),
        ("POST", "/images/a/b/tag", "ImageTag", {"name": "a/b"}),
        ("DELETE", "/images/reg:5000/a/b:1", "ImageDelete", {"name": "reg:5000/a/b:1"}),
        (
            "GET",
            "/distribution/docker.io/library/busybox:latest/json",
            "DistributionInspect",
            {"name": "docker.io/library/busybox:latest"},
        ),
        ("GET", "/images/json", "ImageList", {}),
        ("GET", "/images/search", "ImageSearch", {}),
        ("GET", "/containers/json", "ContainerList", {}),
        ("GET", "/containers/abc/json", "ContainerInspect", {"id": "abc"}),
        ("POST", "/containers/create", "ContainerCreate", {}),
        ("GET", "/images/sha256%3Aabc/json", "ImageInspect", {"name": "sha256:abc"}),
        ("HEAD", "/_ping", "SystemPingHead", {}),
    ],
)
def test_route_matching(method: str, target: str, op: str, params: dict[str, str]) -> None:
    reply, body = call(
        method, target, b"{}" if method == "POST" else b"", {"content-type": "application/json"}
    )
    assert reply.status == 200, body
    assert body["op"] == op
    assert body["path_params"] == params


def test_non_greedy_parameters_stop_at_slashes() -> None:
    reply, body = call("GET", "/secrets/a/b")
    assert (reply.status, body) == (404, {"message": "page not found"})


def test_version_prefix_and_default() -> None:
    assert call("GET", "/v1.41/info")[1]["version"] == [1, 41]
    assert call("GET", "/v1.24/info")[1]["version"] == [1, 24]
    assert call("GET", "/info")[1]["version"] == [1, 55]


def test_version_too_new() -> None:
    reply, body = call("GET", "/v1.99/info")
    assert reply.status == 400
    assert body == {
        "message": "client version 1.99 is too new. Maximum supported API version is 1.55"
    }
    assert reply.headers["Api-Version"] == "1.55"
    assert reply.headers["Server"] == "Docker/29.0.0 (linux)"
    assert "Docker-Experimental" not in reply.headers  # the version middleware answered
    assert call("GET", "/v1.55.1/info")[0].status == 400


def test_version_too_old_is_plain_text() -> None:
    reply, _ = call("GET", "/v1.11/info")
    assert reply.status == 400
    assert reply.content_type == "text/plain; charset=utf-8"
    assert reply.body == (
        b"client version 1.11 is too old. Minimum supported API version is 1.24, "
        b"please upgrade your client to a newer version\n"
    )


def test_not_a_version_prefix_is_404() -> None:
    assert call("GET", "/vabc/info")[0].status == 404


def test_unknown_path_and_wrong_method_are_page_not_found() -> None:
    for method, target in [
        ("GET", "/nope"),
        ("GET", "/v1.41/nope"),
        ("PUT", "/info"),
        ("HEAD", "/info"),
    ]:
        reply, body = call(method, target)
        assert (reply.status, body) == (404, {"message": "page not found"})
        assert "Api-Version" not in reply.headers


def test_api_headers_on_every_routed_reply() -> None:
    for target in ["/info", "/containers/abc/kill"]:
        reply, _ = call("POST" if "kill" in target else "GET", target)
        assert reply.headers["Api-Version"] == "1.55"
        assert reply.headers["Ostype"] == "linux"
        assert reply.headers["Docker-Experimental"] == "false"
        assert reply.headers["Server"] == "Docker/29.0.0 (linux)"


def test_operation_without_handler_is_501_naming_it() -> None:
    reply, body = call("GET", "/plugins")
    assert (reply.status, body) == (501, {"message": "PluginList is not implemented by mockd"})


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("GET", "/swarm"),
        ("GET", "/services"),
        ("GET", "/nodes/x"),
        ("GET", "/tasks"),
        ("GET", "/configs"),
    ],
)
def test_swarm_operations_are_503(method: str, target: str) -> None:
    reply, body = call(method, target)
    assert reply.status == 503
    assert body == {
        "message": 'This node is not a swarm manager. Use "docker swarm init" or '
        '"docker swarm join" to connect this node to swarm and try again.'
    }


def test_swarm_operation_with_a_handler_runs_it() -> None:
    assert call("GET", "/secrets/s1")[1]["op"] == "SecretInspect"


def test_query_coercion() -> None:
    _, body = call("GET", "/containers/json?all=1&limit=-3&size=no&unknown=x")
    assert body["params"]["all"] is True
    assert body["params"]["limit"] == -3
    assert body["params"]["size"] is False
    assert "unknown" not in body["params"]
    _, body = call("GET", "/containers/json")
    assert body["params"]["all"] is False  # the document's default
    _, body = call("GET", "/containers/abc/stats")
    assert body["params"]["stream"] is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", False),
        ("0", False),
        ("No", False),
        ("FALSE", False),
        ("none", False),
        ("1", True),
        ("yes", True),
        ("anything", True),
    ],
)
def test_bool_value(raw: str, expected: bool) -> None:
    assert call("GET", f"/containers/json?all={raw}")[1]["params"]["all"] is expected


def test_integer_garbage_is_400() -> None:
    reply, body = call("GET", "/containers/json?limit=abc")
    assert reply.status == 400
    assert body == {"message": 'strconv.ParseInt: parsing "abc": invalid syntax'}
    assert call("GET", "/containers/json?limit=1.5")[0].status == 400


def test_array_parameters_keep_every_value() -> None:
    _, body = call("GET", "/images/get?names=a&names=b")
    assert body["params"]["names"] == ["a", "b"]


def test_filters_both_forms_and_invalid() -> None:
    new = call("GET", '/containers/json?filters={"label":{"a=b":true}}')[1]
    old = call("GET", '/containers/json?filters={"label":["a=b"]}')[1]
    assert new["params"]["filters"] == old["params"]["filters"] == {"label": ["a=b"]}
    assert call("GET", "/containers/json")[1]["params"]["filters"] == {}
    reply, body = call("GET", "/containers/json?filters=xx")
    assert (reply.status, body) == (400, {"message": "invalid filter"})


def test_json_body_is_decoded() -> None:
    reply, body = call(
        "POST",
        "/containers/create?name=web",
        b'{"Image":"busybox","Cmd":["true"]}',
        {"content-type": "application/json; charset=utf-8"},
    )
    assert reply.status == 200
    assert body["json"] == {"Image": "busybox", "Cmd": ["true"]}
    assert body["params"]["name"] == "web"


def test_empty_body_without_content_type_is_none() -> None:
    assert call("POST", "/containers/create")[1]["json"] is None


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (
            b"{bad",
            {"content-type": "application/json"},
            "invalid JSON: invalid character 'b' looking for beginning of object key string",
        ),
        (b'{"Image":', {"content-type": "application/json"}, "invalid JSON: unexpected EOF"),
        (
            b"  \n",
            {"content-type": "application/json"},
            "invalid JSON: got EOF while reading request body",
        ),
        (
            b'{"Image":"a"} {}',
            {"content-type": "application/json"},
            "unexpected content after JSON",
        ),
        (
            b'{"Image":"a"}',
            {"content-type": "text/plain"},
            "unsupported Content-Type header (text/plain): must be 'application/json'",
        ),
        (b'{"Image":"a"}', {}, "unsupported Content-Type header (): must be 'application/json'"),
        (
            b'{"Image":5}',
            {"content-type": "application/json"},
            "json: cannot unmarshal number into Go struct field ContainerConfig.Image of type string",
        ),
    ],
)
def test_bad_bodies_are_400(body: bytes, headers: dict[str, str], message: str) -> None:
    reply, decoded = call("POST", "/containers/create", body, headers)
    assert (reply.status, decoded) == (400, {"message": message})


def test_daemon_errors_map_to_their_status() -> None:
    reply, body = call("POST", "/containers/x/kill")
    assert (reply.status, body) == (404, {"message": "No such container: x"})
    assert call("POST", "/containers/x/rename?name=y")[0].status == 409
    assert call("POST", "/containers/x/unpause")[0].status == 503
    reply, _ = call("POST", "/containers/x/start")
    assert (reply.status, reply.body) == (304, b"")


def test_unexpected_exception_is_500_with_message() -> None:
    reply, body = call("POST", "/containers/x/pause")
    assert (reply.status, body) == (500, {"message": "boom"})
    assert reply.headers["Api-Version"] == "1.55"


def test_coverage_counts_handlers_per_tag() -> None:
    coverage = ROUTER.coverage()
    totals: dict[str, int] = {}
    for op in SPEC.operations:
        for tag in op.tags:
            totals[tag] = totals.get(tag, 0) + 1
    assert {tag: total for tag, (_, total) in coverage.items()} == totals
    assert coverage["Plugin"][0] == 0
    assert coverage["Secret"][0] == 1
    assert coverage["Container"] == (totals["Container"], totals["Container"])


def test_an_engine_playing_an_older_daemon_caps_the_version() -> None:
    old: Any = SimpleNamespace(
        api_version="1.41", system=SimpleNamespace(server_header="Docker/20.10.24 (linux)")
    )
    router = Router(SPEC, old, handlers=HANDLERS)
    req = Request(method="GET", path="/v1.43/info", query={}, headers={})
    reply = asyncio.run(router(req))
    assert isinstance(reply, Response)
    assert json.loads(reply.body) == {
        "message": "client version 1.43 is too new. Maximum supported API version is 1.41"
    }
    assert reply.headers["Api-Version"] == "1.41"
    assert reply.headers["Server"] == "Docker/20.10.24 (linux)"
    req = Request(method="GET", path="/info", query={}, headers={})
    asyncio.run(router(req))
    assert req.api_version == (1, 41)
