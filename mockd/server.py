"""The HTTP/1.1 server: asyncio streams, httptools (llhttp) to parse, one task per connection.

The server knows nothing of Docker: it turns bytes into a :class:`Request`,
awaits the app (the router), and writes the reply back: a whole
:class:`Response`, a chunked :class:`StreamResponse`, or a
:class:`HijackResponse` after which the socket belongs to the handler.

llhttp parses requests (request line, headers, Content-Length and chunked
bodies); the server feeds it only up to where the current request can end, so
whatever follows (a pipelined request, or the first bytes of a hijacked
stream) stays unparsed, byte for byte.  Response heads are written here, in the
shape Go's net/http gives them, as dockerd sends them.

Why llhttp and not h11 (which the SDK's hijack still uses): a request and its
answer cost about 96 µs of CPU through h11 and 3 µs through llhttp; with h11
that was a fifth of the daemon's CPU in a ``run --rm busybox echo hi``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import functools
import logging
import os
import ssl
import stat
import time
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httptools

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
# Chunks of a stream that are ready together go out in one write, up to this much.
COALESCE_BYTES = 65536

# A head, and a chunked body, both end with a blank line (llhttp wants CRLF, never a
# bare LF): a request can be complete there and nowhere else.
_BLANK_LINE = b"\r\n\r\n"
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_LAST_CHUNK = b"0\r\n\r\n"
# Framing is the server's: a reply's own headers of these names are not sent as they are.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})

T = TypeVar("T")


class DropConnection(Exception):
    """Raised by the app (or inside a reply's stream) to close the connection unanswered.

    Fault injection (``mockd.faults``) uses it to play a daemon that goes away.
    """


class _ClientGone(Exception):
    """The client closed the connection or broke it."""


class _BadRequest(Exception):
    """A request refused before the app sees it: answered with ``status``, then closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Message:
    """One request as llhttp parses it."""

    def __init__(self) -> None:
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.length: int | None = None  # the declared Content-Length
        self.headers_done = False
        self.checked = False  # the head has passed the server's own checks
        self.too_large = False
        self.keep_alive = True
        self.upgrade = False
        self.method = ""
        self.version = ""


class _RequestParser:
    """llhttp, and the requests it has parsed: its callbacks fill :class:`_Message`s.

    :meth:`cut` says how much of newly read bytes to feed.  A head is fed up to
    its blank line and a Content-Length body up to its length, no further, so the
    bytes after such a request stay unparsed, byte for byte (a hijacked stream's
    first bytes).  A chunked body is fed whole reads: its end is known only once
    parsed, so a request pipelined behind it is parsed at once and queued.
    """

    def __init__(self, max_body_size: int, *, exact: bool = False) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.max_body_size = max_body_size
        self.exact = exact  # feed a chunked body too no further than where it may end
        self.message: _Message | None = None  # the request being parsed
        self.finished: collections.deque[_Message] = collections.deque()
        self.error: _BadRequest | None = None  # met after the finished requests
        self.fed_tail = b""  # the last bytes fed, for a blank line split across two reads

    def cut(self, data: bytes, start: int) -> int:
        """Where in ``data`` (from ``start``) to stop feeding."""
        message = self.message
        if message is not None and message.headers_done:
            if message.length is not None:
                return min(len(data), start + message.length - len(message.body))
            if not self.exact:
                return len(data)  # chunked
            # A chunked body ends with a blank line too: stop at each one.
        tail = self.fed_tail
        if tail:
            found = (tail + data[start : start + 3]).find(_BLANK_LINE)
            if found >= 0:
                return start + found + 4 - len(tail)
        found = data.find(_BLANK_LINE, start)
        return len(data) if found < 0 else found + 4

    def feed(self, data: bytes | memoryview) -> int:
        """Parse ``data``: how many bytes were taken (fewer after an upgrade request)."""
        tail = bytes(data[-3:])
        self.fed_tail = tail if len(tail) == 3 else (self.fed_tail + tail)[-3:]
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            return int(upgrade.args[0])  # the rest is the new protocol's, or the body's
        except httptools.HttpParserError as exc:
            error = _BadRequest(400, f"malformed HTTP request: {exc}")
            if not self.finished:
                raise error from exc
            self.error = error  # answered once the requests before it are
        return len(data)

    # llhttp's callbacks

    def on_message_begin(self) -> None:
        self.message = _Message()

    def on_url(self, url: bytes) -> None:
        assert self.message is not None
        self.message.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        assert self.message is not None
        key = name.lower().decode("latin-1")
        text = value.rstrip(b" \t").decode("latin-1")
        headers = self.message.headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        message = self.message
        assert message is not None
        parser = self.parser
        message.headers_done = True
        # Read now: llhttp forgets them once it is on the next request.
        message.keep_alive = parser.should_keep_alive()
        message.upgrade = parser.should_upgrade()
        message.method = parser.get_method().decode("ascii")
        message.version = parser.get_http_version()
        length = message.headers.get("content-length")
        if length is not None:
            message.length = int(length)  # llhttp has checked it: digits, not repeated

    def on_body(self, body: bytes) -> None:
        message = self.message
        assert message is not None
        if len(message.body) + len(body) > self.max_body_size:
            message.too_large = True  # kept no further; refused when its turn comes
        else:
            message.body += body

    def on_message_complete(self) -> None:
        assert self.message is not None
        self.finished.append(self.message)
        self.message = None


class _Hijacked:
    """The raw connection handed to a :class:`HijackResponse`'s ``run``."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pending: bytes
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._pending = pending  # bytes the client sent after its request, already read

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
        self.parser = _RequestParser(server.max_body_size)
        # Read from the socket, not parsed yet (a next request, or a hijack's first bytes):
        # unread[unread_from:].  An offset, not a slice, so that many requests in one
        # read, or a body full of blank lines, cost no copying.
        self.unread = b""
        self.unread_from = 0
        self.http10 = False  # the request is HTTP/1.0: answered in kind, no chunks
        self.keep_alive = True

    async def serve(self) -> None:
        while True:
            try:
                request = await self._read_request()
            except _BadRequest as exc:
                await self._refuse(exc.status, str(exc))
                return
            except _ClientGone:
                return
            if request is None:  # closed between requests
                return
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
            if not self.keep_alive:
                return

    # reading

    def _take_unread(self) -> bytes:
        data = self.unread[self.unread_from :] if self.unread_from else self.unread
        self.unread, self.unread_from = b"", 0
        return data

    async def _feed(self, parser: _RequestParser) -> int:
        """Feed ``parser`` what it may take of the next bytes: how many; 0 at EOF."""
        data, start = self.unread, self.unread_from
        if start >= len(data):
            try:
                data, start = await self.reader.read(READ_SIZE), 0
            except (ConnectionError, OSError):
                return 0
        end = parser.cut(data, start)
        if start == 0 and end == len(data):
            taken = parser.feed(data)
        elif end > start:
            taken = parser.feed(memoryview(data)[start:end])
        else:
            taken = 0
        end = start + taken
        self.unread, self.unread_from = (data, end) if end < len(data) else (b"", 0)
        return taken

    async def _read_request(self) -> Request | None:
        parser = self.parser
        head_size = 0
        while not parser.finished:
            if parser.error is not None:
                raise parser.error
            message = parser.message
            if message is not None and message.headers_done:
                await self._check_head(message)
            fed = await self._feed(parser)
            if not fed:
                if message is None and head_size == 0:
                    return None  # closed between requests
                raise _ClientGone
            if message is None or not message.headers_done:
                head_size += fed
                if head_size > MAX_HEADER_BYTES:
                    raise _BadRequest(431, "request header too large")
            elif message.too_large and not parser.finished:
                raise _BadRequest(413, "request body too large")  # before the rest arrives
        message = parser.finished.popleft()
        await self._check_head(message)
        if message.too_large:
            raise _BadRequest(413, "request body too large")
        self.http10 = message.version == "1.0"
        self.keep_alive = message.keep_alive
        body = await self._read_upgrade_body(message) if message.upgrade else bytes(message.body)
        target = message.url.decode("latin-1")
        path, _, query_string = target.partition("?")
        return Request(
            method=message.method,
            path=path,
            query=parse_qs(query_string, keep_blank_values=True) if query_string else {},
            headers=message.headers,
            body=body,
        )

    async def _check_head(self, message: _Message) -> None:
        """What the server refuses once a head is in, before its body is read."""
        if message.checked:
            return
        message.checked = True
        version = message.version
        if version not in ("1.1", "1.0"):
            # As Go's net/http: a line without a version is malformed, HTTP/2+ unsupported.
            if version[0] in "01":
                raise _BadRequest(400, "malformed HTTP request")
            raise _BadRequest(505, "unsupported protocol version")
        self.http10 = version == "1.0"
        headers = message.headers
        if not self.http10 and "host" not in headers:
            raise _BadRequest(400, "missing required Host header")
        if message.length is not None and message.length > self.server.max_body_size:
            raise _BadRequest(413, "request body too large")
        if (
            self.parser.message is message  # its body is still to come
            and self.unread_from >= len(self.unread)  # and none has come yet
            and headers.get("expect", "").lower() == "100-continue"
            and not self.http10
        ):
            await self._write(_CONTINUE)

    async def _read_upgrade_body(self, message: _Message) -> bytes:
        """The body of an upgrade request (exec start sends one); what follows is the stream's.

        llhttp takes everything after an upgrade request's head for the new protocol;
        dockerd reads the body first, by its framing.  A parser of its own, told
        that framing, reads it here, and no further than its end.  Such a body is a
        small JSON document: it is held to the header limit, which bounds the cost of
        finding the end of a chunked one.
        """
        headers = message.headers
        framing = "".join(
            f"{name}: {headers[name]}\r\n"
            for name in ("content-length", "transfer-encoding")
            if name in headers
        )
        if not framing:
            return b""
        body_parser = _RequestParser(min(self.server.max_body_size, MAX_HEADER_BYTES), exact=True)
        body_parser.feed(f"POST / HTTP/1.1\r\n{framing}\r\n".encode("latin-1"))
        while not body_parser.finished:
            if not await self._feed(body_parser):
                raise _ClientGone
        body = body_parser.finished[0]
        if body.too_large:
            raise _BadRequest(413, "request body too large")
        return bytes(body.body)

    async def _call_app(self, request: Request) -> Reply:
        try:
            return await self.server.app(request)
        except DropConnection:
            raise
        except Exception as exc:
            log.exception("app failed on %s %s", request.method, request.path)
            return error_response(500, str(exc) or type(exc).__name__)

    # writing

    async def _write(self, data: bytes) -> None:
        try:
            self.writer.write(data)
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            raise _ClientGone from exc

    def _head(
        self,
        status: int,
        extra: dict[str, str],
        content_type: str | None,
        length: int | None,
        *,
        chunked: bool = False,
    ) -> bytes:
        """A response head as Go's net/http writes one (dockerd's server)."""
        version = "HTTP/1.0" if self.http10 else "HTTP/1.1"
        lines = [f"{version} {status} {_reason(status)}"]
        lines += [f"{k}: {v}" for k, v in extra.items() if k.lower() not in _FRAMING_HEADERS]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        if length is not None:
            lines.append(f"Content-Length: {length}")
        lines.append(f"Date: {_http_date()}")
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        if self.http10:
            if self.keep_alive:
                lines.append("Connection: keep-alive")
        elif not self.keep_alive:
            lines.append("Connection: close")
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1")

    async def _refuse(self, status: int, message: str) -> None:
        """Answer a request we cannot serve and let the connection close."""
        self.keep_alive = False
        reply = error_response(status, message)
        head = self._head(status, {}, reply.content_type, len(reply.body))
        with contextlib.suppress(_ClientGone):
            await self._write(head + reply.body)

    async def _send_response(self, request: Request, reply: Response) -> None:
        bodiless = reply.status in (204, 304) or 100 <= reply.status < 200
        if bodiless:
            head = self._head(reply.status, reply.headers, None, None)
        else:
            head = self._head(reply.status, reply.headers, reply.content_type, len(reply.body))
        # Head and body in one write: one send(2) and one wakeup of the client, not two.
        if bodiless or request.method == "HEAD" or not reply.body:
            await self._write(head)
        else:
            await self._write(head + reply.body)

    async def _send_stream(self, request: Request, reply: StreamResponse) -> None:
        chunks = reply.chunks
        try:
            # A stream may declare its length (fault injection's cut replies): sent unchunked.
            declared = _declared_length(reply.headers)
            bodiless = request.method == "HEAD" or reply.status in (204, 304)
            chunked = declared is None and not self.http10 and reply.status not in (204, 304)
            if declared is None and self.http10 and not bodiless:
                self.keep_alive = False  # an HTTP/1.0 client sees the end of the body as EOF
            head = self._head(
                reply.status, reply.headers, reply.content_type, declared, chunked=chunked
            )
            if bodiless:
                await self._write(head)
                return
            await self._pump_until_gone(_Pump(self, chunks, head, chunked, declared))
        finally:
            await _aclose(chunks)

    async def _pump_until_gone(self, pump: _Pump) -> None:
        """Send the stream; stop as soon as the client goes away, even while idle."""
        pumping = asyncio.ensure_future(pump.run())
        watch = asyncio.ensure_future(self._wait_client_gone())
        try:
            await asyncio.wait({pumping, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (pumping, watch):
                task.cancel()
            await asyncio.gather(pumping, watch, return_exceptions=True)
        if not pumping.cancelled() and pumping.exception() is not None:
            exc = pumping.exception()
            if isinstance(exc, _ClientGone):
                raise exc
            if isinstance(exc, DropConnection):
                raise _ClientGone from exc
            # The stream broke after the status went out: all we can do is cut the connection.
            log.error("stream failed after its headers were sent: %r", exc)
            raise _ClientGone from exc
        if pumping.cancelled():
            raise _ClientGone

    async def _wait_client_gone(self) -> None:
        """Read until EOF, keeping what arrives (it may be the next request)."""
        while len(self.unread) - self.unread_from <= MAX_HEADER_BYTES:
            try:
                data = await self.reader.read(READ_SIZE)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                return
            self.unread = self._take_unread() + data
        # A client that sends this much while it is being answered is not heard any more.
        await asyncio.get_running_loop().create_future()

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
        stream = _Hijacked(self.reader, self.writer, self._take_unread())
        try:
            await stream.write(head)
            await reply.run(stream)
        except (ConnectionError, OSError):
            pass
        finally:
            await stream.close()


class _Pump:
    """Write a stream's chunks as they come, and what is ready together in one write.

    The stream is stepped by hand: while its next chunk, or its end, comes without
    waiting, it joins what is pending (the head, earlier chunks); as soon as the
    stream has to wait, the pending bytes go out.  So the wait endpoint's one chunk
    and the end of the body leave in one write, and a follow stream's chunk is
    never held back.
    """

    def __init__(
        self,
        conn: _Connection,
        chunks: AsyncIterator[bytes],
        head: bytes,
        chunked: bool,
        declared: int | None,
    ) -> None:
        self.conn = conn
        self.chunks = chunks
        self.chunked = chunked
        self.declared = declared
        self.pending = [head]
        self.pending_size = len(head)
        self.sent = 0  # body bytes, without the chunk framing

    async def run(self) -> None:
        try:
            await self._run()
        except _ClientGone:
            raise
        except Exception:
            # What the stream made before it broke goes out, as it would have unjoined.
            with contextlib.suppress(_ClientGone):
                await self._flush()
            raise

    async def _run(self) -> None:
        while True:
            step = self.chunks.__anext__().__await__()
            try:
                waiting_on = step.send(None)
            except StopIteration as ready:
                self._add(ready.value)
                if self.pending_size >= COALESCE_BYTES:
                    await self._flush()
                continue
            except StopAsyncIteration:
                break
            await self._flush()
            try:
                chunk = await _resume(step, waiting_on)
            except StopAsyncIteration:
                break
            self._add(chunk)
        if self.declared is not None and self.sent != self.declared:
            raise RuntimeError(f"stream of {self.sent} bytes, {self.declared} declared")
        if self.chunked:
            self.pending.append(_LAST_CHUNK)
        await self._flush()

    def _add(self, chunk: bytes) -> None:
        if not chunk:
            return  # an empty chunk would end a chunked body
        self.sent += len(chunk)
        if self.declared is not None and self.sent > self.declared:
            raise RuntimeError(f"stream longer than its declared {self.declared} bytes")
        if self.chunked:
            chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
        self.pending.append(chunk)
        self.pending_size += len(chunk)

    async def _flush(self) -> None:
        if self.pending:
            data = b"".join(self.pending)
            self.pending.clear()
            self.pending_size = 0
            await self.conn._write(data)


@types.coroutine
def _resume(step: Generator[Any, Any, T], waiting_on: Any) -> Generator[Any, Any, T]:
    """Await the rest of an awaitable that was stepped once by hand and yielded ``waiting_on``.

    What it yields (the futures it waits on) passes through to the task, and
    what the task sends or throws back passes in: as ``await`` itself does.
    """
    while True:
        try:
            sent = yield waiting_on
        except BaseException as exc:
            try:
                waiting_on = step.throw(exc)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
        else:
            try:
                waiting_on = step.send(sent)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


def _declared_length(headers: dict[str, str]) -> int | None:
    for name, value in headers.items():
        if name.lower() == "content-length":
            return int(value)
    return None


@functools.cache
def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The Date header's value; it changes once a second, so it is formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


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
