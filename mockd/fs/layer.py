"""Layers (immutable diffs), chain ids, and the store that shares them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from mockd.fs.nodes import Node
from mockd.fs.tarwrite import iter_tar, tree_entries
from mockd.fs.union import UnionView


def layer_size(root: Node) -> int:
    """Bytes the layer holds, as overlay2 counts it (moby's ``directory.Size``):
    the sizes of every non-directory inode once (file content, symlink
    targets), hardlinks counted once, directories not at all."""
    seen: set[int] = set()
    total = 0
    todo = [root]
    while todo:
        node = todo.pop()
        for child in node.children.values():
            if child.kind == "dir":
                todo.append(child)
            elif id(child) not in seen:
                seen.add(id(child))
                total += child.size
    return total


class Layer:
    """An immutable set of changes: a tree with whiteouts and opaque dirs.

    ``diff_id`` is the sha256 of the uncompressed tar: of the tar it was read
    from (kept, so ``docker save`` gives back the same bytes), or of the
    deterministic tar of its tree.
    """

    def __init__(self, root: Node, *, diff_id: str | None = None, tar: bytes | None = None) -> None:
        self.root = root  # never mutated after this point
        self._tar = tar
        if diff_id is None:
            digest = hashlib.sha256()
            for chunk in self.tar_stream():
                digest.update(chunk)
            diff_id = "sha256:" + digest.hexdigest()
        self.diff_id = diff_id
        self.size = layer_size(root)

    def tar_stream(self) -> Iterator[bytes]:
        """The layer as an uncompressed tar (whose sha256 is ``diff_id``)."""
        if self._tar is not None:
            yield self._tar
        else:
            yield from iter_tar(tree_entries(self.root))

    def tar_bytes(self) -> bytes:
        return b"".join(self.tar_stream())

    def __repr__(self) -> str:
        return f"Layer({self.diff_id[:19]}, size={self.size})"


def chain_id(diff_ids: Sequence[str]) -> str:
    """OCI chain id of a stack: chainID(L0) = diffID(L0); chainID(Ln) =
    sha256(chainID(Ln-1) + " " + diffID(Ln))."""
    if not diff_ids:
        raise ValueError("a chain id needs at least one layer")
    chain = diff_ids[0]
    for diff_id in diff_ids[1:]:
        chain = "sha256:" + hashlib.sha256(f"{chain} {diff_id}".encode()).hexdigest()
    return chain


def chain_ids(diff_ids: Sequence[str]) -> list[str]:
    return [chain_id(diff_ids[: i + 1]) for i in range(len(diff_ids))]


def union_of(layers: Sequence[Layer]) -> UnionView:
    """The read-only merged view of layers (bottom first); copies nothing."""
    return UnionView([layer.root for layer in layers])


class LayerStore:
    """Each layer stored once by diff_id, reference counted, so images share layers."""

    def __init__(self) -> None:
        self._layers: dict[str, Layer] = {}
        self._refs: dict[str, int] = {}

    def add(self, layer: Layer) -> Layer:
        """Store ``layer`` (or find the equal one already stored) and take a reference."""
        stored = self._layers.setdefault(layer.diff_id, layer)
        self._refs[layer.diff_id] = self._refs.get(layer.diff_id, 0) + 1
        return stored

    def acquire(self, diff_id: str) -> Layer:
        layer = self._layers[diff_id]
        self._refs[diff_id] += 1
        return layer

    def release(self, diff_id: str) -> bool:
        """Drop a reference; returns True when the layer was freed."""
        self._refs[diff_id] -= 1
        if self._refs[diff_id] > 0:
            return False
        del self._refs[diff_id]
        del self._layers[diff_id]
        return True

    def get(self, diff_id: str) -> Layer | None:
        return self._layers.get(diff_id)

    def refcount(self, diff_id: str) -> int:
        return self._refs.get(diff_id, 0)

    def __contains__(self, diff_id: object) -> bool:
        return diff_id in self._layers

    def __len__(self) -> int:
        return len(self._layers)

    def total_size(self) -> int:
        """Bytes of all stored layers, each counted once (``system df``'s LayersSize)."""
        return sum(layer.size for layer in self._layers.values())
