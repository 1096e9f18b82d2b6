"""Registry credentials: config.json, credential helpers, headers, and secrecy."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import responses

from dockersdk import AuthConfig, CredentialHelperNotFound, DockerClient
from dockersdk.auth import (
    INDEX_SERVER,
    CredentialsError,
    CredentialStore,
    build_registry_config,
    normalize_registry,
    registry_auth_header,
    registry_config_header,
    registry_of,
    resolve_auth,
)

SECRET = "s3cr3t-Pa55"
TOKEN = "refresh-token-XYZ"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def decode_header(value: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(value))


def write_config(directory: Path, config: dict[str, Any]) -> dict[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    return {"DOCKER_CONFIG": str(directory), "PATH": os.environ.get("PATH", "")}


def fake_helper(bin_dir: Path, name: str, store: dict[str, tuple[str, str]]) -> Path:
    """A ``docker-credential-<name>`` like the real ones: ``get`` reads the server
    on stdin, ``list`` prints the servers; it logs each call to ``calls.log``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        f"STORE = {store!r}\n"
        f"open({str(bin_dir / 'calls.log')!r}, 'a').write(sys.argv[1] + '\\n')\n"
        "if sys.argv[1] == 'list':\n"
        "    print(json.dumps({k: v[0] for k, v in STORE.items()}))\n"
        "    sys.exit(0)\n"
        "server = sys.stdin.read().strip()\n"
        "if server not in STORE:\n"
        "    print('credentials not found in native keychain')\n"
        "    sys.exit(1)\n"
        "user, secret = STORE[server]\n"
        "print(json.dumps({'ServerURL': server, 'Username': user, 'Secret': secret}))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("docker.io", INDEX_SERVER),
        ("index.docker.io", INDEX_SERVER),
        ("https://index.docker.io/v1/", INDEX_SERVER),
        ("registry-1.docker.io", INDEX_SERVER),
        ("https://myreg.example:5000/v2/", "myreg.example:5000"),
        ("http://localhost:5000", "localhost:5000"),
        ("Ghcr.IO", "ghcr.io"),
    ],
)
def test_normalize_registry(name: str, expected: str) -> None:
    assert normalize_registry(name) == expected


@pytest.mark.parametrize(
    ("repository", "registry"),
    [
        ("busybox", INDEX_SERVER),
        ("library/busybox", INDEX_SERVER),
        ("user/app", INDEX_SERVER),
        ("docker.io/user/app", INDEX_SERVER),
        ("localhost/app", "localhost"),
        ("myreg.example:5000/team/app", "myreg.example:5000"),
    ],
)
def test_registry_of(repository: str, registry: str) -> None:
    assert registry_of(repository) == registry


# -- config.json --------------------------------------------------------------------------


def test_auths_entries_under_any_hub_key(tmp_path: Path) -> None:
    env = write_config(
        tmp_path / "cfg",
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": b64(f"alice:{SECRET}")},
                "myreg.example:5000": {"identitytoken": TOKEN},
                "http://other.example": {"auth": b64("bob:pw:with:colons")},
            }
        },
    )
    store = CredentialStore(env)
    hub = store.get("docker.io")
    assert hub == AuthConfig(username="alice", password=SECRET, serveraddress=INDEX_SERVER)
    assert store.get("index.docker.io") == hub
    token = store.get("https://myreg.example:5000")
    assert token is not None and token.identitytoken == TOKEN and token.username is None
    other = store.get("other.example")
    assert other is not None and other.password == "pw:with:colons"
    assert store.get("nowhere.example") is None


def test_docker_config_is_honoured_and_a_missing_file_means_none(tmp_path: Path) -> None:
    assert CredentialStore({"DOCKER_CONFIG": str(tmp_path / "absent")}).get("docker.io") is None
    write_config(tmp_path / "home" / ".docker", {"auths": {"docker.io": {"auth": b64("h:p")}}})
    found = CredentialStore({"HOME": str(tmp_path / "home")}).get("docker.io")
    assert found is not None and found.username == "h"


