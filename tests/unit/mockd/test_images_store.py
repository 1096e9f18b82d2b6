"""ImageStore: lookup, tag, untag, delete conflicts, prune, layer sharing and freeing."""

from __future__ import annotations

import json

import pytest

from mockd.engine.clock import ManualClock
from mockd.engine.events import EventBus
from mockd.engine.images import ImageStore, ImageUser, image_id_of
from mockd.engine.references import parse_normalized
from mockd.errors import Conflict, InvalidParameter, NotFound
from mockd.fs.layer import Layer, LayerStore
from mockd.fs.nodes import Node, new_dir


def make_layer(name: str, data: bytes) -> Layer:
    root = new_dir()
    root.children[name] = Node(kind="file", data=data, mode=0o644)
    return Layer(root)


def config(layers: list[Layer], created: str, labels: dict[str, str] | None = None) -> bytes:
    cfg: dict[str, object] = {"Cmd": ["sh"]}
    if labels:
        cfg["Labels"] = labels
    return json.dumps(
        {
            "architecture": "amd64",
            "config": cfg,
            "created": created,
            "history": [{"created": created, "created_by": "ADD x"}],
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        },
        separators=(",", ":"),
    ).encode()


@pytest.fixture
def store() -> ImageStore:
    clock = ManualClock()
    return ImageStore(clock, EventBus(clock), LayerStore())


