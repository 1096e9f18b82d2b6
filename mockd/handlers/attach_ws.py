"""``GET /containers/{id}/attach/ws``: attach over a websocket.

dockerd serves it with ``golang.org/x/net/websocket``: output goes out raw
(never multiplexed, TTY or not), one message per write, as binary frames from
API 1.28 (text before); every message the client sends is stdin.  The
``stdin``/``stdout``/``stderr`` parameters count from API 1.42: before, every
stream is attached whatever they say.  The
handshake reply (``101`` with ``Sec-WebSocket-Accept``) goes out through the
server's hijack path; frames are encoded and decoded by ``wsproto``'s
sans-IO connection.  The attach itself (the output hub, stdin, the detach
keys, the ``attach`` event) is the classic attach's, from
``mockd.handlers.streams``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage
from wsproto.utilities import LocalProtocolError, RemoteProtocolError, generate_accept_token

from mockd.engine.containers import containers_of
from mockd.engine.framing import DEFAULT_DETACH_KEYS, parse_detach_keys
from mockd.engine.runtime import OutputSubscription
from mockd.errors import InvalidParameter
from mockd.handlers._params import flag, text
from mockd.handlers.registry import operation
from mockd.handlers.streams import pump_stdin, run_streams
from mockd.http import HijackedStream, HijackResponse, Reply, Request

if TYPE_CHECKING:
    from mockd.engine import Engine

WEBSOCKET_VERSION = "13"
# How long to wait for the client's closing frame (wall time: it is about the wire).
CLOSE_ANSWER_WAIT = 1.0


class WebSocketStream:
    """A :class:`HijackedStream` whose reads and writes are websocket messages.

    ``read`` gives the payload of the next data message (``b""`` once the
    client closes); ``write`` sends one message.  Pings are answered on the way.
    """

    def __init__(self, conn: HijackedStream, *, binary: bool) -> None:
        self._conn = conn
        self._ws = Connection(ConnectionType.SERVER)
        self._binary = binary
        self._pending: list[bytes] = []
        self._closed = False

    async def read(self, max_bytes: int = 65536) -> bytes:
        while not self._pending:
            if self._closed:
                return b""
            data = await self._conn.read()
            if not data:
                self._closed = True
                return b""
            try:
                self._ws.receive_data(data)
                await self._handle_events()
            except RemoteProtocolError:
                self._closed = True
        return self._pending.pop(0)

    async def _handle_events(self) -> None:
        for event in self._ws.events():
            if isinstance(event, Message) and event.data:
                payload = event.data
                self._pending.append(payload.encode() if isinstance(payload, str) else payload)
            elif isinstance(event, Ping):
                await self._conn.write(self._ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                await self._send_close(event.code, event.reason)
                self._closed = True

    async def write(self, data: bytes) -> None:
        if self._ws.state is not ConnectionState.OPEN:
            raise ConnectionError("the websocket is closed")
        message: BytesMessage | TextMessage
        if self._binary:
            message = BytesMessage(data=data)
        else:
            message = TextMessage(data=data.decode("utf-8", errors="replace"))
        await self._conn.write(self._ws.send(message))

    async def _send_close(self, code: int = 1000, reason: str | None = None) -> None:
        with contextlib.suppress(LocalProtocolError):
            await self._conn.write(self._ws.send(CloseConnection(code=code, reason=reason)))

    async def close(self) -> None:
        """A normal closure frame; then the client's answer, briefly, before the socket closes.

        Closing the socket at once would make the client's answer draw a reset,
        which some clients report before the output they already received.
        """
        if self._ws.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            await self._send_close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drain(), CLOSE_ANSWER_WAIT)

    async def _drain(self) -> None:
        while await self.read():
            pass  # stdin sent after the end of the output is dropped


def handshake_headers(req: Request) -> dict[str, str]:
    """The ``101``'s websocket headers; a request that is no websocket handshake is refused."""
    key = req.headers.get("sec-websocket-key", "")
    if "websocket" not in req.headers.get("upgrade", "").lower() or not key:
        raise InvalidParameter("websocket: not a websocket handshake")
    if req.headers.get("sec-websocket-version", "") != WEBSOCKET_VERSION:
        raise InvalidParameter("websocket: unsupported websocket version")
    accept = generate_accept_token(key.encode("latin-1")).decode("ascii")
    return {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept}


@operation("ContainerAttachWebsocket")
async def container_attach_websocket(req: Request, engine: Engine) -> Reply:
    store = containers_of(engine)
    c = store.get(req.path_params["id"])
    headers = handshake_headers(req)
    keys = parse_detach_keys(text(req, "detachKeys") or DEFAULT_DETACH_KEYS)
    tty = bool(c.config.get("Tty"))
    if req.version_at_least(1, 42):
        want = frozenset(name for name in ("stdout", "stderr") if flag(req, name))
        use_stdin = flag(req, "stdin") and bool(c.config.get("OpenStdin"))
    else:  # before 1.42 dockerd ignored the three parameters: every stream is attached
        want = frozenset({"stdout", "stderr"})
        use_stdin = bool(c.config.get("OpenStdin"))
    replay_logs, stream = flag(req, "logs"), flag(req, "stream")
    binary = req.version_at_least(1, 28)
    # Subscribed before the 101, as the classic attach: nothing lost, nothing twice.
    subscription: OutputSubscription | None = None
    if stream:
        subscription = c.output.subscribe(
            replay=replay_logs and bool(want), stdout="stdout" in want, stderr="stderr" in want
        )

    async def run(conn: HijackedStream) -> None:
        ws = WebSocketStream(conn, binary=binary)
        try:
            if subscription is None:
                if replay_logs and want:
                    for entry in c.logs.read(stdout="stdout" in want, stderr="stderr" in want):
                        await ws.write(entry.data)
                return
            store.event(c, "attach")
            stdin_pump: Callable[[], Awaitable[bool]] | None = None
            if use_stdin:

                async def forward() -> bool:
                    stdin = await c.output.stdin()
                    if stdin is None:
                        return False
                    return await pump_stdin(
                        ws,
                        stdin.write,
                        stdin.close,
                        keys=keys,
                        tty=tty,
                        close_on_eof=bool(c.config.get("StdinOnce")),
                        echo=ws.write if tty else None,
                    )

                stdin_pump = forward
            try:
                # ``tty=True`` here only means "raw": a websocket is never multiplexed.
                await run_streams(ws, aiter(subscription), stdin_pump, tty=True, want=want)
            finally:
                subscription.close()
        finally:
            await ws.close()

    return HijackResponse(run, headers=headers)