def test_broken_config_does_not_quote_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"auths": {"x": {"auth": "' + SECRET + '"')
    with pytest.raises(CredentialsError) as caught:
        CredentialStore({"DOCKER_CONFIG": str(tmp_path)})
    assert SECRET not in str(caught.value)


def test_bad_auth_entry_error_hides_the_value(tmp_path: Path) -> None:
    env = write_config(tmp_path, {"auths": {"docker.io": {"auth": b64(SECRET)}}})  # no colon
    with pytest.raises(CredentialsError) as caught:
        CredentialStore(env).get("docker.io")
    assert SECRET not in str(caught.value) and b64(SECRET) not in str(caught.value)


# -- credential helpers --------------------------------------------------------------------


def test_creds_store_helper_gets_the_server_on_stdin(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_helper(
        bin_dir, "fake", {INDEX_SERVER: ("carol", SECRET), "myreg.example": ("<token>", TOKEN)}
    )
    env = write_config(tmp_path / "cfg", {"credsStore": "fake"})
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    store = CredentialStore(env)
    assert store.get("docker.io") == AuthConfig(
        username="carol", password=SECRET, serveraddress=INDEX_SERVER
    )
    token = store.get("myreg.example")
    assert token == AuthConfig(serveraddress="myreg.example", identitytoken=TOKEN)
    assert store.get("unknown.example") is None  # "credentials not found" is not an error


def test_cred_helpers_win_over_the_store_and_auths(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_helper(bin_dir, "special", {"ghcr.io": ("dave", "from-special")})
    fake_helper(bin_dir, "general", {"ghcr.io": ("erin", "from-general")})
    env = write_config(
        tmp_path / "cfg",
        {
            "credsStore": "general",
            "credHelpers": {"https://ghcr.io": "special"},
            "auths": {"ghcr.io": {"auth": b64("frank:from-auths")}},
        },
    )
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    found = CredentialStore(env).get("ghcr.io")
    assert found is not None and (found.username, found.password) == ("dave", "from-special")


def test_missing_helper_is_a_typed_error(tmp_path: Path) -> None:
    env = write_config(tmp_path, {"credHelpers": {"ghcr.io": "nonexistent-helper"}})
    env["PATH"] = str(tmp_path / "empty-bin")
    with pytest.raises(CredentialHelperNotFound) as caught:
        CredentialStore(env).get("ghcr.io")
    assert caught.value.helper == "nonexistent-helper"
    assert "docker-credential-nonexistent-helper" in str(caught.value)
    # A registry without a helper still resolves.
    assert CredentialStore(env).get("docker.io") is None


def test_failing_helper_error_leaves_its_output_out(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker-credential-leaky"
    script.write_text(f"#!/bin/sh\necho 'oops {SECRET}' >&2\nexit 3\n")
    script.chmod(0o755)
    env = write_config(tmp_path / "cfg", {"credsStore": "leaky"})
    env["PATH"] = str(bin_dir)
    with pytest.raises(CredentialsError, match="exit status 3") as caught:
        CredentialStore(env).get("docker.io")
    assert SECRET not in str(caught.value)


def test_all_credentials_for_builds(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_helper(bin_dir, "fake", {"store.example": ("gina", "pw1")})
    env = write_config(
        tmp_path / "cfg",
        {"credsStore": "fake", "auths": {"https://index.docker.io/v1/": {"auth": b64("hank:pw2")}}},
    )
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    everything = CredentialStore(env).all()
    assert {k: v.username for k, v in everything.items()} == {
        "https://index.docker.io/v1/": "hank",
        "store.example": "gina",
    }
    header = registry_config_header(everything)["X-Registry-Config"]
    assert decode_header(header)["store.example"] == {
        "username": "gina",
        "password": "pw1",
        "serveraddress": "store.example",
    }


def test_build_registry_config_header(tmp_path: Path) -> None:
    env = write_config(tmp_path, {"auths": {"docker.io": {"auth": b64("ola:pw")}}})
    header = build_registry_config(env)["X-Registry-Config"]
    assert decode_header(header) == {
        "docker.io": {"username": "ola", "password": "pw", "serveraddress": INDEX_SERVER}
    }
    empty = build_registry_config({"DOCKER_CONFIG": str(tmp_path / "none")})
    assert decode_header(empty["X-Registry-Config"]) == {}


# -- headers and secrecy --------------------------------------------------------------------


def test_registry_auth_header_is_base64url_json() -> None:
    auth = AuthConfig(username="ivy", password="p?>>~", serveraddress="r.example")
    value = registry_auth_header(auth)["X-Registry-Auth"]
    assert "+" not in value and "/" not in value
    assert decode_header(value) == {
        "username": "ivy",
        "password": "p?>>~",
        "serveraddress": "r.example",
    }
    assert decode_header(registry_auth_header(None)["X-Registry-Auth"]) == {}


def test_auth_config_hides_its_secrets(caplog: pytest.LogCaptureFixture) -> None:
    auth = AuthConfig(
        username="jay",
        password=SECRET,
        serveraddress="r.example",
        identitytoken=TOKEN,
        registrytoken="rt-" + SECRET,
    )
    for text in (repr(auth), str(auth), f"{auth}", repr([auth]), repr({"a": auth})):
        assert SECRET not in text and TOKEN not in text
        assert "jay" in text and "hidden" in text
    logging.getLogger("test").warning("auth %s %r", auth, auth)
    assert SECRET not in caplog.text and TOKEN not in caplog.text
    with pytest.raises(ValueError) as caught:
        raise ValueError(auth)
    assert SECRET not in str(caught.value)


def test_auth_config_of_accepts_docker_py_dicts() -> None:
    auth = AuthConfig.of({"Username": "kim", "password": "pw", "ServerAddress": "r.example"})
    assert auth == AuthConfig(username="kim", password="pw", serveraddress="r.example")
    assert resolve_auth("r.example/app", auth) is auth


# -- pull and push use it ---------------------------------------------------------------------


BASE = "http://docker.test:2375"


def test_pull_sends_the_config_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, {"auths": {"myreg.example": {"auth": b64(f"lee:{SECRET}")}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/_ping", body="OK", headers={"API-Version": "1.45"})
        rsps.post(f"{BASE}/v1.45/images/create", body=b'{"status":"done"}\n')
        DockerClient("tcp://docker.test:2375").images.api.pull("myreg.example/app", "1")
        sent = decode_header(rsps.calls[-1].request.headers["X-Registry-Auth"])
    assert sent == {"username": "lee", "password": SECRET, "serveraddress": "myreg.example"}


def test_push_prefers_the_given_auth_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, {"auths": {"docker.io": {"auth": b64("from:config")}}})
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/_ping", body="OK", headers={"API-Version": "1.45"})
        rsps.post(f"{BASE}/v1.45/images/user%2Fapp/push", body=b'{"status":"pushed"}\n')
        client = DockerClient("tcp://docker.test:2375")
        client.images.push("user/app", "1", auth_config=AuthConfig(username="m", password="n"))
        sent = decode_header(rsps.calls[-1].request.headers["X-Registry-Auth"])
    assert sent == {"username": "m", "password": "n"}
