"""dockerd's init layer (moby's ``daemon/initlayer``): a read-only layer between
an image and each container's writable layer.

It holds the mount points and files the runtime binds over (``/proc``,
``/sys``, ``/dev/pts``, ``/etc/hosts``...) and ``/.dockerenv``, which scripts
test to know they run in a container.  So ``docker export`` and ``docker cp``
see them, empty, in every container; ``docker diff`` and ``commit`` never do,
as they read the writable layer only.
"""

from __future__ import annotations

import errno
import weakref
from collections.abc import Callable
from typing import Final

from mockd.engine.images import Image
from mockd.fs import ContainerFS
from mockd.fs.nodes import Node
from mockd.fs.union import UnionView

# Path, then "dir", "file" or a symlink's target, as moby lists them.
_ENTRIES: Final = (
    ("/dev/pts", "dir"),
    ("/dev/shm", "dir"),
    ("/proc", "dir"),
    ("/sys", "dir"),
    ("/.dockerenv", "file"),
    ("/etc/resolv.conf", "file"),
    ("/etc/hosts", "file"),
    ("/etc/hostname", "file"),
    ("/dev/console", "file"),
    ("/etc/mtab", "/proc/mounts"),
)


class InitLayers:
    """Each image's init layer, made for its first container and shared by the
    rest: it depends on the image's files only, and nothing writes to it
    (writes go to a container's own layer)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._trees: weakref.WeakKeyDictionary[Image, Node] = weakref.WeakKeyDictionary()

    def lower_view(self, image: Image) -> UnionView:
        """``image``'s filesystem with the init layer on top: a container's lower view."""
        root = self._trees.get(image)
        if root is None:
            root = self._trees[image] = _build(image.rootfs_view(), self._clock())
        return UnionView([*(layer.root for layer in image.layers), root])


def _build(image_view: UnionView, now: float) -> Node:
    """The init layer's tree over ``image_view``.  As moby does it: whatever is
    not a directory on the way to an entry is unlinked (so the image's own
    ``/etc/hosts`` or ``/etc/mtab`` link is hidden), then what is missing is
    made, owned by root, directories and files with mode 0755."""
    layer = ContainerFS(image_view, clock=lambda: now)
    for path, kind in _ENTRIES:
        prefix = ""
        for part in path.strip("/").split("/"):
            prefix += "/" + part
            try:
                if layer.stat(prefix, follow_symlinks=False).kind != "dir":
                    layer.remove(prefix)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise
                break
        if layer.exists(path):
            continue  # a directory where moby wants a file: left as it is
        parent = path.rsplit("/", 1)[0] or "/"
        if not layer.is_dir(parent):
            layer.mkdir(parent, mode=0o755, parents=True)
        if kind == "dir":
            layer.mkdir(path, mode=0o755)
        elif kind == "file":
            layer.write_file(path, b"", mode=0o755)
        else:
            layer.symlink(kind, path)
    return layer.upper
