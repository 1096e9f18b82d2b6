"""``POST /auth`` on the mock against fake registries (Basic and Bearer challenges).

The expected messages and statuses were taken from dockerd 20.10 logging in
to the same kind of fake registries.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable, Iterator

import pytest
import requests_unixsocket
from backends import http_base
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import dockersdk
from mockd import MockDaemon

GOOD = ("alice", "s3cret-pw")
Handler = Callable[[Request], Response]


def _basic_ok(request: Request) -> bool:
    expected = base64.b64encode(f"{GOOD[0]}:{GOOD[1]}".encode()).decode()
    return request.headers.get("Authorization") == f"Basic {expected}"


def _unauthorized(challenge: str) -> Response:
    body = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
    return Response(
        json.dumps(body), status=401, content_type="application/json",
        headers={"WWW-Authenticate": challenge},
    )  # fmt: skip


def basic_registry(request: Request) -> Response:
    if _basic_ok(request):
        return Response("{}", content_type="application/json")
    return _unauthorized('Basic realm="Registry Realm"')


def bearer_registry(base: str) -> Handler:
    def handle(request: Request) -> Response:
        if request.path == "/token":
            if _basic_ok(request):
                return Response(json.dumps({"token": "t0k"}), content_type="application/json")
            return Response(json.dumps({"details": "incorrect username or password"}), status=401)
        if request.headers.get("Authorization") == "Bearer t0k":
            return Response("{}", content_type="application/json")
        return _unauthorized(f'Bearer realm="{base}/token",service="fake"')

    return handle


@pytest.fixture
def daemon() -> Iterator[MockDaemon]:
    with MockDaemon() as d:
        yield d


@pytest.fixture
def client(daemon: MockDaemon) -> Iterator[dockersdk.DockerClient]:
    c = dockersdk.DockerClient(base_url=daemon.docker_host)
    yield c
    c.close()


def _registry(httpserver: HTTPServer, handler: Handler) -> str:
    httpserver.expect_request("/v2/").respond_with_handler(handler)
    httpserver.expect_request("/token").respond_with_handler(handler)
    return f"127.0.0.1:{httpserver.port}"


def test_basic_login_succeeds_with_the_right_password(
    httpserver: HTTPServer, client: dockersdk.DockerClient
) -> None:
    registry = _registry(httpserver, basic_registry)
    answer = client.system.login(GOOD[0], GOOD[1], registry=registry)
    assert answer.status == "Login Succeeded"
    assert answer.identity_token == ""


def test_basic_login_refused_is_dockerds_500(
    httpserver: HTTPServer, client: dockersdk.DockerClient
) -> None:
    registry = _registry(httpserver, basic_registry)
    with pytest.raises(dockersdk.errors.ServerError) as caught:
        client.system.login(GOOD[0], "wrong", registry=f"http://{registry}/v2/")
    assert caught.value.message == (
        f"login attempt to http://{registry}/v2/ failed with status: 401 Unauthorized"
    )


def test_basic_challenge_without_credentials(httpserver: HTTPServer, daemon: MockDaemon) -> None:
    registry = _registry(httpserver, basic_registry)
    status, body = _post_auth(daemon, {"serveraddress": registry})
    assert (status, body) == (
        500,
        {"message": f'Get "http://{registry}/v2/": no basic auth credentials'},
    )


def test_bearer_login_goes_through_the_token_server(
    httpserver: HTTPServer, client: dockersdk.DockerClient
) -> None:
    registry = _registry(httpserver, bearer_registry(httpserver.url_for("").rstrip("/")))
    assert client.system.login(*GOOD, registry=registry).status == "Login Succeeded"
    with pytest.raises(dockersdk.errors.Unauthorized) as caught:
        client.system.login(GOOD[0], "wrong", registry=registry)
    assert caught.value.message.startswith(f'Get "http://{registry}/v2/": unauthorized: ')


def test_no_auth_registry_accepts_anyone(httpserver: HTTPServer, daemon: MockDaemon) -> None:
    httpserver.expect_request("/v2/").respond_with_json({})
    status, body = _post_auth(
        daemon, {"username": "x", "password": "y", "serveraddress": f"127.0.0.1:{httpserver.port}"}
    )
    assert (status, body) == (200, {"IdentityToken": "", "Status": "Login Succeeded"})


def test_unreachable_registry_and_docker_hub(daemon: MockDaemon) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    status, body = _post_auth(daemon, {"serveraddress": f"127.0.0.1:{port}"})
    assert status == 500
    assert body["message"] == (
        f'Get "http://127.0.0.1:{port}/v2/": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
    status, body = _post_auth(daemon, {"username": "u", "password": "p"})
    assert status == 500
    assert body["message"].startswith('Get "https://registry-1.docker.io/v2/": ')
    status, body = _post_auth(daemon, {"serveraddress": "https://r.example:5000/v2/"})
    assert status == 500
    assert body["message"].startswith(
        'Get "https://r.example:5000/v2/": dial tcp: lookup r.example: no such host'
    )


def test_password_is_not_recorded(httpserver: HTTPServer, daemon: MockDaemon) -> None:
    registry = _registry(httpserver, basic_registry)
    _post_auth(daemon, {"username": GOOD[0], "password": GOOD[1], "serveraddress": registry})
    (recorded,) = daemon.requests.of("SystemAuth")
    assert recorded.status == 200
    assert GOOD[1] not in repr(recorded)
    assert recorded.body["username"] == GOOD[0]


def _post_auth(daemon: MockDaemon, body: dict[str, str]) -> tuple[int, dict[str, str]]:
    with requests_unixsocket.Session() as session:
        reply = session.post(http_base(daemon.docker_host) + "/auth", json=body, timeout=30)
    return reply.status_code, reply.json()
