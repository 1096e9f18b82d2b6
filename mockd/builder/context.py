"""The build context: the tar the client sent, read safely into a read-only tree.

As dockerd does (``remotecontext.removeDockerfile``), the daemon does not
filter the context with ``.dockerignore`` (the client already did); it only
drops ``.dockerignore`` and the Dockerfile from what COPY and ADD can see
when ``.dockerignore`` names them.  Patterns are matched with the SDK's port
of moby's patternmatcher.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from dockersdk.dockerignore import PatternMatcher, go_clean, read_patterns
from mockd.fs import paths
from mockd.fs.errors import TarSafetyError
from mockd.fs.nodes import Node, new_dir
from mockd.fs.tarread import StagedEntry, read_entries
from mockd.fs.union import UnionView

DOCKERIGNORE = ".dockerignore"


class ContextError(ValueError):
    """The context (or the Dockerfile in it) is unusable; reported as dockerd does."""


@dataclass
class BuildContext:
    """The context's files (``view``, rooted at ``/``) and the Dockerfile's text."""

    view: UnionView
    dockerfile_name: str
    dockerfile: str


def _tree(entries: list[StagedEntry]) -> Node:
    root = new_dir()
    for entry in entries:
        if not entry.path:
            continue
        node: Node = root
        parts = paths.split(entry.path)
        for part in parts[:-1]:
            child = node.children.get(part)
            if child is None or not child.is_dir:
                child = new_dir(mtime=entry.node.mtime)
                node.children[part] = child
            node = child
        name = parts[-1]
        if entry.link_to is not None:
            target = _lookup(root, entry.link_to)
            if target is not None and not target.is_dir:
                node.children[name] = target
            continue
        existing = node.children.get(name)
        if existing is not None and existing.is_dir and entry.node.is_dir:
            existing.mode, existing.uid, existing.gid, existing.mtime = (
                entry.node.mode, entry.node.uid, entry.node.gid, entry.node.mtime,
            )  # fmt: skip
            continue
        node.children[name] = entry.node
    return root


def _lookup(root: Node, rel: str) -> Node | None:
    node: Node | None = root
    for part in paths.split(rel):
        node = node.children.get(part) if node is not None and node.is_dir else None
    return node


def _remove(root: Node, rel: str) -> None:
    parts = paths.split(rel)
    parent = _lookup(root, "/".join(parts[:-1])) if parts else None
    if parent is not None and parent.is_dir:
        parent.children.pop(parts[-1], None)


def read_context(data: bytes, dockerfile: str = "Dockerfile") -> BuildContext:
    """Read the context tar (plain or compressed) and find the Dockerfile in it."""
    try:
        entries, _, _ = read_entries(io.BytesIO(data), whiteouts=False) if data else ([], "", None)
    except TarSafetyError as exc:
        raise ContextError(f"failed to read the build context: {exc}") from None
    root = _tree(entries)
    name = go_clean(dockerfile or "Dockerfile").lstrip("/")
    node = _lookup(root, name)
    if node is None and not dockerfile:
        node = _lookup(root, "dockerfile")  # dockerd's lower-case fallback
        name = "dockerfile"
    if node is None or node.kind != "file":
        raise ContextError(f"Cannot locate specified Dockerfile: {dockerfile or 'Dockerfile'}")
    text = node.data.decode("utf-8", errors="replace")
    ignore = _lookup(root, DOCKERIGNORE)
    if ignore is not None and ignore.kind == "file":
        matcher = PatternMatcher(read_patterns(ignore.data.decode("utf-8", errors="replace")))
        for excluded in (DOCKERIGNORE, name):
            if matcher.matches(excluded):
                _remove(root, excluded)
    return BuildContext(UnionView([root]), name, text)
