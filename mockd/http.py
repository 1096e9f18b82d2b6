"""The seam between the HTTP server and the handlers.

The server (``mockd.server``) turns bytes on a connection into a :class:`Request`,
the router (``mockd.router``) matches it to an operation of the API document and
fills in the operation's fields, a handler (``mockd.handlers``) turns it into one
of the reply types below, and the server writes that reply out.  Nothing here
does I/O: this module only names the shapes that cross the seam.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

JSON_TYPE = "application/json"
RAW_STREAM_TYPE = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM_TYPE = "application/vnd.docker.multiplexed-stream"


@dataclass
class Request:
    """One HTTP request as the handlers see it.

    The server fills the wire fields; the router fills the operation fields.
    """

    method: str
    path: str  # the raw path, without the query string
    query: dict[str, list[str]]  # every value of every query parameter, as sent
    headers: dict[str, str]  # lower-cased names; repeated headers joined by ", "
    body: bytes = b""
    # Filled by the router:
    operation_id: str = ""
    api_version: tuple[int, int] = (0, 0)  # the version the request is served at
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # query params coerced by the spec
    json: Any = None  # the decoded JSON body, when the operation takes one

    def version_at_least(self, major: int, minor: int) -> bool:
        return self.api_version >= (major, minor)


@dataclass
class Response:
    """A complete reply: status, headers and the whole body at once."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StreamResponse:
    """A reply whose body is produced over time and sent with chunked encoding.

    The server stops iterating (and closes the iterator) when the client goes away.
    """

    chunks: AsyncIterator[bytes]
    status: int = 200
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


class HijackedStream(Protocol):
    """The raw connection after a hijack (``attach``, ``exec start``)."""

    async def read(self, max_bytes: int = 65536) -> bytes:
        """Bytes from the client; ``b""`` once the client has closed its side."""
        ...

    async def write(self, data: bytes) -> None:
        """Send bytes to the client, waiting while its buffer is full."""
        ...

    async def close(self) -> None:
        """Close the connection."""
        ...


@dataclass
class HijackResponse:
    """Take over the connection, as dockerd does for attach and exec start.

    A client that asked for ``Upgrade: tcp`` gets ``101 UPGRADED``; one that did
    not gets ``200 OK`` with no body framing.  Either way the server then hands
    the socket to ``run`` and closes it when ``run`` returns.
    """

    run: Callable[[HijackedStream], Awaitable[None]]
    content_type: str = RAW_STREAM_TYPE
    headers: dict[str, str] = field(default_factory=dict)


Reply = Response | StreamResponse | HijackResponse


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Encode ``obj`` (plain data or msgspec Structs) as a JSON reply."""
    return Response(status=status, body=msgspec.json.encode(obj) + b"\n", headers=headers or {})


def error_response(status: int, message: str) -> Response:
    """dockerd's error body: ``{"message": "..."}``."""
    return json_response({"message": message}, status=status)


def no_content(status: int = 204) -> Response:
    return Response(status=status, body=b"", content_type=None)
