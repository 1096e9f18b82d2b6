"""A build whose FROM is in a private registry: the SDK sends ``X-Registry-Config`` from
config.json, the mock's builder pulls with those credentials (fake registry with a token
server, pytest-httpserver); without them the step fails with the registry's reason."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

import dockersdk
from dockersdk.api.build import BuildError
from mockd import MockDaemon

from .test_registry_client import FakeRegistry, publish


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeRegistry:
    registry = FakeRegistry(base=httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile(".*")).respond_with_handler(registry)
    return registry


def test_from_a_private_registry_uses_the_builds_credentials(
    httpserver: HTTPServer, fake: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = f"127.0.0.1:{httpserver.port}"
    publish(fake, "app", "v1", b"private content")
    fake.token, fake.credentials = "tok", ("dana", "pw-secret")
    dockerfile = f"FROM {registry}/app:v1\nLABEL built=yes\n".encode()
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no credentials yet
    with MockDaemon() as daemon:
        client = dockersdk.DockerClient(base_url=daemon.docker_host)
        with pytest.raises(BuildError) as caught:
            client.images.build(fileobj=dockerfile)
        assert caught.value.reason.endswith('": unauthorized: authentication required')

        auth = base64.b64encode(b"dana:pw-secret").decode()
        (tmp_path / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
        image, log = client.images.build(fileobj=dockerfile)
        statuses = [str(m["status"]) for m in log if m.get("status")]
        assert statuses[0] == "Pulling from app"
        assert f"Status: Downloaded newer image for {registry}/app:v1" in statuses
        assert image.labels == {"built": "yes"}
        assert f"{registry}/app:v1" in client.images.get(f"{registry}/app:v1").tags
        assert "pw-secret" not in json.dumps(log) + caught.value.reason
        client.close()
    assert any(path.startswith("/token") for _, path in fake.log)
