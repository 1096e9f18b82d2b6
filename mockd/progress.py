"""dockerd's JSON progress messages (pull, push, load), as ``jsonmessage.JSONMessage`` has them.

One place for their shape and for the text bar dockerd draws into ``progress``,
so that the catalogue pull, registry pull/push and load all write the same bytes.
Keys are in dockerd's order: status, progressDetail, progress, id.
"""

from __future__ import annotations

from typing import Any

__all__ = ["human_size", "progress_bar", "progress_message", "status_message"]

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def human_size(size: float) -> str:
    """go-units HumanSize: decimal units, four significant digits (``2.228MB``)."""
    i = 0
    while size >= 1000 and i < len(_UNITS) - 1:
        size /= 1000
        i += 1
    return f"{size:.4g}{_UNITS[i]}"


def progress_bar(current: int, total: int) -> str:
    """JSONProgress.String at the daemon's width: ``[====>     ]  1.2MB/2.3MB``."""
    half = min(50, int(current / total * 100) // 2) if total else 0
    bar = "[" + "=" * half + ">" + " " * (50 - half) + "] "
    return bar + f"{human_size(current):>8}/{human_size(total)}"


def status_message(status: str, id: str) -> dict[str, Any]:
    """A step of one layer (``Pulling fs layer``, ``Pushed``...), with no progress."""
    return {"status": status, "progressDetail": {}, "id": id}


def progress_message(status: str, id: str, current: int, total: int) -> dict[str, Any]:
    """A step of one layer with its progress, numbers and the text bar."""
    return {
        "status": status,
        "progressDetail": {"current": current, "total": total},
        "progress": progress_bar(current, total),
        "id": id,
    }
