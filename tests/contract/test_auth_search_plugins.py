"""Login, image search and plugins, the same on the mock and on dockerd.

Login goes to loopback registries only: the local registry (``127.0.0.1:5000``,
no auth; skipped when it does not answer) and fake ones served here with a
Basic or a Bearer challenge, which both daemons can reach.  Search cannot
reach Docker Hub from here: the mock answers from its catalogue, dockerd with
its lookup error; the checks made before searching, and a search of the local
registry (which has no v1 search), are compared on both.  The websocket
attach is checked with the wsproto client of the unit tests.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable

import pytest
import requests
from backends import Backend
from pytest_httpserver import HTTPServer
from unit.mockd.test_attach_ws_handler import WsClient
from werkzeug import Request, Response

import dockersdk

REGISTRY = os.environ.get("DOCKERSDK_REGISTRY", "127.0.0.1:5000")
USER, PASSWORD = "carol", "pa55-word"
Handler = Callable[[Request], Response]


def registry_answers() -> bool:
    try:
        return requests.get(f"http://{REGISTRY}/v2/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


needs_registry = pytest.mark.skipif(
    not registry_answers(), reason=f"no registry without auth answers http://{REGISTRY}/v2/"
)


def _credentials_ok(request: Request) -> bool:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return request.headers.get("Authorization") == f"Basic {token}"


def _challenge(header: str) -> Response:
    body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]})
    return Response(body, status=401, content_type="application/json",
                    headers={"WWW-Authenticate": header,
                             "Docker-Distribution-Api-Version": "registry/2.0"})  # fmt: skip


def basic_registry(request: Request) -> Response:
    if _credentials_ok(request):
        return Response("{}", content_type="application/json")
    return _challenge('Basic realm="Registry Realm"')


def bearer_registry(base: str) -> Handler:
    def handle(request: Request) -> Response:
        if request.path == "/token":
            if _credentials_ok(request):
                return Response(json.dumps({"token": "tok"}), content_type="application/json")
            refusal = json.dumps({"details": "incorrect username or password"})
            return Response(refusal, status=401, content_type="application/json")
        if request.headers.get("Authorization") == "Bearer tok":
            return Response("{}", content_type="application/json")
        return _challenge(f'Bearer realm="{base}/token",service="fake"')

    return handle


def serve(httpserver: HTTPServer, handler: Handler) -> str:
    httpserver.expect_request("/v2/").respond_with_handler(handler)
    httpserver.expect_request("/token").respond_with_handler(handler)
    return f"127.0.0.1:{httpserver.port}"


def auth(docker: Backend, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    reply = docker.api("POST", "/v1.41/auth", json=body)
    return reply.status_code, reply.json()


# -- login ------------------------------------------------------------------------------


@needs_registry
def test_login_to_a_registry_without_auth(docker: Backend) -> None:
    answer = docker.client().system.login("anyone", "anything", registry=REGISTRY)
    assert (answer.status, answer.identity_token) == ("Login Succeeded", "")
    via_dockerpy = docker.dockerpy().login("anyone", "anything", registry=REGISTRY, reauth=True)
    assert via_dockerpy == {"IdentityToken": "", "Status": "Login Succeeded"}


def test_basic_challenge(docker: Backend, httpserver: HTTPServer) -> None:
    registry = serve(httpserver, basic_registry)
    assert auth(docker, {"username": USER, "password": PASSWORD, "serveraddress": registry}) == (
        200, {"IdentityToken": "", "Status": "Login Succeeded"},
    )  # fmt: skip
    wrong = auth(docker, {"username": USER, "password": "nope", "serveraddress": registry})
    assert wrong == (
        500,
        {"message": f"login attempt to http://{registry}/v2/ failed with status: 401 Unauthorized"},
    )
    anonymous = auth(docker, {"serveraddress": registry})
    assert anonymous == (
        500,
        {"message": f'Get "http://{registry}/v2/": no basic auth credentials'},
    )


def test_bearer_challenge(docker: Backend, httpserver: HTTPServer) -> None:
    registry = serve(httpserver, bearer_registry(f"http://127.0.0.1:{httpserver.port}"))
    assert docker.client().system.login(USER, PASSWORD, registry=registry).status == (
        "Login Succeeded"
    )
    with pytest.raises(dockersdk.errors.Unauthorized) as caught:
        docker.client().system.login(USER, "nope", registry=registry)
    assert caught.value.message.startswith(f'Get "http://{registry}/v2/": unauthorized: ')


# -- search -----------------------------------------------------------------------------


def test_search_docker_hub(docker: Backend) -> None:
    reply = docker.api("GET", "/v1.41/images/search", params={"term": "busybox"})
    if docker.is_real:  # no way out to Docker Hub from here
        assert reply.status_code == 500
        assert reply.json()["message"].startswith(
            'Get "https://index.docker.io/v1/search?q=busybox'
        )
        return
    assert reply.status_code == 200
    (found,) = docker.client().images.search("busybox")
    assert (found.name, found.is_official) == ("busybox", True)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"limit": "200"}, 400, "Limit 200 is outside the range of [1, 100]"),
        ({"limit": "0"}, 400, "Limit 0 is outside the range of [1, 100]"),
        ({"filters": '{"stars":["many"]}'}, 400, "Invalid filter 'stars=many'"),
        ({"filters": '{"is-official":["yes"]}'}, 400, "Invalid filter 'is-official=[yes]'"),
    ],
)
def test_search_checks_come_first(
    docker: Backend, query: dict[str, str], status: int, message: str
) -> None:
    reply = docker.api("GET", "/v1.41/images/search", params={"term": "busybox", **query})
    assert (reply.status_code, reply.json()) == (status, {"message": message})


@needs_registry
def test_search_of_a_registry_without_v1_search(docker: Backend) -> None:
    reply = docker.api("GET", "/v1.41/images/search", params={"term": f"{REGISTRY}/busybox"})
    assert (reply.status_code, reply.json()) == (500, {"message": "Unexpected status code 404"})


# -- plugins ----------------------------------------------------------------------------


def test_plugin_list_is_empty(docker: Backend) -> None:
    assert docker.api("GET", "/v1.41/plugins").json() == []
    enabled = docker.api("GET", "/v1.41/plugins", params={"filters": '{"enabled":["true"]}'})
    assert (enabled.status_code, enabled.json()) == (200, [])
    bogus = docker.api("GET", "/v1.41/plugins", params={"filters": '{"bogus":["1"]}'})
    assert bogus.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "shown"),
    [
        ("GET", "/plugins/nosuch/json", "nosuch"),
        ("DELETE", "/plugins/nosuch:v2", "nosuch:v2"),
        ("POST", "/plugins/nosuch/disable", "nosuch"),
        ("POST", "/plugins/nosuch/enable?timeout=0", "nosuch"),
        ("POST", "/plugins/nosuch/upgrade?remote=other", "nosuch:latest"),
    ],
)
def test_unknown_plugin_is_404(docker: Backend, method: str, path: str, shown: str) -> None:
    reply = docker.api(method, "/v1.41" + path, json=[])
    assert (reply.status_code, reply.json()) == (404, {"message": f'plugin "{shown}" not found'})


# -- attach over a websocket ---------------------------------------------------------------


def _exited_container(docker: Backend, script: str) -> str:
    docker.ensure_busybox()
    body = {"Image": "busybox:latest", "Cmd": ["sh", "-c", script]}
    created = docker.api("POST", "/v1.41/containers/create", json=body)
    assert created.status_code == 201, created.text
    cid = docker.track("container", created.json()["Id"])
    assert docker.api("POST", f"/v1.41/containers/{cid}/start").status_code == 204
    assert docker.api("POST", f"/v1.41/containers/{cid}/wait").json()["StatusCode"] == 0
    return cid


def test_websocket_attach_replays_raw_output(docker: Backend) -> None:
    cid = _exited_container(docker, "echo out; echo err >&2")
    ws = WsClient.connect(docker.docker_host, f"/v1.41/containers/{cid}/attach/ws?logs=1&stdout=1")
    try:  # binary, unframed; and dockerd 20.10 (API 1.41) attaches every stream
        assert sorted(ws.read_until_closed()) == [b"err\n", b"out\n"]
    finally:
        ws.close()
    assert ws.close_code == 1000
    old = WsClient.connect(
        docker.docker_host, f"/v1.27/containers/{cid}/attach/ws?logs=1&stdout=1&stderr=1"
    )
    try:
        assert sorted(old.read_until_closed()) == ["err\n", "out\n"]  # text frames before 1.28
    finally:
        old.close()


def test_websocket_attach_to_a_missing_container_is_404(docker: Backend) -> None:
    ws = WsClient.connect(docker.docker_host, "/v1.41/containers/nosuch-ws/attach/ws?stdout=1")
    ws.close()
    assert ws.rejected == 404
    assert json.loads(ws.reject_body) == {"message": "No such container: nosuch-ws"}
