"""MemoryFileSystem: tree operations, errors, symlinks and escape attempts."""

from __future__ import annotations

import errno

import pytest

from mockd.fs import FileSystem, MemoryFileSystem


@pytest.fixture
def fs() -> MemoryFileSystem:
    ticks = iter(range(1000, 100000))
    fs = MemoryFileSystem(clock=lambda: float(next(ticks)))
    fs.mkdir("/etc")
    fs.write_file("/etc/passwd", b"root:x:0:0\n")
    return fs


def test_satisfies_protocol(fs: MemoryFileSystem) -> None:
    view: FileSystem = fs
    assert view.listdir("/") == ["etc"]


def test_write_read_append(fs: MemoryFileSystem) -> None:
    fs.write_file("/etc/passwd", b"x:1\n", append=True)
    assert fs.read_file("/etc/passwd") == b"root:x:0:0\nx:1\n"
    fs.write_file("/etc/passwd", b"new")
    assert fs.read_file("/etc/passwd") == b"new"
    st = fs.stat("/etc/passwd")
    assert (st.kind, st.size, st.mode) == ("file", 3, 0o644)


def test_write_file_mode_on_create(fs: MemoryFileSystem) -> None:
    fs.write_file("/run.sh", b"#!/bin/sh", mode=0o755)
    assert fs.stat("/run.sh").mode == 0o755


def test_errors_carry_errno(fs: MemoryFileSystem) -> None:
    with pytest.raises(FileNotFoundError):
        fs.read_file("/nope")
    with pytest.raises(FileNotFoundError):
        fs.write_file("/nodir/f", b"")
    with pytest.raises(IsADirectoryError):
        fs.read_file("/etc")
    with pytest.raises(IsADirectoryError):
        fs.write_file("/etc", b"")
    with pytest.raises(NotADirectoryError):
        fs.listdir("/etc/passwd")
    with pytest.raises(NotADirectoryError):
        fs.stat("/etc/passwd/x")
    with pytest.raises(FileExistsError):
        fs.mkdir("/etc")
    with pytest.raises(OSError) as info:
        fs.remove("/etc")
    assert info.value.errno == errno.ENOTEMPTY
    with pytest.raises(OSError) as info:
        fs.readlink("/etc/passwd")
    assert info.value.errno == errno.EINVAL


def test_mkdir_parents_and_listdir_sorted(fs: MemoryFileSystem) -> None:
    fs.mkdir("/a/b/c", parents=True)
    fs.mkdir("/a/b/c", parents=True)  # idempotent, like mkdir -p
    fs.write_file("/a/z", b"")
    fs.write_file("/a/m", b"")
    assert fs.listdir("/a") == ["b", "m", "z"]
    with pytest.raises(FileExistsError):
        fs.mkdir("/a/z/q", parents=True)


def test_remove_recursive(fs: MemoryFileSystem) -> None:
    fs.mkdir("/a/b", parents=True)
    fs.write_file("/a/b/f", b"1")
    fs.remove("/a", recursive=True)
    assert not fs.exists("/a")
    fs.remove("/etc/passwd")
    fs.remove("/etc")
    assert fs.listdir("/") == []


def test_rename(fs: MemoryFileSystem) -> None:
    fs.rename("/etc/passwd", "/etc/passwd.bak")
    assert fs.listdir("/etc") == ["passwd.bak"]
    fs.mkdir("/d")
    fs.rename("/etc", "/d/etc2")
    assert fs.read_file("/d/etc2/passwd.bak") == b"root:x:0:0\n"
    with pytest.raises(OSError) as info:
        fs.rename("/d", "/d/etc2/inner")
    assert info.value.errno == errno.EINVAL
    fs.write_file("/f", b"")
    with pytest.raises(IsADirectoryError):
        fs.rename("/f", "/d")
    with pytest.raises(NotADirectoryError):
        fs.rename("/d", "/f")


def test_chmod_chown_utime(fs: MemoryFileSystem) -> None:
    fs.chmod("/etc/passwd", 0o600)
    fs.chown("/etc/passwd", 1000, 100)
    fs.utime("/etc/passwd", 42.0)
    st = fs.stat("/etc/passwd")
    assert (st.mode, st.uid, st.gid, st.mtime) == (0o600, 1000, 100, 42.0)


def test_mtime_moves_with_clock(fs: MemoryFileSystem) -> None:
    before = fs.stat("/etc").mtime
    fs.write_file("/etc/new", b"")
    assert fs.stat("/etc").mtime > before
    assert fs.stat("/etc/new").mtime > before


def test_symlinks_resolve(fs: MemoryFileSystem) -> None:
    fs.symlink("passwd", "/etc/rel")
    fs.symlink("/etc", "/abs")
    assert fs.read_file("/etc/rel") == b"root:x:0:0\n"
    assert fs.read_file("/abs/rel") == b"root:x:0:0\n"
    assert fs.readlink("/abs") == "/etc"
    assert fs.stat("/abs", follow_symlinks=False).kind == "symlink"
    assert fs.stat("/abs").kind == "dir"
    assert fs.realpath("/abs/rel") == "/etc/passwd"
    # writing through a symlink writes its target, even a dangling one
    fs.symlink("/etc/created", "/dangling")
    fs.write_file("/dangling", b"via link")
    assert fs.read_file("/etc/created") == b"via link"
    # removing a link removes the link, not the target
    fs.remove("/abs")
    assert fs.is_dir("/etc")


def test_dotdot_at_root_stays_at_root(fs: MemoryFileSystem) -> None:
    assert fs.realpath("/../../etc/../..") == "/"
    assert fs.read_file("/../../../etc/passwd") == b"root:x:0:0\n"


def test_symlinks_cannot_escape_root(fs: MemoryFileSystem) -> None:
    fs.symlink("../../../../..", "/etc/up")
    fs.symlink("/../../etc", "/escape")
    assert fs.realpath("/etc/up") == "/"
    assert fs.realpath("/etc/up/etc/passwd") == "/etc/passwd"
    assert fs.realpath("/escape") == "/etc"
    fs.write_file("/etc/up/outside", b"x")
    assert fs.listdir("/") == ["escape", "etc", "outside"]


def test_symlink_loop_is_eloop(fs: MemoryFileSystem) -> None:
    fs.symlink("/b", "/a")
    fs.symlink("/a", "/b")
    with pytest.raises(OSError) as info:
        fs.read_file("/a")
    assert info.value.errno == errno.ELOOP
    with pytest.raises(OSError) as info:
        fs.write_file("/a", b"")
    assert info.value.errno == errno.ELOOP


def test_hardlink_shares_inode(fs: MemoryFileSystem) -> None:
    fs.link("/etc/passwd", "/hard")
    fs.write_file("/hard", b"changed")
    assert fs.read_file("/etc/passwd") == b"changed"
    fs.remove("/etc/passwd")
    assert fs.read_file("/hard") == b"changed"


def test_devices_are_metadata_only(fs: MemoryFileSystem) -> None:
    fs.mkdir("/dev")
    fs.mknod("/dev/null", "char", mode=0o666, rdev=(1, 3))
    fs.write_file("/dev/null", b"discarded")
    assert fs.read_file("/dev/null") == b""
    assert fs.stat("/dev/null").kind == "char"
