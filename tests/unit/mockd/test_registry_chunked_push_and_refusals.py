"""Push in PATCH chunks, pull of every tag, and a token server's refusal, against the
fake registry (pytest-httpserver)."""

from __future__ import annotations

import gzip
import json
import os
import re
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from mockd.errors import NotFound, Unauthorized
from mockd.fs.layer import Layer
from mockd.fs.tarread import layer_from_tar
from mockd.registry_client import (
    AuthConfig,
    CompressedLayer,
    gzip_layer,
    gzip_stream,
    rechunk,
)

from .test_registry_client import FakeRegistry, client_for, config_for, layer_tar, publish


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRegistry:
    registry = FakeRegistry(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(registry)
    return registry


def big_layer(size: int) -> Layer:
    import io

    return layer_from_tar(io.BytesIO(layer_tar(os.urandom(size))))


def test_a_layer_of_several_mb_goes_up_in_patch_chunks(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    layer = big_layer(3_000_000)  # random: gzip cannot shrink it below three chunks
    messages: list[dict[str, Any]] = []
    client_for(httpserver, "big:v1").push(config_for([layer]), [layer], messages.append)
    methods = [m for m, path in fake.log if "/upload/" in path or "/blobs/" in path]
    assert methods[:2] == ["HEAD", "POST"] and methods.count("PATCH") >= 3
    assert fake.patches[:2] == [1 << 20, 1 << 20]  # full chunks, then the rest
    manifest = json.loads(fake.manifests[("big", "v1")][0])
    blob = fake.blobs[manifest["layers"][0]["digest"]]
    assert gzip.decompress(blob) == layer.tar_bytes()
    assert manifest["layers"][0]["size"] == len(blob)
    pushing = [m for m in messages if m["status"] == "Pushing"]
    assert len(pushing) == sum(1 for m in methods if m == "PATCH") - 1  # minus the config's
    totals = [m["progressDetail"]["total"] for m in pushing]
    assert set(totals) == {len(layer.tar_bytes())}
    assert pushing[-1]["progressDetail"]["current"] == len(layer.tar_bytes())


def test_streamed_gzip_is_the_same_bytes_as_the_one_shot_gzip() -> None:
    data = os.urandom(5000) + b"a" * 300_000
    pieces = [data[i : i + 7777] for i in range(0, len(data), 7777)]
    assert b"".join(gzip_stream(pieces)) == gzip_layer(data)
    assert [len(c) for c in rechunk([b"abc", b"defgh", b"ij"], 4)] == [4, 4, 2]
    layer = big_layer(10_000)
    compressed = CompressedLayer(layer, chunk_size=1000)
    assert b"".join(compressed.chunks) == gzip_layer(layer.tar_bytes())
    assert compressed.tar_size == len(layer.tar_bytes())


def test_tags_lists_every_tag_and_a_missing_repository_is_not_found(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    publish(fake, "app", "v1", b"one")
    publish(fake, "app", "v2", b"two")
    assert sorted(client_for(httpserver, "app").tags()) == ["v1", "v2"]
    with pytest.raises(NotFound) as caught:
        client_for(httpserver, "nothing").tags()
    assert caught.value.message == (
        f"repository 127.0.0.1:{httpserver.port}/nothing not found: "
        "name unknown: repository name not known to registry"
    )


def refusing_token_server(httpserver: HTTPServer, body: str) -> None:
    """A registry that wants a bearer token, and a token server that refuses with ``body``."""
    realm = httpserver.url_for("/token")

    def handle(request: Request) -> Response:
        if request.path == "/token":
            return Response(body, 401, content_type="application/json")
        challenge = f'Bearer realm="{realm}",service="fake",scope="repository:app:pull"'
        return Response("{}", 401, {"WWW-Authenticate": challenge})

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handle)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
         "unauthorized: authentication required"),
        ('{"details":"incorrect username or password"}',
         "unauthorized: incorrect username or password"),
        ('{"errors":[{"code":"DENIED","message":"no way"},{"code":"UNAUTHORIZED"}]}',
         "errors:\ndenied: no way\nunauthorized: authentication required\n"),
        ("not json", "unauthorized: authentication required"),
    ],
)  # fmt: skip
def test_a_token_servers_refusal_is_the_pull_error(
    httpserver: HTTPServer, body: str, reason: str
) -> None:
    refusing_token_server(httpserver, body)
    secret = "s3cret-pass"
    client = client_for(httpserver, "app:v1", auth=AuthConfig("bob", secret))
    with pytest.raises(Unauthorized) as caught:
        client.resolve(("linux", "amd64", ""))
    url = f"http://127.0.0.1:{httpserver.port}/v2/app/manifests/v1"
    assert caught.value.message == f'Get "{url}": {reason}'
    assert secret not in caught.value.message and secret not in repr(client.session.auth)


def test_a_token_servers_refusal_is_the_push_error(httpserver: HTTPServer) -> None:
    refusing_token_server(
        httpserver, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
    )
    layer = big_layer(100)
    with pytest.raises(Unauthorized) as caught:
        client_for(httpserver, "app:v1").push(config_for([layer]), [layer], lambda _: None)
    assert caught.value.message.endswith('": unauthorized: authentication required')
    assert caught.value.message.startswith('Head "http://127.0.0.1:')
