"""The mount table, host directories, and a container's mounts through the engine."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.container_config import mount_points
from mockd.engine.containers import ContainerStore
from mockd.engine.mounts import HostDirectory, Mount, MountPoint, MountTable, copy_tree
from mockd.engine.references import parse_normalized
from mockd.errors import Conflict, InvalidParameter
from mockd.fs import ContainerFS, MemoryFileSystem


def _table() -> tuple[MountTable, MemoryFileSystem, MemoryFileSystem, MemoryFileSystem]:
    root, data, nested = MemoryFileSystem(), MemoryFileSystem(), MemoryFileSystem()
    root.mkdir("/data")
    root.write_file("/data-file", b"root")
    table = MountTable(root, [Mount("/data", data), Mount("/data/inner", nested, read_only=True)])
    return table, root, data, nested


def test_paths_go_to_the_longest_prefix_mount() -> None:
    table, root, data, nested = _table()
    table.write_file("/data/a", b"in volume")
    table.write_file("/data-file", b"still root")  # a prefix of the name, not of the path
    nested.write_file("/n", b"nested")
    assert data.read_file("/a") == b"in volume"
    assert not root.exists("/data/a")
    assert root.read_file("/data-file") == b"still root"
    assert table.read_file("/data/inner/n") == b"nested"
    assert "inner" in table.listdir("/data")  # the mount point shows in its directory


def test_read_only_mount_refuses_writes_with_erofs() -> None:
    table, *_ = _table()
    attempts: list[Callable[[], None]] = [
        lambda: table.write_file("/data/inner/x", b""),
        lambda: table.mkdir("/data/inner/d"),
        lambda: table.symlink("/x", "/data/inner/l"),
    ]
    for attempt in attempts:
        with pytest.raises(OSError) as caught:
            attempt()
        assert caught.value.errno == errno.EROFS


def test_mount_points_cannot_be_removed_and_rename_across_mounts_is_exdev() -> None:
    table, *_ = _table()
    table.write_file("/data/a", b"x")
    with pytest.raises(OSError) as caught:
        table.remove("/data", recursive=True)
    assert caught.value.errno == errno.EBUSY
    with pytest.raises(OSError) as caught:
        table.rename("/data/a", "/moved")
    assert caught.value.errno == errno.EXDEV


def test_symlinks_resolve_across_mounts() -> None:
    table, root, data, _ = _table()
    root.symlink("/data", "/link")
    data.symlink("../data-file", "/up")
    table.write_file("/link/through", b"via link")
    assert data.read_file("/through") == b"via link"
    assert table.read_file("/data/up") == b"root"
    assert table.realpath("/link/through") == "/data/through"


def test_file_mount_routes_one_path() -> None:
    root, files = MemoryFileSystem(), MemoryFileSystem()
    root.mkdir("/etc")
    files.write_file("/hosts", b"127.0.0.1 localhost\n")
    table = MountTable(root, [Mount("/etc/hosts", files, source="/hosts")])
    assert table.read_file("/etc/hosts") == b"127.0.0.1 localhost\n"
    assert table.listdir("/etc") == ["hosts"]
    assert not root.exists("/etc/hosts")


def test_host_directory_reads_and_writes_the_real_directory(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"from host")
    host = HostDirectory(tmp_path)
    assert host.read_file("/in.txt") == b"from host"
    host.mkdir("/sub/deeper", parents=True)
    host.write_file("/sub/deeper/out.txt", b"from container", mode=0o600)
    assert (tmp_path / "sub/deeper/out.txt").read_bytes() == b"from container"
    assert host.stat("/sub/deeper/out.txt").mode == 0o600
    assert host.listdir("/") == ["in.txt", "sub"]
    host.remove("/sub", recursive=True)
    assert not (tmp_path / "sub").exists()
    assert host.size() == len(b"from host")


def test_host_directory_confines_symlinks_and_dotdot(tmp_path: Path) -> None:
    inside = tmp_path / "bind"
    inside.mkdir()
    (tmp_path / "secret").write_bytes(b"outside")
    (inside / "secret").write_bytes(b"inside")
    os.symlink("/secret", inside / "abs")  # absolute: the bind's root, not the host's
    os.symlink("../../secret", inside / "rel")  # climbs, but stops at the bind's root
    host = HostDirectory(inside)
    assert host.read_file("/abs") == b"inside"
    assert host.read_file("/rel") == b"inside"
    assert host.read_file("/../secret") == b"inside"
    host.write_file("/abs", b"changed")
    assert (tmp_path / "secret").read_bytes() == b"outside"
    with pytest.raises(FileNotFoundError) as caught:
        host.read_file("/missing")
    assert str(tmp_path) not in str(caught.value)  # errors name the container path


def test_copy_tree_populates_a_volume_from_the_image() -> None:
    image = MemoryFileSystem()
    image.mkdir("/etc/conf.d", parents=True)
    image.write_file("/etc/conf.d/a.conf", b"a=1", mode=0o640)
    image.symlink("a.conf", "/etc/conf.d/current")
    volume = MemoryFileSystem()
    copy_tree(image, "/etc", volume)
    assert volume.read_file("/conf.d/a.conf") == b"a=1"
    assert volume.stat("/conf.d/a.conf").mode == 0o640
    assert volume.readlink("/conf.d/current") == "a.conf"


def no_containers(ref: str) -> list[MountPoint]:
    raise AssertionError(f"no VolumesFrom here, yet asked for {ref}")


def test_mount_points_from_binds_mounts_tmpfs_and_volumes(tmp_path: Path) -> None:
    host = {
        "Binds": ["data:/data", f"{tmp_path}:/host:ro"],
        "Mounts": [{"Type": "volume", "Target": "/anon2"}, {"Type": "tmpfs", "Target": "/t2"}],
        "Tmpfs": {"/t": ""},
    }
    points = {
        p.destination: p for p in mount_points({"Volumes": {"/anon": {}}}, host, no_containers)
    }
    assert points["/data"] == MountPoint("volume", "/data", name="data", mode="z")
    assert points["/host"].type == "bind" and not points["/host"].rw
    assert points["/host"].propagation == "rprivate" and points["/host"].mode == "ro"
    assert points["/anon"].anonymous and points["/anon2"].anonymous
    assert points["/t"].type == "tmpfs" and not points["/t"].listed
    assert points["/t2"].listed


def test_mount_point_errors_are_dockerds() -> None:
    missing = {"Mounts": [{"Type": "bind", "Source": "/no/such/dir", "Target": "/x"}]}
    with pytest.raises(InvalidParameter, match="bind source path does not exist: /no/such/dir"):
        mount_points({}, missing, no_containers)
    with pytest.raises(InvalidParameter, match="Duplicate mount point: /d"):
        mount_points({}, {"Binds": ["a:/d", "b:/d"]}, no_containers)
    with pytest.raises(InvalidParameter, match="must be absolute"):
        mount_points({}, {"Binds": ["a:relative"]}, no_containers)


# -- through the engine ------------------------------------------------------------


def _engine() -> tuple[Engine, ContainerStore]:
    engine = Engine(ManualClock(), seed=3)
    built = catalog.lookup("busybox")
    assert built is not None
    image = engine.images.add(built.config_bytes, built.layers)
    engine.images.add_reference(image, parse_normalized("busybox:latest"))
    return engine, engine.containers


def test_anonymous_volume_is_filled_from_the_image_and_removed_with_v() -> None:
    engine, store = _engine()
    c, _ = store.create({"Image": "busybox", "Cmd": ["true"], "Volumes": {"/etc": {}}})
    (point,) = c.mount_points
    volume = engine.volumes.get(point.name)
    assert volume.anonymous and volume.users == {c.id}
    assert volume.fs.read_file("/passwd") == ContainerFS(
        engine.images.get("busybox").rootfs_view()
    ).read_file("/etc/passwd")
    assert c.view.read_file("/etc/passwd") == volume.fs.read_file("/passwd")
    c.view.write_file("/etc/new", b"x")
    assert volume.fs.read_file("/new") == b"x"
    assert [ch.path for ch in c.fs.changes()] == []  # volumes are not in the diff
    with pytest.raises(Conflict, match="volume is in use"):
        engine.volumes.remove(point.name)
    asyncio.run(store.delete(c.id, volumes=True))
    assert engine.volumes.find(point.name) is None


def test_named_volume_outlives_its_container_and_tmpfs_is_emptied_at_stop() -> None:
    engine, store = _engine()

    async def scenario() -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sleep", "100"],
             "HostConfig": {"Binds": ["keep:/keep"], "Tmpfs": {"/scratch": ""}}}
        )  # fmt: skip
        store.start(c.id)
        c.view.write_file("/keep/f", b"kept")
        c.view.write_file("/scratch/f", b"gone")
        await store.stop(c.id, timeout=0)
        assert not c.view.exists("/scratch/f")
        await store.delete(c.id, volumes=True)
        assert engine.volumes.get("keep").fs.read_file("/f") == b"kept"
        assert engine.volumes.get("keep").users == set()
        actions = [(e.action, e.actor_id) for e in engine.events.history() if e.type == "volume"]
        assert ("mount", "keep") in actions and ("unmount", "keep") in actions

    asyncio.run(scenario())


def test_bind_mount_writes_stay_on_the_host_and_hide_the_image(tmp_path: Path) -> None:
    _, store = _engine()
    (tmp_path / "mine").write_bytes(b"host file")
    c, _ = store.create(
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"Binds": [f"{tmp_path}:/etc"]}}
    )
    assert c.view.listdir("/etc") == ["hostname", "hosts", "mine", "resolv.conf"]
    assert not c.view.exists("/etc/passwd")  # the image's /etc is hidden
    c.view.write_file("/etc/written", b"from container")
    asyncio.run(store.delete(c.id))
    assert (tmp_path / "written").read_bytes() == b"from container"


def test_volumes_from_shares_volumes_and_binds_read_only_on_request(tmp_path: Path) -> None:
    engine, store = _engine()
    first, _ = store.create(
        {"Image": "busybox", "Cmd": ["true"],
         "HostConfig": {"Binds": ["shared:/shared", f"{tmp_path}:/host"]}}
    )  # fmt: skip
    second, _ = store.create(
        {"Image": "busybox", "Cmd": ["true"], "HostConfig": {"VolumesFrom": [f"{first.id}:ro"]}}
    )
    assert engine.volumes.get("shared").users == {first.id, second.id}
    first.view.write_file("/shared/f", b"from first")
    assert second.view.read_file("/shared/f") == b"from first"
    with pytest.raises(OSError) as caught:
        second.view.write_file("/host/x", b"")
    assert caught.value.errno == errno.EROFS
    assert [m["RW"] for m in store.inspect(second.id)["Mounts"]] == [False, False]
    listed = store.list_containers(all=True, filters={"volume": ["shared"]})
    assert {c["Id"] for c in listed} == {first.id, second.id}


def test_a_refused_create_leaves_no_volume_user_behind() -> None:
    engine, store = _engine()
    body = {
        "Image": "busybox", "Cmd": ["true"], "Volumes": {"/anon": {}},
        "HostConfig": {"Binds": ["named:/named"]},
        "NetworkingConfig": {"EndpointsConfig": {"bridge": {"IPAMConfig": {"IPv4Address": "172.17.0.999"}}}},
    }  # fmt: skip
    with pytest.raises(InvalidParameter, match=r"invalid IPv4 address: 172\.17\.0\.999"):
        store.create(body)
    assert [v.name for v in engine.volumes.all()] == ["named"]  # the anonymous one went
    assert engine.volumes.get("named").users == set()
    assert store.all() == []


def test_append_redirect_to_a_read_only_mount_fails_like_busybox() -> None:
    from mockd import MockDaemon

    with MockDaemon() as daemon:
        client = daemon.client()
        client.volumes.create("notes")
        client.containers.run("busybox", ["sh", "-c", "echo a > /data/f"], volumes=["notes:/data"], remove=True)
        ctr = client.containers.run(
            "busybox", ["sh", "-c", "echo more >> /data/f; echo rc=$?"],
            volumes=["notes:/data:ro"], detach=True,
        )  # fmt: skip
        ctr.wait()
        assert ctr.logs(stdout=True, stderr=True) == (
            b"sh: can't create /data/f: Read-only file system\nrc=1\n"
        )
