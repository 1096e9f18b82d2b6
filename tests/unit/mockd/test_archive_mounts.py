"""The archive endpoints over a container's mounts: the merged view and the put across mounts."""

from __future__ import annotations

import pytest

from mockd.engine.mounts import Mount, MountTable, archive_view, merge_tree
from mockd.fs import ContainerFS, ExtractConflictError, MemoryFileSystem


def table_with_volume() -> tuple[MountTable, ContainerFS, MemoryFileSystem]:
    own = MemoryFileSystem()
    own.mkdir("/data")
    own.write_file("/data/hidden.txt", b"under the mount")
    own.write_file("/etc-file", b"own")
    volume = MemoryFileSystem()
    volume.write_file("/in-volume.txt", b"volume", mode=0o600)
    volume.chown("/in-volume.txt", 1000, 1000)
    return MountTable(own, [Mount("/data", volume)]), own, volume


def test_the_view_shows_the_mount_and_leaves_the_layer_alone() -> None:
    table, own, _ = table_with_volume()
    view = archive_view(table, own, "/data")
    assert view.listdir("/data") == ["in-volume.txt"]  # the mount hides what is under it
    st = view.stat("/data/in-volume.txt")
    assert (st.mode, st.uid, st.gid) == (0o600, 1000, 1000)
    assert own.listdir("/data") == ["hidden.txt"]
    assert archive_view(table, own, "/etc-file") is own  # no mount involved: no copy


def test_merge_tree_routes_entries_into_the_mount() -> None:
    table, own, volume = table_with_volume()
    staged = MemoryFileSystem()
    staged.mkdir("/data")
    staged.write_file("/data/new.txt", b"new")
    staged.write_file("/top.txt", b"top")
    merge_tree(staged, table, "/")
    assert volume.read_file("/new.txt") == b"new"
    assert own.read_file("/top.txt") == b"top" and not own.exists("/data/new.txt")


def test_no_overwrite_dir_non_dir_refuses_before_writing() -> None:
    table, _, volume = table_with_volume()
    staged = MemoryFileSystem()
    staged.write_file("/first.txt", b"1")
    staged.mkdir("/in-volume.txt")  # a directory over a file
    with pytest.raises(ExtractConflictError):
        merge_tree(staged, table, "/data", no_overwrite_dir_non_dir=True)
    assert not volume.exists("/first.txt")
    merge_tree(staged, table, "/data")  # without the flag it replaces the file
    assert volume.is_dir("/in-volume.txt") and volume.read_file("/first.txt") == b"1"


def test_read_only_nested_mount_is_refused() -> None:
    table, _, _ = table_with_volume()
    table.add(Mount("/data/ro", MemoryFileSystem(), read_only=True))
    staged = MemoryFileSystem()
    staged.mkdir("/ro")
    staged.write_file("/ro/x", b"x")
    with pytest.raises(OSError, match="Read-only"):
        merge_tree(staged, table, "/data")
