"""changes() and path_stat against what dockerd 20.10 (overlay2) reports.

The recorded answers come from the reference engine for the same scenario;
the live tests replay it there when the engine is reachable.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import tarfile
from collections.abc import Callable

import pytest

from mockd.fs import ContainerFS, Layer, layer_from_tar, path_stat, path_stat_header, union_of
from tests.unit.fs.helpers import (
    REAL_DOCKER_HOST,
    REAL_SOCKET,
    add_entry,
    add_file,
    make_tar,
    needs_real_engine,
)

ENV = {"DOCKER_HOST": REAL_DOCKER_HOST, "PATH": "/usr/local/bin:/usr/bin:/bin"}

SCRIPT = (
    "touch /etc/newfile; rm /etc/group; mkdir -p /tmp/a/b; echo hi > /tmp/a/b/f; "
    "echo x >> /etc/passwd; rm -rf /bin/ping; mkdir /home; "
    "ln -s /etc/passwd /tmp/lnk; ln /tmp/a/b/f /tmp/hard"
)

# GET /containers/{id}/changes after SCRIPT on the reference busybox image.
RECORDED_CHANGES = [
    {"Path": "/etc", "Kind": 0},
    {"Path": "/etc/newfile", "Kind": 1},
    {"Path": "/etc/passwd", "Kind": 0},
    {"Path": "/etc/group", "Kind": 2},
    {"Path": "/home", "Kind": 1},
    {"Path": "/tmp", "Kind": 1},
    {"Path": "/tmp/a", "Kind": 1},
    {"Path": "/tmp/a/b", "Kind": 1},
    {"Path": "/tmp/a/b/f", "Kind": 1},
    {"Path": "/tmp/hard", "Kind": 1},
    {"Path": "/tmp/lnk", "Kind": 1},
    {"Path": "/bin", "Kind": 0},
    {"Path": "/bin/ping", "Kind": 2},
]


def run_script(fs: ContainerFS) -> None:
    fs.write_file("/etc/newfile", b"")
    fs.remove("/etc/group")
    fs.mkdir("/tmp/a/b", parents=True)
    fs.write_file("/tmp/a/b/f", b"hi\n")
    fs.write_file("/etc/passwd", b"x\n", append=True)
    fs.remove("/bin/ping", recursive=True)
    fs.mkdir("/home")
    fs.symlink("/etc/passwd", "/tmp/lnk")
    fs.link("/tmp/a/b/f", "/tmp/hard")


def reference_like_busybox() -> Layer:
    def build(archive: tarfile.TarFile) -> None:
        add_entry(archive, "./", tarfile.DIRTYPE)
        add_entry(archive, "./etc/", tarfile.DIRTYPE)
        add_file(archive, "./etc/group", b"root:x:0:\n")
        add_file(archive, "./etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        add_entry(archive, "./bin/", tarfile.DIRTYPE)
        add_file(archive, "./bin/busybox", b"\x7fELF", mode=0o755)
        for applet in ("ping", "sh", "ls"):
            add_entry(archive, f"./bin/{applet}", tarfile.SYMTYPE, "busybox")

    return layer_from_tar(io.BytesIO(make_tar(build, fmt=tarfile.GNU_FORMAT)))


def as_set(changes: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(c["Path"], c["Kind"]) for c in changes}


def mock_changes(fs: ContainerFS) -> list[dict[str, object]]:
    return [{"Path": c.path, "Kind": c.kind} for c in fs.changes()]


def test_changes_match_recorded_engine(clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of([reference_like_busybox()]), clock=clock)
    run_script(fs)
    got = mock_changes(fs)
    assert as_set(got) == as_set(RECORDED_CHANGES)
    paths = [c["Path"] for c in got]
    assert all(
        paths.index(str(p).rsplit("/", 1)[0] or "/") < i
        for i, p in enumerate(paths)
        if str(p).count("/") > 1
    )


def test_changes_of_modified_file_only_reports_the_file(clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of([reference_like_busybox()]), clock=clock)
    fs.write_file("/etc/passwd", b"x", append=True)
    # /etc was copied up with its mtime unchanged: not reported (moby's dir rule)
    assert [(c.path, c.kind) for c in fs.changes()] == [("/etc/passwd", 0)]


def test_path_stat_go_file_mode(clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of([reference_like_busybox()]), clock=clock)
    assert path_stat(fs, "/etc")["mode"] == (1 << 31) | 0o755
    assert path_stat(fs, "/etc")["size"] == 4096
    sh = path_stat(fs, "/bin/sh")
    assert (sh["mode"], sh["size"], sh["linkTarget"]) == ((1 << 27) | 0o777, 7, "/bin/busybox")
    passwd = json.loads(base64.b64decode(path_stat_header(fs, "/etc/passwd")))
    assert list(passwd) == ["name", "size", "mode", "mtime", "linkTarget"]
    assert passwd["mode"] == 0o644
    assert passwd["mtime"] == "2023-11-14T22:13:20Z"


# -- live against the reference engine ----------------------------------------


def docker(*args: str) -> bytes:
    return subprocess.run(["docker", *args], capture_output=True, check=True, env=ENV).stdout


def real_busybox_layers() -> list[Layer]:
    saved = docker("save", "busybox:latest")
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        manifest = json.loads(outer.extractfile("manifest.json").read())  # type: ignore[union-attr]
        return [
            layer_from_tar(io.BytesIO(outer.extractfile(name).read()))  # type: ignore[union-attr]
            for name in manifest[0]["Layers"]
        ]


@pytest.fixture
def real_container() -> object:
    cid = docker("create", "busybox:latest", "sh", "-c", SCRIPT).decode().strip()
    yield cid
    docker("rm", "-f", cid)


@needs_real_engine
def test_changes_match_live_engine(real_container: str, clock: Callable[[], float]) -> None:
    docker("start", "-a", real_container)
    real = json.loads(
        subprocess.run(
            [
                "curl",
                "-s",
                "--unix-socket",
                REAL_SOCKET,
                f"http://d/v1.41/containers/{real_container}/changes",
            ],
            capture_output=True,
            check=True,
        ).stdout
    )
    fs = ContainerFS(union_of(real_busybox_layers()), clock=clock)
    run_script(fs)
    assert as_set(mock_changes(fs)) == as_set(real)


@needs_real_engine
@pytest.mark.parametrize("path", ["/etc/passwd", "/etc", "/bin/sh", "/bin/busybox"])
def test_path_stat_matches_live_engine(real_container: str, path: str) -> None:
    head = subprocess.run(
        [
            "curl",
            "-s",
            "-I",
            "--unix-socket",
            REAL_SOCKET,
            f"http://d/v1.41/containers/{real_container}/archive?path={path}",
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    header = next(
        line.split(":", 1)[1].strip()
        for line in head.splitlines()
        if line.lower().startswith("x-docker-container-path-stat")
    )
    real = json.loads(base64.b64decode(header))
    fs = ContainerFS(union_of(real_busybox_layers()))
    mine = path_stat(fs, path)
    if path == "/etc":
        real.pop("mtime"), mine.pop("mtime")  # the engine adds /etc/hosts etc. in an init layer
    assert mine == real
