"""docker save / docker load in the engine: the archive format, round trips, hostile input."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest

from mockd import catalog
from mockd.engine.clock import ManualClock
from mockd.engine.events import EventBus
from mockd.engine.image_archive import plan_save, read_archive, save_stream, store_loaded
from mockd.engine.images import ImageStore
from mockd.engine.references import parse_normalized
from mockd.errors import InvalidParameter, NotFound
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, new_dir


def new_store() -> ImageStore:
    clock = ManualClock()
    return ImageStore(clock, EventBus(clock))


def with_busybox(store: ImageStore) -> str:
    item = catalog.load("docker.io/library/busybox")
    image = store.add(item.config_bytes, item.layers)
    store.add_reference(image, parse_normalized("busybox:latest"))
    return image.id


def tar_of(files: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {
            m.name: (archive.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
            for m in archive
        }


def one_layer_image(content: bytes) -> tuple[bytes, bytes]:
    """A config and its layer tar: one file ``/hello`` holding ``content``."""
    root = new_dir()
    root.children["hello"] = Node(kind="file", mode=0o644, data=content)
    layer_tar = Layer(root).tar_bytes()
    diff_id = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}  # fmt: skip
    return json.dumps(config).encode(), layer_tar


def test_save_writes_the_docker_save_layout() -> None:
    store = new_store()
    image_id = with_busybox(store)
    files = members(b"".join(save_stream(store, plan_save(store, ["busybox"]))))
    manifest = json.loads(files["manifest.json"])
    assert manifest[0]["Config"] == image_id[7:] + ".json"
    assert manifest[0]["RepoTags"] == ["busybox:latest"]
    (layer_path,) = manifest[0]["Layers"]
    layer_dir = layer_path.rpartition("/")[0]
    assert files[f"{layer_dir}/VERSION"] == b"1.0"
    assert json.loads(files[f"{layer_dir}/json"])["id"] == layer_dir
    assert files[image_id[7:] + ".json"] == store.get(image_id).config_bytes
    assert json.loads(files["repositories"]) == {"busybox": {"latest": layer_dir}}
    # The layer is the exact tar whose sha256 is the diff_id.
    layer = store.get(image_id).layers[0]
    assert "sha256:" + hashlib.sha256(files[layer_path]).hexdigest() == layer.diff_id


def test_save_by_id_records_no_tags_and_unknown_names_are_404() -> None:
    store = new_store()
    image_id = with_busybox(store)
    files = members(b"".join(save_stream(store, plan_save(store, [image_id[7:19]]))))
    assert json.loads(files["manifest.json"])[0]["RepoTags"] is None
    assert "repositories" not in files
    with pytest.raises(NotFound):
        plan_save(store, ["nothere:latest"])


def test_save_then_load_round_trip_keeps_ids_and_layer_bytes() -> None:
    source = new_store()
    image_id = with_busybox(source)
    archive = b"".join(save_stream(source, plan_save(source, ["busybox:latest"])))
    target = new_store()
    messages = list(store_loaded(target, read_archive(io.BytesIO(archive))))
    assert messages == ["Loaded image: busybox:latest"]
    loaded = target.get("busybox:latest")
    assert loaded.id == image_id
    assert loaded.layers[0].tar_bytes() == source.get(image_id).layers[0].tar_bytes()
    # Saving the loaded image gives the same archive again, byte for byte.
    again = b"".join(save_stream(target, plan_save(target, ["busybox:latest"])))
    assert again == archive


def test_load_of_untagged_image_reports_its_id() -> None:
    config, layer = one_layer_image(b"x")
    manifest = json.dumps([{"Config": "c.json", "RepoTags": None, "Layers": ["l/layer.tar"]}])
    archive = tar_of({"manifest.json": manifest.encode(), "c.json": config, "l/layer.tar": layer})
    store = new_store()
    messages = list(store_loaded(store, read_archive(io.BytesIO(archive))))
    image_id = "sha256:" + hashlib.sha256(config).hexdigest()
    assert messages == [f"Loaded image ID: {image_id}"]
    assert store.get(image_id).rootfs_view().read_file("/hello") == b"x"


def test_load_moving_a_tag_says_so() -> None:
    store = new_store()
    old_id = with_busybox(store)
    config, layer = one_layer_image(b"new")
    manifest = json.dumps([{"Config": "c.json", "RepoTags": ["busybox:latest"],
                            "Layers": ["l/layer.tar"]}])  # fmt: skip
    archive = tar_of({"manifest.json": manifest.encode(), "c.json": config, "l/layer.tar": layer})
    messages = list(store_loaded(store, read_archive(io.BytesIO(archive))))
    assert messages[0] == (
        f"The image busybox:latest already exists, renaming the old one with ID {old_id} "
        "to empty string"
    )
    assert store.get("busybox:latest").id != old_id


def test_load_oci_layout_with_gzip_layers() -> None:
    config, layer = one_layer_image(b"oci")
    compressed = gzip.compress(layer)

    def digest(data: bytes) -> str:
        return "sha256:" + hashlib.sha256(data).hexdigest()

    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": digest(compressed), "size": len(compressed)}],
    }).encode()  # fmt: skip
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest),
        "size": len(manifest), "annotations": {"io.containerd.image.name": "docker.io/library/oci:v1"},
    }]}).encode()  # fmt: skip
    archive = tar_of({
        "oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": index,
        f"blobs/sha256/{digest(config)[7:]}": config,
        f"blobs/sha256/{digest(manifest)[7:]}": manifest,
        f"blobs/sha256/{digest(compressed)[7:]}": compressed,
    })  # fmt: skip
    store = new_store()
    assert list(store_loaded(store, read_archive(io.BytesIO(archive)))) == ["Loaded image: oci:v1"]
    assert store.get("oci:v1").rootfs_view().read_file("/hello") == b"oci"


def test_load_follows_layer_symlinks_inside_the_archive() -> None:
    config, layer = one_layer_image(b"linked")
    blob = hashlib.sha256(layer).hexdigest()
    manifest = json.dumps([{"Config": "c.json", "RepoTags": ["linked:1"],
                            "Layers": ["l/layer.tar"]}])  # fmt: skip
    archive = tar_of(
        {"manifest.json": manifest.encode(), "c.json": config, f"blobs/sha256/{blob}": layer},
        symlinks={"l/layer.tar": f"../blobs/sha256/{blob}"},
    )
    store = new_store()
    list(store_loaded(store, read_archive(io.BytesIO(archive))))
    assert store.get("linked:1").rootfs_view().read_file("/hello") == b"linked"


def _hostile_archives() -> dict[str, bytes]:
    config, layer = one_layer_image(b"x")
    good_manifest = json.dumps(
        [{"Config": "c.json", "RepoTags": ["evil:1"], "Layers": ["l/layer.tar"]}]
    ).encode()
    _, other_layer = one_layer_image(b"different")
    escaping_layer = tar_of({"../../etc/passwd": b"root::0:0::/:/bin/sh\n"})
    return {
        "no manifest": tar_of({"c.json": config}),
        "not a tar": b"this is not a tar archive at all" * 40,
        "path traversal in the archive": tar_of(
            {"manifest.json": good_manifest, "c.json": config, "../l/layer.tar": layer}
        ),
        "missing layer": tar_of({"manifest.json": good_manifest, "c.json": config}),
        "layer does not match the config": tar_of(
            {"manifest.json": good_manifest, "c.json": config, "l/layer.tar": other_layer}
        ),
        "layer escapes the root": tar_of(
            {"manifest.json": good_manifest, "c.json": config, "l/layer.tar": escaping_layer}
        ),
        "symlink out of the archive": tar_of(
            {"manifest.json": good_manifest, "c.json": config},
            symlinks={"l/layer.tar": "../../../etc/shadow"},
        ),
        "manifest is not JSON": tar_of({"manifest.json": b"{nope", "c.json": config}),
    }


@pytest.mark.parametrize("case", sorted(_hostile_archives()))
def test_hostile_archives_are_refused_with_nothing_changed(case: str) -> None:
    store = new_store()
    with_busybox(store)
    before = ({i.id for i in store.all()}, len(store.layers))
    with pytest.raises(InvalidParameter) as caught:
        list(store_loaded(store, read_archive(io.BytesIO(_hostile_archives()[case]))))
    assert caught.value.status == 400
    assert ({i.id for i in store.all()}, len(store.layers)) == before
    if case == "layer does not match the config":
        assert caught.value.message.startswith("invalid diffID for layer 0: expected")
