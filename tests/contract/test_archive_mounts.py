"""``docker cp`` (HEAD/GET/PUT /containers/{id}/archive) sees volumes and bind mounts.

dockerd mounts a container's volumes and binds for the archive endpoints,
started or not: a put under a mount point lands in the volume (or the host
directory), a get reads it, and read-only mounts refuse puts.  The real engine
runs on this machine, so binds of a temporary directory work on both backends.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import uuid
from pathlib import Path
from typing import Any

from backends import Backend

API = "/v1.41"


def unique(prefix: str) -> str:
    return f"dockersdk-cp-{prefix}-{uuid.uuid4().hex[:10]}"


def tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size, member.mode, member.mtime = len(data), 0o644, 1_700_000_000
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def files_in(tar: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        out = {}
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            out[member.name] = handle.read() if handle is not None else b"<dir>"
        return out


def volume(docker: Backend) -> str:
    name = unique("vol")
    reply = docker.api("POST", f"{API}/volumes/create", json={"Name": name})
    assert reply.status_code == 201, reply.text
    return docker.track("volume", name)


def container(docker: Backend, host_config: dict[str, Any], cmd: list[str] | None = None) -> str:
    docker.ensure_busybox()
    body = {"Image": "busybox:latest", "Cmd": cmd or ["sleep", "300"], "HostConfig": host_config}
    reply = docker.api("POST", f"{API}/containers/create", params={"name": unique("c")}, json=body)
    assert reply.status_code == 201, reply.text
    return docker.track("container", reply.json()["Id"])


def put(docker: Backend, cid: str, path: str, files: dict[str, bytes]) -> Any:
    return docker.api(
        "PUT", f"{API}/containers/{cid}/archive", params={"path": path}, data=tar_of(files),
        headers={"Content-Type": "application/x-tar"},
    )  # fmt: skip


def get(docker: Backend, cid: str, path: str) -> dict[str, bytes]:
    reply = docker.api("GET", f"{API}/containers/{cid}/archive", params={"path": path})
    assert reply.status_code == 200, reply.text
    return files_in(reply.content)


def head(docker: Backend, cid: str, path: str) -> dict[str, Any]:
    reply = docker.api("HEAD", f"{API}/containers/{cid}/archive", params={"path": path})
    assert reply.status_code == 200, (path, reply.status_code)
    stat: dict[str, Any] = json.loads(
        base64.b64decode(reply.headers["X-Docker-Container-Path-Stat"])
    )
    return stat


def logs_of_run(docker: Backend, host_config: dict[str, Any], script: str) -> bytes:
    cid = container(docker, host_config, ["sh", "-c", script])
    assert docker.api("POST", f"{API}/containers/{cid}/start").status_code == 204
    assert docker.api("POST", f"{API}/containers/{cid}/wait").json()["StatusCode"] == 0
    reply = docker.api("GET", f"{API}/containers/{cid}/logs", params={"stdout": 1, "stderr": 1})
    return reply.content[8:] if reply.content[:1] in (b"\x01", b"\x02") else reply.content


def test_a_put_under_a_volume_lands_in_the_volume(docker: Backend) -> None:
    vol = volume(docker)
    writer = container(docker, {"Binds": [f"{vol}:/data"]})  # created, never started
    assert put(docker, writer, "/data", {"hello.txt": b"from cp\n"}).status_code == 200
    # Another container mounting the volume elsewhere sees the file...
    reader = container(docker, {"Binds": [f"{vol}:/mnt"]})
    assert get(docker, reader, "/mnt/hello.txt") == {"hello.txt": b"from cp\n"}
    stat = head(docker, reader, "/mnt/hello.txt")
    assert (stat["name"], stat["size"], stat["mode"]) == ("hello.txt", 8, 0o644)
    # ...and so do its programs.
    assert logs_of_run(docker, {"Binds": [f"{vol}:/v"]}, "cat /v/hello.txt") == b"from cp\n"
    # The writer's own layer was not touched: its diff has no /data/hello.txt.
    changes = docker.api("GET", f"{API}/containers/{writer}/changes").json() or []
    assert not any(ch["Path"].startswith("/data/") for ch in changes)


def test_a_get_of_a_directory_holding_a_mount_includes_its_content(docker: Backend) -> None:
    vol = volume(docker)
    filler = container(docker, {"Binds": [f"{vol}:/data"]})
    assert put(docker, filler, "/data", {"a.txt": b"A", "sub/b.txt": b"B"}).status_code == 200
    cid = container(docker, {"Binds": [f"{vol}:/srv/data"]})
    tree = get(docker, cid, "/srv")
    assert tree["srv/data/a.txt"] == b"A" and tree["srv/data/sub/b.txt"] == b"B"
    assert head(docker, cid, "/srv/data")["mode"] & (1 << 31)  # a directory


def test_read_only_mounts_and_rootfs_refuse_puts(docker: Backend) -> None:
    vol = volume(docker)
    cid = container(docker, {"Binds": [f"{vol}:/rw", f"{vol}:/ro:ro"], "ReadonlyRootfs": True})
    reply = put(docker, cid, "/ro", {"x.txt": b"x"})
    assert (reply.status_code, reply.json()["message"]) == (
        500, "mounted volume is marked read-only"
    )  # fmt: skip
    reply = put(docker, cid, "/tmp", {"x.txt": b"x"})
    assert (reply.status_code, reply.json()["message"]) == (
        500, "container rootfs is marked read-only"
    )  # fmt: skip
    # A read-write volume of a read-only container still takes it; the read-only
    # mount of the same volume shows it.
    assert put(docker, cid, "/rw", {"x.txt": b"x"}).status_code == 200
    assert get(docker, cid, "/ro/x.txt") == {"x.txt": b"x"}


def test_bind_mounts_are_read_and_written_on_the_host(docker: Backend, tmp_path: Path) -> None:
    host = tmp_path / "bound"
    host.mkdir()
    (host / "on-host.txt").write_bytes(b"host data\n")
    cid = container(docker, {"Binds": [f"{host}:/bind", f"{host}:/bind-ro:ro"]})
    assert get(docker, cid, "/bind/on-host.txt") == {"on-host.txt": b"host data\n"}
    assert head(docker, cid, "/bind-ro/on-host.txt")["size"] == 10
    assert put(docker, cid, "/bind", {"dir/from-cp.txt": b"cp\n"}).status_code == 200
    assert (host / "dir" / "from-cp.txt").read_bytes() == b"cp\n"
    reply = put(docker, cid, "/bind-ro", {"nope.txt": b"x"})
    assert reply.status_code == 500
    assert reply.json()["message"] == "mounted volume is marked read-only"
    assert not (host / "nope.txt").exists()


def test_a_put_above_a_mount_point_reaches_into_the_volume(docker: Backend) -> None:
    vol = volume(docker)
    cid = container(docker, {"Binds": [f"{vol}:/srv/data"]})
    files = {"srv/top.txt": b"layer", "srv/data/deep.txt": b"volume"}
    assert put(docker, cid, "/", files).status_code == 200
    other = container(docker, {"Binds": [f"{vol}:/v"]})
    assert get(docker, other, "/v") == {"v": b"<dir>", "v/deep.txt": b"volume"}
    changes = {ch["Path"] for ch in docker.api("GET", f"{API}/containers/{cid}/changes").json()}
    assert "/srv/top.txt" in changes and "/srv/data/deep.txt" not in changes
