"""Fault injection and the request record: what a test asks of a daemon's HTTP side.

``daemon.faults`` arms faults by operationId (the API document's names:
``ContainerStart``, ``ImageList``, ``SystemPing``...)::

    daemon.faults.fail("ContainerStart", status=500, message="boom", times=1)
    daemon.faults.delay("ImageList", seconds=0.5)
    daemon.faults.cut_stream("ContainerLogs", after_bytes=100)
    daemon.faults.drop_connection("SystemPing")

``daemon.requests`` records every routed request (method, path, operationId,
query, JSON body, status), credentials redacted.

The router calls :class:`Interceptor` twice per routed request: ``before``
(after routing, before the handler: a fault may answer instead, or wait)
and ``after`` (with the reply: the record is written, a stream may be cut).
Unknown paths (404 ``page not found``) never reach either.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from mockd.http import HijackResponse, Reply, Request, Response, StreamResponse, error_response
from mockd.server import DropConnection

REDACTED = "<redacted>"
# Headers whose values are credentials; recorded as REDACTED.
_SECRET_HEADERS = frozenset({"authorization", "x-registry-auth", "x-registry-config"})
# JSON body keys that hold credentials (SystemAuth, plugin/registry bodies).
_SECRET_KEYS = frozenset({"password", "identitytoken", "registrytoken", "auth"})

FaultKind = Literal["fail", "delay", "cut_stream", "drop_connection"]


class StreamCut(DropConnection):
    """Raised inside a reply's stream to cut it; the server then drops the connection."""


@dataclass
class Fault:
    """One armed fault.  ``times=None`` means every matching request, for ever."""

    kind: FaultKind
    operation_id: str
    times: int | None = None
    match_path: str | None = None  # a substring of the request path
    match_body: dict[str, Any] | None = None  # key/values the JSON body must contain
    status: int = 500
    message: str = ""
    seconds: float = 0.0
    after_bytes: int = 0
    hits: int = 0  # how many requests it has hit so far

    def matches(self, req: Request) -> bool:
        if req.operation_id != self.operation_id:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if self.match_path is not None and self.match_path not in req.path:
            return False
        if self.match_body is not None:
            body = _json_of(req)
            if not isinstance(body, dict):
                return False
            if any(body.get(k) != v for k, v in self.match_body.items()):
                return False
        return True


