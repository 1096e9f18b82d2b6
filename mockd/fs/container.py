"""Writable filesystems: ``ContainerFS`` (copy-on-write over a ``UnionView``)
and ``MemoryFileSystem`` (the same with nothing below).

Writes go to the upper tree, copying an entry (or a directory's metadata) up
from the lower layers first; deleting something that lower layers still show
leaves a whiteout; a directory created over a whiteout is opaque.  This is
overlayfs's model, so ``changes()`` and ``commit_layer()`` see what the
engine's overlay2 driver sees.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable

from mockd.fs import paths
from mockd.fs.changes import Change, compute_changes
from mockd.fs.errors import fs_error, not_found
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, NodeKind, deep_copy, new_dir, walk
from mockd.fs.union import (
    MAX_SYMLINKS,
    Stack,
    UnionView,
    child_stack,
    merged_names,
    root_stack,
)

Clock = Callable[[], float]


class ContainerFS(UnionView):
    """The full ``FileSystem`` protocol: a writable upper tree over ``lower``."""

    def __init__(self, lower: UnionView | None = None, *, clock: Clock = time.time) -> None:
        # O(1): the lower view is shared, nothing is copied.
        super().__init__()
        self._lower = lower._roots() if lower is not None else []
        self._clock = clock
        # The upper directory is the graph driver's own (0755, root's), and overlayfs shows
        # a merged directory with the upper one's attributes: an image whose layer says
        # "./" is 0700 still has a 0755 root in its containers.
        self.upper: Node = new_dir(mtime=self._lower[0].mtime if self._lower else clock())

    def _roots(self) -> list[Node]:
        return [self.upper, *self._lower]

    @property
    def clock(self) -> Clock:
        """Where new entries get their times (a view over this one shares it)."""
        return self._clock

    @property
    def lower_view(self) -> UnionView:
        return UnionView(list(reversed(self._lower)))

    # -- copy-up machinery ------------------------------------------------

    def _upper_dir(self, parts: list[str]) -> Node:
        """The upper directory at a resolved path, copying directories up as needed."""
        node = self.upper
        stack = [self.upper, *self._lower]
        for name in parts:
            stack = child_stack(stack, name)
            child = node.children.get(name)
            if child is None or child.kind != "dir":
                child = stack[0].copy_meta()  # a merged (not opaque) directory
                node.children[name] = child
            node = child
        return node

    def _copy_up(self, parts: list[str]) -> Node:
        """The upper node at a resolved path, copying it up (without children) if needed."""
        if not parts:
            return self.upper
        parent = self._upper_dir(parts[:-1])
        name = parts[-1]
        child = parent.children.get(name)
        if child is not None and child.kind != "whiteout":
            return child
        stack = self._stack_at(parts)
        if not stack:
            raise not_found(paths.join(parts))
        child = stack[0].copy_meta()
        parent.children[name] = child
        return child

    def _create(self, parent_parts: list[str], name: str, node: Node) -> None:
        parent = self._upper_dir(parent_parts)
        replaced = parent.children.get(name)
        if node.is_dir and replaced is not None and replaced.kind == "whiteout":
            node.opaque = True  # hide what the lower layers had under this name
        parent.children[name] = node
        parent.mtime = self._clock()

    def _delete(self, parent_parts: list[str], name: str, *, unlink: bool = True) -> None:
        """Remove an entry (``unlink``: one link fewer to its file; not when it moved)."""
        parent = self._upper_dir(parent_parts)
        removed = parent.children.pop(name, None)
        if unlink and removed is not None and not removed.is_dir and removed.links > 1:
            removed.links -= 1
        if child_stack(self._stack_at(parent_parts), name):
            parent.children[name] = Node(kind="whiteout", mode=0)
        parent.mtime = self._clock()

    def _resolve_for_create(self, path: str) -> tuple[list[str], Stack, str, Stack]:
        """Parent, name and what exists there, following a symlink at the last name."""
        for _ in range(MAX_SYMLINKS + 1):
            parts, parent, name = self._resolve_parent(path)
            if not name:
                return parts, parent, name, parent
            existing = child_stack(parent, name)
            if not existing or existing[0].kind != "symlink":
                return parts, parent, name, existing
            target = existing[0].target
            path = target if target.startswith("/") else paths.join(parts) + "/" + target
        raise fs_error(errno.ELOOP, path)

    def _materialize(self, stack: Stack) -> Node:
        """A standalone copy of the merged subtree shown by ``stack``."""
        node = stack[0].copy_meta()
        if node.is_dir:
            for name in merged_names(stack):
                node.children[name] = self._materialize(child_stack(stack, name))
        return node

    # -- write side of the protocol ---------------------------------------

    def write_file(
        self, path: str, data: bytes, *, append: bool = False, mode: int | None = None
    ) -> None:
        parts, _, name, existing = self._resolve_for_create(path)
        if not name or (existing and existing[0].is_dir):
            raise fs_error(errno.EISDIR, path)
        now = self._clock()
        if existing:
            if existing[0].kind != "file":
                return  # devices and fifos swallow writes (/dev/null)
            node = self._copy_up([*parts, name])
            node.data = node.data + data if append else data
            node.mtime = now
            return
        self._create(
            parts,
            name,
            Node(kind="file", mode=0o644 if mode is None else mode, data=data, mtime=now),
        )

    def mkdir(self, path: str, *, mode: int = 0o755, parents: bool = False) -> None:
        if parents:
            built = ""
            for part in paths.split(path):
                built += "/" + part
                if self.is_dir(built):
                    continue
                self.mkdir(built, mode=mode)
            return
        parts, parent, name = self._resolve_parent(path)
        if not name or child_stack(parent, name):
            raise fs_error(errno.EEXIST, path)
        self._create(parts, name, new_dir(mode, self._clock()))

    def mknod(
        self, path: str, kind: NodeKind, *, mode: int = 0o644, rdev: tuple[int, int] = (0, 0)
    ) -> None:
        """Create a device, fifo or socket node (metadata only)."""
        parts, parent, name = self._resolve_parent(path)
        if not name or child_stack(parent, name):
            raise fs_error(errno.EEXIST, path)
        self._create(parts, name, Node(kind=kind, mode=mode, rdev=rdev, mtime=self._clock()))

    def remove(self, path: str, *, recursive: bool = False) -> None:
        parts, parent, name = self._resolve_parent(path)
        if not name:
            raise fs_error(errno.EBUSY if not parts else errno.EINVAL, path)
        stack = child_stack(parent, name)
        if not stack:
            raise not_found(path)
        if stack[0].is_dir and not recursive and merged_names(stack):
            raise fs_error(errno.ENOTEMPTY, path)
        self._delete(parts, name)

    def rename(self, src: str, dst: str) -> None:
        src_parts, src_parent, src_name = self._resolve_parent(src)
        if not src_name:
            raise fs_error(errno.EBUSY, src)
        moving = child_stack(src_parent, src_name)
        if not moving:
            raise not_found(src)
        dst_parts, dst_parent, dst_name = self._resolve_parent(dst)
        if not dst_name:
            raise fs_error(errno.EBUSY, dst)
        src_full, dst_full = [*src_parts, src_name], [*dst_parts, dst_name]
        if src_full == dst_full:
            return
        if moving[0].is_dir and dst_full[: len(src_full)] == src_full:
            raise fs_error(errno.EINVAL, dst)  # into its own subdirectory
        replaced = child_stack(dst_parent, dst_name)
        if replaced:
            if replaced[0].is_dir and not moving[0].is_dir:
                raise fs_error(errno.EISDIR, dst)
            if moving[0].is_dir and not replaced[0].is_dir:
                raise fs_error(errno.ENOTDIR, dst)
            if replaced[0].is_dir and merged_names(replaced):
                raise fs_error(errno.ENOTEMPTY, dst)
        # A file already in the upper tree moves as is (keeping its hardlinks);
        # anything else is copied from the merged view, as overlayfs does.
        upper_src = self._upper_dir(src_parts).children.get(src_name)
        node = upper_src if upper_src is moving[0] and not upper_src.is_dir else None
        if node is None:
            node = self._materialize(moving)
        if replaced:
            self._delete(dst_parts, dst_name)
        self._create(dst_parts, dst_name, node)
        self._delete(src_parts, src_name, unlink=node is not upper_src)

    def symlink(self, target: str, path: str) -> None:
        parts, parent, name = self._resolve_parent(path)
        if not name or child_stack(parent, name):
            raise fs_error(errno.EEXIST, path)
        self._create(
            parts, name, Node(kind="symlink", mode=0o777, target=target, mtime=self._clock())
        )

    def link(self, src: str, dst: str) -> None:
        """A hardlink: ``dst`` shares ``src``'s inode (copied up first)."""
        src_parts, src_parent, src_name = self._resolve_parent(src)
        existing = child_stack(src_parent, src_name) if src_name else []
        if not existing:
            raise not_found(src)
        if existing[0].is_dir:
            raise fs_error(errno.EPERM, src)
        parts, parent, name = self._resolve_parent(dst)
        if not name or child_stack(parent, name):
            raise fs_error(errno.EEXIST, dst)
        node = self._copy_up([*src_parts, src_name])
        self._create(parts, name, node)
        node.links += 1

    def _change(self, path: str) -> Node:
        parts, _ = self._resolve(path, follow_last=True)
        return self._copy_up(parts)

    def lexists(self, path: str) -> bool:
        """Whether ``path`` names an entry (a dangling symlink counts)."""
        try:
            self._resolve(path, follow_last=False)
        except OSError:
            return False
        return True

    def set_attrs(
        self,
        path: str,
        *,
        mode: int | None = None,
        uid: int | None = None,
        gid: int | None = None,
        mtime: float | None = None,
        follow_symlinks: bool = True,
    ) -> None:
        """Set several attributes at once (``follow_symlinks=False``: of a link itself)."""
        parts, _ = self._resolve(path, follow_last=follow_symlinks)
        node = self._copy_up(parts)
        if mode is not None and node.kind != "symlink":
            node.mode = mode & 0o7777
        if uid is not None:
            node.uid = uid
        if gid is not None:
            node.gid = gid
        if mtime is not None:
            node.mtime = mtime

    def chmod(self, path: str, mode: int) -> None:
        self._change(path).mode = mode & 0o7777

    def chown(self, path: str, uid: int, gid: int) -> None:
        node = self._change(path)
        node.uid, node.gid = uid, gid

    def utime(self, path: str, mtime: float) -> None:
        self._change(path).mtime = mtime

    # -- what the engine asks of a container's layer ----------------------

    def size_rw(self) -> int:
        """Bytes of file content in the writable layer (the container's SizeRw)."""
        seen: set[int] = set()
        total = 0
        for _, node in walk(self.upper):
            if node.kind == "file" and id(node) not in seen:
                seen.add(id(node))
                total += len(node.data)
        return total

    def changes(self) -> list[Change]:
        """``GET /containers/{id}/changes``: what the writable layer changed."""
        return compute_changes(self.upper, root_stack(self._lower))

    def commit_layer(self) -> Layer:
        """The writable layer as a new immutable ``Layer`` (``docker commit``, a build step)."""
        return Layer(deep_copy(self.upper))


class MemoryFileSystem(ContainerFS):
    """A plain writable in-memory tree (a container filesystem with no image below)."""

    def __init__(self, *, clock: Clock = time.time, root: Node | None = None) -> None:
        """``root``: the tree to hold (taken as is, not copied); a new empty one without."""
        super().__init__(None, clock=clock)
        if root is not None:
            self.upper = root
