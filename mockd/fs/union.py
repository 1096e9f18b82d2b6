"""``UnionView``: the read-only merged view of a stack of layer trees.

Lookups walk the path one component at a time, carrying the *stack* of
directory nodes visible at that path (top layer first): a lookup costs
O(depth x layers) and never looks at files it does not name, and building a
view over an image copies nothing.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator, Sequence

from mockd.fs import paths
from mockd.fs.api import FileStat, SpecialKind
from mockd.fs.errors import fs_error, not_found
from mockd.fs.nodes import Node, inode_of

# Linux's limit on symlinks followed in one lookup (ELOOP beyond it).
MAX_SYMLINKS = 40

Stack = list[Node]  # the nodes visible at one path, top layer first


def root_stack(roots: Sequence[Node]) -> Stack:
    out: Stack = []
    for root in roots:
        out.append(root)
        if root.opaque:
            break
    return out


def child_stack(parent: Stack, name: str) -> Stack:
    """What is visible at ``name`` inside the merged directory ``parent``.

    The first layer (from the top) that has the name decides: a whiteout hides
    it, a non-directory hides everything below, a directory merges with lower
    directories of the same name until an opaque one.
    """
    out: Stack = []
    for directory in parent:
        child = directory.children.get(name)
        if child is None:
            continue
        if child.kind == "whiteout":
            break
        if child.kind != "dir":
            if not out:
                out.append(child)
            break
        out.append(child)
        if child.opaque:
            break
    return out


def merged_names(stack: Stack) -> list[str]:
    seen: set[str] = set()
    names: list[str] = []
    for directory in stack:
        for name, child in directory.children.items():
            if name in seen:
                continue
            seen.add(name)
            if child.kind != "whiteout":
                names.append(name)
    return sorted(names)


def _links(stack: Stack) -> int:
    """st_nlink as overlayfs reports it: a directory merged from several layers says 1;
    one that a single layer holds says what that filesystem does (2 and one for each
    subdirectory); a file, its hardlinks."""
    node = stack[0]
    if not node.is_dir:
        return node.links
    if len(stack) > 1:
        return 1
    return 2 + sum(1 for child in node.children.values() if child.is_dir)


def stat_of(node: Node, path: str, stack: Stack | None = None) -> FileStat:
    """What ``stat`` says of ``node`` found at ``path`` (``stack``: every layer's node
    there, top first, for a directory's link count)."""
    return FileStat(
        path=path,
        kind="file" if node.kind == "whiteout" else node.kind,
        mode=node.mode & 0o7777,
        size=node.size,
        mtime=node.mtime,
        uid=node.uid,
        gid=node.gid,
        link_target=node.target,
        rdev=node.rdev,
        nlink=_links(stack or [node]),
        inode=inode_of(node),
    )


class UnionView:
    """Read side of ``mockd.fs.api.FileSystem`` over layer trees (bottom first)."""

    def __init__(self, layer_roots: Sequence[Node] = ()) -> None:
        self._lower: list[Node] = list(reversed(layer_roots))  # top first

    def _roots(self) -> list[Node]:
        return self._lower

    # -- resolution -------------------------------------------------------

    def _resolve(self, path: str, *, follow_last: bool) -> tuple[list[str], Stack]:
        """Resolve ``path`` to its physical components and the visible stack.

        Symlinks are followed inside the root: an absolute target restarts at
        the container root and ``..`` at the root stays there.
        """
        stacks: list[Stack] = [root_stack(self._roots())]
        parts: list[str] = []
        # The names still to walk, next one last (a list popped from its end).
        todo = [part for part in reversed(path.split("/")) if part and part != "."]
        links = 0
        while todo:
            name = todo.pop()
            if name == "..":
                if parts:
                    parts.pop()
                    stacks.pop()
                continue
            here = stacks[-1]
            if here[0].kind != "dir":
                raise fs_error(errno.ENOTDIR, path)
            stack = child_stack(here, name)
            if not stack:
                raise not_found(path)
            node = stack[0]
            if node.kind == "symlink" and (todo or follow_last):
                links += 1
                if links > MAX_SYMLINKS:
                    raise fs_error(errno.ELOOP, path)
                if node.target.startswith("/"):
                    parts.clear()
                    del stacks[1:]
                todo.extend(reversed(paths.split(node.target)))
                continue
            parts.append(name)
            stacks.append(stack)
        return parts, stacks[-1]

    def _resolve_parent(self, path: str) -> tuple[list[str], Stack, str]:
        """The resolved parent directory of ``path`` and the last name.

        The name is ``""`` when ``path`` names the root or ends in ``.``/``..``
        (it then names an existing directory, not an entry to create).
        """
        raw = [p for p in path.split("/") if p != ""]
        if not raw or raw[-1] in (".", ".."):
            parts, stack = self._resolve(path, follow_last=True)
            return parts, stack, ""
        parts, stack = self._resolve("/".join(raw[:-1]), follow_last=True)
        if not stack[0].is_dir:
            raise fs_error(errno.ENOTDIR, path)
        return parts, stack, raw[-1]

    def _stack_at(self, parts: list[str]) -> Stack:
        """The stack at an already resolved (symlink-free) path; empty if absent."""
        stack = root_stack(self._roots())
        for name in parts:
            if not stack or not stack[0].is_dir:
                return []
            stack = child_stack(stack, name)
        return stack

    # -- public read side -------------------------------------------------

    def node(self, path: str, *, follow_symlinks: bool = True) -> Node:
        """The visible node at ``path`` (for the engine's tar and stat code)."""
        return self._resolve(path, follow_last=follow_symlinks)[1][0]

    def lookup_stack(self, path: str) -> Stack:
        """The stack at ``path`` (its last name not followed); ``[]`` where nothing is.

        For callers that walk on from there with ``child_stack`` (the mount
        table): a miss costs no exception.
        """
        if path == "/":
            return root_stack(self._roots())
        try:
            return self._resolve(path, follow_last=False)[1]
        except OSError:
            return []

    def probe(self, path: str) -> tuple[str, int] | None:
        """(kind, permission bits) of what ``path`` names, symlinks followed; ``None``
        where nothing is.  ``stat`` without building an error for a miss (a
        ``$PATH`` search misses in most directories)."""
        try:
            node = self._resolve(path, follow_last=True)[1][0]
        except OSError:
            return None
        return node.kind, node.mode & 0o7777

    def stat(self, path: str, *, follow_symlinks: bool = True) -> FileStat:
        stack = self._resolve(path, follow_last=follow_symlinks)[1]
        return stat_of(stack[0], paths.clean(path), stack)

    def exists(self, path: str) -> bool:
        try:
            self._resolve(path, follow_last=True)
        except OSError:
            return False
        return True

    def is_dir(self, path: str) -> bool:
        try:
            return self.node(path).is_dir
        except OSError:
            return False

    def listdir(self, path: str) -> list[str]:
        _, stack = self._resolve(path, follow_last=True)
        if not stack[0].is_dir:
            raise fs_error(errno.ENOTDIR, path)
        return merged_names(stack)

    def read_file(self, path: str) -> bytes:
        node = self.node(path)
        if node.is_dir:
            raise fs_error(errno.EISDIR, path)
        return node.data  # devices and fifos read as empty

    def readlink(self, path: str) -> str:
        node = self.node(path, follow_symlinks=False)
        if node.kind != "symlink":
            raise fs_error(errno.EINVAL, path)
        return node.target

    def realpath(self, path: str) -> str:
        return paths.join(self._resolve(path, follow_last=True)[0])

    def walk(self, path: str = "/") -> Iterator[tuple[str, Node]]:
        """Every visible entry below ``path`` (not following symlinks), sorted pre-order."""
        parts, stack = self._resolve(path, follow_last=False)
        yield from self._walk_stack(paths.join(parts), stack)

    def _walk_stack(self, path: str, stack: Stack) -> Iterator[tuple[str, Node]]:
        if not stack[0].is_dir:
            return
        for name in merged_names(stack):
            child = child_stack(stack, name)
            child_path = path.rstrip("/") + "/" + name
            yield child_path, child[0]
            yield from self._walk_stack(child_path, child)

    # -- write side: a view of layers is read-only ------------------------

    def _readonly(self, path: str) -> OSError:
        return fs_error(errno.EROFS, path)

    def write_file(
        self, path: str, data: bytes, *, append: bool = False, mode: int | None = None
    ) -> None:
        raise self._readonly(path)

    def mkdir(self, path: str, *, mode: int = 0o755, parents: bool = False) -> None:
        raise self._readonly(path)

    def remove(self, path: str, *, recursive: bool = False) -> None:
        raise self._readonly(path)

    def rename(self, src: str, dst: str) -> None:
        raise self._readonly(dst)

    def symlink(self, target: str, path: str) -> None:
        raise self._readonly(path)

    def link(self, src: str, dst: str) -> None:
        raise self._readonly(dst)

    def mknod(
        self, path: str, kind: SpecialKind, *, mode: int = 0o644, rdev: tuple[int, int] = (0, 0)
    ) -> None:
        raise self._readonly(path)

    def chmod(self, path: str, mode: int) -> None:
        raise self._readonly(path)

    def chown(self, path: str, uid: int, gid: int) -> None:
        raise self._readonly(path)

    def utime(self, path: str, mtime: float) -> None:
        raise self._readonly(path)
