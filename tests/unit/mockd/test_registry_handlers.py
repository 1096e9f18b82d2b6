"""Push and pull through the mock daemon's HTTP API, against the fake registry.

No real registry needed: one mock pushes, another pulls, and the fake checks
the credentials that ``X-Registry-Auth`` carried all the way to it.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from pytest_httpserver import HTTPServer

import dockersdk
from mockd import MockDaemon

from .test_registry_client import FakeRegistry


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRegistry:
    registry = FakeRegistry(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(registry)
    return registry


def test_push_from_one_mock_and_pull_into_another(httpserver: HTTPServer, fake: FakeRegistry) -> None:
    repo = f"127.0.0.1:{httpserver.port}/app"
    with MockDaemon() as first:
        client = dockersdk.DockerClient(base_url=first.docker_host)
        source = client.images.pull("busybox", "latest")
        source.tag(repo, "v1")
        messages = client.images.push(repo, "v1")
        assert isinstance(messages, list)
        statuses = [m.status for m in messages]
        assert statuses[0] == f"The push refers to repository [{repo}]"
        assert statuses[1:4] == ["Preparing", "Pushing", "Pushed"]
        (line,) = [s for s in statuses if s and s.startswith("v1: digest: ")]
        digest = line.split()[2]
        assert f"{repo}@{digest}" in (client.images.get(f"{repo}:v1").attrs.repo_digests or [])
        client.close()
    with MockDaemon() as second:
        client = dockersdk.DockerClient(base_url=second.docker_host)
        pulled = client.images.api.pull(repo, "v1")
        statuses = [m.status for m in pulled]
        assert statuses[0] == "Pulling from app"
        assert statuses[-2:] == [f"Digest: {digest}", f"Status: Downloaded newer image for {repo}:v1"]
        image = client.images.get(f"{repo}:v1")
        assert image.id == source.id
        assert client.containers.run(f"{repo}:v1", ["echo", "ran"], remove=True) == b"ran\n"
        again = client.images.api.pull(repo, "v1")
        assert again[-1].status == f"Status: Image is up to date for {repo}:v1"
        with pytest.raises(dockersdk.errors.NotFound) as caught:
            client.images.api.pull(repo, "nope")
        assert "manifest unknown" in str(caught.value)
        client.close()


def test_credentials_reach_the_registrys_token_endpoint(httpserver: HTTPServer, fake: FakeRegistry) -> None:
    fake.token, fake.credentials = "tok", ("bob", "pw")
    repo = f"127.0.0.1:{httpserver.port}/app"
    with MockDaemon() as daemon:
        client = dockersdk.DockerClient(base_url=daemon.docker_host)
        client.images.pull("busybox", "latest").tag(repo, "v1")
        with pytest.raises(dockersdk.errors.APIError):
            client.images.push(repo, "v1")  # anonymous: refused
        client.images.push(repo, "v1", auth_config={"username": "bob", "password": "pw"})
        assert ("app", "v1") in fake.manifests
        client.close()
    tokens = [path for method, path in fake.log if path.startswith("/token")]
    assert tokens  # the daemon went through the bearer flow


def test_pull_uses_config_json_auths(
    httpserver: HTTPServer, fake: FakeRegistry, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    fake.token, fake.credentials = "tok", ("carol", "pw2")
    registry = f"127.0.0.1:{httpserver.port}"
    config_dir = Path(str(tmp_path))
    auth = base64.b64encode(b"carol:pw2").decode()
    (config_dir / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    with MockDaemon() as daemon:
        client = dockersdk.DockerClient(base_url=daemon.docker_host)
        client.images.pull("busybox", "latest").tag(f"{registry}/app", "v1")
        client.images.push(f"{registry}/app", "v1")  # credentials from config.json
        client.images.remove(f"{registry}/app:v1")
        assert f"{registry}/app:v1" in client.images.pull(f"{registry}/app", "v1").tags
        client.close()
