"""The built-in catalogue: deterministic images with busybox's layout."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockd import catalog
from mockd.engine.platforms import host_arch
from mockd.fs.layer import union_of
from mockd.programs.registry import MARKER_PREFIX

ROOT = Path(__file__).resolve().parents[3]
_PRINT_IDS = (
    "from mockd import catalog; import hashlib\n"
    "for r in catalog.repositories():\n"
    "    c = catalog.build(r)\n"
    "    print(r, hashlib.sha256(c.config_bytes).hexdigest(), c.digest, c.layers[0].diff_id)\n"
)


def ids_here() -> list[str]:
    out = []
    for repo in catalog.repositories():
        item = catalog.build(repo)
        config_id = hashlib.sha256(item.config_bytes).hexdigest()
        out.append(f"{repo} {config_id} {item.digest} {item.layers[0].diff_id}")
    return out


def test_same_ids_twice_and_across_processes() -> None:
    assert ids_here() == ids_here()
    other = subprocess.run(
        [sys.executable, "-c", _PRINT_IDS], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert other.stdout.splitlines() == ids_here()


def test_load_builds_once_per_process() -> None:
    assert catalog.load("docker.io/library/busybox") is catalog.load("docker.io/library/busybox")


@pytest.mark.parametrize(
    ("repo", "cmd"),
    [("docker.io/library/busybox", ["sh"]), ("docker.io/library/alpine", ["/bin/sh"]),
     ("docker.io/library/hello-world", ["/hello"])],
)  # fmt: skip
def test_config(repo: str, cmd: list[str]) -> None:
    item = catalog.load(repo)
    config = json.loads(item.config_bytes)
    assert config["config"]["Cmd"] == cmd
    assert config["config"]["Env"] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ]
    assert config["os"] == "linux" and config["architecture"] == host_arch()
    assert config["rootfs"]["diff_ids"] == [layer.diff_id for layer in item.layers]
    manifest = json.loads(item.manifest_bytes)
    assert manifest["config"]["digest"] == "sha256:" + hashlib.sha256(item.config_bytes).hexdigest()


def test_busybox_layout() -> None:
    fs = union_of(catalog.load("docker.io/library/busybox").layers)
    assert fs.read_file("/bin/busybox").startswith(MARKER_PREFIX + b"busybox")
    for path in ("/bin/sh", "/bin/ls", "/usr/bin/env", "/sbin/ifconfig", "/usr/sbin/chroot"):
        assert fs.readlink(path) == "/bin/busybox", path
    assert fs.stat("/tmp").mode == 0o1777
    assert b"root:x:0:0:root:/root:/bin/sh" in fs.read_file("/etc/passwd")
    assert fs.is_dir("/root") and fs.is_dir("/home")
    assert not fs.exists("/etc/hostname")  # the engine mounts it


def test_find_by_reference() -> None:
    from mockd.engine.references import parse_normalized

    latest = catalog.find(parse_normalized("busybox:latest"))
    assert latest is not None and latest is catalog.find(parse_normalized("busybox:1.36"))
    assert catalog.find(parse_normalized("busybox:nope")) is None
    assert catalog.find(parse_normalized("nosuch:latest")) is None
