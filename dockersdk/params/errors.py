"""Errors raised while turning readable arguments into Engine API bodies.

Both are also builtin exceptions (``ValueError`` / ``TypeError``) so code
written against docker-py, which raises those, keeps catching them.
"""

from __future__ import annotations

from dockersdk.errors import DockerError


class InvalidArgument(DockerError, ValueError):
    """An argument has a value the Engine would reject (or cannot represent).

    ``argument`` names the keyword argument at fault, when there is one.
    """

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class UnexpectedArgument(InvalidArgument, TypeError):
    """A keyword argument that the call does not take (docker-py: TypeError)."""
