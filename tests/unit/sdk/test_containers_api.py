"""The containers area of the SDK against canned dockerd answers (``responses``)."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any, cast

import pytest
import responses

import dockersdk
from dockersdk.api.containers import ContainersAPI, update_body
from dockersdk.errors import APIError, ContainerError, ContainerNotFound, NotFound
from dockersdk.params import InvalidArgument, UnexpectedArgument
from dockersdk.streams import STDERR, STDOUT, frame

BASE = "http://127.0.0.1:2375/v1.41"
CID = "c0ffee" * 10 + "abcd"
IMAGE_ID = "sha256:" + "ab" * 32


@pytest.fixture
def client() -> Iterator[dockersdk.DockerClient]:
    with dockersdk.DockerClient(base_url="tcp://127.0.0.1:2375", version="1.41") as c:
        yield c


def inspect_body(tty: bool = False, status: str = "running") -> dict[str, Any]:
    return {
        "Id": CID,
        "Name": "/web",
        "Image": IMAGE_ID,
        "State": {"Status": status, "Running": status == "running", "ExitCode": 0},
        "Config": {"Tty": tty, "Labels": {"app": "web"}},
        "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}},
    }


class SmallReads(io.RawIOBase):
    """A body that arrives ``size`` bytes at a time, cutting frames anywhere."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size = data, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        piece, self._data = self._data[: self._size], self._data[self._size :]
        buffer[: len(piece)] = piece
        return len(piece)


# -- create / run ------------------------------------------------------------------------


@responses.activate
def test_create_sends_body_from_kwargs_and_name(client: dockersdk.DockerClient) -> None:
    responses.post(f"{BASE}/containers/create", json={"Id": CID, "Warnings": []})
    responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body(status="created"))
    container = client.containers.create(
        "busybox", "sh -c 'echo hi'", name="web", environment={"A": "1"},
        mem_limit="64m", ports={"80/tcp": 8080}, labels={"app": "web"},
    )  # fmt: skip
    assert container.id == CID and container.name == "web" and container.status == "created"
    request = responses.calls[0].request
    assert request.params == {"name": "web"}
    body = json.loads(request.body or b"")
    assert body["Image"] == "busybox" and body["Cmd"] == ["sh", "-c", "echo hi"]
    assert body["Env"] == ["A=1"] and body["Labels"] == {"app": "web"}
    assert body["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert body["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}


def test_create_rejects_unknown_argument(client: dockersdk.DockerClient) -> None:
    with pytest.raises(UnexpectedArgument, match="'bogus'"):
        client.containers.create("busybox", bogus=1)


@responses.activate
def test_run_pulls_a_missing_image_then_creates_again(client: dockersdk.DockerClient) -> None:
    missing = {"message": "No such image: busybox:latest"}
    create = responses.post(f"{BASE}/containers/create", status=404, json=missing)
    create_again = responses.post(f"{BASE}/containers/create", json={"Id": CID})
    pull = responses.post(
        f"{BASE}/images/create", body=b'{"status":"Pulling from library/busybox"}\n'
    )
    responses.get(f"{BASE}/images/busybox%3Alatest/json", json={"Id": IMAGE_ID})
    responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body(status="created"))
    start = responses.post(f"{BASE}/containers/{CID}/start", status=204)
    container = client.containers.run("busybox", ["sleep", "9"], detach=True)
    assert container.id == CID
    assert create.call_count == 1 and create_again.call_count == 1 and start.call_count == 1
    assert pull.calls[0].request.params == {"fromImage": "busybox", "tag": "latest"}


class FakeConnection:
    """Stands for the hijacked attach connection (responses cannot upgrade)."""

    def __init__(self, frames: list[tuple[int, bytes]]) -> None:
        self._frames = frames
        self.closed = False

    def frames(self, tty: bool | None = None) -> Iterator[tuple[int, bytes]]:
        yield from self._frames

    def close(self) -> None:
        self.closed = True


def _run_setup(monkeypatch: pytest.MonkeyPatch, exit_code: int) -> FakeConnection:
    responses.post(f"{BASE}/containers/create", json={"Id": CID})
    responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body(status="created"))
    responses.post(f"{BASE}/containers/{CID}/wait", json={"StatusCode": exit_code, "Error": None})
    responses.post(f"{BASE}/containers/{CID}/start", status=204)
    connection = FakeConnection([(STDOUT, b"out\n"), (STDERR, b"boom\n"), (STDOUT, b"more\n")])
    monkeypatch.setattr(ContainersAPI, "attach", lambda self, *a, **k: connection)
    return connection


