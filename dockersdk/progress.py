"""Showing pull / push / build / load progress the way the docker CLI does.

On a terminal, each layer gets one line that is rewritten in place (ANSI
cursor-up, clear-line, cursor-down, as the CLI's ``jsonmessage`` does) with
its status and a bar drawn from ``progressDetail``; anything else (a line
without a layer id, build output) is printed as it comes and starts a new
block of layer lines.  Elsewhere (a pipe, a log file) each message is one
plain line, and the repeats of a layer's status are dropped.

Hand-written: ``rich`` would do this but is not a dependency, and the CLI's
behaviour fits in this module; it accepts the typed messages
(``CreateImageInfo``, ``PushImageInfo``, ``BuildInfo``) and plain dicts alike.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, TextIO, TypeVar

T = TypeVar("T")

BAR_WIDTH: Final = 50
_CLEAR_LINE: Final = "\x1b[2K\r"


def cursor_up(lines: int) -> str:
    return f"\x1b[{lines}A" if lines > 0 else ""


def cursor_down(lines: int) -> str:
    return f"\x1b[{lines}B" if lines > 0 else ""


def human_size(size: float) -> str:
    """Decimal units, as the CLI's progress shows them ("1.5MB")."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.3g}{unit}"
        size /= 1000
    raise AssertionError("unreachable")


def progress_bar(current: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[=====>      ]  1.2MB/3.4MB``; without a total, only the amount so far."""
    if total <= 0:
        return human_size(current)
    filled = min(width, width * current // total)
    bar = "=" * width if filled >= width else "=" * filled + ">" + " " * (width - filled - 1)
    return f"[{bar}] {human_size(current):>7}/{human_size(total)}"


@dataclass(frozen=True)
class ProgressLine:
    """What one stream message says, whatever its type."""

    id: str | None
    status: str | None
    current: int | None
    total: int | None
    stream: str | None
    error: str | None

    @classmethod
    def of(cls, message: Any) -> ProgressLine:
        if isinstance(message, Mapping):
            detail = message.get("progressDetail") or {}
            error = message.get("errorDetail") or {}
            return cls(
                id=message.get("id"),
                status=message.get("status"),
                current=detail.get("current"),
                total=detail.get("total"),
                stream=message.get("stream"),
                error=error.get("message") or message.get("error"),
            )
        detail = getattr(message, "progress_detail", None)
        error = getattr(message, "error_detail", None)
        return cls(
            id=getattr(message, "id", None),
            status=getattr(message, "status", None),
            current=getattr(detail, "current", None),
            total=getattr(detail, "total", None),
            stream=getattr(message, "stream", None),
            error=getattr(error, "message", None),
        )

    def text(self, *, bars: bool) -> str:
        """``id: status [bar]`` (the bar only when asked for and known)."""
        parts = [f"{self.id}: " if self.id else "", self.status or ""]
        if bars and self.current is not None:
            parts.append(" " + progress_bar(self.current, self.total or 0))
        return "".join(parts)


class ProgressDisplay:
    """Writes stream messages to ``out`` (stdout by default) as the CLI shows them.

    ``tty=None`` asks ``out.isatty()``.  Call :meth:`show` for each message, or
    wrap a stream with :meth:`follow`.
    """

    def __init__(self, out: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.out = out if out is not None else sys.stdout
        self.tty = is_terminal(self.out) if tty is None else tty
        self._lines: dict[str, int] = {}  # layer id -> its line in the current block
        self._last_status: dict[str, str] = {}

    def show(self, message: Any) -> None:
        """Render one message."""
        line = ProgressLine.of(message)
        if line.error:
            self._write_block_end(f"ERROR: {line.error}\n")
        elif line.stream is not None:
            self._write_block_end(line.stream)
        elif line.id and self.tty:
            self._show_layer(line)
        elif line.id:
            status = line.status or ""
            if self._last_status.get(line.id) != status:  # progress repeats stay off logs
                self._last_status[line.id] = status
                self.out.write(line.text(bars=False) + "\n")
        elif line.status:
            self._write_block_end(line.status + "\n")
        self.out.flush()

    def follow(self, messages: Iterable[T]) -> Iterator[T]:
        """Each message of ``messages``, shown as it passes through."""
        for message in messages:
            self.show(message)
            yield message

    def _show_layer(self, line: ProgressLine) -> None:
        assert line.id is not None
        index = self._lines.get(line.id)
        if index is None:
            index = self._lines[line.id] = len(self._lines)
            self.out.write("\n")  # the new layer's line, at the bottom of the block
        up = len(self._lines) - index
        self.out.write(cursor_up(up) + _CLEAR_LINE + line.text(bars=True) + "\r" + cursor_down(up))

    def _write_block_end(self, text: str) -> None:
        """Free text goes below the layer lines (the cursor already waits there),
        which then form a finished block: later layer lines start a new one."""
        self._lines.clear()
        self.out.write(text)


def is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except ValueError:  # closed
        return False


def wants_display(progress: bool | None, out: TextIO | None = None) -> bool:
    """``progress`` decided: ``None`` means "when ``out`` (stdout) is a terminal"."""
    if progress is not None:
        return progress
    return is_terminal(out if out is not None else sys.stdout)


__all__ = [
    "ProgressDisplay",
    "ProgressLine",
    "cursor_down",
    "cursor_up",
    "human_size",
    "is_terminal",
    "progress_bar",
    "wants_display",
]
