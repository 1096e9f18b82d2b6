"""The devices in a container's ``/dev`` on both backends: what they read and write, how
``ls``/``stat``/``test`` show them, and that they stay out of diff, export and archives.
"""

from __future__ import annotations

import io
import re
import tarfile
import uuid

import pytest
from backends import Backend

import dockersdk
from tests.contract.shell import BUSYBOX, sh


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


# What runc makes in /dev (dates, link counts and directory sizes left out:
# tmpfs sizes its directories by their entries, the mock as ext4 does).
DEV_LISTING = {
    ("fd", "lrwxrwxrwx", "13", "/proc/self/fd"),
    ("full", "crw-rw-rw-", "1,   7", ""),
    ("mqueue", "drwxrwxrwt", "", ""),
    ("null", "crw-rw-rw-", "1,   3", ""),
    ("ptmx", "lrwxrwxrwx", "8", "pts/ptmx"),
    ("pts", "drwxr-xr-x", "", ""),
    ("random", "crw-rw-rw-", "1,   8", ""),
    ("shm", "drwxrwxrwt", "", ""),
    ("stderr", "lrwxrwxrwx", "15", "/proc/self/fd/2"),
    ("stdin", "lrwxrwxrwx", "15", "/proc/self/fd/0"),
    ("stdout", "lrwxrwxrwx", "15", "/proc/self/fd/1"),
    ("tty", "crw-rw-rw-", "5,   0", ""),
    ("urandom", "crw-rw-rw-", "1,   9", ""),
    ("zero", "crw-rw-rw-", "1,   5", ""),
}
LS_LINE = re.compile(
    r"(?P<mode>\S{10}) +\d+ root +root +(?P<size>\d+,\s+\d+|\d+) \w{3} +\d+ +[\d:]+ "
    r"(?P<name>\S+)(?: -> (?P<target>\S+))?"
)


def listing(text: str) -> set[tuple[str, str, str, str]]:
    entries = set()
    for line in text.splitlines():
        match = LS_LINE.fullmatch(line)
        assert match is not None or line.startswith("total "), line
        if match is not None:
            size = "" if match["mode"].startswith("d") else match["size"]
            entries.add((match["name"], match["mode"], size, match["target"] or ""))
    return entries


