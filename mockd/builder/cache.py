"""The classic builder's cache: the image store itself.

As moby's ``image/cache.LocalImageCache`` does, a step hits the cache when a
child of the current image was built with the same ``container_config`` (the
step's command, with the COPY/ADD content hash or the RUN's build args in it,
and the config it ran with).  Intermediate images are the cache, so there is
nothing else to keep: removing them (``docker image prune``) empties it.
"""

from __future__ import annotations

from typing import Any

from mockd.engine.images import Image, ImageStore

# What moby's cache compare leaves out: who ran the step and from what.
_IGNORED = frozenset({"Hostname", "Image"})


def _key(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in _IGNORED and v not in (None, "", False)}


def find_cached(
    store: ImageStore, parent_id: str, container_config: dict[str, Any]
) -> Image | None:
    """The newest image built from ``parent_id`` by the same step, if any."""
    wanted = _key(container_config)
    candidates = [
        image
        for image in store.all()
        if image.parent == parent_id
        and isinstance(image.config.get("container_config"), dict)
        and _key(image.config["container_config"]) == wanted
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda image: image.created_ns)
