"""Where the client connects: DOCKER_HOST, contexts, TLS material, precedence."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from dockersdk.config import (
    DEFAULT_HOST,
    TLSConfig,
    config_dir,
    context_id,
    current_context,
    parse_host,
    resolve,
)
from dockersdk.errors import ConfigError


def write_context(
    docker_dir: Path, name: str, host: str, *, skip_verify: bool = False, tls: bool = False
) -> Path:
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = docker_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}},
            }
        )
    )
    tls_dir = docker_dir / "contexts" / "tls" / digest / "docker"
    if tls:
        tls_dir.mkdir(parents=True)
        for file in ("ca.pem", "cert.pem", "key.pem"):
            (tls_dir / file).write_text("pem")
    return tls_dir


@pytest.mark.parametrize(
    ("host", "scheme", "address"),
    [
        ("unix:///var/run/docker.sock", "unix", "/var/run/docker.sock"),
        ("unix:///tmp/x/d.sock", "unix", "/tmp/x/d.sock"),
        ("unix://", "unix", "/var/run/docker.sock"),
        ("/run/user/1000/docker.sock", "unix", "/run/user/1000/docker.sock"),
        ("tcp://10.0.0.2:2375", "http", "10.0.0.2:2375"),
        ("tcp://example.test", "http", "example.test:2375"),
        ("http://localhost:8080", "http", "localhost:8080"),
        ("https://localhost", "https", "localhost:2376"),
        ("tcp://[::1]:2375", "http", "[::1]:2375"),
    ],
)
def test_parse_host(host: str, scheme: str, address: str) -> None:
    endpoint = parse_host(host)
    assert (endpoint.scheme, endpoint.address) == (scheme, address)


def test_tcp_with_tls_becomes_https_on_the_tls_port() -> None:
    tls = TLSConfig(ca_cert="/ca.pem")
    endpoint = parse_host("tcp://docker.test", tls)
    assert endpoint.scheme == "https"
    assert endpoint.address == "docker.test:2376"
    assert endpoint.tls == tls
    assert endpoint.base_url == "https://docker.test:2376"


def test_unix_base_url_percent_encodes_the_socket_path() -> None:
    assert parse_host("unix:///tmp/a b/d.sock").base_url == "http+unix://%2Ftmp%2Fa%20b%2Fd.sock"


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("npipe:////./pipe/docker_engine", "Windows"),
        ("ssh://me@host", "ssh"),
        ("fd://", "unsupported scheme"),
        ("tcp://", "no host"),
        ("tcp://host:2375/path", "no path"),
    ],
)
def test_unusable_hosts_are_rejected_clearly(host: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_host(host)


def test_client_cert_needs_its_key() -> None:
    with pytest.raises(ConfigError):
        TLSConfig(client_cert="/cert.pem")


def test_default_without_environment(tmp_path: Path) -> None:
    config = resolve(env={"HOME": str(tmp_path)})
    assert config.endpoint == parse_host(DEFAULT_HOST)
    assert config.api_version is None
    assert config.source == "default"


def test_explicit_argument_beats_environment(tmp_path: Path) -> None:
    write_context(tmp_path / ".docker", "remote", "tcp://ctx:2375")
    env = {"HOME": str(tmp_path), "DOCKER_HOST": "tcp://env:2375", "DOCKER_CONTEXT": "remote"}
    config = resolve("unix:///arg.sock", env=env)
    assert config.endpoint.address == "/arg.sock"
    assert config.source == "argument"


def test_docker_host_beats_docker_context(tmp_path: Path) -> None:
    write_context(tmp_path / ".docker", "remote", "tcp://ctx:2375")
    env = {"HOME": str(tmp_path), "DOCKER_HOST": "tcp://env:2375", "DOCKER_CONTEXT": "remote"}
    assert resolve(env=env).endpoint.address == "env:2375"


def test_docker_context_beats_current_context(tmp_path: Path) -> None:
    docker_dir = tmp_path / ".docker"
    write_context(docker_dir, "one", "tcp://one:2375")
    write_context(docker_dir, "two", "tcp://two:2375")
    (docker_dir / "config.json").write_text(json.dumps({"currentContext": "one"}))
    env = {"HOME": str(tmp_path)}
    assert resolve(env=env).endpoint.address == "one:2375"
    assert resolve(env={**env, "DOCKER_CONTEXT": "two"}).endpoint.address == "two:2375"
    assert resolve(env={**env, "DOCKER_CONTEXT": "two"}).source == "context 'two'"


def test_default_context_name_means_default_host(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "DOCKER_CONTEXT": "default"}
    assert resolve(env=env).endpoint == parse_host(DEFAULT_HOST)


def test_docker_config_moves_the_config_dir(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    write_context(elsewhere, "ctx", "unix:///ctx.sock")
    (elsewhere / "config.json").write_text(json.dumps({"currentContext": "ctx"}))
    env = {"HOME": str(tmp_path / "home"), "DOCKER_CONFIG": str(elsewhere)}
    assert config_dir(env) == elsewhere
    assert current_context(env) == "ctx"
    assert resolve(env=env).endpoint.address == "/ctx.sock"


def test_context_meta_lives_under_the_sha256_of_its_name() -> None:
    assert context_id("my-context") == hashlib.sha256(b"my-context").hexdigest()


def test_context_with_tls_material(tmp_path: Path) -> None:
    tls_dir = write_context(tmp_path / ".docker", "secure", "tcp://secure:2376", tls=True)
    endpoint = resolve(env={"HOME": str(tmp_path), "DOCKER_CONTEXT": "secure"}).endpoint
    assert endpoint.scheme == "https"
    assert endpoint.tls == TLSConfig(
        ca_cert=str(tls_dir / "ca.pem"),
        client_cert=str(tls_dir / "cert.pem"),
        client_key=str(tls_dir / "key.pem"),
        verify=True,
    )


def test_context_skip_tls_verify(tmp_path: Path) -> None:
    write_context(tmp_path / ".docker", "lax", "tcp://lax:2376", skip_verify=True, tls=True)
    endpoint = resolve(env={"HOME": str(tmp_path), "DOCKER_CONTEXT": "lax"}).endpoint
    assert endpoint.scheme == "https"
    assert endpoint.tls is not None and endpoint.tls.verify is False


def test_context_without_tls_stays_plain(tmp_path: Path) -> None:
    write_context(tmp_path / ".docker", "plain", "tcp://plain:2375")
    endpoint = resolve(env={"HOME": str(tmp_path), "DOCKER_CONTEXT": "plain"}).endpoint
    assert (endpoint.scheme, endpoint.tls) == ("http", None)


def test_missing_context_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="context 'ghost' not found"):
        resolve(env={"HOME": str(tmp_path), "DOCKER_CONTEXT": "ghost"})


def test_broken_config_json_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"config\.json"):
        resolve(env={"HOME": str(tmp_path)})


def test_tls_verify_uses_cert_path(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    for file in ("ca.pem", "cert.pem", "key.pem"):
        (certs / file).write_text("pem")
    env = {
        "HOME": str(tmp_path),
        "DOCKER_HOST": "tcp://secure:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs),
    }
    endpoint = resolve(env=env).endpoint
    assert endpoint.base_url == "https://secure:2376"
    assert endpoint.tls == TLSConfig(
        ca_cert=str(certs / "ca.pem"),
        client_cert=str(certs / "cert.pem"),
        client_key=str(certs / "key.pem"),
    )


def test_cert_path_defaults_to_the_config_dir(tmp_path: Path) -> None:
    docker_dir = tmp_path / ".docker"
    docker_dir.mkdir()
    (docker_dir / "ca.pem").write_text("pem")
    env = {"HOME": str(tmp_path), "DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"}
    tls = resolve(env=env).endpoint.tls
    assert tls == TLSConfig(ca_cert=str(docker_dir / "ca.pem"))


def test_empty_tls_verify_means_off(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "DOCKER_HOST": "tcp://h:2375", "DOCKER_TLS_VERIFY": ""}
    assert resolve(env=env).endpoint.scheme == "http"


def test_api_version_from_argument_then_environment(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "DOCKER_API_VERSION": "1.43"}
    assert resolve(env=env).api_version == "1.43"
    assert resolve(version="1.44", env=env).api_version == "1.44"
    assert resolve(env={**env, "DOCKER_API_VERSION": "auto"}).api_version is None