def test_ls_shows_the_devices_links_and_directories(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    status, out, err = sh(docker, client, "ls -l /dev; echo ==; ls -l /dev/pts /dev/shm")
    assert (status, err) == (0, "")
    dev, _, rest = out.partition("==\n")
    assert listing(dev) == DEV_LISTING
    assert "crw-rw-rw-    1 root     root        5,   2 " in rest  # /dev/pts/ptmx
    assert rest.splitlines()[-2:] == ["/dev/shm:", "total 0"]


def test_stat_and_test_see_character_devices(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    script = (
        'stat -c "%n %F %t %T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom'
        " /dev/tty /dev/pts/ptmx; "
        "[ -c /dev/null ] && echo c; [ -e /dev/urandom ] && echo e; [ -f /dev/zero ] || echo nf; "
        "[ -L /dev/stdout ] && echo L; [ -d /dev/shm ] && echo d; [ -c /dev/nothing ] || echo no"
    )
    status, out, err = sh(docker, client, script)
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "/dev/null character special file 1 3 666",
        "/dev/zero character special file 1 5 666",
        "/dev/full character special file 1 7 666",
        "/dev/random character special file 1 8 666",
        "/dev/urandom character special file 1 9 666",
        "/dev/tty character special file 5 0 666",
        "/dev/pts/ptmx character special file 5 2 666",
        "c", "e", "nf", "L", "d", "no",
    ]  # fmt: skip


def test_reading_endless_devices_gives_what_is_asked(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    script = (
        "head -c 1048576 /dev/urandom > /f; wc -c < /f; "
        "dd if=/dev/urandom of=/g bs=1M count=5; wc -c < /g; "
        "dd if=/dev/urandom bs=1k count=4 2>/dev/null | wc -c; "
        "tr -dc a-z0-9 < /dev/urandom | head -c 12; echo; "
        "tr -dc a-z0-9 < /dev/urandom | head -c 12; echo; "
        "cat /dev/zero | head -c 100 | wc -c; "
        "head -c 10 /dev/zero | hexdump -C; "
        "cat /dev/full | head -c 5 | hexdump -C; "
        "hexdump -n 4 -C /dev/zero; "
        "head -c 3 /dev/random | wc -c; "
        "cat /dev/null | wc -c; wc -c /dev/null; md5sum /dev/null; "
        "cp /dev/null /e; wc -c < /e; sum=$(head -c 64 /dev/urandom | md5sum); echo ${#sum}"
    )
    status, out, err = sh(docker, client, script)
    assert status == 0, err
    assert err == "5+0 records in\n5+0 records out\n"
    lines = out.splitlines()
    assert lines[:3] == ["1048576", "5242880", "4096"]
    first, second = lines[3:5]
    assert re.fullmatch(r"[a-z0-9]{12}", first) and re.fullmatch(r"[a-z0-9]{12}", second)
    assert first != second  # random
    assert lines[5:] == [
        "100",
        "00000000  00 00 00 00 00 00 00 00  00 00                    |..........|",
        "0000000a",
        "00000000  00 00 00 00 00                                    |.....|",
        "00000005",
        "00000000  00 00 00 00                                       |....|",
        "00000004",
        "3",
        "0",
        "0 /dev/null",
        "d41d8cd98f00b204e9800998ecf8427e  /dev/null",
        "0",
        "35",
    ]


def test_writing_devices(docker: Backend, client: dockersdk.DockerClient) -> None:
    script = (
        "echo x > /dev/null; echo null=$?; echo x > /dev/zero; echo zero=$?; "
        "echo x > /dev/urandom; echo urandom=$?; printf abc > /dev/random; echo random=$?; "
        "echo x > /dev/full; echo full=$?; echo x >> /dev/full; echo append=$?; "
        "printf abc > /dev/full; echo printf=$?; "
        "cat /etc/passwd > /dev/full; echo cat=$?; "
        "dd if=/dev/zero of=/dev/full bs=1 count=1; echo dd=$?; "
        "echo to-stderr > /dev/stderr; echo to-stdout > /dev/stdout; echo fd1 > /dev/fd/1; "
        "cat /dev/fd/0 < /etc/passwd | wc -l; "
        "echo x > /dev/tty; echo tty=$?; cat /dev/tty; echo cat-tty=$?"
    )
    status, out, err = sh(docker, client, script)
    assert status == 0
    assert out.splitlines() == [
        "null=0", "zero=0", "urandom=0", "random=0", "full=1", "append=1", "printf=1",
        "cat=1", "dd=1", "to-stdout", "fd1", out.splitlines()[11], "tty=1", "cat-tty=1",
    ]  # fmt: skip
    assert int(out.splitlines()[11]) > 0
    assert err.splitlines() == [
        "sh: write error: No space left on device",
        "sh: write error: No space left on device",
        "cat: write error: No space left on device",
        "dd: error writing '/dev/full': No space left on device",
        "1+0 records in",
        "0+0 records out",
        "to-stderr",
        "sh: can't create /dev/tty: No such device or address",
        "cat: can't open '/dev/tty': No such device or address",
    ]


def test_dev_is_not_in_diff_export_or_archive(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    name = docker.track("container", f"dockersdk-dev-{uuid.uuid4().hex[:10]}")
    script = "touch /dev/newfile; mkdir /dev/newdir; echo x > /dev/null; touch /tmp/a; sleep 30"
    container = client.containers.run(BUSYBOX, ["sh", "-c", script], name=name, detach=True)
    try:
        exec_result = container.exec_run(["sh", "-c", "while [ ! -e /tmp/a ]; do sleep 0.1; done"])
        assert exec_result.exit_code == 0
        seen = container.exec_run(["ls", "/dev/newfile", "/dev/null"])
        assert seen.output == b"/dev/newfile\n/dev/null\n"  # processes see the tmpfs...
        changes = {(c.path, int(c.kind or 0)) for c in container.diff()}
        assert changes == {("/tmp", 0), ("/tmp/a", 1)}  # ...the layer does not
        with tarfile.open(fileobj=io.BytesIO(b"".join(container.export()))) as exported:
            names = {m.name.rstrip("/") for m in exported.getmembers()}
        assert "dev" in names and "tmp/a" in names
        assert not {"dev/null", "dev/zero", "dev/urandom", "dev/fd", "dev/newfile"} & names
        chunks, _ = container.get_archive("/dev")
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archived:
            archived_names = {m.name.rstrip("/") for m in archived.getmembers()}
        assert "dev" in archived_names
        assert not {"dev/null", "dev/newfile", "dev/stdout"} & archived_names
    finally:
        container.remove(force=True)
