"""Looking paths up through a mount table: the one-pass walk against the plain algorithm.

``MountTable`` walks a path once, carrying the owning filesystem and the
layer stack (so a lookup is O(depth)); what it answers must be what the plain
algorithm answers, which resolves every prefix from the root and asks the
owning filesystem's ``stat`` each time.  The plain algorithm is kept here as
the reference, over a tree with whatever can change a lookup: symlinks
(absolute, relative, through ``..``, chains, loops, dangling, across mounts),
whiteouts and opaque directories in the layers, nested and read-only mounts,
a file mounted from a directory's entry, a host directory, and ``/dev``.
"""

from __future__ import annotations

import dataclasses
import errno
import itertools
import os
import random
from collections import deque
from collections.abc import Callable
from pathlib import Path

import pytest

from mockd.engine.mounts import (
    MAX_SYMLINKS,
    HostDirectory,
    Mount,
    MountTable,
    within_mount,
)
from mockd.fs import ContainerFS, MemoryFileSystem, paths
from mockd.fs.api import FileStat, FileSystem
from mockd.fs.union import UnionView
from mockd.programs.api import CommandNotFound, NoSuchFile, PermissionDenied
from mockd.programs.devices import dev_tree
from mockd.programs.registry import new_registry, probe

# -- the reference: each prefix resolved from the root, asked by stat ----------------


def reference_owner(table: MountTable, path: str) -> tuple[FileSystem, str]:
    mounts = sorted(
        [*table.mounts, *table.runtime_mounts], key=lambda m: len(m.destination), reverse=True
    )
    for mount in mounts:
        if within_mount(path, mount.destination):
            rest = path[len(mount.destination) :] if mount.destination != "/" else path
            return mount.fs, paths.clean(mount.source + rest)
    return table.root, path


def reference_resolve(table: MountTable, path: str, *, follow_last: bool) -> str:
    parts: list[str] = []
    todo = deque(paths.split(path))
    links = 0
    while todo:
        name = todo.popleft()
        if name == "..":
            if parts:
                parts.pop()
            continue
        here = paths.join([*parts, name])
        if todo or follow_last:
            fs, inner = reference_owner(table, here)
            try:
                st: FileStat | None = fs.stat(inner, follow_symlinks=False)
            except OSError:
                st = None
            if st is not None and st.kind == "symlink":
                links += 1
                if links > MAX_SYMLINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
                if st.link_target.startswith("/"):
                    parts.clear()
                todo.extendleft(reversed(paths.split(st.link_target)))
                continue
        parts.append(name)
    return paths.join(parts)


def reference_stat(table: MountTable, path: str, *, follow: bool) -> FileStat:
    fs, inner = reference_owner(table, reference_resolve(table, path, follow_last=follow))
    return dataclasses.replace(fs.stat(inner, follow_symlinks=False), path=path)


def outcome(call: Callable[..., object], *args: object, **kwargs: object) -> object:
    """What a call gives: its value, or the errno it fails with."""
    try:
        return call(*args, **kwargs)
    except OSError as err:
        return ("errno", err.errno)


# -- the tree ---------------------------------------------------------------------------


