"""``docker diff``: what a container's upper tree changed, as overlay2 reports it.

This follows moby's ``archive.changes`` walk over the upper directory: a
whiteout is a deletion; an entry the lower layers also have is a modification,
except a directory whose mode and mtime are unchanged (copied up only because
something below it changed); anything else is an addition; and the parent of
an addition or deletion is reported modified if it was not reported already.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockd.fs.nodes import Node
from mockd.fs.union import Stack, child_stack

MODIFIED, ADDED, DELETED = 0, 1, 2


@dataclass(frozen=True)
class Change:
    path: str
    kind: int  # 0 modified, 1 added, 2 deleted (the API's ChangeType)


def compute_changes(upper: Node, lower_root: Stack) -> list[Change]:
    out: list[Change] = []
    changed_dirs: set[str] = set()

    def visit(directory: Node, path: str, lower: Stack) -> None:
        for name in sorted(directory.children):
            node = directory.children[name]
            child_path = f"{path}/{name}"
            below = child_stack(lower, name) if lower else []
            if node.kind == "whiteout" or (node.kind == "dir" and node.opaque and below):
                # dockerd 20.10 reports a directory deleted and recreated
                # (opaque in the upper layer) as deleted.
                kind = DELETED
            elif below:
                if (
                    node.kind == "dir"
                    and below[0].kind == "dir"
                    and node.mode == below[0].mode
                    and _same_fs_time(node.mtime, below[0].mtime)
                ):
                    visit(node, child_path, below)
                    continue
                kind = MODIFIED
            else:
                kind = ADDED
            if node.kind == "dir":
                changed_dirs.add(child_path)
            if kind != MODIFIED and path and path not in changed_dirs:
                out.append(Change(path, MODIFIED))
                changed_dirs.add(path)
            out.append(Change(child_path, kind))
            if node.kind == "dir":
                visit(
                    node, child_path, [] if node.opaque else [n for n in below if n.kind == "dir"]
                )

    visit(upper, "", lower_root)
    return out


def _same_fs_time(a: float, b: float) -> bool:
    """moby's ``sameFsTime``: equal, or the same second where one side has no
    sub-second part (a time that went through a tar header)."""
    return a == b or (int(a) == int(b) and (a == int(a) or b == int(b)))