def add(
    store: ImageStore,
    layers: list[Layer],
    created: str = "2024-01-01T00:00:00Z",
    ref: str | None = None,
    labels: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    image = store.add(config(layers, created, labels), layers)
    if ref:
        store.record_pull(image, parse_normalized(ref).with_default_tag())
    return image


def test_id_is_the_sha256_of_the_config_bytes(store: ImageStore) -> None:
    layer = make_layer("a", b"1")
    raw = config([layer], "2024-01-01T00:00:00Z")
    image = store.add(raw, [layer])
    assert image.id == image_id_of(raw)
    assert store.add(raw, [layer]) is image  # adding again finds it


def test_lookup_by_id_prefix_and_reference(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    assert store.get("busybox") is image
    assert store.get("busybox:latest") is image
    assert store.get("docker.io/library/busybox:latest") is image
    assert store.get(image.id) is image
    assert store.get(image.id[7:]) is image
    assert store.get(image.id[:15]) is image
    assert store.get(image.id[7:12]) is image
    with pytest.raises(NotFound, match=r"^No such image: busybox:nope$"):
        store.get("busybox:nope")
    with pytest.raises(NotFound, match=r"^No such image: nope:latest$"):
        store.get("nope")
    with pytest.raises(NotFound, match=r"^No such image: sha256:zzz$"):
        store.get("sha256:zzz")
    with pytest.raises(InvalidParameter, match="repository name must be lowercase"):
        store.get("UPPER")


def test_tag_validates_and_publishes(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    store.tag("busybox", "foo", "x")
    assert store.repo_tags(image.id) == ["busybox:latest", "foo:x"]
    assert image.last_tag_time_ns == store.clock.now_ns()
    tag_events = [e for e in store.events.history() if e.action == "tag"]
    assert [(e.actor_id, e.attributes["name"]) for e in tag_events] == [(image.id, "foo:x")]
    with pytest.raises(InvalidParameter, match=r"^invalid tag format$"):
        store.tag("busybox", "foo", "b@d")
    with pytest.raises(InvalidParameter, match="refusing to create a tag with a digest"):
        store.tag("busybox", "foo@sha256:" + "1" * 64)
    with pytest.raises(NotFound):
        store.tag("nope", "foo")


def test_delete_of_one_tag_only_untags(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    store.tag("busybox", "foo", "x")
    assert store.delete("foo:x") == [{"Untagged": "foo:x"}]
    assert store.get_by_id(image.id) is image


def test_delete_by_id_referenced_by_two_repositories_needs_force(store: ImageStore) -> None:
    layer = make_layer("a", b"1")
    image = add(store, [layer], ref="busybox")
    store.tag("busybox", "foo", "x")
    with pytest.raises(Conflict) as info:
        store.delete(image.id[7:19])
    assert info.value.message == (
        f"conflict: unable to delete {image.id[7:19]} (must be forced) - "
        "image is referenced in multiple repositories"
    )
    records = store.delete(image.id[7:19], force=True)
    assert records == [
        {"Untagged": "busybox:latest"},
        {"Untagged": "foo:x"},
        {"Deleted": image.id},
        {"Deleted": layer.diff_id},
    ]
    assert store.count() == 0
    assert layer.diff_id not in store.layers
    actions = [e.action for e in store.events.history()]
    assert actions[-3:] == ["untag", "untag", "delete"]


def test_last_tag_deletes_the_image_and_its_digests(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    digest_ref = parse_normalized("busybox").with_digest("sha256:" + "b" * 64)
    store.add_reference(image, digest_ref)
    records = store.delete("busybox")
    assert records[:2] == [
        {"Untagged": "busybox:latest"},
        {"Untagged": f"busybox@sha256:{'b' * 64}"},
    ]
    assert {"Deleted": image.id} in records


def test_layers_are_shared_and_freed_with_the_last_image(store: ImageStore) -> None:
    base = make_layer("base", b"x" * 100)
    top = make_layer("top", b"y" * 10)
    one = add(store, [base], ref="one", created="2024-01-01T00:00:00Z")
    two = add(store, [base, top], ref="two", created="2024-01-02T00:00:00Z")
    assert store.layers.refcount(base.diff_id) == 2
    assert store.shared_size(two) == base.size
    store.delete("one")
    assert base.diff_id in store.layers
    assert store.get_by_id(one.id) is None
    records = store.delete("two")
    assert base.diff_id not in store.layers and top.diff_id not in store.layers
    assert {"Deleted": two.id} in records


def test_containers_block_deletion(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    users = {image.id: [ImageUser("c" * 64, running=False)]}
    store.in_use_by = lambda image_id: users.get(image_id, [])
    with pytest.raises(
        Conflict, match=r"\(must force\) - container cccccccccccc is using its referenced image"
    ):
        store.delete("busybox")
    with pytest.raises(
        Conflict, match="must be forced\\) - image is being used by stopped container cccccccccccc"
    ):
        store.delete(image.id)
    users[image.id] = [ImageUser("d" * 64, running=True)]
    with pytest.raises(
        Conflict,
        match="cannot be forced\\) - image is being used by running container dddddddddddd",
    ):
        store.delete(image.id, force=True)


def test_child_images_block_deletion(store: ImageStore) -> None:
    parent = add(store, [make_layer("a", b"1")], ref="base")
    layers = [*parent.layers, make_layer("b", b"2")]
    child = store.add(config(layers, "2024-02-01T00:00:00Z"), layers, parent=parent.id)
    with pytest.raises(Conflict, match="cannot be forced\\) - image has dependent child images"):
        store.delete(parent.id, force=True)
    assert child.parent == parent.id


def test_list_filters(store: ImageStore) -> None:
    old = add(store, [make_layer("a", b"1")], "2024-01-01T00:00:00Z", "busybox", {"k": "v"})
    new = add(store, [make_layer("b", b"2")], "2024-03-01T00:00:00Z", "alpine")
    dangling = add(store, [make_layer("c", b"3")], "2024-02-01T00:00:00Z")

    def ids(**kw: object) -> list[str]:
        return [img.id for img, _, _ in store.list_images(**kw)]  # type: ignore[arg-type]

    assert ids() == [new.id, dangling.id, old.id]  # newest first
    assert ids(filters={"dangling": ["true"]}) == [dangling.id]
    assert ids(filters={"dangling": ["false"]}) == [new.id, old.id]
    assert ids(filters={"label": ["k=v"]}) == [old.id]
    assert ids(filters={"reference": ["busy*"]}) == [old.id]
    assert ids(filters={"before": ["alpine"]}) == [dangling.id, old.id]
    assert ids(filters={"since": ["busybox"]}) == [new.id, dangling.id]
    with pytest.raises(InvalidParameter, match="invalid filter 'bogus'"):
        store.list_images(filters={"bogus": ["x"]})


def test_prune_dangling_then_all_unused(store: ImageStore) -> None:
    tagged = add(store, [make_layer("a", b"1" * 50)], "2024-01-01T00:00:00Z", "busybox")
    dangling = add(store, [make_layer("c", b"3" * 70)], "2024-02-01T00:00:00Z")
    records, reclaimed = store.prune()
    assert records == [{"Deleted": dangling.id}, {"Deleted": dangling.layers[0].diff_id}]
    assert reclaimed == 70
    assert store.get_by_id(tagged.id) is tagged
    assert store.events.history()[-1].action == "prune"
    records, reclaimed = store.prune({"dangling": ["false"]})
    assert {"Untagged": "busybox:latest"} in records and reclaimed == 50
    assert store.count() == 0


def test_running_container_is_reported_before_multiple_repositories(store: ImageStore) -> None:
    image = add(store, [make_layer("a", b"1")], ref="busybox")
    store.tag("busybox", "foo", "x")
    store.in_use_by = lambda image_id: [ImageUser("e" * 64, running=True)]
    with pytest.raises(Conflict, match=r"cannot be forced\) - image is being used by running"):
        store.delete(image.id[7:19])
