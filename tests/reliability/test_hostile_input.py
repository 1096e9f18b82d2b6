"""Hostile input: archives that try to escape, malformed requests, huge requests, secrets.

Every refusal must be a 4xx with the engine's message (never a 500, never a
crash), and a refused archive must change nothing.  What dockerd accepts (it
extracts inside the container's root, as root) the mock accepts too: absolute
member names land under the destination, symlinks to absolute paths resolve
inside the container, and device nodes are created; those are checked to stay
inside the container, not to be refused.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import logging
import socket
import tarfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
import requests_unixsocket

import dockersdk
from dockersdk.params.errors import InvalidArgument
from mockd.daemon import MockDaemon

# -- tar building --------------------------------------------------------------


def tar(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def huge_declared_size() -> bytes:
    """A header that promises 64 GiB, followed by a few bytes: a tar bomb that is not."""
    info = tarfile.TarInfo("bomb")
    info.size = 64 << 30
    return info.tobuf(format=tarfile.GNU_FORMAT) + b"x" * 1024


ESCAPING = {
    "dotdot": tar(file("../escape")),
    "dotdot-deep": tar(file("a/../../escape")),
    "symlink-relative-out": tar(link("lnk", "../../../../../etc"), file("lnk/evil")),
    "hardlink-out": tar(link("hl", "../../etc/passwd", tarfile.LNKTYPE)),
    "huge-declared-size": huge_declared_size(),
    "not-a-tar": b"garbage" * 100,
}


# -- a daemon with a container -------------------------------------------------


class Mock:
    def __init__(self, daemon: MockDaemon) -> None:
        assert daemon.socket_path is not None
        self.daemon = daemon
        self.base = "http+unix://" + quote(daemon.socket_path, safe="")
        self.session = requests_unixsocket.Session()

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        reply: requests.Response = self.session.request(method, self.base + path, **kwargs)
        return reply


@pytest.fixture
def mock() -> Iterator[Mock]:
    with MockDaemon(validate_responses=True, max_body_size=4 << 20) as daemon:
        m = Mock(daemon)
        assert m.api("POST", "/images/create?fromImage=busybox&tag=latest").status_code == 200
        created = m.api(
            "POST",
            "/containers/create?name=target",
            json={"Image": "busybox:latest", "Cmd": ["sleep", "999"]},
        )
        assert created.status_code == 201, created.text
        yield m
        assert daemon.response_violations == []
        # Whatever was thrown at it, the daemon still answers.
        assert m.api("GET", "/_ping").text == "OK"


def fs_state(m: Mock) -> tuple[str, int, int]:
    """What a refused archive must not change: the diff, and two paths it aims at."""
    changes = m.api("GET", "/containers/target/changes").text
    evil = m.api("HEAD", "/containers/target/archive?path=/etc/evil").status_code
    escape = m.api("HEAD", "/containers/target/archive?path=/escape").status_code
    return changes, evil, escape


@pytest.mark.parametrize("case", sorted(ESCAPING))
def test_escaping_archive_into_a_container_is_a_400_and_changes_nothing(
    mock: Mock, case: str
) -> None:
    before = fs_state(mock)
    reply = mock.api(
        "PUT",
        "/containers/target/archive?path=/tmp",
        data=ESCAPING[case],
        headers={"Content-Type": "application/x-tar"},
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["message"]
    assert fs_state(mock) == before


def test_archive_names_and_links_stay_inside_the_container(mock: Mock) -> None:
    # As dockerd: an absolute name is relative to the destination, and a symlink to an
    # absolute path points inside the container (dockerd extracts in a chroot).
    body = tar(file("/etc/evil-abs"), link("lnk", "/etc"), file("lnk/through-link"))
    reply = mock.api("PUT", "/containers/target/archive?path=/tmp", data=body)
    assert reply.status_code == 200, reply.text

    def found(path: str) -> int:
        return mock.api("HEAD", f"/containers/target/archive?path={path}").status_code

    assert found("/tmp/etc/evil-abs") == 200
    assert found("/etc/evil-abs") == 404
    assert found("/etc/through-link") == 200  # the container's own /etc, nothing else


@pytest.mark.parametrize("case", sorted(ESCAPING))
def test_escaping_archive_as_image_load_or_import_is_a_400_and_changes_nothing(
    mock: Mock, case: str
) -> None:
    before = mock.api("GET", "/images/json?all=1").json()
    loaded = mock.api("POST", "/images/load?quiet=1", data=ESCAPING[case])
    imported = mock.api("POST", "/images/create?fromSrc=-&repo=hostile", data=ESCAPING[case])
    # dockerd answers a bad load with 200 and an error message in the stream; the mock
    # refuses it up front.  Either way: an error, and no image.
    for reply in (loaded, imported):
        assert reply.status_code < 500, reply.text
        if reply.status_code == 200:
            assert b'"error"' in reply.content
    assert mock.api("GET", "/images/json?all=1").json() == before


def test_truncated_compressed_archive_is_not_a_500(mock: Mock) -> None:
    truncated = gzip.compress(tar(file("a", b"a" * 10000)))[:40]
    reply = mock.api("POST", "/images/load?quiet=1", data=truncated)
    assert reply.status_code < 500, reply.text


# -- malformed requests --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "message_part"),
    [
        ("POST", "/containers/create", b"{", "application/json", "unexpected EOF"),
        ("POST", "/containers/create", b"[1,2]", "application/json", "cannot unmarshal"),
        ("POST", "/containers/create", b'{"Image": 5}', "application/json", "cannot unmarshal"),
        ("POST", "/containers/create", b'{"Image":"busybox"}', "text/plain", "Content-Type"),
        ("POST", "/volumes/create", b'{"Name": ["a"]}', "application/json", "cannot unmarshal"),
        ("POST", "/volumes/create", b'{"Name": "bad/name"}', "application/json", "bad/name"),
        ("POST", "/networks/create", b'{"Name": 1}', "application/json", "cannot unmarshal"),
        ("POST", "/containers/create?name=a/b", b'{"Image":"busybox"}', "application/json", "name"),
        ("POST", "/containers/target/kill?signal=SIGBOGUS", b"", "", "signal"),
        ("POST", "/containers/target/restart?t=abc", b"", "", "invalid syntax"),
        ("GET", "/containers/json?filters={notjson", b"", "", "invalid"),
        ("GET", "/containers/json?filters=" + quote('{"status":["bogus"]}'), b"", "", "status"),
        ("GET", "/images/json?filters=" + quote('{"nope":["x"]}'), b"", "", "nope"),
        ("GET", "/images/" + quote("UPPER:case", safe="") + "/json", b"", "", ""),
        ("POST", "/images/busybox/tag?repo=" + quote("bad repo!"), b"", "", ""),
        ("GET", "/events?since=yesterday", b"", "", "invalid syntax"),
        (
            "POST",
            "/containers/create",
            b'{"Image":"busybox","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}',
            "application/json",
            "restart policy",
        ),
    ],
)
def test_malformed_requests_are_4xx_with_a_message(
    mock: Mock, method: str, path: str, body: bytes, content_type: str, message_part: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = mock.api(method, path, data=body, headers=headers)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text)
    message = reply.json()["message"]
    assert message_part.lower() in message.lower(), message


def test_sdk_refuses_bad_sizes_and_durations_before_sending(mock: Mock) -> None:
    client = dockersdk.DockerClient(base_url=mock.daemon.docker_host)
    sent: list[str] = []
    original = client.transport.request

    def spy(method: str, path: str, **kwargs: Any) -> Any:
        sent.append(f"{method} {path}")
        return original(method, path, **kwargs)

    client.transport.request = spy  # type: ignore[method-assign]
    with pytest.raises(InvalidArgument, match="512q"):
        client.containers.create("busybox", "true", mem_limit="512q")
    with pytest.raises(InvalidArgument):
        client.containers.create(
            "busybox", "true", healthcheck={"test": ["CMD", "true"], "interval": "soon"}
        )
    assert not [call for call in sent if "create" in call]
    client.close()


# -- huge requests -------------------------------------------------------------


def _raw(m: Mock, data: bytes) -> bytes:
    """Send raw bytes on a fresh connection; everything the daemon answers until it closes."""
    assert m.daemon.socket_path is not None
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(20)
        sock.connect(m.daemon.socket_path)
        try:
            sock.sendall(data)
        except OSError:
            pass  # the daemon may hang up before reading it all
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_huge_headers_are_refused_and_the_connection_closed(mock: Mock) -> None:
    big = b"X-Padding: " + b"a" * (2 << 20) + b"\r\n"
    answer = _raw(mock, b"GET /_ping HTTP/1.1\r\nHost: d\r\n" + big + b"\r\n")
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0
    assert status in (400, 431), answer[:200]
    # _raw returned, so the daemon closed the connection; and it still serves others.
    assert mock.api("GET", "/_ping").text == "OK"


def test_huge_body_is_a_413_with_the_configured_limit(mock: Mock) -> None:
    reply = mock.api(
        "POST",
        "/images/load",
        data=b"\0" * (5 << 20),
        headers={"Content-Type": "application/x-tar"},
    )
    assert reply.status_code == 413
    assert "too large" in reply.json()["message"]
    # Declared too large up front: refused before the body is read.
    answer = _raw(
        mock,
        b"POST /images/load HTTP/1.1\r\nHost: d\r\nContent-Length: 99999999999\r\n\r\nxx",
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert mock.api("GET", "/_ping").text == "OK"


def test_garbage_on_the_wire_is_a_400(mock: Mock) -> None:
    answer = _raw(mock, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    assert mock.api("GET", "/_ping").text == "OK"


# -- secrets stay secret -------------------------------------------------------

SECRET = "s3cr3t-Pa55w0rd"


def test_registry_credentials_never_show(
    mock: Mock, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    from dockersdk.auth import AuthConfig

    auth = AuthConfig(username="someone", password=SECRET, serveraddress="127.0.0.1:1")
    assert SECRET not in repr(auth) and SECRET not in str(auth)
    header = base64.urlsafe_b64encode(
        json.dumps({"username": "someone", "password": SECRET}).encode()
    ).decode()
    client = dockersdk.DockerClient(base_url=mock.daemon.docker_host)
    with caplog.at_level(logging.DEBUG):
        # A pull from a registry nobody listens on (loopback, port 1): it fails,
        # and neither the error, nor the logs, nor the stream may carry the password.
        reply = mock.api(
            "POST",
            "/images/create?fromImage=127.0.0.1:1/x&tag=latest",
            headers={"X-Registry-Auth": header},
        )
        error: Exception | None = None
        try:
            client.images.pull("127.0.0.1:1/x", tag="latest", auth_config=auth)
        except Exception as exc:
            error = exc
    assert SECRET not in reply.text
    assert error is not None and SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in caplog.text
    assert header not in caplog.text
    assert SECRET not in repr(client)
    # The daemon's request record (MockDaemon.requests) redacts the header.
    recorded = mock.daemon.requests.of("ImageCreate")
    assert recorded, "the pulls were recorded"
    assert SECRET not in repr(recorded) and header not in repr(recorded)
    client.close()


def test_config_json_credentials_never_show(
    mock: Mock, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    token = base64.b64encode(f"someone:{SECRET}".encode()).decode()
    (config_dir / "config.json").write_text(json.dumps({"auths": {"127.0.0.1:1": {"auth": token}}}))
    env = {"DOCKER_HOST": mock.daemon.docker_host, "DOCKER_CONFIG": str(config_dir)}
    with caplog.at_level(logging.DEBUG):
        client = dockersdk.DockerClient.from_env(environment=env)
        try:
            client.images.pull("127.0.0.1:1/x", tag="latest")
        except Exception as exc:
            assert SECRET not in str(exc) and token not in str(exc)
    assert SECRET not in caplog.text and token not in caplog.text
    assert SECRET not in repr(client) and token not in repr(client)
    client.close()


def test_tls_key_paths_and_material_stay_out_of_reprs(tmp_path: Any) -> None:
    import trustme

    from dockersdk.config import TLSConfig

    ca = trustme.CA()
    cert = ca.issue_cert("client")
    key_pem = cert.private_key_pem.bytes().decode()
    key_path = tmp_path / "key.pem"
    key_path.write_text(key_pem)
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    tls = TLSConfig(
        ca_cert=str(tmp_path / "ca.pem"),
        client_cert=str(tmp_path / "cert.pem"),
        client_key=str(key_path),
    )
    client = dockersdk.DockerClient(base_url="tcp://127.0.0.1:1", tls=tls, timeout=2)
    body = key_pem.splitlines()[1]
    for text in (repr(tls), repr(client), repr(client.transport)):
        assert body not in text
    with pytest.raises(dockersdk.errors.DockerError) as caught:
        client.ping()
    assert body not in str(caught.value)
    client.close()


def test_non_ascii_detach_keys_are_a_400(mock: Mock) -> None:
    reply = mock.api("POST", "/containers/target/attach?stream=1&stdout=1&detachKeys=" + quote("é"))
    assert reply.status_code == 400, reply.text
    assert "Invalid detach keys" in reply.json()["message"]
