"""The SDK's containers area on both backends, through the SDK only.

busybox on the real engine has no Cmd, so every container gets a command.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator

import pytest
from backends import Backend

import dockersdk
from dockersdk.errors import APIError, ContainerError, ContainerNotFound
from dockersdk.models import ContainerStatsResponse
from dockersdk.models.containers import Container, cpu_percent, memory_usage
from dockersdk.streams import Stream

IMAGE = "busybox:latest"
SLEEP = ["sh", "-c", "sleep 60"]


@pytest.fixture
def client(docker: Backend) -> Iterator[dockersdk.DockerClient]:
    yield docker.client()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def started(docker: Backend, client: dockersdk.DockerClient, **kwargs: object) -> Container:
    """A detached container running ``sleep 60`` (pulled on the mock by ``run``)."""
    container = client.containers.run(IMAGE, SLEEP, detach=True, **kwargs)
    docker.track("container", container.id)
    assert isinstance(container, Container)
    return container


def test_run_returns_output(docker: Backend, client: dockersdk.DockerClient) -> None:
    name = docker.track("container", unique("sdk-run"))
    output = client.containers.run(IMAGE, ["sh", "-c", "echo hi"], name=name)
    assert output == b"hi\n"
    # Not removed without remove=True: it exited with status 0.
    container = client.containers.get(name)
    assert container.status == "exited"
    assert container.inspect.state is not None and container.inspect.state.exit_code == 0


def test_run_stdout_and_stderr_selection(docker: Backend, client: dockersdk.DockerClient) -> None:
    script = ["sh", "-c", "echo out; echo err >&2"]
    only_err = client.containers.run(IMAGE, script, stdout=False, stderr=True, remove=True)
    assert only_err == b"err\n"
    both = client.containers.run(IMAGE, script, stderr=True, remove=True)
    assert sorted(both.splitlines()) == [b"err", b"out"]


def test_run_non_zero_exit_raises_and_removes(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", unique("sdk-fail"))
    command = ["sh", "-c", "echo oops >&2; exit 3"]
    with pytest.raises(ContainerError) as caught:
        client.containers.run(IMAGE, command, name=name, remove=True)
    assert caught.value.exit_status == 3
    assert caught.value.stderr == b"oops\n"
    assert caught.value.command == command and caught.value.image == IMAGE
    with pytest.raises(ContainerNotFound):
        client.containers.get(name)


def test_run_remove_is_gone_when_run_returns(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", unique("sdk-rm"))
    assert client.containers.run(IMAGE, ["echo", "hi"], name=name, remove=True) == b"hi\n"
    # No polling: the run waited for the removal itself.
    with pytest.raises(ContainerNotFound):
        client.containers.get(name)


def test_run_remove_cleans_up_a_container_that_cannot_start(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", unique("sdk-nostart"))
    with pytest.raises(APIError, match="unable to find user nosuch"):
        client.containers.run(IMAGE, ["id"], name=name, user="nosuch", remove=True)
    with pytest.raises(ContainerNotFound):
        client.containers.get(name)


def test_run_stream_yields_chunks(docker: Backend, client: dockersdk.DockerClient) -> None:
    output = client.containers.run(IMAGE, ["sh", "-c", "echo a; echo b"], stream=True, remove=True)
    assert b"".join(output) == b"a\nb\n"


def test_detach_logs_exec_wait(docker: Backend, client: dockersdk.DockerClient) -> None:
    container = client.containers.run(IMAGE, ["sh", "-c", "echo started; sleep 60"], detach=True)
    docker.track("container", container.id)
    container.reload()
    assert container.status == "running"
    result = container.exec_run(["sh", "-c", "echo in-exec; echo e >&2; exit 4"])
    assert result.exit_code == 4
    assert isinstance(result.output, bytes)
    assert sorted(result.output.splitlines()) == [b"e", b"in-exec"]
    split = container.exec_run(["sh", "-c", "echo o; echo e >&2"], demux=True)
    assert split.exit_code == 0 and split.output == (b"o\n", b"e\n")
    assert container.logs() == b"started\n"
    chunks = container.logs(stream=True, follow=False)
    assert isinstance(chunks, Stream)
    with chunks:
        assert b"".join(chunks) == b"started\n"
    container.kill()
    status = container.wait(timeout=30)
    assert status["StatusCode"] == 137 and status["Error"] is None


def test_stop_with_timeout_and_remove(docker: Backend, client: dockersdk.DockerClient) -> None:
    # sh as PID 1 ignores SIGTERM: stop falls back to SIGKILL after the timeout.
    container = started(docker, client)
    container.stop(timeout=1)
    container.reload()
    assert container.status == "exited"
    assert container.wait()["StatusCode"] == 137
    container.remove()
    with pytest.raises(ContainerNotFound):
        container.reload()


def test_list_by_label_builds_containers(docker: Backend, client: dockersdk.DockerClient) -> None:
    label = unique("sdk-label")
    mine = started(docker, client, labels={"sdk-test": label})
    other = started(docker, client, labels={"sdk-test": "other"})
    found = client.containers.list(filters={"label": f"sdk-test={label}"})
    assert found == [mine] and other not in found
    assert found[0].name == mine.name and found[0].labels == {"sdk-test": label}
    assert found[0].status == "running"
    assert found[0].attrs["Config"]["Labels"] == {"sdk-test": label}


def test_archive_round_trip(docker: Backend, client: dockersdk.DockerClient) -> None:
    container = started(docker, client)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        payload = b"hello archive\n"
        info = tarfile.TarInfo("greeting.txt")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    assert container.put_archive("/", buffer.getvalue()) is True
    chunks, stat = container.get_archive("/greeting.txt")
    with chunks:
        data = b"".join(chunks)
    assert stat.name == "greeting.txt" and stat.size == len(payload) and not stat.is_dir
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("greeting.txt")
        assert member is not None and member.read() == payload
    info_stat = client.containers.api.archive_info(container.id, "/etc")
    assert info_stat.is_dir and info_stat.name == "etc"
    exec_result = container.exec_run(["cat", "/greeting.txt"])
    assert exec_result.output == payload


def test_stats_one_shot_helpers(docker: Backend, client: dockersdk.DockerClient) -> None:
    container = started(docker, client)
    stats = container.stats()
    assert isinstance(stats, ContainerStatsResponse)
    assert cpu_percent(stats) >= 0.0
    assert memory_usage(stats) >= 0
    assert stats.memory_stats is not None and (stats.memory_stats.usage or 0) > 0


def test_missing_container_is_container_not_found(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    with pytest.raises(ContainerNotFound, match="No such container"):
        client.containers.get("sdk-missing-" + uuid.uuid4().hex[:8])
    with pytest.raises(ContainerNotFound):
        client.containers.api.stop("sdk-missing-" + uuid.uuid4().hex[:8])


def test_attach_socket_stdin_round_trip(docker: Backend, client: dockersdk.DockerClient) -> None:
    container = client.containers.run(IMAGE, ["cat"], detach=True, stdin_open=True)
    docker.track("container", container.id)
    with container.attach_socket(stdin=True, stdout=True, stderr=True) as connection:
        connection.sock.settimeout(10)  # a broken stream fails the test instead of hanging
        connection.write(b"ping\n")
        received = b""
        for stream_id, payload in connection.frames(tty=False):
            assert stream_id == 1
            received += payload
            if received.endswith(b"\n"):
                break
    assert received == b"ping\n"
