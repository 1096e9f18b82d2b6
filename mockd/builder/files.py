"""COPY and ADD: choosing source files, hashing them for the cache, writing them.

Sources come from the build context or (``--from``) another stage's or
image's filesystem; globs match one path segment at a time like Go's
``filepath.Match``.  The files are laid into the step's container through
``extract_into`` (the same code as ``PUT /containers/{id}/archive``), so
modes, times, links and parent directories behave the same.  The hash that
goes into the history (``file:``, ``dir:``, ``multi:``) and the cache key
covers content and metadata but not times, as moby's tarsum does.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

from mockd.fs import paths
from mockd.fs.archive import extract_into
from mockd.fs.container import ContainerFS
from mockd.fs.nodes import Node
from mockd.fs.tarwrite import iter_tar
from mockd.fs.union import UnionView

_GLOB_CHARS = frozenset("*?[")


class CopyError(ValueError):
    """A COPY/ADD that cannot be done (dockerd's ``COPY failed: ...``)."""


@dataclass(frozen=True)
class Source:
    path: str  # absolute path in ``view``
    node: Node


def _match_glob(view: UnionView, pattern: str) -> list[str]:
    """Paths in ``view`` matching ``pattern`` segment by segment (sorted, as Go's Glob)."""
    found = ["/"]
    for segment in paths.split(pattern):
        nxt: list[str] = []
        for base in found:
            if not view.is_dir(base):
                continue
            if _GLOB_CHARS & set(segment):
                names = [n for n in view.listdir(base) if fnmatch.fnmatchcase(n, segment)]
            else:
                names = [segment] if view.exists(paths.clean(f"{base}/{segment}")) else []
            nxt.extend(paths.clean(f"{base}/{name}") for name in sorted(names))
        found = nxt
    return found


def collect(
    view: UnionView, patterns: list[str], *, from_context: bool, keyword: str
) -> list[Source]:
    """The files each pattern names in ``view``; dockerd's errors when one names nothing."""
    sources: list[Source] = []
    for pattern in patterns:
        cleaned = paths.clean("/" + pattern)
        if from_context and _escapes(pattern):
            raise CopyError(f"Forbidden path outside the build context: {pattern} ()")
        if _GLOB_CHARS & set(pattern):
            hits = _match_glob(view, cleaned)
            if not hits:
                raise CopyError(f"{keyword} failed: no source files were specified")
        elif view.exists(cleaned) or _is_link(view, cleaned):
            hits = [cleaned]
        elif from_context:
            raise CopyError(
                f"{keyword} failed: file not found in build context or excluded by "
                f".dockerignore: stat {pattern}: file does not exist"
            )
        else:
            raise CopyError(f"{keyword} failed: stat {cleaned}: file does not exist")
        sources.extend(Source(hit, view.node(hit)) for hit in hits)
    return sources


def _escapes(pattern: str) -> bool:
    depth = 0
    for part in pattern.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def _is_link(view: UnionView, path: str) -> bool:
    try:
        return view.node(path, follow_symlinks=False).kind == "symlink"
    except OSError:
        return False


def _hash_tree(view: UnionView, source: Source) -> str:
    digest = hashlib.sha256()
    entries: list[tuple[str, Node]] = [(".", source.node)]
    if source.node.is_dir:
        real = view.realpath(source.path)
        entries += [(sub[len(real.rstrip("/")) + 1 :], node) for sub, node in view.walk(real)]
    for name, node in entries:
        header = f"{name}\0{node.kind}\0{node.mode:o}\0{node.uid}\0{node.gid}\0{node.target}\0"
        digest.update(header.encode())
        digest.update(hashlib.sha256(node.data).digest())
    return digest.hexdigest()


def sources_hash(view: UnionView, sources: list[Source]) -> str:
    """``file:<h>``, ``dir:<h>`` or ``multi:<h>``, as in the history's ``COPY ... in``."""
    hashes = [_hash_tree(view, s) for s in sources]
    if len(sources) == 1:
        return ("dir:" if sources[0].node.is_dir else "file:") + hashes[0]
    return "multi:" + hashlib.sha256(",".join(hashes).encode()).hexdigest()


def _owned(node: Node, owner: tuple[int, int] | None) -> Node:
    copy = node.copy_meta()
    copy.uid, copy.gid = owner if owner is not None else (0, 0)
    return copy


def _entries(
    view: UnionView, source: Source, target: str, owner: tuple[int, int] | None, with_root: bool
) -> Iterator[tuple[str, Node]]:
    rel = target.lstrip("/")
    if not source.node.is_dir:
        yield rel, _owned(source.node, owner)
        return
    if with_root and rel:
        yield rel, _owned(source.node, owner)
    real = view.realpath(source.path)
    for sub, node in view.walk(real):
        name = sub[len(real.rstrip("/")) + 1 :]
        yield (f"{rel}/{name}" if rel else name), _owned(node, owner)


def is_archive(data: bytes) -> bool:
    """Whether ADD unpacks this file: a (possibly compressed) tar, as moby's IsArchive."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            return archive.next() is not None
    except (tarfile.TarError, EOFError, OSError):
        return False


def copy_into(
    fs: ContainerFS,
    view: UnionView,
    sources: list[Source],
    dest: str,
    *,
    owner: tuple[int, int] | None,
    unpack: bool = False,
) -> None:
    """Lay ``sources`` into ``fs`` at ``dest`` (a directory when it ends with ``/``)."""
    as_dir = dest.endswith("/") or len(sources) > 1
    dest = paths.clean(dest)
    if len(sources) > 1 and not as_dir:
        raise CopyError(
            "When using COPY with more than one source file, the destination must be a "
            "directory and end with a /"
        )
    entries: list[tuple[str, Node]] = []
    for source in sources:
        node = source.node
        if unpack and node.kind == "file" and is_archive(node.data):
            fs.mkdir(dest, parents=True)
            extract_into(fs, dest, io.BytesIO(node.data))
            continue
        if node.is_dir:
            entries.extend(_entries(view, source, dest, owner, not fs.exists(dest)))
            continue
        target = dest
        if as_dir or fs.is_dir(dest):
            target = paths.clean(f"{dest}/{paths.basename(source.path)}")
        entries.extend(_entries(view, source, target, owner, False))
    if entries:
        data = b"".join(iter_tar(entries, layer_markers=False))
        extract_into(fs, "/", io.BytesIO(data), copy_uid_gid=True)
