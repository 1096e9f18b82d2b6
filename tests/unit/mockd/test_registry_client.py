"""The Registry HTTP API v2 client against a fake registry (pytest-httpserver).

The fake keeps blobs and manifests in memory, answers the protocol's status
codes, optionally demands bearer tokens, and records every request, so the
tests can check what the client sends: the auth flow, the platform chosen
from a manifest list, HEAD before upload, mounts, digest checks.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import tarfile
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from mockd.engine.references import parse_normalized
from mockd.errors import NotFound
from mockd.fs.layer import Layer
from mockd.fs.tarread import layer_from_tar
from mockd.registry_client import (
    MT_DOCKER_LAYER,
    MT_DOCKER_LIST,
    MT_DOCKER_MANIFEST,
    AuthConfig,
    DistributionMetadata,
    RegistryClient,
    RegistryError,
    gzip_layer,
    is_insecure,
)

AMD64 = ("linux", "amd64", "")


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class FakeRegistry:
    """Just enough of distribution's registry; ``token`` makes it demand bearer auth."""

    token: str = ""
    credentials: tuple[str, str] = ("", "")
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    blob_repos: dict[str, set[str]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    corrupt: set[str] = field(default_factory=set)
    base: str = ""
    uploads: dict[str, bytearray] = field(default_factory=dict)  # session -> bytes so far
    patches: list[int] = field(default_factory=list)  # the size of each PATCH received

    def add_manifest(self, repo: str, ref: str, doc: dict[str, Any], media_type: str) -> str:
        raw = json.dumps(doc).encode()
        self.manifests[(repo, ref)] = (raw, media_type)
        self.manifests[(repo, digest_of(raw))] = (raw, media_type)
        return digest_of(raw)

    def add_blob(self, repo: str, data: bytes) -> str:
        self.blobs[digest_of(data)] = data
        self.blob_repos.setdefault(digest_of(data), set()).add(repo)
        return digest_of(data)

    def __call__(self, request: Request) -> Response:
        self.log.append((request.method, request.full_path.rstrip("?")))
        if request.path == "/token":
            return self._token(request)
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            challenge = (f'Bearer realm="{self.base}/token",service="fake",'
                         f'scope="repository:app:pull,push"')  # fmt: skip
            return Response("{}", 401, {"WWW-Authenticate": challenge})
        listing = re.fullmatch(r"/v2/(.+)/tags/list", request.path)
        if listing:
            tags = sorted({ref for repo, ref in self.manifests
                           if repo == listing.group(1) and not ref.startswith("sha256:")})  # fmt: skip
            if not tags:
                body = '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}'
                return Response(body, 404)
            return Response(json.dumps({"name": listing.group(1), "tags": tags}), 200)
        match = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/(.+)", request.path)
        if match:
            repo, kind, ref = match.groups()
            if kind == "manifests":
                return self._manifest(request, repo, ref)
            if ref == "uploads/":
                return self._start_upload(request, repo)
            return self._blob(request, repo, ref)
        upload = re.fullmatch(r"/upload/(.+)/(\d+)", request.path)
        if upload and request.method == "PATCH":
            received = self.uploads[upload.group(2)]
            data = request.get_data()
            start, _, end = request.headers.get("Content-Range", "").partition("-")
            if int(start) != len(received) or int(end) != len(received) + len(data) - 1:
                return Response('{"errors":[{"code":"BLOB_UPLOAD_INVALID"}]}', 416)
            received += data
            self.patches.append(len(data))
            return Response("", 202, {"Location": request.path, "Range": f"0-{len(received) - 1}"})
        if upload and request.method == "PUT":
            digest = request.args["digest"]
            data = bytes(self.uploads.pop(upload.group(2))) + request.get_data()
            if digest_of(data) != digest:
                return Response('{"errors":[{"code":"DIGEST_INVALID"}]}', 400)
            self.add_blob(upload.group(1), data)
            return Response("", 201, {"Docker-Content-Digest": digest})
        return Response("", 404)

    def _token(self, request: Request) -> Response:
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return Response("{}", 401)
        return Response(json.dumps({"token": self.token}), 200, content_type="application/json")

    def _manifest(self, request: Request, repo: str, ref: str) -> Response:
        if request.method == "PUT":
            media_type = request.headers.get("Content-Type", "")
            self.add_manifest(repo, ref, json.loads(request.get_data()), media_type)
            raw = request.get_data()
            self.manifests[(repo, ref)] = (raw, media_type)
            return Response("", 201, {"Docker-Content-Digest": digest_of(raw)})
        found = self.manifests.get((repo, ref))
        if found is None:
            body = '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
            return Response(body, 404)
        return Response(found[0], 200, content_type=found[1])

    def _blob(self, request: Request, repo: str, digest: str) -> Response:
        data = self.blobs.get(digest)
        if data is None or repo not in self.blob_repos.get(digest, set()):
            return Response("", 404)
        if digest in self.corrupt:
            data = data + b"tampered"
        if request.method == "HEAD":
            return Response("", 200, {"Content-Length": str(len(data))})
        return Response(data, 200)

    def _start_upload(self, request: Request, repo: str) -> Response:
        mount, source = request.args.get("mount"), request.args.get("from")
        if mount and source and source in self.blob_repos.get(mount, set()):
            self.blob_repos[mount].add(repo)
            return Response("", 201, {"Location": f"/v2/{repo}/blobs/{mount}"})
        session = str(len(self.uploads) + len(self.log))
        self.uploads[session] = bytearray()
        return Response("", 202, {"Location": f"/upload/{repo}/{session}"})


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRegistry:
    registry = FakeRegistry(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(registry)
    return registry


def domain(httpserver: HTTPServer) -> str:
    return f"127.0.0.1:{httpserver.port}"


def layer_tar(content: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("data")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def publish(fake: FakeRegistry, repo: str, tag: str, content: bytes, arch: str = "amd64") -> str:
    """An image in the fake: a gzip layer, its config, a schema 2 manifest; its digest."""
    tar = layer_tar(content)
    layer = gzip.compress(tar)
    config = json.dumps(
        {
            "architecture": arch,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [digest_of(tar)]},
        }
    ).encode()
    manifest = {"schemaVersion": 2, "mediaType": MT_DOCKER_MANIFEST,
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                           "digest": fake.add_blob(repo, config), "size": len(config)},
                "layers": [{"mediaType": MT_DOCKER_LAYER, "digest": fake.add_blob(repo, layer),
                            "size": len(layer)}]}  # fmt: skip
    return fake.add_manifest(repo, tag, manifest, MT_DOCKER_MANIFEST)


def client_for(httpserver: HTTPServer, ref: str, auth: AuthConfig | None = None,
               metadata: DistributionMetadata | None = None) -> RegistryClient:  # fmt: skip
    return RegistryClient(parse_normalized(f"{domain(httpserver)}/{ref}"), auth, metadata=metadata)


def pull(client: RegistryClient, platform: tuple[str, str, str] = AMD64) -> tuple[Any, list[Any]]:
    messages: list[dict[str, Any]] = []
    resolved = client.resolve(platform)
    return client.pull(resolved, lambda _: None, messages.append), messages


# -- pull --------------------------------------------------------------------------------------


def test_pull_fetches_verifies_and_reports_progress(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    digest = publish(fake, "app", "x", b"payload")
    image, messages = pull(client_for(httpserver, "app:x"))
    assert image.digest == digest
    assert (
        layer_from_tar(io.BytesIO(image.layers[0].tar_bytes())).root.children["data"].data
        == b"payload"
    )
    statuses = [m["status"] for m in messages]
    assert statuses == ["Pulling fs layer", "Downloading", "Verifying Checksum",
                        "Download complete", "Extracting", "Pull complete"]  # fmt: skip


def test_pull_of_unknown_tag_is_404_with_dockerds_message(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    with pytest.raises(NotFound) as caught:
        client_for(httpserver, "app:nope").resolve(AMD64)
    assert caught.value.message == (
        f"manifest for {domain(httpserver)}/app:nope not found: manifest unknown: manifest unknown"
    )


def test_bearer_token_challenge_uses_the_credentials(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    fake.token, fake.credentials = "tok123", ("alice", "s3cret")
    publish(fake, "app", "x", b"private")
    image, _ = pull(client_for(httpserver, "app:x", AuthConfig("alice", "s3cret")))
    assert image.layers
    assert ("GET", "/token?service=fake&scope=repository%3Aapp%3Apull%2Cpush") in fake.log
    # The token was fetched once and reused for the later requests.
    assert sum(1 for method, path in fake.log if path.startswith("/token")) == 1


def test_bearer_token_with_wrong_credentials_is_refused(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    fake.token, fake.credentials = "tok123", ("alice", "s3cret")
    publish(fake, "app", "x", b"private")
    with pytest.raises(Exception) as caught:
        client_for(httpserver, "app:x", AuthConfig("alice", "wrong")).resolve(AMD64)
    assert "s3cret" not in str(caught.value) and "wrong" not in str(caught.value)


def test_manifest_list_resolves_to_the_platform(httpserver: HTTPServer, fake: FakeRegistry) -> None:
    arm = publish(fake, "multi", "arm", b"arm bits", arch="arm64")
    amd = publish(fake, "multi", "amd", b"amd bits")
    size = len(fake.manifests[("multi", amd)][0])
    listing = {"schemaVersion": 2, "mediaType": MT_DOCKER_LIST, "manifests": [
        {"mediaType": MT_DOCKER_MANIFEST, "digest": arm, "size": size,
         "platform": {"architecture": "arm64", "os": "linux"}},
        {"mediaType": MT_DOCKER_MANIFEST, "digest": amd, "size": size,
         "platform": {"architecture": "amd64", "os": "linux"}},
    ]}  # fmt: skip
    list_digest = fake.add_manifest("multi", "latest", listing, MT_DOCKER_LIST)
    client = client_for(httpserver, "multi:latest")
    resolved = client.resolve(AMD64)
    assert resolved.digest == list_digest  # RepoDigests name the list, as dockerd records it
    assert resolved.top_media_type == MT_DOCKER_LIST
    assert [p["architecture"] for p in resolved.platforms] == ["arm64", "amd64"]
    image = client.pull(resolved, lambda _: None, lambda _: None)
    assert json.loads(image.config_bytes)["architecture"] == "amd64"
    assert client.resolve(("linux", "arm64", "")).manifest != resolved.manifest
    with pytest.raises(NotFound, match="no matching manifest for linux/s390x"):
        client.resolve(("linux", "s390x", ""))


def test_a_blob_that_does_not_match_its_digest_is_refused(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    publish(fake, "app", "x", b"payload")
    manifest = json.loads(fake.manifests[("app", "x")][0])
    fake.corrupt.add(manifest["layers"][0]["digest"])
    with pytest.raises(RegistryError, match="verification failed"):
        pull(client_for(httpserver, "app:x"))


# -- push --------------------------------------------------------------------------------------


def a_layer(content: bytes) -> Layer:
    return layer_from_tar(io.BytesIO(layer_tar(content)))


def config_for(layers: list[Layer]) -> bytes:
    return json.dumps({"architecture": "amd64", "os": "linux",
                       "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]}}).encode()  # fmt: skip # noqa: E741


def test_push_uploads_then_finds_everything_on_a_second_push(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    layers = [a_layer(b"one"), a_layer(b"two")]
    config = config_for(layers)
    client = client_for(httpserver, "app:v1")
    first: list[dict[str, Any]] = []
    digest, size = client.push(config, layers, first.append)
    raw, media_type = fake.manifests[("app", "v1")]
    assert media_type == MT_DOCKER_MANIFEST and digest == digest_of(raw) and size == len(raw)
    manifest = json.loads(raw)
    assert manifest["config"]["digest"] == digest_of(config)
    assert [entry["mediaType"] for entry in manifest["layers"]] == [MT_DOCKER_LAYER] * 2
    assert gzip.decompress(fake.blobs[manifest["layers"][0]["digest"]]) == layers[0].tar_bytes()
    methods = [method for method, path in fake.log if "/blobs/" in path or "/upload/" in path]
    assert methods[:4] == ["HEAD", "POST", "PATCH", "PUT"]  # HEAD before each upload
    assert [m["status"] for m in first if m["id"] == layers[0].diff_id[7:19]] == [
        "Preparing", "Pushing", "Pushed"]  # fmt: skip

    fake.log.clear()
    again: list[dict[str, Any]] = []
    assert client.push(config, layers, again.append) == (digest, size)  # deterministic gzip
    assert not any(method in ("POST", "PATCH") for method, _ in fake.log)
    assert [m["status"] for m in again].count("Layer already exists") == 2


def test_push_mounts_a_blob_known_in_another_repository(
    httpserver: HTTPServer, fake: FakeRegistry
) -> None:
    layer = a_layer(b"shared")
    metadata = DistributionMetadata()
    client_for(httpserver, "base:1", metadata=metadata).push(
        config_for([layer]), [layer], lambda _: None
    )
    fake.log.clear()
    messages: list[dict[str, Any]] = []
    client_for(httpserver, "app:1", metadata=metadata).push(
        config_for([layer]), [layer], messages.append
    )
    blob = digest_of(gzip_layer(layer.tar_bytes()))
    assert (
        "POST",
        f"/v2/app/blobs/uploads/?mount={blob.replace(':', '%3A')}&from=base",
    ) in fake.log
    assert "Mounted from base" in [m["status"] for m in messages]
    uploads = [path for method, path in fake.log if method == "PUT" and "/upload/app" in path]
    assert len(uploads) == 1 and blob[7:] not in uploads[0]  # only the config was uploaded


# -- small pieces ------------------------------------------------------------------------------


def test_auth_header_decoding_and_secrets_kept_out_of_repr() -> None:
    header = base64.urlsafe_b64encode(json.dumps({"username": "u", "password": "p@ss"}).encode())
    auth = AuthConfig.from_header(header.decode().rstrip("="))
    assert auth == AuthConfig("u", "p@ss")
    assert "p@ss" not in repr(auth)
    legacy = base64.b64encode(json.dumps({"auth": base64.b64encode(b"v:w").decode()}).encode())
    assert AuthConfig.from_header(legacy.decode()) == AuthConfig("v", "w")
    assert AuthConfig.from_header("!!notbase64") is None
    assert AuthConfig.from_header("") is None


def test_plain_http_only_for_loopback_and_insecure_registries() -> None:
    assert is_insecure("127.0.0.1:5000") and is_insecure("localhost:5000")
    assert is_insecure("[::1]:5000")
    assert not is_insecure("registry.example.com")
    assert is_insecure("registry.example.com", ["registry.example.com"])
    assert is_insecure("10.1.2.3:5000", ["10.0.0.0/8"])


def test_gzip_is_deterministic() -> None:
    data = layer_tar(b"same")
    assert gzip_layer(data) == gzip_layer(data)