def build_table(host_dir: Path) -> MountTable:
    base = MemoryFileSystem(clock=lambda: 1.0)
    for d in ("/bin/dir", "/usr/bin", "/usr/local", "/etc", "/data", "/dir-gone", "/host"):
        base.mkdir(d, parents=True)
    for path, mode in [("/bin/echo", 0o755), ("/bin/sh", 0o755), ("/bin/noexec", 0o644),
                       ("/usr/bin/env", 0o755), ("/gone", 0o644), ("/dir-gone/x", 0o644)]:  # fmt: skip
        base.write_file(path, path.encode(), mode=mode)
    for target, link in [("/bin", "/lnk"), ("bin", "/rel"), ("../../bin", "/up"),
                         ("/loop", "/loop"), ("/nowhere", "/dangling"), ("lnk", "/chain"),
                         ("/data/sub", "/into-mount"), ("../usr/bin", "/bin/usrbin")]:  # fmt: skip
        base.symlink(target, link)
    layer1 = base.commit_layer()

    second = ContainerFS(UnionView([layer1.root]), clock=lambda: 2.0)
    second.remove("/gone")  # a whiteout
    second.remove("/dir-gone", recursive=True)
    second.mkdir("/dir-gone")  # opaque: x stays hidden
    second.write_file("/dir-gone/y", b"y")
    layer2 = second.commit_layer()

    own = ContainerFS(UnionView([layer1.root, layer2.root]), clock=lambda: 3.0)
    own.write_file("/bin/new", b"new", mode=0o755)
    own.remove("/bin/sh")  # a whiteout in the container's own layer
    own.symlink("data", "/data-link")

    data, read_only, config = MemoryFileSystem(), MemoryFileSystem(), MemoryFileSystem()
    data.mkdir("/sub")
    data.write_file("/sub/file", b"f")
    data.symlink("/bin", "/sub/back")  # absolute: back at the container's root
    data.symlink("../bin", "/rel-up")  # .. at the mount's root leaves it
    data.mkdir("/ro")
    read_only.write_file("/inside", b"r", mode=0o755)
    config.write_file("/hostname", b"box\n")
    (host_dir / "hosted").write_bytes(b"h")
    (host_dir / "hosted").chmod(0o755)
    os.symlink("/bin", host_dir / "esc")
    os.symlink("hosted", host_dir / "near")

    table = MountTable(own)
    table.add(Mount("/dev", dev_tree(lambda: 4.0)), runtime=True)
    table.add(Mount("/data", data))
    table.add(Mount("/data/ro", read_only, read_only=True))
    table.add(Mount("/etc/hostname", config, source="/hostname"))
    table.add(Mount("/host", HostDirectory(host_dir)))
    return table


NAMES = [
    "bin", "usr", "local", "lnk", "rel", "up", "loop", "dangling", "chain", "into-mount",
    "usrbin", "data", "data-link", "sub", "back", "rel-up", "ro", "inside", "etc", "hostname",
    "host", "hosted", "esc", "near", "dev", "null", "fd", "shm", "gone", "dir-gone", "x", "y",
    "echo", "sh", "noexec", "new", "env", "file", "..", ".", "missing",
]  # fmt: skip


def sample_paths() -> list[str]:
    short = ["/" + "/".join(c) for n in (0, 1, 2) for c in itertools.product(NAMES, repeat=n)]
    rng = random.Random(8)
    longer = ["/" + "/".join(rng.choices(NAMES, k=rng.randint(3, 6))) for _ in range(2500)]
    return short + longer + ["", "//bin//echo/", "/bin/./echo", "bin/echo", "/bin/echo/"]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> MountTable:
    return build_table(tmp_path_factory.mktemp("host"))


# -- the walk answers what the reference answers ------------------------------------------


def test_resolution_matches_the_reference_everywhere(table: MountTable) -> None:
    for path in sample_paths():
        for follow in (True, False):
            expected = outcome(reference_resolve, table, path, follow_last=follow)
            assert outcome(table._resolve, path, follow_last=follow) == expected, (
                path, follow,
            )  # fmt: skip


def test_stat_probe_exists_and_is_dir_match_the_reference(table: MountTable) -> None:
    for path in sample_paths():
        for follow in (True, False):
            expected = outcome(reference_stat, table, path, follow=follow)
            got = outcome(table.stat, path, follow_symlinks=follow)
            assert got == expected, (path, follow)
        followed = outcome(reference_stat, table, path, follow=True)
        found = table.probe(path)
        if isinstance(followed, FileStat):
            assert found == (followed.kind, followed.mode), path
            assert table.exists(path) and table.is_dir(path) == (followed.kind == "dir")
        else:
            assert found is None and not table.exists(path) and not table.is_dir(path), path


def test_the_sample_reaches_every_kind_of_answer(table: MountTable) -> None:
    """The comparison above means something only if the tree gives each kind of outcome."""
    seen: set[object] = set()
    for path in sample_paths():
        result = outcome(reference_stat, table, path, follow=True)
        seen.add(result.kind if isinstance(result, FileStat) else result)
    assert {"file", "dir", "char", ("errno", errno.ENOENT), ("errno", errno.ENOTDIR),
            ("errno", errno.ELOOP)} <= seen  # fmt: skip
    links = 0
    for path in sample_paths():
        result = outcome(reference_stat, table, path, follow=False)
        links += isinstance(result, FileStat) and result.kind == "symlink"
    assert links > 20


