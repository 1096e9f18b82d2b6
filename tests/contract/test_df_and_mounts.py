"""``df`` and ``mount`` tell the container's mounts on both backends: which, in which
order, the sizes a container's config sets (tmpfs, shm, /dev), Used growing with
what is written in a tmpfs, and the mount ``df FILE`` picks.  The sizes of the
host's disk are the host's: not compared."""

from __future__ import annotations

import uuid

import pytest
from backends import Backend

import dockersdk
from tests.contract.shell import BUSYBOX


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def run(
    docker: Backend, client: dockersdk.DockerClient, script: str, **options: object
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``sh -c script`` with a tmpfs /t of 1m, a volume at /v
    and a 128 MiB /dev/shm (more ``options`` for ``containers.run``)."""
    volume = docker.track("volume", f"dockersdk-df-{uuid.uuid4().hex[:10]}")
    name = docker.track("container", f"dockersdk-df-{uuid.uuid4().hex[:10]}")
    kwargs: dict[str, object] = {
        "tmpfs": {"/t": "size=1m"},
        "volumes": {volume: {"bind": "/v", "mode": "rw"}},
        "shm_size": 128 * 1024 * 1024,
        **options,
    }
    container = client.containers.run(
        BUSYBOX, ["sh", "-c", script], name=name, detach=True, **kwargs
    )
    status = container.wait(timeout=60)["StatusCode"]
    out = container.logs(stdout=True, stderr=False)
    err = container.logs(stdout=False, stderr=True)
    assert isinstance(out, bytes) and isinstance(err, bytes)
    return status, out.decode(), err.decode()


def rows(table: str) -> dict[str, list[str]]:
    """df's lines by mount point (the header left out)."""
    return {line.split()[-1]: line.split() for line in table.splitlines()[1:]}


def test_df_lists_the_mounts_in_the_kernels_order(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    status, out, err = run(docker, client, "df")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Filesystem           1K-blocks      Used Available Use% Mounted on"
    points = [line.split()[-1] for line in lines[1:]]
    # /sys/fs/cgroup is a tmpfs on a cgroup v1 host only; the masked /proc and /sys
    # paths are those the host kernel has: both are the host's.
    own = [p for p in points if p != "/sys/fs/cgroup" and not p.startswith(("/proc", "/sys"))]
    assert own == [
        "/", "/dev", "/dev/shm", "/v", "/t", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts",
    ]  # fmt: skip
    without_cgroup = [p for p in points if p != "/sys/fs/cgroup"]
    assert without_cgroup[: len(own)] == own  # the masked paths come last
    table = rows(out)
    assert table["/"][0] == "overlay"
    assert table["/dev"][:4] == ["tmpfs", "65536", "0", "65536"]
    assert table["/dev/shm"][:5] == ["shm", "131072", "0", "131072", "0%"]
    assert table["/t"][:5] == ["tmpfs", "1024", "0", "1024", "0%"]
    assert table["/v"][0] == table["/etc/hosts"][0]  # the host's disk, by its device name


def test_used_grows_with_what_a_tmpfs_holds(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    script = (
        "dd if=/dev/zero of=/t/f bs=1k count=300 2>/dev/null; echo x > /t/small; mkdir /t/d; "
        "dd if=/dev/zero of=/dev/shm/s bs=1k count=100 2>/dev/null; df /t /dev/shm; df -h /t"
    )
    status, out, err = run(docker, client, script)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    # Pages: 300 KiB and one page for the small file; directories take none.
    assert lines[1].split() == ["tmpfs", "1024", "304", "720", "30%", "/t"]
    assert lines[2].split() == ["shm", "131072", "100", "130972", "0%", "/dev/shm"]
    assert lines[3] == "Filesystem                Size      Used Available Use% Mounted on"
    assert lines[4] == "tmpfs                     1.0M    304.0K    720.0K  30% /t"


def test_df_operands_pick_the_mount_holding_them(
    docker: Backend, client: dockersdk.DockerClient
) -> None:
    status, out, err = run(docker, client, "df /t/ /dev/shm / /nonexist /dev/null /etc/hosts")
    assert status == 1
    assert err == ("df: /nonexist: can't find mount point\ndf: /dev/null: can't find mount point\n")
    # /etc/hosts is on the host's disk: busybox shows the first mount of that device.
    assert [line.split()[-1] for line in out.splitlines()[1:]] == ["/t", "/dev/shm", "/", "/v"]


def test_df_options_format_as_busybox(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = run(
        docker,
        client,
        "df -T /t; df -P -m /dev/shm; df -B 1000 /t; df -k -t tmpfs | tail -n +2 | head -2; df -x",
    )
    assert status == 1
    assert err.startswith("df: invalid option -- 'x'\nBusyBox v1.")
    assert out.splitlines() == [
        "Filesystem           Type       1K-blocks      Used Available Use% Mounted on",
        "tmpfs                tmpfs           1024         0      1024   0% /t",
        "Filesystem           1048576-blocks Used Available Capacity Mounted on",
        "shm                        128         0       128   0% /dev/shm",
        "Filesystem           1000-blocks    Used Available Use% Mounted on",
        "tmpfs                     1049         0      1049   0% /t",
        "tmpfs                    65536         0     65536   0% /dev",
        # /sys/fs/cgroup (a cgroup v1 host) or /dev/shm: a tmpfs too
        out.splitlines()[7],
    ]
    assert out.splitlines()[7].split()[-1] in ("/sys/fs/cgroup", "/dev/shm")


def test_mount_lists_the_mounts(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = run(
        docker, client, "mount; mount -t tmpfs none /mnt", tmpfs={"/t": "size=1m,mode=700"},
        read_only=True,
    )  # fmt: skip
    assert status == 1
    assert err == "mount: permission denied (are you root?)\n"
    lines = out.splitlines()
    assert lines[0].startswith("overlay on / type overlay (ro,relatime,lowerdir=")
    for expected in (
        "proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)",
        "tmpfs on /dev type tmpfs (rw,nosuid,size=65536k,mode=755)",
        "devpts on /dev/pts type devpts (rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666)",
        "sysfs on /sys type sysfs (ro,nosuid,nodev,noexec,relatime)",
        "mqueue on /dev/mqueue type mqueue (rw,nosuid,nodev,noexec,relatime)",
        "shm on /dev/shm type tmpfs (rw,nosuid,nodev,noexec,relatime,size=131072k)",
        "tmpfs on /t type tmpfs (rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700)",
    ):
        assert expected in lines, expected
    hosts = next(line for line in lines if " on /etc/hosts " in line)
    volume = next(line for line in lines if " on /v " in line)
    assert " (ro," in hosts and " (rw," in volume  # the /etc files are read-only with the rootfs
    assert hosts.split(" on ")[0] == volume.split(" on ")[0]
    order = [line.split(" on ")[1].split(" type ")[0] for line in lines]
    assert order.index("/dev/shm") < order.index("/v") < order.index("/t")
    assert order.index("/t") < order.index("/etc/resolv.conf") < order.index("/etc/hosts")
