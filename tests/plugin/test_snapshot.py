"""State snapshots: a daemon's state saved to a file and brought back."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import msgspec
import pytest

from mockd import snapshot
from mockd.daemon import MockDaemon

REPO = Path(__file__).resolve().parents[2]


def _populate(client: docker.DockerClient) -> dict[str, str]:
    client.images.pull("busybox")
    client.volumes.create("data", labels={"k": "v"})
    client.networks.create("appnet", labels={"team": "core"})
    keeper = client.containers.run(
        "busybox",
        ["sh", "-c", "echo hi > /marker; echo started; sleep 1000"],
        detach=True,
        name="keeper",
        restart_policy={"Name": "always"},
        volumes={"data": {"bind": "/data", "mode": "rw"}},
        network="appnet",
    )
    oneshot = client.containers.run("busybox", ["sh", "-c", "sleep 1000"], detach=True,
                                    name="oneshot")  # fmt: skip
    writer = client.containers.run(
        "busybox",
        ["sh", "-c", "echo payload > /data/file; rm /etc/group; echo done >&2; exit 4"],
        detach=True,
        name="writer",
        volumes={"data": {"bind": "/data", "mode": "rw"}},
    )
    writer.wait()
    created = client.containers.create("busybox", ["true"], name="never-started")
    for _ in range(100):  # wait for keeper's first line
        if keeper.logs():
            break
        time.sleep(0.02)
    return {"keeper": keeper.id, "oneshot": oneshot.id, "writer": writer.id,
            "created": created.id}  # fmt: skip


def test_round_trip_through_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "mockd.state"
    with MockDaemon(state_file=state) as daemon:
        client = docker.DockerClient(base_url=daemon.docker_host)
        ids = _populate(client)
        image_id = client.images.get("busybox").id
        network_id = client.networks.get("appnet").id
        client.close()
        before = [(e.type, e.action, e.actor_id) for e in daemon.engine.events.history()]
    assert ("volume", "create", "data") in before
    assert state.exists()  # saved at the clean stop

    with MockDaemon(state_file=state) as daemon:
        client = docker.DockerClient(base_url=daemon.docker_host)
        assert client.images.get("busybox:latest").id == image_id
        assert client.networks.get("appnet").id == network_id
        assert client.networks.get("appnet").attrs["Labels"] == {"team": "core"}
        assert client.volumes.get("data").attrs["Labels"] == {"k": "v"}

        keeper = client.containers.get("keeper")
        assert keeper.id == ids["keeper"]
        assert keeper.status == "running"  # restart policy "always": back after the restart
        assert keeper.exec_run(["cat", "/marker", "/data/file"]).output == b"hi\npayload\n"
        assert keeper.logs().startswith(b"started\n")
        assert list(keeper.attrs["NetworkSettings"]["Networks"]) == ["appnet"]

        oneshot = client.containers.get("oneshot")
        assert oneshot.status == "exited"  # no policy: its process went with the daemon
        assert oneshot.attrs["State"]["ExitCode"] == 255

        writer = client.containers.get("writer")
        assert (writer.status, writer.attrs["State"]["ExitCode"]) == ("exited", 4)
        assert writer.logs(stdout=False) == b"done\n"
        assert {"Kind": 2, "Path": "/etc/group"} in writer.diff()

        assert client.containers.get("never-started").status == "created"
        client.close()
        # The history is the saved one (no event of the restore itself), then
        # keeper's start (with its network connect and volume mount), as after
        # a dockerd restart.
        history = [(e.type, e.action, e.actor_id) for e in daemon.engine.events.history()]
        assert history[: len(before)] == before
        since_restart = history[len(before) :]
        assert ("container", "start", ids["keeper"]) in since_restart
        assert not [e for e in since_restart if e[1] == "create"]


def test_save_on_demand_and_version_check(tmp_path: Path) -> None:
    target = tmp_path / "snap"
    with MockDaemon() as daemon:
        daemon.client().volumes.create("v1")
        assert daemon.save_state(target) == str(target)
    saved = snapshot.read(str(target))
    assert (saved.format, saved.version) == ("mockd-state", snapshot.VERSION)
    assert [v.name for v in saved.volumes] == ["v1"]
    assert not glob.glob(str(tmp_path / "snap.*.tmp"))  # no temporary file left

    future = tmp_path / "future"
    future.write_bytes(msgspec.msgpack.encode({"format": "mockd-state", "version": 99}))
    with pytest.raises(snapshot.SnapshotError, match="version 99"):
        snapshot.read(str(future))
    with pytest.raises(snapshot.SnapshotError):
        MockDaemon(state_file=future).start()
    (tmp_path / "junk").write_bytes(b"\x00not msgpack")
    with pytest.raises(snapshot.SnapshotError, match="not a mockd state file"):
        snapshot.read(str(tmp_path / "junk"))


def test_reset_forgets_everything_but_the_state_file(tmp_path: Path) -> None:
    with MockDaemon() as daemon:
        client = daemon.client()
        client.volumes.create("gone")
        daemon.reset()
        assert client.volumes.list() == []
        assert [n.name for n in client.networks.list()] == ["none", "host", "bridge"]


# -- a crash during a save ------------------------------------------------------------


def _serve(socket: Path, state: Path, **env: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", "serve", "--socket", str(socket),
         "--state", str(state)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("export DOCKER_HOST="):
            return process
    process.kill()
    raise AssertionError(f"mockd serve did not start: {process.wait()}")


def test_kill_9_during_a_save_leaves_the_previous_snapshot(tmp_path: Path) -> None:
    socket, state = tmp_path / "d.sock", tmp_path / "state"
    first = _serve(socket, state)
    try:
        client = docker.DockerClient(base_url=f"unix://{socket}")
        client.volumes.create("before")
        client.close()
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(30) == 0
    good = state.read_bytes()

    # The second daemon pauses inside each save, after its temporary file is
    # complete and before the rename: the window a crash must not hurt.
    second = _serve(socket, state, **{snapshot.PAUSE_ENV: "60"})
    try:
        client = docker.DockerClient(base_url=f"unix://{socket}")
        assert [v.name for v in client.volumes.list()] == ["before"]
        client.volumes.create("after")
        client.close()
        second.send_signal(signal.SIGUSR1)  # save now
        deadline = time.monotonic() + 30
        while not glob.glob(str(tmp_path / "state.*.tmp")):
            assert time.monotonic() < deadline, "the save never started"
            time.sleep(0.02)
        os.kill(second.pid, signal.SIGKILL)
    finally:
        second.kill()
        second.wait(30)
    assert state.read_bytes() == good
    assert [v.name for v in snapshot.read(str(state)).volumes] == ["before"]

    assert glob.glob(str(tmp_path / "state.*.tmp"))  # the interrupted save's
    third = _serve(socket, state)
    try:
        assert not glob.glob(str(tmp_path / "state.*.tmp"))  # discarded at restore
        client = docker.DockerClient(base_url=f"unix://{socket}")
        assert [v.name for v in client.volumes.list()] == ["before"]
        client.close()
    finally:
        third.send_signal(signal.SIGTERM)
        assert third.wait(30) == 0
