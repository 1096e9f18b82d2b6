"""``X-Docker-Container-Path-Stat``: moby's ``ContainerPathStat`` of a path.

The mode is a Go ``os.FileMode``: permission bits plus type flags in the high
bits (directory 1<<31, symlink 1<<27, ...), not POSIX ``st_mode`` type bits.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from mockd.fs import paths
from mockd.fs.nodes import Node
from mockd.fs.union import UnionView

# Go's io/fs FileMode bits.
GO_MODE_DIR = 1 << 31
GO_MODE_SYMLINK = 1 << 27
GO_MODE_DEVICE = 1 << 26
GO_MODE_NAMED_PIPE = 1 << 25
GO_MODE_SOCKET = 1 << 24
GO_MODE_SETUID = 1 << 23
GO_MODE_SETGID = 1 << 22
GO_MODE_CHAR_DEVICE = 1 << 21
GO_MODE_STICKY = 1 << 20

_KIND_BITS = {
    "dir": GO_MODE_DIR,
    "symlink": GO_MODE_SYMLINK,
    "char": GO_MODE_DEVICE | GO_MODE_CHAR_DEVICE,
    "block": GO_MODE_DEVICE,
    "fifo": GO_MODE_NAMED_PIPE,
    "socket": GO_MODE_SOCKET,
}


def go_file_mode(node: Node) -> int:
    mode = (node.mode & 0o777) | _KIND_BITS.get(node.kind, 0)
    if node.mode & 0o4000:
        mode |= GO_MODE_SETUID
    if node.mode & 0o2000:
        mode |= GO_MODE_SETGID
    if node.mode & 0o1000:
        mode |= GO_MODE_STICKY
    return mode


def go_time(seconds: float) -> str:
    """RFC 3339 with nanoseconds and trailing zeros dropped, as Go marshals time.Time."""
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    stamp = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        stamp += ("." + f"{nanos:09d}").rstrip("0")
    return stamp + "Z"


def path_stat(view: UnionView, path: str) -> dict[str, object]:
    """``{name, size, mode, mtime, linkTarget}`` of ``path`` (a symlink is not followed)."""
    node = view.node(path, follow_symlinks=False)
    link_target = ""
    if node.kind == "symlink":
        try:
            link_target = view.realpath(path)
        except OSError:  # dangling: where it points, lexically
            base = view.realpath(paths.parent_of(path))
            link_target = paths.clean(
                node.target if node.target.startswith("/") else f"{base}/{node.target}"
            )
    return {
        "name": paths.basename(path),
        "size": node.size,
        "mode": go_file_mode(node),
        "mtime": go_time(node.mtime),
        "linkTarget": link_target,
    }


def path_stat_header(view: UnionView, path: str) -> str:
    """The header value: base64 of the JSON, field order as moby's struct."""
    body = json.dumps(path_stat(view, path), separators=(",", ":"))
    return base64.b64encode(body.encode()).decode()