def _create_body() -> dict[str, Any]:
    create = next(c for c in responses.calls if str(c.request.url).endswith("/containers/create"))
    return cast(dict[str, Any], json.loads(create.request.body or b""))


def _call_urls() -> list[str]:
    return [f"{call.request.method} {call.request.url}" for call in responses.calls]


@responses.activate
def test_run_returns_stdout_and_lets_the_daemon_remove(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = _run_setup(monkeypatch, 0)
    assert client.containers.run("busybox", ["x"], remove=True) == b"out\nmore\n"
    assert connection.closed
    # As `docker run --rm`: AutoRemove, and a wait that ends once the container is gone.
    assert _create_body()["HostConfig"]["AutoRemove"] is True
    urls = _call_urls()
    assert not any(url.startswith("DELETE") for url in urls)
    wait_index = next(i for i, url in enumerate(urls) if url.endswith("/wait?condition=removed"))
    start_index = next(i for i, url in enumerate(urls) if url.endswith("/start"))
    assert wait_index < start_index  # registered before start: the exit cannot be missed


@responses.activate
def test_run_without_remove_waits_for_the_next_exit_and_keeps_the_container(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_setup(monkeypatch, 0)
    assert client.containers.run("busybox", ["x"]) == b"out\nmore\n"
    assert "AutoRemove" not in _create_body().get("HostConfig", {})
    urls = _call_urls()
    assert any(url.endswith("/wait?condition=next-exit") for url in urls)
    assert not any(url.startswith("DELETE") for url in urls)


@responses.activate
def test_run_with_a_restart_policy_removes_the_container_itself(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dockerd refuses AutoRemove together with a restart policy.
    _run_setup(monkeypatch, 0)
    delete = responses.delete(f"{BASE}/containers/{CID}", status=204)
    policy = {"Name": "on-failure", "MaximumRetryCount": 1}
    assert client.containers.run("busybox", ["x"], remove=True, restart_policy=policy) == (
        b"out\nmore\n"
    )
    assert "AutoRemove" not in _create_body()["HostConfig"]
    assert delete.call_count == 1


@responses.activate
def test_run_removes_a_container_whose_start_failed(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses.post(f"{BASE}/containers/create", json={"Id": CID})
    responses.post(f"{BASE}/containers/{CID}/wait", json={"StatusCode": 128, "Error": None})
    message = "unable to find user nosuch: no matching entries in passwd file"
    responses.post(f"{BASE}/containers/{CID}/start", status=500, json={"message": message})
    delete = responses.delete(f"{BASE}/containers/{CID}", status=204)
    connection = FakeConnection([])
    monkeypatch.setattr(ContainersAPI, "attach", lambda self, *a, **k: connection)
    with pytest.raises(APIError, match="unable to find user nosuch"):
        client.containers.run("busybox", ["id"], remove=True, user="nosuch")
    assert delete.call_count == 1 and delete.calls[0].request.params == {"force": "1"}
    assert connection.closed


@responses.activate
def test_run_non_zero_exit_raises_container_error_and_still_removes(
    client: dockersdk.DockerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_setup(monkeypatch, 2)
    with pytest.raises(ContainerError) as caught:
        client.containers.run("busybox", ["false"], remove=True)
    error = caught.value
    assert (error.container, error.exit_status, error.image) == (CID, 2, "busybox")
    assert error.command == ["false"] and error.stderr == b"boom\n"
    assert "returned non-zero exit status 2" in str(error)
    # Removed by the daemon: the wait asked for removal before it answered.
    assert _create_body()["HostConfig"]["AutoRemove"] is True
    assert any(url.endswith("/wait?condition=removed") for url in _call_urls())


# -- list: no inspect per container ---------------------------------------------------------


@responses.activate
def test_list_builds_containers_without_inspecting(client: dockersdk.DockerClient) -> None:
    summaries = [
        {"Id": CID, "Names": ["/web"], "State": "running", "Labels": {"app": "web"},
         "ImageID": IMAGE_ID},
        {"Id": "f" * 64, "Names": ["/db", "/web/db"], "State": "exited", "Labels": {}},
    ]  # fmt: skip
    listing = responses.get(f"{BASE}/containers/json", json=summaries)
    inspect = responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body())
    found = client.containers.list(all=True, filters={"label": "app"}, since="abc", limit=5)
    assert [(c.name, c.status, c.labels) for c in found] == [
        ("web", "running", {"app": "web"}),
        ("db", "exited", {}),
    ]
    assert found[0].short_id == CID[:12]
    assert len(responses.calls) == 1 and listing.call_count == 1
    params = listing.calls[0].request.params
    assert params["all"] == "1" and params["limit"] == "5"
    assert json.loads(params["filters"]) == {"label": ["app"], "since": ["abc"]}
    # A field the summary lacks inspects once, then is cached.
    assert found[0].ports == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}
    assert found[0].attrs["Config"]["Tty"] is False
    assert inspect.call_count == 1


# -- query encodings -------------------------------------------------------------------------


@responses.activate
def test_lifecycle_query_parameters(client: dockersdk.DockerClient) -> None:
    api = client.containers.api
    stop = responses.post(f"{BASE}/containers/web/stop", status=204)
    kill = responses.post(f"{BASE}/containers/web/kill", status=204)
    delete = responses.delete(f"{BASE}/containers/web", status=204)
    rename = responses.post(f"{BASE}/containers/web/rename", status=204)
    top = responses.get(
        f"{BASE}/containers/web/top", json={"Titles": ["PID"], "Processes": [["1"]]}
    )
    api.stop("web", timeout=3, signal="SIGINT")
    api.kill("web", signal="SIGHUP")
    api.remove("web", force=True, volumes=True)
    api.rename("web", "web2")
    assert api.top("web", ps_args="aux").processes == [["1"]]
    assert stop.calls[0].request.params == {"t": "3", "signal": "SIGINT"}
    assert kill.calls[0].request.params == {"signal": "SIGHUP"}
    assert delete.calls[0].request.params == {"force": "1", "v": "1"}
    assert rename.calls[0].request.params == {"name": "web2"}
    assert top.calls[0].request.params == {"ps_args": "aux"}


@responses.activate
def test_logs_query_and_demux_on_split_frames(client: dockersdk.DockerClient) -> None:
    body = frame(STDOUT, b"hello ") + frame(STDERR, b"warn\n") + frame(STDOUT, b"world\n")
    logs = responses.get(
        f"{BASE}/containers/web/logs",
        body=io.BufferedReader(SmallReads(body, 3), buffer_size=3),
        content_type="application/vnd.docker.multiplexed-stream",
        stream=True,
    )
    frames = client.containers.api.logs(
        "web", demux=True, tail=10, since=1700000000, until=1700000060.5, timestamps=True
    )
    with frames:
        assert list(frames) == [(STDOUT, b"hello "), (STDERR, b"warn\n"), (STDOUT, b"world\n")]
    assert logs.calls[0].request.params == {
        "stdout": "1", "stderr": "1", "timestamps": "1", "tail": "10",
        "since": "1700000000.000000000", "until": "1700000060.500000000",
    }  # fmt: skip
    assert len(responses.calls) == 1  # the Content-Type said it: no inspect


@responses.activate
def test_logs_without_content_type_asks_inspect_for_tty(client: dockersdk.DockerClient) -> None:
    # API 1.41 sends no Content-Type: a TTY container's raw bytes must not be
    # parsed as frames.
    responses.get(f"{BASE}/containers/web/logs", body=b"raw tty output\r\n", stream=True)
    responses.get(f"{BASE}/containers/web/json", json=inspect_body(tty=True))
    with client.containers.api.logs("web") as chunks:
        assert b"".join(chunks) == b"raw tty output\r\n"


@responses.activate
def test_container_logs_bytes_follow_default(client: dockersdk.DockerClient) -> None:
    responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body())
    logs = responses.get(f"{BASE}/containers/{CID}/logs", body=frame(STDOUT, b"hi\n"), stream=True)
    container = client.containers.get(CID)
    assert container.logs(stderr=False) == b"hi\n"
    assert logs.calls[0].request.params == {"stdout": "1", "stderr": "0", "tail": "all"}
    # An inspected container's TTY is known: still one inspect in all.
    assert len(responses.calls) == 2


def test_logs_since_rejects_garbage(client: dockersdk.DockerClient) -> None:
    with pytest.raises(InvalidArgument):
        client.containers.api.logs("web", since="yesterday-ish")


# -- errors ----------------------------------------------------------------------------------


@responses.activate
def test_404_is_container_not_found(client: dockersdk.DockerClient) -> None:
    missing = {"message": "No such container: nope"}
    responses.get(f"{BASE}/containers/nope/json", status=404, json=missing)
    responses.post(f"{BASE}/containers/nope/start", status=404, json=missing)
    with pytest.raises(ContainerNotFound, match="No such container: nope"):
        client.containers.get("nope")
    with pytest.raises(ContainerNotFound):
        client.containers.api.start("nope")


@responses.activate
def test_archive_info_404_tells_path_from_container(client: dockersdk.DockerClient) -> None:
    responses.head(f"{BASE}/containers/web/archive", status=404)
    responses.get(f"{BASE}/containers/web/json", json=inspect_body())
    responses.head(f"{BASE}/containers/gone/archive", status=404)
    responses.get(f"{BASE}/containers/gone/json", status=404,
                  json={"message": "No such container: gone"})  # fmt: skip
    with pytest.raises(NotFound) as caught:
        client.containers.api.archive_info("web", "/nope")
    assert not isinstance(caught.value, ContainerNotFound)
    assert "/nope" in caught.value.message
    with pytest.raises(ContainerNotFound):
        client.containers.api.archive_info("gone", "/etc")


# -- archive, wait, update, stats ------------------------------------------------------------


@responses.activate
def test_get_archive_decodes_path_stat(client: dockersdk.DockerClient) -> None:
    stat = {"name": "etc", "size": 4096, "mode": 2147484141, "mtime": "2024-01-01T00:00:00Z",
            "linkTarget": ""}  # fmt: skip
    header = base64.b64encode(json.dumps(stat).encode()).decode()
    archive = responses.get(
        f"{BASE}/containers/web/archive", body=b"tar-bytes", stream=True,
        headers={"X-Docker-Container-Path-Stat": header},
    )  # fmt: skip
    chunks, path_stat = client.containers.api.get_archive("web", "/etc")
    with chunks:
        assert b"".join(chunks) == b"tar-bytes"
    assert path_stat.is_dir and path_stat.permissions == 0o755 and path_stat.size == 4096
    assert archive.calls[0].request.params == {"path": "/etc"}


@responses.activate
def test_put_archive_sends_tar(client: dockersdk.DockerClient) -> None:
    put = responses.put(f"{BASE}/containers/web/archive", status=200)
    client.containers.api.put_archive("web", "/tmp", b"TAR", no_overwrite_dir_non_dir=True)
    request = put.calls[0].request
    assert request.body == b"TAR" and request.headers["Content-Type"] == "application/x-tar"
    assert request.params == {"path": "/tmp", "noOverwriteDirNonDir": "1"}


@responses.activate
def test_wait_is_typed_low_and_dict_high(client: dockersdk.DockerClient) -> None:
    responses.get(f"{BASE}/containers/{CID}/json", json=inspect_body())
    wait = responses.post(
        f"{BASE}/containers/{CID}/wait",
        json={"StatusCode": 1, "Error": {"Message": "oom"}},
    )
    typed = client.containers.api.wait(CID, condition="next-exit")
    assert typed.status_code == 1 and typed.error is not None and typed.error.message == "oom"
    container = client.containers.get(CID)
    assert container.wait() == {"StatusCode": 1, "Error": {"Message": "oom"}}
    assert wait.calls[0].request.params == {"condition": "next-exit"}


def test_update_body_converts_readable_resources() -> None:
    body = update_body(mem_limit="1g", cpus=1.5, restart_policy={"Name": "always"},
                       cpu_rt_period=1000)  # fmt: skip
    assert body == {
        "Memory": 1024**3,
        "NanoCpus": 1_500_000_000,
        "RestartPolicy": {"Name": "always"},
        "CpuRealtimePeriod": 1000,
    }
    with pytest.raises(UnexpectedArgument, match="Privileged"):
        update_body(privileged=True)
    with pytest.raises(UnexpectedArgument, match="'nonsense'"):
        update_body(nonsense=1)


@responses.activate
def test_stats_one_shot_query(client: dockersdk.DockerClient) -> None:
    stats = responses.get(
        f"{BASE}/containers/web/stats", json={"memory_stats": {"usage": 10}, "name": "/web"}
    )
    sample = client.containers.api.stats("web", one_shot=True)
    assert sample.memory_stats is not None and sample.memory_stats.usage == 10
    assert stats.calls[0].request.params == {"stream": "0", "one-shot": "1"}
