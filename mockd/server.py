"""The HTTP/1.1 server: asyncio streams, h11 for the protocol, one task per connection.

The server knows nothing of Docker: it turns bytes into a :class:`Request`,
awaits the app (the router), and writes the reply back: a whole
:class:`Response`, a chunked :class:`StreamResponse`, or a
:class:`HijackResponse` after which the socket belongs to the handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import logging
import os
import ssl
import stat
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import h11

from mockd.http import (
    HijackResponse,
    Reply,
    Request,
    Response,
    StreamResponse,
    error_response,
)

log = logging.getLogger(__name__)

App = Callable[[Request], Awaitable[Reply]]

READ_SIZE = 65536
# Go's http.DefaultMaxHeaderBytes: the request line and headers together.
MAX_HEADER_BYTES = 1 << 20
# Bodies are held in memory whole; image loads and build contexts can be large.
DEFAULT_MAX_BODY_SIZE = 1 << 30
# How long closing a connection may wait on the peer (TLS close_notify) before aborting it.
CLOSE_TIMEOUT = 1.0


class DropConnection(Exception):
    """Raised by the app (or inside a reply's stream) to close the connection unanswered.

    Fault injection (``mockd.faults``) uses it to play a daemon that goes away.
    """


class _ClientGone(Exception):
    """The client closed the connection or broke it."""


class _Hijacked:
    """The raw connection handed to a :class:`HijackResponse`'s ``run``."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pending: bytes
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._pending = pending  # bytes the client sent after its request, already read by h11

    async def read(self, max_bytes: int = 65536) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
            return data
        try:
            return await self._reader.read(max_bytes)
        except (ConnectionError, OSError):
            return b""

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def close(self) -> None:
        await _close_writer(self._writer)


class HTTPServer:
    """Serve ``app`` on any number of unix and TCP listeners until :meth:`close`."""

    def __init__(self, app: App, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE) -> None:
        self.app = app
        self.max_body_size = max_body_size
        self._servers: list[asyncio.AbstractServer] = []
        self._unix_paths: list[tuple[Path, int]] = []  # (path, inode) of sockets we created
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = asyncio.Event()

    async def listen_unix(self, path: str | os.PathLike[str], mode: int = 0o660) -> None:
        """Listen on a unix socket; a stale socket file is replaced, a live one is refused."""
        sock_path = Path(path)
        await _clear_stale_socket(sock_path)
        server = await asyncio.start_unix_server(self._on_connection, path=str(sock_path))
        os.chmod(sock_path, mode)
        self._servers.append(server)
        self._unix_paths.append((sock_path, sock_path.stat().st_ino))

    async def listen_tcp(
        self, host: str, port: int, ssl_context: ssl.SSLContext | None = None
    ) -> tuple[str, int]:
        """Listen on TCP (TLS when ``ssl_context``); port 0 picks a free port. Returns the address."""
        server = await asyncio.start_server(
            self._on_connection,
            host,
            port,
            ssl=ssl_context,
            # asyncio waits 30 s for a peer's close_notify; clients often never send one.
            ssl_shutdown_timeout=CLOSE_TIMEOUT if ssl_context else None,
        )
        self._servers.append(server)
        address = server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def serve_forever(self) -> None:
        """Wait until :meth:`close` is called."""
        await self._closed.wait()

    async def close(self) -> None:
        """Stop accepting, end every connection (hijacked ones too) and remove our sockets."""
        for server in self._servers:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()
        for sock_path, inode in self._unix_paths:
            with contextlib.suppress(OSError):
                if sock_path.stat().st_ino == inode:
                    sock_path.unlink()
        self._servers.clear()
        self._unix_paths.clear()
        self._closed.set()

    # -- one connection ------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await _Connection(self, reader, writer).serve()
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("connection failed")
        finally:
            await _close_writer(writer)
            self._tasks.discard(task)


class _Connection:
    def __init__(
        self, server: HTTPServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)

    async def serve(self) -> None:
        while True:
            try:
                event = await self._next_event()
                if not isinstance(event, h11.Request):  # closed between requests
                    return
                head = event
                body = await self._read_body(head)
            except h11.RemoteProtocolError as exc:
                await self._refuse(exc.error_status_hint, str(exc))
                return
            except _ClientGone:
                return
            if body is None:  # too large: answered 413 already
                return
            request = _make_request(head, body)
            try:
                reply = await self._call_app(request)
            except DropConnection:
                return
            if isinstance(reply, HijackResponse):
                await self._hijack(request, reply)
                return
            try:
                if isinstance(reply, StreamResponse):
                    await self._send_stream(request, reply)
                else:
                    await self._send_response(request, reply)
            except _ClientGone:
                return
            if self.conn.our_state is h11.MUST_CLOSE or self.conn.their_state is not h11.DONE:
                return
            self.conn.start_next_cycle()

    # reading

    async def _next_event(self) -> h11.Event | type[h11.PAUSED]:
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                if self.conn.they_are_waiting_for_100_continue:
                    await self._send(
                        h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")
                    )
                try:
                    data = await self.reader.read(READ_SIZE)
                except (ConnectionError, OSError):
                    data = b""
                self.conn.receive_data(data)
                continue
            return event  # type: ignore[return-value]

    async def _read_body(self, head: h11.Request) -> bytes | None:
        limit = self.server.max_body_size
        length = _content_length(head)
        if length is not None and length > limit:
            await self._refuse(413, "request body too large")
            return None
        body = bytearray()
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                body += event.data
                if len(body) > limit:
                    await self._refuse(413, "request body too large")
                    return None
            elif isinstance(event, h11.EndOfMessage):
                return bytes(body)
            elif isinstance(event, h11.ConnectionClosed):
                raise _ClientGone
            else:
                raise h11.RemoteProtocolError("unexpected event", error_status_hint=400)

    async def _call_app(self, request: Request) -> Reply:
        try:
            return await self.server.app(request)
        except DropConnection:
            raise
        except Exception as exc:
            log.exception("app failed on %s %s", request.method, request.path)
            return error_response(500, str(exc) or type(exc).__name__)

    # writing

    async def _send(self, event: h11.Event) -> None:
        data = self.conn.send(event)
        if data:
            try:
                self.writer.write(data)
                await self.writer.drain()
            except (ConnectionError, OSError) as exc:
                raise _ClientGone from exc

    async def _refuse(self, status: int, message: str) -> None:
        """Answer a request we cannot serve and let the connection close."""
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        reply = error_response(status, message)
        with contextlib.suppress(_ClientGone, h11.LocalProtocolError):
            await self._send(
                h11.Response(
                    status_code=status,
                    reason=_reason(status),
                    headers=[
                        *_headers(reply.headers, reply.content_type, len(reply.body)),
                        ("Connection", "close"),
                    ],
                )
            )
            await self._send(h11.Data(data=reply.body))
            await self._send(h11.EndOfMessage())

    async def _send_response(self, request: Request, reply: Response) -> None:
        bodiless = reply.status in (204, 304) or 100 <= reply.status < 200
        body = b"" if bodiless else reply.body
        length = None if bodiless else len(body)
        content_type = None if bodiless else reply.content_type
        conn = self.conn
        # Head, body and end in one write: one send(2) and one wakeup of the client, not three.
        data = conn.send(
            h11.Response(
                status_code=reply.status,
                reason=_reason(reply.status),
                headers=_headers(reply.headers, content_type, length),
            )
        )
        if body and request.method != "HEAD":
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            raise _ClientGone from exc

    async def _send_stream(self, request: Request, reply: StreamResponse) -> None:
        chunks = reply.chunks
        try:
            # Headers go out at once: clients of wait and events rely on seeing them early.
            await self._send(
                h11.Response(
                    status_code=reply.status,
                    reason=_reason(reply.status),
                    headers=_headers(reply.headers, reply.content_type, None),
                )
            )
            if request.method == "HEAD" or reply.status in (204, 304):
                await self._send(h11.EndOfMessage())
                return
            await self._pump_until_gone(chunks)
            await self._send(h11.EndOfMessage())
        finally:
            await _aclose(chunks)

    async def _pump_until_gone(self, chunks: AsyncIterator[bytes]) -> None:
        """Send chunks as they come; stop as soon as the client goes away, even while idle."""
        pump = asyncio.ensure_future(self._pump(chunks))
        watch = asyncio.ensure_future(self._wait_client_gone())
        try:
            await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pump, watch):
                task.cancel()
            await asyncio.gather(pump, watch, return_exceptions=True)
        if not pump.cancelled() and pump.exception() is not None:
            exc = pump.exception()
            if isinstance(exc, _ClientGone):
                raise exc
            if isinstance(exc, DropConnection):
                raise _ClientGone from exc
            # The stream broke after the status went out: all we can do is cut the connection.
            log.error("stream failed after its headers were sent: %r", exc)
            raise _ClientGone from exc
        if pump.cancelled():
            raise _ClientGone

    async def _pump(self, chunks: AsyncIterator[bytes]) -> None:
        async for chunk in chunks:
            if chunk:
                await self._send(h11.Data(data=chunk))

    async def _wait_client_gone(self) -> None:
        """Read until EOF, keeping what arrives for h11 (it may be the next request)."""
        while True:
            try:
                data = await self.reader.read(READ_SIZE)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                return
            self.conn.receive_data(data)

    async def _hijack(self, request: Request, reply: HijackResponse) -> None:
        # dockerd writes this head itself, after hijacking, with no body framing at all.
        if "Upgrade" in reply.headers:  # another protocol (websocket): its own 101 headers
            lines = ["HTTP/1.1 101 Switching Protocols"]
        elif "upgrade" in request.headers:
            lines = [
                "HTTP/1.1 101 UPGRADED",
                f"Content-Type: {reply.content_type}",
                "Connection: Upgrade",
                "Upgrade: tcp",
            ]
        else:
            lines = ["HTTP/1.1 200 OK", f"Content-Type: {reply.content_type}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        pending, _closed = self.conn.trailing_data
        stream = _Hijacked(self.reader, self.writer, pending)
        try:
            await stream.write(head)
            await reply.run(stream)
        except (ConnectionError, OSError):
            pass
        finally:
            await stream.close()


def _make_request(head: h11.Request, body: bytes) -> Request:
    target = head.target.decode("latin-1")
    path, _, query_string = target.partition("?")
    headers: dict[str, str] = {}
    for raw_name, raw_value in head.headers:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Request(
        method=head.method.decode("ascii"),
        path=path,
        query=parse_qs(query_string, keep_blank_values=True),
        headers=headers,
        body=body,
    )


@functools.cache
def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header's value; it changes once a second, so it is formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


def _content_length(head: h11.Request) -> int | None:
    for name, value in head.headers:
        if name == b"content-length":
            with contextlib.suppress(ValueError):
                return int(value)
    return None


def _headers(
    extra: dict[str, str], content_type: str | None, length: int | None
) -> list[tuple[str, str]]:
    headers = list(extra.items())
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    if length is not None:
        headers.append(("Content-Length", str(length)))
    headers.append(("Date", _http_date()))
    return headers


async def _close_writer(writer: asyncio.StreamWriter) -> None:
    """Close, but never wait on the peer for long: abort the transport instead."""
    writer.close()
    try:
        # asyncio.timeout, not wait_for: no task per close.
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await writer.wait_closed()
    except (TimeoutError, asyncio.CancelledError, ConnectionError, OSError, ssl.SSLError):
        writer.transport.abort()


async def _aclose(chunks: AsyncIterator[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


async def _clear_stale_socket(path: Path) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise FileExistsError(errno.EEXIST, "not a socket, refusing to replace it", str(path))
    try:
        _reader, writer = await asyncio.open_unix_connection(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        path.unlink(missing_ok=True)  # nobody listens: left over from a dead daemon
        return
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    raise OSError(errno.EADDRINUSE, "a daemon is already listening on this socket", str(path))


def make_server_ssl_context(
    cert: str | os.PathLike[str],
    key: str | os.PathLike[str],
    ca: str | os.PathLike[str] | None = None,
    verify_client: bool = False,
) -> ssl.SSLContext:
    """A server context like dockerd's ``--tlsverify``: TLS 1.2+, client certs when asked."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    if ca is not None:
        context.load_verify_locations(str(ca))
    if verify_client:
        if ca is None:
            raise ValueError("verify_client needs a CA to verify client certificates with")
        context.verify_mode = ssl.CERT_REQUIRED
    return context
