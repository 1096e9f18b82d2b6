"""Layers, whiteouts, opaque dirs, union views, copy-on-write, chain ids, the store."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable

import pytest

from mockd.fs import (
    ContainerFS,
    Layer,
    LayerStore,
    chain_id,
    chain_ids,
    layer_from_tar,
    union_of,
)
from mockd.fs.nodes import Node


def build_layer(
    base: list[Layer], clock: Callable[[], float], steps: Callable[[ContainerFS], None]
) -> Layer:
    fs = ContainerFS(union_of(base), clock=clock)
    steps(fs)
    return fs.commit_layer()


@pytest.fixture
def image(clock: Callable[[], float]) -> list[Layer]:
    def base(fs: ContainerFS) -> None:
        fs.mkdir("/etc")
        fs.write_file("/etc/passwd", b"root:x:0:0\n")
        fs.write_file("/etc/group", b"root:x:0:\n")
        fs.mkdir("/var/cache/apt", parents=True)
        fs.write_file("/var/cache/apt/big", b"x" * 5_000_000)
        fs.write_file("/var/cache/apt/small", b"y")
        fs.mkdir("/bin")
        fs.write_file("/bin/busybox", b"\x7fELF", mode=0o755)
        fs.symlink("busybox", "/bin/sh")

    def cleanup(fs: ContainerFS) -> None:
        fs.remove("/etc/group")
        fs.remove("/var/cache/apt", recursive=True)
        fs.mkdir("/var/cache/apt")
        fs.write_file("/var/cache/apt/fresh", b"z")

    l0 = build_layer([], clock, base)
    l1 = build_layer([l0], clock, cleanup)
    return [l0, l1]


def test_union_applies_whiteouts_and_opaque_dirs(image: list[Layer]) -> None:
    view = union_of(image)
    assert view.listdir("/etc") == ["passwd"]
    assert not view.exists("/etc/group")
    assert view.listdir("/var/cache/apt") == ["fresh"]  # opaque: lower contents hidden
    assert view.read_file("/bin/sh") == b"\x7fELF"
    # the lower layer alone still has everything
    assert union_of(image[:1]).listdir("/var/cache/apt") == ["big", "small"]


def test_layer_tar_has_whiteout_and_opaque_markers(image: list[Layer]) -> None:
    with tarfile.open(fileobj=io.BytesIO(image[1].tar_bytes())) as archive:
        names = archive.getnames()
    assert "etc/.wh.group" in names
    assert "var/cache/apt/.wh..wh..opq" in names
    assert "var/cache/apt/fresh" in names
    assert not any("big" in n for n in names)


def test_sizes_count_deleted_content(image: list[Layer]) -> None:
    # 5 MB written in one layer and hidden by the next still counts in the image
    assert image[0].size == len(b"root:x:0:0\n") + len(b"root:x:0:\n") + 5_000_000 + 1 + 4 + len(
        "busybox"
    )
    assert image[1].size == 1
    assert union_of(image).stat("/var/cache/apt").kind == "dir"


def test_diff_ids_are_sha256_of_the_tar_and_deterministic(
    image: list[Layer], clock: Callable[[], float]
) -> None:
    layer = image[0]
    assert layer.diff_id == "sha256:" + hashlib.sha256(layer.tar_bytes()).hexdigest()
    again = Layer(layer.root)
    assert again.diff_id == layer.diff_id
    # reading the tar back gives the same diff id
    assert layer_from_tar(io.BytesIO(layer.tar_bytes())).diff_id == layer.diff_id
    # a different mtime is different content
    changed = build_layer(image, clock, lambda fs: fs.utime("/etc/passwd", 5.0))
    assert (
        changed.diff_id
        != build_layer(image, clock, lambda fs: fs.utime("/etc/passwd", 6.0)).diff_id
    )


def test_chain_ids_follow_the_oci_definition() -> None:
    d0, d1, d2 = ("sha256:" + c * 64 for c in "abc")
    assert chain_id([d0]) == d0
    c1 = "sha256:" + hashlib.sha256(f"{d0} {d1}".encode()).hexdigest()
    assert chain_id([d0, d1]) == c1
    c2 = "sha256:" + hashlib.sha256(f"{c1} {d2}".encode()).hexdigest()
    assert chain_ids([d0, d1, d2]) == [d0, c1, c2]
    with pytest.raises(ValueError):
        chain_id([])


def test_layer_store_shares_and_frees(image: list[Layer]) -> None:
    store = LayerStore()
    first = store.add(image[0])
    duplicate = layer_from_tar(io.BytesIO(image[0].tar_bytes()))
    assert store.add(duplicate) is first  # stored once
    store.add(image[1])
    assert len(store) == 2
    assert store.total_size() == image[0].size + image[1].size
    assert store.refcount(first.diff_id) == 2
    assert store.release(first.diff_id) is False
    assert first.diff_id in store
    assert store.release(first.diff_id) is True
    assert first.diff_id not in store
    assert store.acquire(image[1].diff_id) is image[1]


def test_copy_on_write_isolation(image: list[Layer], clock: Callable[[], float]) -> None:
    view = union_of(image)
    a = ContainerFS(view, clock=clock)
    b = ContainerFS(view, clock=clock)
    a.write_file("/etc/passwd", b"changed\n", append=True)
    a.remove("/bin/sh")
    a.chmod("/bin/busybox", 0o700)
    assert a.read_file("/etc/passwd") == b"root:x:0:0\nchanged\n"
    assert b.read_file("/etc/passwd") == b"root:x:0:0\n"
    assert b.exists("/bin/sh") and not a.exists("/bin/sh")
    assert b.stat("/bin/busybox").mode == 0o755
    assert view.read_file("/etc/passwd") == b"root:x:0:0\n"
    # lower layers' trees are untouched
    assert image[0].root.children["etc"].children["passwd"].data == b"root:x:0:0\n"
    assert a.size_rw() == len(b"root:x:0:0\nchanged\n") + 4


def test_container_creation_copies_nothing(image: list[Layer]) -> None:
    fs = ContainerFS(union_of(image))
    assert fs.upper.children == {}
    assert fs.size_rw() == 0
    assert fs.changes() == []


def test_rmdir_then_mkdir_is_opaque(image: list[Layer], clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of(image), clock=clock)
    fs.remove("/etc", recursive=True)
    fs.mkdir("/etc")
    assert fs.listdir("/etc") == []
    fs.write_file("/etc/new", b"")
    assert fs.listdir("/etc") == ["new"]
    layer = fs.commit_layer()
    assert layer.root.children["etc"].opaque
    assert union_of([*image, layer]).listdir("/etc") == ["new"]


def test_rename_of_lower_directory(image: list[Layer], clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of(image), clock=clock)
    fs.rename("/etc", "/etc2")
    assert not fs.exists("/etc")
    assert fs.read_file("/etc2/passwd") == b"root:x:0:0\n"
    merged = union_of([*image, fs.commit_layer()])
    assert merged.listdir("/") == ["bin", "etc2", "var"]


def test_whiteout_then_recreate_file(image: list[Layer], clock: Callable[[], float]) -> None:
    fs = ContainerFS(union_of(image), clock=clock)
    fs.remove("/etc/passwd")
    assert not fs.exists("/etc/passwd")
    fs.write_file("/etc/passwd", b"new")
    assert fs.read_file("/etc/passwd") == b"new"
    assert fs.upper.children["etc"].children["passwd"].kind == "file"


def test_lookup_does_not_scan_layers(clock: Callable[[], float]) -> None:
    # 200 layers of 50 files each: a lookup touches one dict per layer per component
    layers = []
    for i in range(200):
        root = Node(kind="dir", mode=0o755)
        d = Node(kind="dir", mode=0o755)
        root.children["d"] = d
        for j in range(50):
            d.children[f"f{i}-{j}"] = Node(kind="file", data=b"x")
        layers.append(Layer(root, diff_id=f"sha256:{i:064x}"))
    fs = ContainerFS(union_of(layers), clock=clock)
    assert fs.read_file("/d/f0-0") == b"x"
    assert len(fs.listdir("/d")) == 10_000


def test_the_root_is_the_upper_directorys(image: list[Layer]) -> None:
    """A layer whose "./" is 0700 (an archive made from a mktemp folder) does not make
    the container's root 0700: overlayfs shows the upper directory's attributes."""
    view = union_of(image)
    top = image[-1].root
    saved, top.mode = top.mode, 0o700
    try:
        assert view.stat("/").mode == 0o700
        assert ContainerFS(view).stat("/").mode == 0o755
    finally:
        top.mode = saved
