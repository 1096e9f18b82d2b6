"""Tar bombs: archives that expand past the daemon's limits are refused early, changing nothing.

Every archive the daemon reads (PUT archive, build context, image load,
import, registry layers) is held to its ``TarLimits``: by default 8 GiB
expanded and 1,000,000 entries, configurable per daemon (``MockDaemon(tar_limits=)``,
``mockd serve --max-archive-bytes/--max-archive-entries``).

The bombs are generated lazily and sent chunked: a few MB of gzip members that
expand to more than 8 GiB or to more than a million entries.  The daemon must
refuse them at the header that crosses a limit, without expanding the rest or
holding it: the default-limit tests run against a ``mockd serve`` process
whose peak RSS (``VmHWM``) is checked, and finish in seconds.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import requests_unixsocket
from backends import http_base

from mockd.daemon import MockDaemon
from mockd.fs.tarread import TarLimits

ZEROS_MEMBER = gzip.compress(bytes(16 << 20), compresslevel=9)  # 16 MiB of zeros in ~16 KB
END_OF_ARCHIVE = gzip.compress(bytes(1024))
# The daemon's peak memory while it refuses a bomb: the compressed body (a few MB) plus
# the daemon itself; a bomb held in memory would be gigabytes.
PEAK_RSS_LIMIT = 400 << 20


def header(name: str, size: int = 0) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)  # base-256 sizes past 8 GiB


def many_entries(count: int, per_member: int = 10_000) -> Iterator[bytes]:
    """``count`` empty files (the same header again and again), as concatenated gzip members."""
    member = gzip.compress(header("f") * per_member, compresslevel=9)
    for _ in range(-(-count // per_member)):
        yield member
    yield END_OF_ARCHIVE


def huge_file(size: int) -> Iterator[bytes]:
    """One file of ``size`` bytes of zeros, every byte of it really sent (compressed)."""
    yield gzip.compress(header("big", size))
    for _ in range(-(-size // len(bytes(16 << 20)))):
        yield ZEROS_MEMBER
    yield END_OF_ARCHIVE


def small_tar(entries: int = 1, size: int = 1) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for n in range(entries):
            info = tarfile.TarInfo(f"ok-{n}")
            info.size = size
            archive.addfile(info, io.BytesIO(b"x" * size))
    return buf.getvalue()


class Api:
    def __init__(self, docker_host: str) -> None:
        self.base = http_base(docker_host)
        self.session = requests_unixsocket.Session()

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        reply: requests.Response = self.session.request(method, self.base + path, **kwargs)
        return reply

    def prepare_target(self) -> None:
        assert self("POST", "/images/create?fromImage=busybox&tag=latest").status_code == 200
        body = {"Image": "busybox:latest", "Cmd": ["sleep", "999"]}
        assert self("POST", "/containers/create?name=target", json=body).status_code == 201

    def state(self) -> tuple[str, str, int]:
        """What a refused archive must not change: images, the container's diff, /tmp/big."""
        images = self("GET", "/images/json?all=1").text
        changes = self("GET", "/containers/target/changes").text
        big = self("HEAD", "/containers/target/archive?path=/tmp/big").status_code
        return images, changes, big


def send(api: Api, target: str, body: Iterator[bytes] | bytes) -> requests.Response:
    """Send an archive to one of the daemon's archive readers (a generator goes chunked)."""
    tar_type = {"Content-Type": "application/x-tar"}
    if target == "put-archive":
        return api("PUT", "/containers/target/archive?path=/tmp", data=body, headers=tar_type)
    if target == "build":
        return api("POST", "/build?t=bomb", data=body, headers=tar_type)
    if target == "load":
        return api("POST", "/images/load?quiet=1", data=body, headers=tar_type)
    assert target == "import"
    return api("POST", "/images/create?fromSrc=-&repo=bomb", data=body, headers=tar_type)


TARGETS = ("put-archive", "build", "load", "import")


def assert_refused(reply: requests.Response, why: str) -> None:
    """400 with the reason, or dockerd's own answer where it differs: a bad build context
    is a 500, and an image load may answer 200 with an error line in the stream."""
    path = reply.request.path_url
    if reply.status_code == 200 and path.startswith("/images/load"):
        assert b'"error"' in reply.content and why.encode() in reply.content, reply.text
        return
    assert reply.status_code == (500 if path.startswith("/build") else 400), reply.text
    assert why in reply.json()["message"]


# -- the default limits, against a daemon process ---------------------------------------


def peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/PID/status")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, int]]:
    """``mockd serve`` with its default limits, in its own process (to measure its memory)."""
    sock = tmp_path_factory.mktemp("bombs") / "d.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", "serve", "--socket", str(sock)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "MOCKD_VALIDATE_RESPONSES": "1"},
    )
    try:
        api = Api(f"unix://{sock}")
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if api("GET", "/_ping", timeout=2).text == "OK":
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "mockd serve did not start"
            time.sleep(0.1)
        api.prepare_target()
        yield api, proc.pid
        assert api("GET", "/_ping").text == "OK"  # alive after every bomb
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("target", TARGETS)
def test_a_million_entries_is_refused_in_seconds(served: tuple[Api, int], target: str) -> None:
    api, pid = served
    before = api.state()
    started = time.monotonic()
    reply = send(api, target, many_entries(1_010_000))
    elapsed = time.monotonic() - started
    assert_refused(reply, "more than 1000000 entries")
    assert api.state() == before
    assert elapsed < 30, f"took {elapsed:.1f} s"
    rss = peak_rss(pid)
    print(f"\n{target}: 1,010,000 entries refused in {elapsed:.2f} s; daemon peak RSS "
          f"{rss >> 20} MiB")  # fmt: skip
    assert rss < PEAK_RSS_LIMIT


