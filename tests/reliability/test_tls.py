"""TLS and access: only clients whose certificate chains to the CA get in.

Certificates come from trustme.  The daemon runs as ``MockDaemon(tls=...)``;
``mockd serve`` runs as a process for the socket take-over checks.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import trustme

import dockersdk
from dockersdk.errors import DaemonUnreachable, DockerError
from mockd.daemon import MockDaemon, TLSFiles

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class PKI:
    server: TLSFiles
    client_dir: Path  # ca.pem, cert.pem, key.pem: the DOCKER_CERT_PATH layout
    rogue_dir: Path  # a client certificate from another CA (with the right ca.pem)
    nocert_dir: Path  # only ca.pem


def _write_client_dir(path: Path, trusted: trustme.CA, issuer: trustme.CA) -> Path:
    path.mkdir()
    trusted.cert_pem.write_to_path(str(path / "ca.pem"))
    cert = issuer.issue_cert("client")
    cert.private_key_pem.write_to_path(str(path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(path / "cert.pem"))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    base = tmp_path_factory.mktemp("pki")
    ca, other_ca = trustme.CA(), trustme.CA()
    server_cert = ca.issue_cert("localhost", "127.0.0.1")
    server_cert.private_key_pem.write_to_path(str(base / "server-key.pem"))
    server_cert.cert_chain_pems[0].write_to_path(str(base / "server-cert.pem"))
    ca.cert_pem.write_to_path(str(base / "ca.pem"))
    nocert = base / "nocert"
    nocert.mkdir()
    ca.cert_pem.write_to_path(str(nocert / "ca.pem"))
    return PKI(
        server=TLSFiles(
            cert=str(base / "server-cert.pem"),
            key=str(base / "server-key.pem"),
            ca=str(base / "ca.pem"),
            verify_client=True,
        ),
        client_dir=_write_client_dir(base / "client", ca, ca),
        rogue_dir=_write_client_dir(base / "rogue", ca, other_ca),
        nocert_dir=nocert,
    )


@pytest.fixture(scope="module")
def tls_daemon(pki: PKI) -> Iterator[MockDaemon]:
    with MockDaemon(tcp="127.0.0.1:0", tls=pki.server) as daemon:
        yield daemon


def _port(daemon: MockDaemon) -> int:
    assert daemon.tcp_address is not None
    return daemon.tcp_address[1]


def _https_ping(port: int, cert_dir: Path, with_cert: bool) -> requests.Response:
    cert = (str(cert_dir / "cert.pem"), str(cert_dir / "key.pem")) if with_cert else None
    return requests.get(
        f"https://127.0.0.1:{port}/_ping", verify=str(cert_dir / "ca.pem"), cert=cert, timeout=10
    )


def test_plain_http_on_the_tls_port_is_refused(tls_daemon: MockDaemon) -> None:
    try:
        reply = requests.get(f"http://127.0.0.1:{_port(tls_daemon)}/_ping", timeout=10)
    except requests.ConnectionError:
        return
    assert reply.text != "OK" and reply.status_code >= 400


def test_a_client_without_a_certificate_is_refused(tls_daemon: MockDaemon, pki: PKI) -> None:
    with pytest.raises(requests.exceptions.RequestException):
        _https_ping(_port(tls_daemon), pki.nocert_dir, with_cert=False)


def test_a_client_signed_by_another_ca_is_refused(tls_daemon: MockDaemon, pki: PKI) -> None:
    with pytest.raises(requests.exceptions.RequestException):
        _https_ping(_port(tls_daemon), pki.rogue_dir, with_cert=True)
    # And through our SDK, with the same material from the environment.
    env = {
        "DOCKER_HOST": f"tcp://127.0.0.1:{_port(tls_daemon)}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(pki.rogue_dir),
    }
    with pytest.raises(DockerError):
        dockersdk.DockerClient.from_env(environment=env, timeout=10).ping()


def test_a_good_client_works_with_requests_and_our_sdk(tls_daemon: MockDaemon, pki: PKI) -> None:
    assert _https_ping(_port(tls_daemon), pki.client_dir, with_cert=True).text == "OK"
    env = {
        "DOCKER_HOST": f"tcp://127.0.0.1:{_port(tls_daemon)}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(pki.client_dir),
    }
    with dockersdk.DockerClient.from_env(environment=env, timeout=10) as client:
        assert client.ping() is True
        assert client.version().api_version == tls_daemon.engine.api_version
        assert client.info().id


def test_a_good_client_works_with_docker_py(
    tls_daemon: MockDaemon, pki: PKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import docker
    import docker.tls

    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's `verify`
    # (psf/requests#3829), and docker-py sets its CA that way; our SDK is not affected
    # (the test above runs with them set, as this machine has them).
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    tls = docker.tls.TLSConfig(
        client_cert=(str(pki.client_dir / "cert.pem"), str(pki.client_dir / "key.pem")),
        ca_cert=str(pki.client_dir / "ca.pem"),
        verify=True,
    )
    client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{_port(tls_daemon)}", tls=tls)
    try:
        assert client.ping() is True
        assert client.version()["ApiVersion"]
    finally:
        client.close()


@pytest.mark.cli
def test_a_good_client_works_with_the_docker_cli(
    tls_daemon: MockDaemon, pki: PKI, tmp_path: Path
) -> None:
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        pytest.skip("the docker CLI is not installed")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DOCKER_CONFIG": str(tmp_path / "config"),
        "DOCKER_HOST": f"tcp://127.0.0.1:{_port(tls_daemon)}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(pki.client_dir),
    }
    done = subprocess.run(
        [docker_cli, "version", "--format", "{{.Server.APIVersion}}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == tls_daemon.engine.api_version
    # The same CLI with the rogue certificate is turned away.
    env["DOCKER_CERT_PATH"] = str(pki.rogue_dir)
    refused = subprocess.run(
        [docker_cli, "version", "--format", "{{.Server.APIVersion}}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0


def test_the_sdk_refuses_a_server_signed_by_an_unknown_ca(
    tls_daemon: MockDaemon, tmp_path: Path
) -> None:
    stranger = trustme.CA()
    cert_dir = _write_client_dir(tmp_path / "stranger", stranger, stranger)
    env = {
        "DOCKER_HOST": f"tcp://127.0.0.1:{_port(tls_daemon)}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(cert_dir),
    }
    with pytest.raises(DaemonUnreachable) as caught:
        dockersdk.DockerClient.from_env(environment=env, timeout=10).ping()
    assert "certif" in str(caught.value).lower()


def test_the_sdk_refuses_a_server_certificate_for_another_name(pki: PKI, tmp_path: Path) -> None:
    ca = trustme.CA()
    wrong = ca.issue_cert("not-this-host.example")
    wrong.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    wrong.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    files = TLSFiles(cert=str(tmp_path / "cert.pem"), key=str(tmp_path / "key.pem"))
    client_dir = _write_client_dir(tmp_path / "client", ca, ca)
    with MockDaemon(tcp="127.0.0.1:0", tls=files) as daemon:
        env = {
            "DOCKER_HOST": f"tcp://127.0.0.1:{_port(daemon)}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(client_dir),
        }
        with pytest.raises(DaemonUnreachable) as caught:
            dockersdk.DockerClient.from_env(environment=env, timeout=10).ping()
        assert "certif" in str(caught.value).lower() or "hostname" in str(caught.value).lower()


def test_the_tls_listener_speaks_tls_1_2_or_newer_only(tls_daemon: MockDaemon, pki: PKI) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(str(pki.client_dir / "ca.pem"))
    context.load_cert_chain(str(pki.client_dir / "cert.pem"), str(pki.client_dir / "key.pem"))
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        context.minimum_version = ssl.TLSVersion.TLSv1
    except ValueError:
        pytest.skip("this OpenSSL cannot even offer TLS 1.1")
    with (
        socket.create_connection(("127.0.0.1", _port(tls_daemon)), timeout=10) as raw,
        pytest.raises((ssl.SSLError, OSError)),
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls_sock,
    ):
        tls_sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert not tls_sock.recv(100)


# -- the unix socket ---------------------------------------------------------


def test_the_unix_socket_is_0660_by_default_and_configurable(tmp_path: Path) -> None:
    with MockDaemon(socket_path=str(tmp_path / "a.sock")) as daemon:
        assert daemon.socket_path is not None
        assert stat.S_IMODE(os.stat(daemon.socket_path).st_mode) == 0o660
    with MockDaemon(socket_path=str(tmp_path / "b.sock"), socket_mode=0o600) as daemon:
        assert daemon.socket_path is not None
        assert stat.S_IMODE(os.stat(daemon.socket_path).st_mode) == 0o600


def _serve(socket_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", "serve", "--socket", str(socket_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_ping(socket_path: Path, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(str(socket_path))
                sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
                if sock.recv(4096).endswith(b"OK"):
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def test_a_live_daemons_socket_is_not_taken_over(tmp_path: Path) -> None:
    socket_path = tmp_path / "docker.sock"
    first = _serve(socket_path)
    try:
        assert _wait_for_ping(socket_path), "the first mockd serve did not come up"
        second = _serve(socket_path)
        try:
            _out, err = second.communicate(timeout=30)
        finally:
            if second.poll() is None:
                second.kill()
        assert second.returncode != 0
        assert "already listening" in err and str(socket_path) in err
        # The first daemon still owns its socket and answers.
        assert _wait_for_ping(socket_path, timeout=5)
    finally:
        first.terminate()
        first.communicate(timeout=30)
    # Stopping removed the socket it created.
    assert not socket_path.exists()
