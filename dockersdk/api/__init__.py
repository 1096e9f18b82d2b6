"""One module per API area (system, containers, images, ...).

Each area is a class taking the client's ``Transport``; ``DockerClient`` holds
one instance per area (``client.system``, ``client.containers``, ...).
``APIGroup`` gives them the two calls most methods need; ``Model`` is the
base of docker-py's resource objects (``Image``, ``Network``, ``Volume``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import msgspec
import requests

from dockersdk.streams import Stream, iter_json
from dockersdk.transport import QueryValue, Timeout, Transport, iter_chunks

T = TypeVar("T")
Attrs = TypeVar("Attrs")
Collection = TypeVar("Collection")


class APIGroup:
    """Base of the API areas: holds the transport, decodes answers."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _json(
        self,
        method: str,
        path: str,
        type: type[T],
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        operation: str | None = None,
    ) -> T:
        """Send a request and decode its JSON answer into ``type``."""
        response = self._transport.request(
            method, path, path_params=path_params, params=params, json=json, operation=operation
        )
        return msgspec.json.decode(response.content, type=type)

    def _json_stream(
        self,
        method: str,
        path: str,
        type: type[T],
        *,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        operation: str | None = None,
        timeout: float | Timeout | None = None,
    ) -> Stream[T]:
        """Send a request whose answer is a stream of JSON messages; by default
        without read timeout (events and progress can pause for long)."""
        response = self._transport.request(
            method,
            path,
            path_params=path_params,
            params=params,
            json=json,
            data=data,
            headers=headers,
            stream=True,
            timeout=Timeout(self._transport.timeout.connect, None) if timeout is None else timeout,
            operation=operation,
        )
        return response_stream(response, iter_json(iter_chunks(response), type))


class Model(Generic[Attrs, Collection]):
    """A resource as docker-py's ``Model``: its inspect data in ``attrs``, the
    collection that made it in ``collection``; equal (and hashed) by ``id``."""

    def __init__(self, attrs: Attrs, collection: Collection) -> None:
        self.attrs = attrs
        self.collection = collection

    @property
    def id(self) -> str:
        """The resource's ID."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)


def response_stream(response: requests.Response, items: Iterator[T]) -> Stream[T]:
    """A ``Stream`` over ``items`` that closes ``response``.

    Closing first shuts the socket's read side (urllib3's
    ``HTTPResponse.shutdown``): a reader blocked in another thread then wakes
    up, which ``response.close()`` alone does not do.
    """

    def close() -> None:
        try:
            response.raw.shutdown()
        except (ValueError, RuntimeError, OSError):
            pass  # already released or disconnected: nothing is blocked on it
        response.close()

    return Stream(items, close)
