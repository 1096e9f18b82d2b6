"""The node tree every filesystem in ``mockd.fs`` is made of.

A layer, a container's writable layer and a plain in-memory filesystem are all
trees of ``Node``.  A hardlink is two directory entries holding the same
``Node`` object (a shared inode).  Two markers exist only inside layers:
a ``whiteout`` node hides the same name in lower layers, and a directory with
``opaque`` set hides everything below it in lower layers.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Literal

NodeKind = Literal["file", "dir", "symlink", "char", "block", "fifo", "socket", "whiteout"]

# What ``ls -ld`` shows as a directory's size on ext4; the engine reports it too
# (the X-Docker-Container-Path-Stat of /etc says 4096).
DIR_SIZE = 4096


@dataclass(eq=False)
class Node:
    kind: NodeKind
    mode: int = 0o644  # permission bits (and setuid/setgid/sticky), no kind bits
    uid: int = 0
    gid: int = 0
    mtime: float = 0.0
    data: bytes = b""  # regular files
    target: str = ""  # symlinks
    rdev: tuple[int, int] = (0, 0)  # char/block devices: (major, minor)
    xattrs: dict[str, bytes] = field(default_factory=dict)
    children: dict[str, Node] = field(default_factory=dict)  # directories
    opaque: bool = False  # directories inside a layer
    links: int = 1  # directory entries holding this node (a file's hardlinks)

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"

    @property
    def size(self) -> int:
        if self.kind == "file":
            return len(self.data)
        if self.kind == "symlink":
            return len(self.target.encode())
        if self.kind == "dir":
            return DIR_SIZE
        return 0

    def copy_meta(self) -> Node:
        """A new node with this one's kind and metadata (no children, not opaque)."""
        return Node(
            kind=self.kind,
            mode=self.mode,
            uid=self.uid,
            gid=self.gid,
            mtime=self.mtime,
            data=self.data,
            target=self.target,
            rdev=self.rdev,
            xattrs=dict(self.xattrs),
        )


_inodes: weakref.WeakKeyDictionary[Node, int] = weakref.WeakKeyDictionary()
_next_inode = itertools.count(2)  # as on ext4, 1 is never a file's and 2 is the root's


def inode_of(node: Node) -> int:
    """A number for ``node`` as long as it lives (given when first asked: nodes are many,
    and few are ever stat'ed for it)."""
    number = _inodes.get(node)
    if number is None:
        number = _inodes[node] = next(_next_inode)
    return number


def new_dir(mode: int = 0o755, mtime: float = 0.0, uid: int = 0, gid: int = 0) -> Node:
    return Node(kind="dir", mode=mode, mtime=mtime, uid=uid, gid=gid)


def deep_copy(node: Node, memo: dict[int, Node] | None = None) -> Node:
    """Copy a tree, keeping hardlinks (shared nodes) shared in the copy.

    File contents are immutable ``bytes`` and are shared, not duplicated.
    """
    if memo is None:
        memo = {}
    seen = memo.get(id(node))
    if seen is not None:
        return seen
    copy = node.copy_meta()
    copy.opaque, copy.links = node.opaque, node.links
    memo[id(node)] = copy
    for name, child in node.children.items():
        copy.children[name] = deep_copy(child, memo)
    return copy


def stamped_copy(node: Node, mtime: float) -> Node:
    """A copy of a tree (no hardlinks in it) with every entry's time set to ``mtime``:
    a tree made new from a template, as if each entry had just been created."""
    # Positional arguments: this runs for each entry of the /dev of every start.
    copy = Node(node.kind, node.mode, node.uid, node.gid, mtime, node.data, node.target,
                node.rdev, dict(node.xattrs) if node.xattrs else {}, {}, node.opaque)  # fmt: skip
    for name, child in node.children.items():
        copy.children[name] = stamped_copy(child, mtime)
    return copy


def walk(node: Node, path: str = "/") -> list[tuple[str, Node]]:
    """Every entry below ``node`` in sorted pre-order, as (absolute path, node)."""
    out: list[tuple[str, Node]] = []
    stack: list[tuple[str, Node]] = [(path, node)]
    while stack:
        here, cur = stack.pop()
        names = sorted(cur.children, reverse=True)
        for name in names:
            child = cur.children[name]
            child_path = here.rstrip("/") + "/" + name
            stack.append((child_path, child))
        if here != path:
            out.append((here, cur))
    return out
