"""Tar in and out: round trips, engine layout, hostile archives, real layers."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Callable

import pytest

from mockd.fs import (
    ContainerFS,
    ExtractConflictError,
    MemoryFileSystem,
    TarLimits,
    TarSafetyError,
    extract_into,
    layer_from_tar,
    tar_of_view,
    union_of,
)
from mockd.fs.nodes import walk
from tests.unit.fs.helpers import (
    REAL_DOCKER_HOST,
    add_entry,
    add_file,
    make_tar,
    needs_real_engine,
)

BUSYBOX = "/bin/busybox"


def tar_members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return archive.getmembers()


def snapshot(fs: ContainerFS) -> list[tuple[str, str, int, bytes, str, int, int, int]]:
    return [
        (p, n.kind, n.mode, n.data, n.target, n.uid, n.gid, int(n.mtime)) for p, n in fs.walk("/")
    ]


@pytest.fixture
def fs(clock: Callable[[], float]) -> MemoryFileSystem:
    fs = MemoryFileSystem(clock=clock)
    fs.mkdir("/etc/ssl", parents=True)
    fs.write_file("/etc/passwd", b"root:x:0:0\n")
    fs.chown("/etc/passwd", 0, 42)
    fs.symlink("/etc/passwd", "/etc/pw")
    fs.link("/etc/passwd", "/etc/hard")
    fs.mknod("/etc/null", "char", mode=0o666, rdev=(1, 3))
    fs.write_file("/etc/ssl/" + "long" * 40, b"deep")  # needs a PAX header
    return fs


def test_view_tar_layer_round_trip(fs: MemoryFileSystem, clock: Callable[[], float]) -> None:
    data = b"".join(tar_of_view(fs))
    again = ContainerFS(union_of([layer_from_tar(io.BytesIO(data))]), clock=clock)
    assert snapshot(again) == snapshot(fs)
    assert again.node("/etc/hard") is again.node("/etc/passwd")  # hardlink kept


def test_archive_layout_matches_the_engine(fs: MemoryFileSystem) -> None:
    data = b"".join(tar_of_view(fs, "/etc"))
    members = tar_members(data)
    assert [m.name for m in members][:3] == ["etc", "etc/hard", "etc/null"]
    by_name = {m.name: m for m in members}
    assert by_name["etc/hard"].type == tarfile.REGTYPE  # first name holds the data
    assert by_name["etc/passwd"].type == tarfile.LNKTYPE
    assert by_name["etc/passwd"].linkname == "etc/hard"
    raw = data[:512]
    assert raw[257:265] == b"ustar\x0000"
    assert raw[100:108] == b"0040755\x00"  # moby keeps the type bits in the mode
    assert by_name["etc/pw"].linkname == "/etc/passwd"
    assert (by_name["etc/passwd"].uid, by_name["etc/passwd"].gid) == (0, 42)
    assert data.endswith(b"\0" * 1024) and len(data) % 512 == 0
    single = tar_members(b"".join(tar_of_view(fs, "/etc/pw")))
    assert [(m.name, m.type) for m in single] == [("pw", tarfile.SYMTYPE)]


def test_gzip_input(fs: MemoryFileSystem) -> None:
    data = b"".join(tar_of_view(fs))
    assert (
        layer_from_tar(io.BytesIO(gzip.compress(data))).diff_id
        == layer_from_tar(io.BytesIO(data)).diff_id
    )


def busybox_rootfs_tar() -> bytes:
    applets = subprocess.run(
        [BUSYBOX, "--list"], capture_output=True, check=True, text=True
    ).stdout.split()

    def build(archive: tarfile.TarFile) -> None:
        add_entry(archive, "bin", tarfile.DIRTYPE)
        with open(BUSYBOX, "rb") as handle:
            add_file(archive, "bin/busybox", handle.read(), mode=0o755)
        for applet in applets:
            if applet != "busybox":
                add_entry(archive, f"bin/{applet}", tarfile.SYMTYPE, "busybox")

    return make_tar(build)


@pytest.mark.skipif(not os.path.exists(BUSYBOX), reason="no /bin/busybox")
def test_import_busybox_rootfs(clock: Callable[[], float]) -> None:
    layer = layer_from_tar(io.BytesIO(busybox_rootfs_tar()))
    fs = ContainerFS(union_of([layer]), clock=clock)
    with open(BUSYBOX, "rb") as handle:
        assert fs.read_file("/bin/sh") == handle.read()
    assert fs.realpath("/bin/ls") == "/bin/busybox"
    assert fs.stat("/bin/busybox").mode == 0o755


@needs_real_engine
def test_import_real_docker_save_layer(clock: Callable[[], float]) -> None:
    env = {"DOCKER_HOST": REAL_DOCKER_HOST, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    saved = subprocess.run(
        ["docker", "save", "busybox:latest"], capture_output=True, check=True, env=env
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:

        def member(name: str) -> bytes:
            handle = outer.extractfile(name)
            assert handle is not None
            return handle.read()

        manifest = json.loads(member("manifest.json"))
        config = json.loads(member(manifest[0]["Config"]))
        blobs = [member(name) for name in manifest[0]["Layers"]]
    layers = [layer_from_tar(io.BytesIO(blob)) for blob in blobs]
    assert [layer.diff_id for layer in layers] == config["rootfs"]["diff_ids"]
    assert [layer.tar_bytes() for layer in layers] == blobs  # saved back byte for byte
    fs = ContainerFS(union_of(layers), clock=clock)
    assert fs.read_file("/etc/passwd").startswith(b"root:")
    assert fs.stat("/bin/sh", follow_symlinks=False).kind == "symlink"


# -- hostile archives: refused, and nothing changes ---------------------------


def hostile_archives() -> dict[str, bytes]:
    return {
        "dotdot": make_tar(lambda t: add_file(t, "../../evil", b"x")),
        "dotdot-inside": make_tar(lambda t: add_file(t, "a/../../evil", b"x")),
        "symlink-escape": make_tar(lambda t: add_entry(t, "up", tarfile.SYMTYPE, "../../../..")),
        "hardlink-escape": make_tar(
            lambda t: add_entry(t, "h", tarfile.LNKTYPE, "../../etc/shadow")
        ),
        "hardlink-missing": make_tar(lambda t: add_entry(t, "h", tarfile.LNKTYPE, "nope")),
        "device": make_tar(lambda t: add_entry(t, "dev/sda", tarfile.BLKTYPE)),
        "too-many": make_tar(lambda t: [add_file(t, f"f{i}") for i in range(20)]),
        "too-big": make_tar(lambda t: add_file(t, "big", b"x" * 200_000)),
        "long-path": make_tar(lambda t: add_file(t, "d/" * 100 + "f")),
        "not-a-tar": b"this is not a tar archive" * 40,
    }


LIMITS = TarLimits(
    max_total_bytes=100_000, max_entries=10, max_path_length=150, allow_devices=False
)


@pytest.mark.parametrize("case", sorted(hostile_archives()))
def test_hostile_archive_rejected_without_change(case: str, fs: MemoryFileSystem) -> None:
    fs.write_file("/etc/first", b"")  # an earlier valid entry must not survive either
    before = snapshot(fs)
    data = hostile_archives()[case]
    with pytest.raises(TarSafetyError):
        extract_into(fs, "/etc", io.BytesIO(data), limits=LIMITS)
    with pytest.raises(TarSafetyError):
        layer_from_tar(io.BytesIO(data), LIMITS)
    assert snapshot(fs) == before


def test_failure_midway_restores_everything(fs: MemoryFileSystem) -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_file(archive, "new-file", b"1")
        add_file(archive, "ssl", b"a file over a directory")

    before = snapshot(fs)
    with pytest.raises(ExtractConflictError):
        extract_into(fs, "/etc", io.BytesIO(make_tar(build)), no_overwrite_dir_non_dir=True)
    assert snapshot(fs) == before
    extract_into(fs, "/etc", io.BytesIO(make_tar(build)))
    assert fs.read_file("/etc/ssl") == b"a file over a directory"


def test_extract_into(fs: MemoryFileSystem) -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_entry(archive, "app", tarfile.DIRTYPE)
        add_file(archive, "app/run.sh", b"#!/bin/sh", mode=0o755)
        add_entry(archive, "app/link", tarfile.SYMTYPE, "/etc/passwd")
        add_entry(archive, "app/hard", tarfile.LNKTYPE, "app/run.sh")
        add_file(archive, "/abs/stripped", b"leading slash is cleaned")

    extract_into(fs, "/etc/ssl", io.BytesIO(make_tar(build)))
    assert fs.read_file("/etc/ssl/app/run.sh") == b"#!/bin/sh"
    assert fs.stat("/etc/ssl/app/run.sh").mode == 0o755
    assert fs.stat("/etc/ssl/app").mtime == 1_700_000_000
    assert fs.read_file("/etc/ssl/app/link") == b"root:x:0:0\n"
    assert fs.node("/etc/ssl/app/hard") is fs.node("/etc/ssl/app/run.sh")
    assert fs.read_file("/etc/ssl/abs/stripped") == b"leading slash is cleaned"
    with pytest.raises(NotADirectoryError):
        extract_into(fs, "/etc/passwd", io.BytesIO(make_tar(build)))
    with pytest.raises(FileNotFoundError):
        extract_into(fs, "/nowhere", io.BytesIO(make_tar(build)))


def test_layer_written_through_a_symlink_is_refused() -> None:
    def build(archive: tarfile.TarFile) -> None:
        add_entry(archive, "lnk", tarfile.SYMTYPE, "/etc")
        add_file(archive, "lnk/passwd", b"owned")

    with pytest.raises(TarSafetyError):
        layer_from_tar(io.BytesIO(make_tar(build)))


def test_whiteouts_in_layer_tar(clock: Callable[[], float]) -> None:
    lower = layer_from_tar(
        io.BytesIO(make_tar(lambda t: [add_file(t, "a/x"), add_file(t, "a/y"), add_file(t, "b")]))
    )
    upper = layer_from_tar(
        io.BytesIO(
            make_tar(
                lambda t: [add_file(t, "a/.wh..wh..opq"), add_file(t, "a/z"), add_file(t, ".wh.b")]
            )
        )
    )
    view = union_of([lower, upper])
    assert view.listdir("/") == ["a"]
    assert view.listdir("/a") == ["z"]
    assert [p for p, _ in walk(upper.root)] == ["/a", "/a/z", "/b"]
