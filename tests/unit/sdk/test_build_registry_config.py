"""``X-Registry-Config`` on ``POST /build``: every credential config.json holds, as
docker-py and the CLI send it, and never a secret in a log line or a repr."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from dockersdk import DockerClient
from dockersdk.auth import AuthConfig

BASE = "http://docker.test:2375"
SECRET = "hunter2-secret"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(f"{BASE}/_ping", body="OK", headers={"API-Version": "1.41"})
        mocked.post(f"{BASE}/v1.41/build", body='{"aux":{"ID":"sha256:' + "a" * 64 + '"}}\r\n')
        mocked.get(
            f"{BASE}/v1.41/images/sha256%3A{'a' * 64}/json", json={"Id": "sha256:" + "a" * 64}
        )
        yield mocked


def decoded(header: str) -> object:
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def build(rsps: responses.RequestsMock, **kwargs: object) -> dict[str, str]:
    client = DockerClient("tcp://docker.test:2375")
    try:
        client.images.build(fileobj=b"FROM 127.0.0.1:5000/private/base\n", **kwargs)  # type: ignore[arg-type]
    finally:
        client.close()
    (call,) = [c for c in rsps.calls if c.request.url and "/build" in c.request.url]
    return dict(call.request.headers)


def test_every_config_json_credential_goes_in_the_header(
    rsps: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auths = {
        "127.0.0.1:5000": {"auth": base64.b64encode(f"alice:{SECRET}".encode()).decode()},
        "https://index.docker.io/v1/": {"auth": base64.b64encode(b"bob:hub-pw").decode()},
    }
    (tmp_path / "config.json").write_text(json.dumps({"auths": auths}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    headers = build(rsps)
    assert decoded(headers["X-Registry-Config"]) == {
        "127.0.0.1:5000": {"username": "alice", "password": SECRET, "serveraddress": "127.0.0.1:5000"},
        "https://index.docker.io/v1/": {
            "username": "bob", "password": "hub-pw", "serveraddress": "https://index.docker.io/v1/"
        },
    }  # fmt: skip


def test_no_credentials_no_header(
    rsps: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # no config.json
    assert "X-Registry-Config" not in build(rsps)


def test_given_auth_configs_replace_config_json(rsps: responses.RequestsMock) -> None:
    from dockersdk.api.build import BuildAPI

    client = DockerClient("tcp://docker.test:2375")
    given = {"reg.example:443": {"username": "carol", "password": SECRET}}
    with BuildAPI(client.transport).build_stream(b"", auth_configs=given) as stream:
        list(stream)
    client.close()
    (call,) = [c for c in rsps.calls if c.request.url and "/build" in c.request.url]
    assert decoded(call.request.headers["X-Registry-Config"]) == {
        "reg.example:443": {"username": "carol", "password": SECRET}
    }


def test_a_broken_helper_is_logged_without_secrets(
    rsps: responses.RequestsMock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    auth = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    config = {"auths": {"127.0.0.1:5000": {"auth": auth}}, "credsStore": "nonexistent-helper"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with caplog.at_level(logging.DEBUG):
        headers = build(rsps)
    assert "X-Registry-Config" not in headers  # the build still goes out
    assert caplog.records and SECRET not in caplog.text
    assert SECRET not in repr(AuthConfig(username="alice", password=SECRET))
