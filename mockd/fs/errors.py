"""The errors ``mockd.fs`` raises.

Filesystem operations raise builtin ``OSError`` subclasses with ``errno`` set
(``OSError(errno, strerror, filename)`` picks the subclass from the errno), so
programs can print what busybox prints.  Archive checks raise
``TarSafetyError``, which the engine reports as 400.
"""

from __future__ import annotations

import errno
import os


def fs_error(code: int, path: str) -> OSError:
    """``OSError(ENOENT, ..., path)`` is a ``FileNotFoundError``, and so on."""
    return OSError(code, os.strerror(code), path)


def not_found(path: str) -> OSError:
    return fs_error(errno.ENOENT, path)


class TarSafetyError(ValueError):
    """An archive the daemon refuses: escaping paths or links, devices, a tar bomb.

    The text is the reason alone, in Go's words where dockerd's untar would fail
    (``archive/tar: invalid tar header``); :meth:`untar_message` is how dockerd
    reports it for PUT archive and image load.
    """

    def untar_message(self) -> str:
        return f"Error processing tar file(exit status 1): {self}"
