"""df's number formatting and the mount list a MountTable gives (mockd.engine.mount_info)."""

from __future__ import annotations

import pytest

from mockd.engine.container_config import _tmpfs_point
from mockd.engine.mount_info import PAGE, HostMount, describe
from mockd.engine.mounts import Mount, MountPoint, MountTable, _described
from mockd.fs import MemoryFileSystem
from mockd.programs.applets.mounts_info import _block_size, human_readable
from mockd.programs.devices import dev_tree


@pytest.mark.parametrize(
    ("value", "block_size", "unit", "shown"),
    [
        (0, 4096, 0, "0"),
        (16384, 4096, 0, "64.0M"),
        (66053021, 4096, 0, "252.0G"),
        (76, 4096, 0, "304.0K"),
        (1024, 0, 0, "1K"),  # df's header: no decimal without a block size
        (1000000, 0, 0, "977K"),
        (1048576, 0, 1, "1048576"),  # df -P's header
        (16384, 4096, 1000, "67109"),  # -B 1000 rounds half up
    ],
)
def test_human_readable_as_libbb(value: int, block_size: int, unit: int, shown: str) -> None:
    assert human_readable(value, block_size, unit) == shown


def test_block_sizes_take_libbbs_suffixes() -> None:
    assert [_block_size(s) for s in ("1K", "1M", "1MB", "2G", "1000", "1kB", "1x")] == [
        1024, 1 << 20, 1000000, 2 << 30, 1000, None, None,
    ]  # fmt: skip


def test_tmpfs_size_option_is_parsed() -> None:
    assert _tmpfs_point("/t", "size=1m,mode=700").tmpfs_size == 1 << 20
    assert _tmpfs_point("/t", "size=100k").tmpfs_size == 100 * 1024
    assert _tmpfs_point("/t", "").tmpfs_size == 0


def test_describe_orders_and_sizes_the_mounts() -> None:
    table = MountTable(MemoryFileSystem())
    table.add(Mount("/dev", dev_tree()), runtime=True)
    tmpfs = MemoryFileSystem()
    point = MountPoint("tmpfs", "/t", tmpfs_mode=0o700, tmpfs_size=1 << 20, listed=False)
    table.add(_described(Mount("/t", tmpfs), point))
    table.add(Mount("/etc/hosts", MemoryFileSystem(), source="/hosts", kind="etc", rank=1))
    table.add(_described(Mount("/v", MemoryFileSystem()), MountPoint("volume", "/v")))
    tmpfs.write_file("/f", b"x" * (PAGE + 1))  # two pages
    table.write_file("/dev/shm/s", b"y")
    host = [HostMount("/", "/dev/vda", "ext4", "rw,relatime,discard")]
    found = {m.mount_point: m for m in describe(table, host)}
    assert [m.mount_point for m in describe(table, host)] == [
        "/", "/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
        "/v", "/t", "/etc/hosts",
    ]  # fmt: skip
    assert found["/sys/fs/cgroup"].fs_type == "cgroup2"  # the host says no v1 tmpfs
    t = found["/t"]
    assert (t.blocks, t.blocks - t.free) == (256, 2)
    assert t.options == "rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700"
    assert found["/dev/shm"].blocks - found["/dev/shm"].free == 1
    assert (found["/v"].device, found["/v"].options) == ("/dev/vda", "rw,relatime,discard")
    assert found["/v"].identity == found["/etc/hosts"].identity != found["/"].identity
