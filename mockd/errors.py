"""Errors the engine raises, in moby's errdefs classes.

The engine never speaks HTTP: it raises one of these, and the router turns the
class into dockerd's status code and ``{"message": ...}`` body.  The messages
are dockerd's own wording wherever clients (or people) read them.
"""

from __future__ import annotations


class DaemonError(Exception):
    """Base class: an error the daemon reports to the client."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameter(DaemonError):
    status = 400


class Unauthorized(DaemonError):
    status = 401


class Forbidden(DaemonError):
    status = 403


class NotFound(DaemonError):
    status = 404


class Conflict(DaemonError):
    status = 409


class NotModified(DaemonError):
    status = 304


class NotImplementedError_(DaemonError):
    """An operation the mock does not implement (the name avoids the builtin)."""

    status = 501


class Unavailable(DaemonError):
    status = 503


class SystemError_(DaemonError):
    status = 500