class Faults:
    """The faults armed on one daemon.  Methods may be called from any thread."""

    def __init__(self, operation_ids: Iterable[str]) -> None:
        self._known = frozenset(operation_ids)
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def _check(self, operation_id: str) -> None:
        if operation_id in self._known:
            return
        close = difflib.get_close_matches(operation_id, sorted(self._known), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown operationId {operation_id!r}{hint}")

    def _arm(self, fault: Fault) -> Fault:
        self._check(fault.operation_id)
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail(
        self,
        operation_id: str,
        *,
        status: int = 500,
        message: str = "injected fault",
        times: int | None = 1,
        match_path: str | None = None,
        match_body: dict[str, Any] | None = None,
    ) -> Fault:
        """Answer ``status`` and ``{"message": message}`` instead of running the handler."""
        return self._arm(
            Fault("fail", operation_id, times, match_path, match_body, status=status,
                  message=message)
        )  # fmt: skip

    def delay(
        self,
        operation_id: str,
        seconds: float,
        *,
        times: int | None = None,
        match_path: str | None = None,
        match_body: dict[str, Any] | None = None,
    ) -> Fault:
        """Wait ``seconds`` of real time (not the daemon's clock) before handling."""
        return self._arm(
            Fault("delay", operation_id, times, match_path, match_body, seconds=seconds)
        )

    def cut_stream(
        self,
        operation_id: str,
        after_bytes: int,
        *,
        times: int | None = 1,
        match_path: str | None = None,
        match_body: dict[str, Any] | None = None,
    ) -> Fault:
        """Send the first ``after_bytes`` bytes of the reply's body, then close the connection."""
        return self._arm(
            Fault("cut_stream", operation_id, times, match_path, match_body,
                  after_bytes=after_bytes)
        )  # fmt: skip

    def drop_connection(
        self,
        operation_id: str,
        *,
        times: int | None = 1,
        match_path: str | None = None,
        match_body: dict[str, Any] | None = None,
    ) -> Fault:
        """Close the connection without answering (the handler does not run)."""
        return self._arm(Fault("drop_connection", operation_id, times, match_path, match_body))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> list[Fault]:
        """Faults that can still hit."""
        with self._lock:
            return [f for f in self._faults if f.times is None or f.hits < f.times]

    def take(self, req: Request, kinds: tuple[FaultKind, ...]) -> Fault | None:
        """The first armed fault of ``kinds`` that matches ``req``, counted as a hit."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(req):
                    fault.hits += 1
                    return fault
        return None


# -- the record -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as sent, with its /v1.NN prefix
    operation_id: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased; credentials redacted
    body: Any  # the decoded JSON body (credentials redacted), or the raw bytes, or None
    status: int  # 101 for an upgraded hijack; 0 when a fault dropped the connection
    fault: FaultKind | None = None


@dataclass
class RequestRecord:
    """Every request a daemon routed, oldest first; thread-safe."""

    _items: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def of(self, *operation_ids: str) -> list[RecordedRequest]:
        """The requests of these operations, oldest first."""
        return [r for r in self.all() if r.operation_id in operation_ids]

    def last(self, operation_id: str | None = None) -> RecordedRequest:
        found = self.of(operation_id) if operation_id else self.all()
        if not found:
            raise LookupError(f"no {operation_id or ''} request recorded".replace("  ", " "))
        return found[-1]

    def count(self, operation_id: str) -> int:
        return len(self.of(operation_id))

    def operation_ids(self) -> list[str]:
        return [r.operation_id for r in self.all()]

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.all())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def _json_of(req: Request) -> Any:
    if req.json is not None:
        return req.json
    if not req.body or "json" not in req.headers.get("content-type", ""):
        return None
    try:
        return json.loads(req.body)
    except ValueError:
        return None


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: REDACTED if k.lower() in _SECRET_HEADERS else v for k, v in headers.items()}


def redact_body(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: REDACTED if k.lower() in _SECRET_KEYS and v else redact_body(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    return value


def _status_of(req: Request, reply: Reply) -> int:
    if isinstance(reply, HijackResponse):
        return 101 if "upgrade" in req.headers else 200
    return reply.status


# -- what the router calls ----------------------------------------------------------


class Interceptor:
    """The router's hooks: faults before the handler, the record and stream cuts after."""

    def __init__(self, faults: Faults, record: RequestRecord) -> None:
        self.faults = faults
        self.record = record

    async def before(self, req: Request) -> Reply | None:
        """A reply that replaces the handler's, or ``None`` to run the handler."""
        delay = self.faults.take(req, ("delay",))
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        fault = self.faults.take(req, ("fail", "drop_connection"))
        if fault is None:
            return None
        if fault.kind == "drop_connection":
            self._write(req, 0, "drop_connection")
            raise DropConnection
        return error_response(fault.status, fault.message)

    def after(self, req: Request, reply: Reply) -> Reply:
        cut = self.faults.take(req, ("cut_stream",))
        self._write(req, _status_of(req, reply), "cut_stream" if cut else None)
        if cut is None:
            return reply
        if isinstance(reply, StreamResponse):
            reply.chunks = _cut(reply.chunks, cut.after_bytes)
            return reply
        if isinstance(reply, Response):
            # Announce the whole length, send a part: the client sees a short read.
            headers = {**reply.headers, "Content-Length": str(len(reply.body))}
            return StreamResponse(
                chunks=_cut(_once(reply.body), cut.after_bytes),
                status=reply.status,
                content_type=reply.content_type,
                headers=headers,
            )
        return reply  # a hijacked stream is the handler's: not cut

    def _write(self, req: Request, status: int, fault: FaultKind | None) -> None:
        body: Any = _json_of(req)
        if body is None and req.body:
            body = req.body
        self.record.append(
            RecordedRequest(
                method=req.method,
                path=req.path,
                operation_id=req.operation_id,
                query={k: list(v) for k, v in req.query.items()},
                headers=redact_headers(req.headers),
                body=redact_body(body),
                status=status,
                fault=fault,
            )
        )


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _cut(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    sent = 0
    try:
        async for chunk in chunks:
            room = limit - sent
            if len(chunk) >= room:
                if room:
                    yield chunk[:room]
                raise StreamCut(f"stream cut after {limit} bytes by an injected fault")
            sent += len(chunk)
            yield chunk
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    raise StreamCut(f"stream ended before {limit} bytes; cut at its end")
