"""Fault injection and the request record, through the SDK, docker-py and raw HTTP."""

from __future__ import annotations

import base64
import json
import socket
import time

import docker
import docker.errors
import pytest
import requests

import dockersdk
from mockd.daemon import MockDaemon
from mockd.faults import REDACTED

from .conftest import base_url


def test_fail_answers_instead_of_the_handler_then_disarms(
    daemon: MockDaemon, dockerpy: docker.DockerClient
) -> None:
    dockerpy.images.pull("busybox")
    container = dockerpy.containers.create("busybox", ["sleep", "100"])
    daemon.faults.fail("ContainerStart", status=500, message="boom", times=1)
    with pytest.raises(docker.errors.APIError) as caught:
        container.start()
    assert caught.value.status_code == 500
    assert "boom" in str(caught.value.explanation)
    container.reload()
    assert container.status == "created"  # the handler never ran
    container.start()  # times=1: the next start is served
    container.reload()
    assert container.status == "running"


def test_fail_through_our_sdk_raises_its_typed_error(daemon: MockDaemon) -> None:
    daemon.faults.fail("SystemInfo", status=503, message="daemon busy", times=None)
    with daemon.client() as client:
        for _ in range(2):  # times=None: every request
            with pytest.raises(dockersdk.errors.APIError) as caught:
                client.info()
            assert "daemon busy" in str(caught.value)
        assert client.ping()


def test_fail_matches_path_and_body(daemon: MockDaemon, dockerpy: docker.DockerClient) -> None:
    dockerpy.volumes.create("keep")
    daemon.faults.fail("VolumeCreate", status=409, message="no", match_body={"Name": "bad"})
    daemon.faults.fail("VolumeInspect", status=404, message="hidden", match_path="/secret")
    assert dockerpy.volumes.create("good").name == "good"
    with pytest.raises(docker.errors.APIError, match="no"):
        dockerpy.volumes.create("bad")
    dockerpy.volumes.create("secret")
    assert dockerpy.volumes.get("keep").name == "keep"
    with pytest.raises(docker.errors.NotFound, match="hidden"):
        dockerpy.volumes.get("secret")


def test_unknown_operation_ids_are_refused_with_close_matches(daemon: MockDaemon) -> None:
    with pytest.raises(ValueError, match="ContainerStart") as caught:
        daemon.faults.fail("ContainerStrat")
    assert "unknown operationId 'ContainerStrat'" in str(caught.value)
    with pytest.raises(ValueError):
        daemon.faults.delay("NoSuchThing", seconds=1)
    assert daemon.faults.armed == []


def test_delay_holds_the_reply(daemon: MockDaemon, http: requests.Session) -> None:
    daemon.faults.delay("ImageList", seconds=0.4)
    start = time.monotonic()
    reply = http.get(base_url(daemon) + "/v1.41/images/json", timeout=10)
    assert reply.status_code == 200
    assert time.monotonic() - start >= 0.4
    start = time.monotonic()
    assert http.get(base_url(daemon) + "/_ping", timeout=10).status_code == 200
    assert time.monotonic() - start < 0.4  # other operations are not delayed


def test_drop_connection_closes_without_an_answer(
    daemon: MockDaemon, http: requests.Session
) -> None:
    daemon.faults.drop_connection("SystemPing")
    with pytest.raises(requests.ConnectionError):
        http.get(base_url(daemon) + "/_ping", timeout=10)
    assert http.get(base_url(daemon) + "/_ping", timeout=10).text == "OK"
    dropped, served = daemon.requests.of("SystemPing")
    assert (dropped.status, dropped.fault) == (0, "drop_connection")
    assert (served.status, served.fault) == (200, None)


def _raw_get(daemon: MockDaemon, path: str) -> bytes:
    """Send one request on a unix socket and read until the server closes it."""
    assert daemon.socket_path is not None
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(daemon.socket_path)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: d\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_cut_stream_sends_part_of_a_stream_then_closes(
    daemon: MockDaemon, dockerpy: docker.DockerClient
) -> None:
    dockerpy.images.pull("busybox")
    container = dockerpy.containers.run("busybox", ["sh", "-c", "seq 1 200"], detach=True)
    container.wait()
    daemon.faults.cut_stream("ContainerLogs", after_bytes=100)
    raw = _raw_get(daemon, f"/v1.41/containers/{container.id}/logs?stdout=1")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"200 OK" in head and b"chunked" in head.lower()
    assert not body.endswith(b"0\r\n\r\n")  # never terminated
    framed = b"".join(body.split(b"\r\n")[1::2])  # the chunks' data
    assert len(framed) == 100
    full = container.logs()  # the fault hit once: the next read is whole
    assert full.decode().split() == [str(i) for i in range(1, 201)]


def test_cut_stream_on_a_whole_reply_gives_a_short_read(
    daemon: MockDaemon, http: requests.Session
) -> None:
    daemon.faults.cut_stream("SystemVersion", after_bytes=10)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(base_url(daemon) + "/version", timeout=10)
    assert http.get(base_url(daemon) + "/version", timeout=10).json()["ApiVersion"]


def test_record_keeps_every_request_with_credentials_redacted(
    daemon: MockDaemon, http: requests.Session
) -> None:
    auth = base64.b64encode(json.dumps({"username": "u", "password": "hunter2"}).encode())
    http.post(
        base_url(daemon) + "/v1.41/images/create?fromImage=busybox&tag=latest",
        headers={"X-Registry-Auth": auth.decode(), "Authorization": "Bearer tok"},
        timeout=30,
    )
    http.post(
        base_url(daemon) + "/v1.41/auth",
        json={"username": "u", "password": "hunter2", "serveraddress": "r.example"},
        timeout=30,
    )
    http.get(base_url(daemon) + "/v1.41/containers/json?all=1", timeout=30)
    http.get(base_url(daemon) + "/nope", timeout=30)  # not routed: not recorded

    assert daemon.requests.operation_ids() == ["ImageCreate", "SystemAuth", "ContainerList"]
    pull = daemon.requests.last("ImageCreate")
    assert pull.method == "POST" and pull.path == "/v1.41/images/create"
    assert pull.query == {"fromImage": ["busybox"], "tag": ["latest"]}
    assert pull.status == 200
    assert pull.headers["x-registry-auth"] == REDACTED
    assert pull.headers["authorization"] == REDACTED
    login = daemon.requests.last("SystemAuth")
    assert login.body == {"username": "u", "password": REDACTED, "serveraddress": "r.example"}
    assert "hunter2" not in repr(daemon.requests.all())
    assert daemon.requests.count("ContainerList") == 1
    assert daemon.requests.last().query == {"all": ["1"]}


def test_record_of_a_failed_request_and_the_sdk_view(daemon: MockDaemon) -> None:
    daemon.faults.fail("VolumeList", status=500, message="x")
    with daemon.client() as client, pytest.raises(dockersdk.errors.APIError):
        client.volumes.list()
    record = daemon.requests.last("VolumeList")
    assert record.status == 500
    with pytest.raises(LookupError):
        daemon.requests.last("ContainerCreate")


def test_injected_replies_are_not_counted_as_schema_violations(http: requests.Session) -> None:
    with MockDaemon(validate_responses=True) as daemon:
        daemon.faults.fail("SystemPing", status=418, message="teapot")
        reply = http.get(base_url(daemon) + "/_ping", timeout=10)
        assert (reply.status_code, reply.json()) == (418, {"message": "teapot"})
        assert daemon.response_violations == []