def test_lookups_see_mounts_layers_and_whiteouts(table: MountTable) -> None:
    assert table.read_file("/data/sub/file") == b"f"  # the volume, not the image's /data
    assert table.read_file("/into-mount/file") == b"f"  # an image link into a mount
    assert table.stat("/data/sub/back/echo").kind == "file"  # a mount's link back to the root
    assert table.read_file("/etc/hostname") == b"box\n"  # a file mounted from its source
    assert table.read_file("/host/near") == b"h"  # a host directory's own link
    assert table.probe("/host/esc/echo") == ("file", 0o755)  # and one back to the root
    assert table.probe("/bin/sh") is None  # the container removed it
    assert table.probe("/gone") is None  # a layer removed it
    assert table.listdir("/dir-gone") == ["y"]  # an opaque directory hides the lower x
    assert table.probe("/dev/null") == ("char", 0o666)
    with pytest.raises(OSError) as caught:
        table.write_file("/data/ro/new", b"")
    assert caught.value.errno == errno.EROFS


# -- $PATH search through the table -------------------------------------------------------


def test_path_search_finds_what_a_shell_finds(table: MountTable) -> None:
    registry = new_registry()

    def find(name: str, search: str, cwd: str = "/") -> str:
        return registry.find_executable(table, name, env={"PATH": search}, cwd=cwd)

    assert find("echo", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") == (
        "/bin/echo"
    )
    assert find("inside", "/bin:/data/ro") == "/data/ro/inside"  # a mount on $PATH
    assert find("env", "/lnk/usrbin") == "/lnk/usrbin/env"  # through links, named as searched
    assert find("echo", "bin", cwd="/") == "/bin/echo"  # a relative entry is from the cwd
    assert find("echo", ":/usr/bin", cwd="/bin") == "/bin/echo"  # an empty entry is "."
    assert find("hosted", "/usr/bin:/host") == "/host/hosted"
    with pytest.raises(CommandNotFound):
        find("sh", "/bin")  # removed by the container's layer
    with pytest.raises(CommandNotFound):
        find("noexec", "/bin")  # not executable: skipped
    with pytest.raises(CommandNotFound):
        find("dir", "/bin")  # a directory: skipped
    with pytest.raises(NoSuchFile):
        find("/bin/sh", "/bin")
    with pytest.raises(PermissionDenied):
        find("./noexec", "", cwd="/bin")


def test_a_mount_shadows_the_same_command_in_the_image(tmp_path: Path) -> None:
    table = build_table(tmp_path)
    tools = MemoryFileSystem()
    tools.write_file("/echo", b"#!/bin/sh\n", mode=0o755)
    table.add(Mount("/usr/local/bin", tools))
    registry = new_registry()
    search = {"PATH": "/usr/local/bin:/bin"}
    assert registry.find_executable(table, "echo", env=search, cwd="/") == "/usr/local/bin/echo"
    tools.chmod("/echo", 0o644)
    assert registry.find_executable(table, "echo", env=search, cwd="/") == "/bin/echo"


def test_probe_works_on_any_filesystem(tmp_path: Path) -> None:
    """Filesystems without their own ``probe`` are asked by ``stat``."""

    class StatOnly:
        def __init__(self, fs: MemoryFileSystem) -> None:
            self.fs = fs

        def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
            return self.fs.stat(path, follow_symlinks=follow_symlinks)

    fs = MemoryFileSystem()
    fs.write_file("/tool", b"", mode=0o750)
    plain = StatOnly(fs)
    assert probe(plain, "/tool") == ("file", 0o750)  # type: ignore[arg-type]
    assert probe(plain, "/none") is None  # type: ignore[arg-type]
    assert probe(fs, "/tool") == ("file", 0o750) and probe(fs, "/none/x") is None
