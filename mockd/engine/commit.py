"""``docker commit``: a container's copy-on-write layer becomes a new image.

Follows moby's ``daemon/commit.go`` and ``image.NewChildImage``: the config
is the container's (with ``conf`` from the request body and the ``changes``
applied), the parent's history gets one entry (``created_by`` is the
container's command), an empty diff adds no layer (``empty_layer``), the tag
is set when ``repo`` is given, and the container publishes ``commit``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mockd.engine.clock import rfc3339_nano
from mockd.engine.image_import import DOCKER_VERSION, apply_changes, encode_config, go_config
from mockd.engine.images import Image, images_of
from mockd.engine.references import parse_normalized
from mockd.errors import InvalidParameter
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, deep_copy

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.engine.containers import Container

# What dockerd bind-mounts over the rootfs (so they are never part of a commit).
_MOUNTED_ETC_FILES = ("hostname", "hosts", "resolv.conf")
# The diff of no change: a tar of two zero blocks (moby's layer.EmptyLayer).
EMPTY_LAYER_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


def _diff_layer(container: Container) -> Layer:
    """The container's writable layer without the files dockerd mounts in."""
    upper: Node = deep_copy(container.fs.upper)
    etc = upper.children.get("etc")
    if etc is not None and etc.kind == "dir":
        for name in _MOUNTED_ETC_FILES:
            if etc.children.get(name) is not None and etc.children[name].kind != "whiteout":
                del etc.children[name]
        lower_has_etc = container.fs.lower_view.exists("/etc")
        if not etc.children and not etc.opaque and lower_has_etc:
            del upper.children["etc"]  # only copied up to hold those files
    return Layer(upper)


def commit_container(
    engine: Engine,
    ref: str,
    *,
    repo: str = "",
    tag: str = "",
    comment: str = "",
    author: str = "",
    pause: bool = True,
    changes: Sequence[str] = (),
    conf: Mapping[str, Any] | None = None,
) -> Image:
    from mockd.engine.containers import containers_of

    containers = containers_of(engine)
    store = images_of(engine)
    container = containers.get(ref)
    target = None
    if repo:
        target = parse_normalized(repo)
        if target.digest:
            raise InvalidParameter("refusing to create a tag with a digest reference")
        target = (target.with_tag(tag) if tag else target).with_default_tag()
    paused_here = pause and container.running and not container.paused
    if paused_here:
        containers.pause(container.id)
    try:
        layer = _diff_layer(container)
    finally:
        if paused_here:
            containers.unpause(container.id)
    parent = store.get_by_id(container.image_id)
    base: dict[str, Any] = json.loads(json.dumps(container.config))
    base.update({k: v for k, v in (conf or {}).items() if v not in (None, "", [], {})})
    config = go_config(apply_changes(base, changes))
    empty = layer.diff_id == EMPTY_LAYER_DIFF_ID
    created = rfc3339_nano(engine.clock.now_ns())
    history = {"created": created, "author": author,
               "created_by": " ".join(str(a) for a in container.config.get("Cmd") or []),
               "comment": comment, "empty_layer": empty}  # fmt: skip
    history = {k: v for k, v in history.items() if v}  # Go's omitempty
    parent_config = parent.config if parent is not None else {}
    layers = [*(parent.layers if parent is not None else []), *([] if empty else [layer])]
    image_config: dict[str, Any] = {
        "architecture": parent_config.get("architecture") or "amd64",
        "author": author,
        "comment": comment,
        "config": config,
        "container": container.id,
        "container_config": go_config(container.config),
        "created": created,
        "docker_version": DOCKER_VERSION,
        "history": [*(parent.history if parent is not None else []), history],
        "os": parent_config.get("os") or "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
    }
    if parent_config.get("variant"):
        image_config["variant"] = parent_config["variant"]
    image_config = {k: v for k, v in image_config.items() if v not in ("", None)}
    image = store.add(encode_config(image_config), layers, parent=container.image_id)
    image_ref = ""
    if target is not None:
        store.tag(image.id, target.name, target.tag)
        image_ref = target.familiar()
    containers.event(container, "commit", comment=comment, imageID=image.id, imageRef=image_ref)
    return image
