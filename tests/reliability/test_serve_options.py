"""``mockd serve``'s limits: socket permissions, request body size, archive limits.

Each is checked on a real ``mockd serve`` process, through its socket.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import requests_unixsocket
from backends import http_base

from mockd import cli


def tar(entries: int, size: int = 10) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        for n in range(entries):
            info = tarfile.TarInfo(f"f{n}")
            info.size = size
            archive.addfile(info, io.BytesIO(b"y" * size))
    return buf.getvalue()


class Served:
    def __init__(self, sock: Path, proc: subprocess.Popen[bytes]) -> None:
        self.sock = sock
        self.proc = proc
        self.base = http_base(f"unix://{sock}")
        self.session = requests_unixsocket.Session()

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        reply: requests.Response = self.session.request(
            method, self.base + path, timeout=30, **kwargs
        )
        return reply


@contextlib.contextmanager
def serve(tmp_path: Path, *options: str) -> Iterator[Served]:
    sock = tmp_path / "d.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockd.cli", "serve", "--socket", str(sock), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    served = Served(sock, proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(requests.ConnectionError):
                if served.api("GET", "/_ping").text == "OK":
                    break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "mockd serve did not start"
            time.sleep(0.1)
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_defaults_socket_0660_and_a_large_body_accepted(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        assert stat.S_IMODE(os.stat(served.sock).st_mode) == 0o660
        body = {"Name": "n" * 10, "Labels": {"pad": "x" * (2 << 20)}}
        assert served.api("POST", "/volumes/create", json=body).status_code == 201


def test_configured_limits(tmp_path: Path) -> None:
    options = ("--socket-mode", "600", "--max-body-size", "1m",
               "--max-archive-bytes", "64k", "--max-archive-entries", "10")  # fmt: skip
    with serve(tmp_path, *options) as served:
        assert stat.S_IMODE(os.stat(served.sock).st_mode) == 0o600
        # A body past 1 MiB: 413, and the daemon serves the next client.
        big = {"Name": "big", "Labels": {"pad": "x" * (2 << 20)}}
        reply = served.api("POST", "/volumes/create", json=big)
        assert reply.status_code == 413
        assert "too large" in reply.json()["message"]
        assert served.api("GET", "/_ping").text == "OK"
        assert served.api("GET", "/volumes").json()["Volumes"] in (None, [])
        # Archives: 10 entries pass, 11 do not; 64 KiB is the most one may expand to.
        served.api("POST", "/images/create?fromImage=busybox&tag=latest")
        body = {"Image": "busybox:latest", "Cmd": ["sleep", "99"]}
        assert served.api("POST", "/containers/create?name=target", json=body).status_code == 201
        put = "/containers/target/archive?path=/tmp"
        assert served.api("PUT", put, data=tar(10)).status_code == 200
        refused = served.api("PUT", put, data=tar(11))
        assert refused.status_code == 400
        assert "more than 10 entries" in refused.json()["message"]
        refused = served.api("PUT", put, data=tar(1, 100 << 10))
        assert refused.status_code == 400
        assert "larger than the limit of 65536 bytes" in refused.json()["message"]
        assert served.api("GET", "/_ping").text == "OK"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--socket-mode", "999"),
        ("--socket-mode", "rw"),
        ("--max-body-size", "512q"),
        ("--max-body-size", "0"),
        ("--max-archive-bytes", "-1"),
        ("--max-archive-entries", "many"),
    ],
)
def test_bad_values_are_refused_at_start(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["serve", "--socket", "/nonexistent/d.sock", option, value])
    assert exited.value.code == 2
    assert option in capsys.readouterr().err


def test_sizes_read_as_docker_reads_them() -> None:
    assert cli._size("512m") == 512 << 20
    assert cli._size("8g") == 8 << 30
    assert cli._size("1.5k") == 1536
    assert cli._size("100") == 100
    assert cli._mode("0660") == 0o660