@pytest.mark.parametrize("target", TARGETS)
def test_a_file_past_8_gib_is_refused_at_its_header(served: tuple[Api, int], target: str) -> None:
    api, pid = served
    before = api.state()
    started = time.monotonic()
    reply = send(api, target, huge_file((8 << 30) + (64 << 20)))
    elapsed = time.monotonic() - started
    assert_refused(reply, "larger than the limit of 8589934592 bytes")
    assert api.state() == before
    assert elapsed < 30, f"took {elapsed:.1f} s"
    rss = peak_rss(pid)
    print(f"\n{target}: 8 GiB + 64 MiB file refused in {elapsed:.2f} s; daemon peak RSS "
          f"{rss >> 20} MiB")  # fmt: skip
    assert rss < PEAK_RSS_LIMIT


def test_a_compressed_layer_of_zeros_in_an_image_load_is_refused(
    served: tuple[Api, int],
) -> None:
    """The classic gzip bomb, as a layer: moby reads a layer to its end for the diff_id."""
    api, pid = served
    layer = b"".join([gzip.compress(bytes(1024)), *([ZEROS_MEMBER] * 8)])  # 128 MiB expanded
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["x"]}}'
    manifest = b'[{"Config":"c.json","RepoTags":["bomb:layer"],"Layers":["l/layer.tar"]}]'
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for name, data in (("c.json", config), ("l/layer.tar", layer), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    before = api.state()
    reply = send(api, "load", buf.getvalue())
    assert_refused(reply, "after the end of the archive")
    assert api.state() == before
    assert peak_rss(pid) < PEAK_RSS_LIMIT


# -- configured limits -------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited() -> Iterator[Api]:
    limits = TarLimits(max_total_bytes=1 << 20, max_entries=100)
    with MockDaemon(validate_responses=True, tar_limits=limits) as daemon:
        api = Api(daemon.docker_host)
        api.prepare_target()
        yield api
        assert daemon.response_violations == []
        assert api("GET", "/_ping").text == "OK"


@pytest.mark.parametrize("target", TARGETS)
def test_configured_limits_apply_to_every_archive_reader(limited: Api, target: str) -> None:
    before = limited.state()
    assert_refused(
        send(limited, target, many_entries(101, per_member=101)), "more than 100 entries"
    )
    assert_refused(send(limited, target, huge_file(2 << 20)), "larger than the limit of 1048576")
    assert_refused(send(limited, target, small_tar(1, 2 << 20)), "larger than the limit of 1048576")
    assert limited.state() == before


def test_archives_within_configured_limits_are_accepted(limited: Api) -> None:
    reply = send(limited, "put-archive", small_tar(90, 1000))
    assert reply.status_code == 200, reply.text
    assert limited("HEAD", "/containers/target/archive?path=/tmp/ok-89").status_code == 200
    reply = send(limited, "import", small_tar(90, 1000))
    assert reply.status_code == 200, reply.text
    assert limited("GET", "/images/bomb:latest/json").status_code == 200


REGISTRY = os.environ.get("DOCKERSDK_REGISTRY", "127.0.0.1:5000")


def registry_answers() -> bool:
    try:
        return requests.get(f"http://{REGISTRY}/v2/", timeout=2).status_code in (200, 401)
    except requests.RequestException:
        return False


@pytest.mark.skipif(not registry_answers(), reason=f"no registry answers http://{REGISTRY}/v2/")
def test_configured_limits_apply_to_registry_layers(limited: Api) -> None:
    repo = f"{REGISTRY}/tar-limits-{uuid.uuid4().hex[:8]}"
    with MockDaemon() as pusher:
        api = Api(pusher.docker_host)
        layer = small_tar(1, 2 << 20)  # a 2 MiB layer: past the limited daemon's 1 MiB
        reply = send(api, "import", layer)
        assert reply.status_code == 200, reply.text
        assert api("POST", f"/images/bomb:latest/tag?repo={repo}&tag=v1").status_code == 201
        pushed = api("POST", f"/images/{repo}/push?tag=v1", headers={"X-Registry-Auth": "e30="})
        assert pushed.status_code == 200 and b'"error"' not in pushed.content, pushed.text
    try:
        before = limited.state()
        reply = limited("POST", f"/images/create?fromImage={repo}&tag=v1")
        assert reply.status_code == 200
        assert b"larger than the limit of 1048576" in reply.content, reply.text
        assert limited.state() == before
    finally:
        _delete_manifest(repo, "v1")


def _delete_manifest(repo: str, tag: str) -> None:
    path = repo.partition("/")[2]
    url = f"http://{REGISTRY}/v2/{path}/manifests"
    accept = "application/vnd.docker.distribution.manifest.v2+json"
    head = requests.head(f"{url}/{tag}", headers={"Accept": accept}, timeout=5)
    digest = head.headers.get("Docker-Content-Digest")
    if digest:  # a registry without delete enabled answers 405: nothing more to do
        requests.delete(f"{url}/{digest}", timeout=5)
