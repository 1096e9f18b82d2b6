"""Handlers for a container's streams: logs, attach, stats, resize.

Output without a TTY goes out in multiplexed frames (``mockd.engine.framing``),
raw with one.  Attach and exec start share the pumps below: output from the
program to the client, stdin from the client to the program (watching for
the detach keys).  A terminal's input side is imitated on TTY streams: typed
``\\r`` reaches the program as ``\\n`` and is echoed, ctrl-d at the start of a
line is end of input (its output side, ``\\n`` → ``\\r\\n``, is the runtime's:
the log already holds what a pty wrote).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from mockd.engine.clock import NANOS, rfc3339_nano_fixed
from mockd.engine.containers import Container, containers_of
from mockd.engine.framing import (
    DEFAULT_DETACH_KEYS,
    DetachWatcher,
    frame,
    parse_detach_keys,
)
from mockd.engine.logs import LogEntry, Stream
from mockd.engine.runtime import ContainerProcess, OutputSubscription, onlcr
from mockd.engine.stats import Sample, running_document, stopped_document, take_sample
from mockd.engine.system import host_facts
from mockd.errors import Conflict, InvalidParameter, NotImplementedError_
from mockd.handlers._params import flag, param
from mockd.handlers.registry import operation
from mockd.http import (
    MULTIPLEXED_STREAM_TYPE,
    RAW_STREAM_TYPE,
    HijackedStream,
    HijackResponse,
    Reply,
    Request,
    Response,
    StreamResponse,
    json_response,
)

if TYPE_CHECKING:
    from mockd.engine import Engine

# Logging drivers whose logs dockerd can read back.
READABLE_LOG_DRIVERS = frozenset({"json-file", "local", "journald", "etwlogs"})


# -- query helpers ------------------------------------------------------------


def parse_timestamp_ns(text: str | None) -> int:
    """dockerd's ``since``/``until``: unix seconds with an optional fraction (``1700000000.5``)."""
    if text is None or str(text) in ("", "0"):
        return 0
    seconds, _, fraction = str(text).partition(".")
    try:
        whole = int(seconds)
        nanos = int((fraction + "000000000")[:9]) if fraction else 0
    except ValueError:
        raise InvalidParameter(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    return whole * NANOS + nanos


def parse_tail(text: str | None) -> int:
    """``all`` (or anything not a number ≥ 0) is every line: -1."""
    try:
        tail = int(str(text))
    except (TypeError, ValueError):
        return -1
    return tail if tail >= 0 else -1


def output_content_type(req: Request, tty: bool) -> str:
    """dockerd 1.42+ names the multiplexed framing; before that everything was "raw"."""
    if not tty and req.version_at_least(1, 42):
        return MULTIPLEXED_STREAM_TYPE
    return RAW_STREAM_TYPE


def encode_output(stream: Stream, data: bytes, tty: bool) -> bytes:
    return data if tty else frame(stream, data)


# -- logs --------------------------------------------------------------------


@operation("ContainerLogs")
async def container_logs(req: Request, engine: Engine) -> Reply:
    stdout, stderr = flag(req, "stdout"), flag(req, "stderr")
    if not (stdout or stderr):
        raise InvalidParameter("Bad parameters: you must choose at least one stream")
    c = containers_of(engine).get(req.path_params["id"])
    driver = (c.host_config.get("LogConfig") or {}).get("Type") or "json-file"
    if driver not in READABLE_LOG_DRIVERS:
        raise NotImplementedError_("configured logging driver does not support reading")
    since_ns = parse_timestamp_ns(req.query.get("since", [None])[0])
    until_ns = parse_timestamp_ns(req.query.get("until", [None])[0])
    tail = parse_tail(param(req, "tail"))
    timestamps = flag(req, "timestamps")
    details = _log_details(c) if flag(req, "details") else None
    tty = bool(c.config.get("Tty"))

    async def chunks() -> AsyncIterator[bytes]:
        entries: AsyncIterator[LogEntry]
        if flag(req, "follow") and c.running:
            entries = c.logs.follow(since_ns, until_ns, tail, stdout, stderr)
        else:
            entries = _aiter(c.logs.read(since_ns, until_ns, tail, stdout, stderr))
        async for entry in entries:
            yield _log_line(entry, timestamps, tty, details)

    # dockerd 20.10 (API 1.41) sends logs without a Content-Type; later ones name the framing.
    content_type = output_content_type(req, tty) if req.version_at_least(1, 42) else None
    return StreamResponse(chunks(), content_type=content_type)


def _log_details(c: Container) -> bytes:
    """What ``details`` puts before each line: the attributes the log options name
    (``labels``, ``env``, ``labels-regex``, ``env-regex``) as sorted k=v pairs, and a space."""
    options = (c.host_config.get("LogConfig") or {}).get("Config") or {}
    labels = c.labels
    env = {k: v for k, _, v in (str(e).partition("=") for e in c.config.get("Env") or [])}
    attrs: dict[str, str] = {}
    for source, names_key, regex_key in (
        (labels, "labels", "labels-regex"),
        (env, "env", "env-regex"),
    ):
        for name in filter(None, str(options.get(names_key) or "").split(",")):
            if name in source:
                attrs[name] = source[name]
        pattern = options.get(regex_key)
        if pattern:
            attrs.update({k: v for k, v in source.items() if re.search(str(pattern), k)})
    return (",".join(sorted(f"{k}={v}" for k, v in attrs.items())) + " ").encode()


def _log_line(entry: LogEntry, timestamps: bool, tty: bool, details: bytes | None = None) -> bytes:
    data = entry.data
    if details is not None:
        data = details + data
    if timestamps:
        data = rfc3339_nano_fixed(entry.time_ns).encode() + b" " + data
    return data if tty else frame(entry.stream, data)


async def _aiter(items: list[LogEntry]) -> AsyncIterator[LogEntry]:
    for item in items:
        yield item


# -- exec start's pause --------------------------------------------------------

# docker-py reads the 101's head through http.client's buffered reader, then
# reads the raw socket: output that reaches it in the same read as the head
# is lost (``exec_run`` returns b"").  dockerd never shows this because runc
# takes tens of milliseconds to start the process; the mock stands in with
# this pause (wall time: it is about the wire).  Measured with 200 docker-py
# execs: no pause loses 90% of outputs; 1 ms loses none on an idle host but
# 69% on a 4x oversubscribed one, 20 ms 1%, 50 ms none.
EXEC_START_DELAY = 0.02
# Clients that read the upgraded stream through their own buffer, by
# User-Agent: they get the output without the pause.
BUFFERED_HIJACK_CLIENTS = ("Docker-Client/", "dockersdk/")


def exec_start_delay(req: Request) -> float:
    """How long exec start waits, after the 101, before the program runs."""
    agent = req.headers.get("user-agent", "")
    return 0.0 if agent.startswith(BUFFERED_HIJACK_CLIENTS) else EXEC_START_DELAY


# -- the pumps shared by attach and exec start ----------------------------------


async def pump_stdin(
    conn: HijackedStream,
    write: Callable[[bytes], Awaitable[None]],
    close: Callable[[], None],
    *,
    keys: bytes,
    tty: bool,
    close_on_eof: bool,
    echo: Callable[[bytes], Awaitable[None]] | None = None,
) -> bool:
    """Client → program until the client half-closes (False) or types the detach keys (True)."""
    watcher = DetachWatcher(keys)
    at_line_start = True
    while True:
        data = await conn.read()
        if not data:
            if close_on_eof:
                close()
            return False
        data, detached = watcher.feed(data)
        if tty and data:
            data = data.replace(b"\r", b"\n")
            eof = data.find(b"\x04")
            if eof >= 0 and (at_line_start if eof == 0 else data[eof - 1 : eof] == b"\n"):
                data = data[:eof]
                if data:
                    await write(data)
                close()
                return False
            at_line_start = data.endswith(b"\n")
            if echo is not None:
                await echo(onlcr(data))
        if data:
            try:
                await write(data)
            except BrokenPipeError:
                pass  # the program closed its stdin; keep reading for the detach keys
        if detached:
            return True


async def run_streams(
    conn: HijackedStream,
    output: AsyncIterator[tuple[Stream, bytes]],
    stdin: Callable[[], Awaitable[bool]] | None,
    *,
    tty: bool,
    want: frozenset[str],
) -> None:
    """Send the output and forward stdin until the output ends or the client detaches."""
    lock = asyncio.Lock()  # echo and output share the connection

    async def send_output() -> None:
        async for stream, data in output:
            if stream in want:
                async with lock:
                    await conn.write(encode_output(stream, data, tty))

    if stdin is None:  # output only: nothing to wait on beside it, so no tasks either
        try:
            await send_output()
        finally:
            with contextlib.suppress(Exception):
                await output.aclose()  # type: ignore[attr-defined]
        return
    out_task = asyncio.ensure_future(send_output())
    in_task = asyncio.ensure_future(stdin()) if stdin is not None else None
    try:
        pending: set[asyncio.Future[Any]] = {out_task}
        if in_task is not None:
            pending.add(in_task)
        while out_task in pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if in_task in done and in_task.result():
                return  # detached: the program goes on
        out_task.result()  # surfaces a broken connection
    finally:
        for task in (out_task, in_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        with contextlib.suppress(Exception):
            await output.aclose()  # type: ignore[attr-defined]


# -- attach --------------------------------------------------------------------


@operation("ContainerAttach")
async def container_attach(req: Request, engine: Engine) -> Reply:
    store = containers_of(engine)
    c = store.get(req.path_params["id"])
    keys_spec = param(req, "detachKeys") or ""
    keys = parse_detach_keys(keys_spec or DEFAULT_DETACH_KEYS)
    tty = bool(c.config.get("Tty"))
    want = frozenset(name for name in ("stdout", "stderr") if flag(req, name))
    use_stdin = flag(req, "stdin") and bool(c.config.get("OpenStdin"))
    stdin_once = bool(c.config.get("StdinOnce"))
    replay_logs, stream = flag(req, "logs"), flag(req, "stream")
    # Subscribe here, before the 101 goes out: ``docker run`` starts the
    # container as soon as it has the response, and the hub hands over the
    # log so far and everything after in one step (nothing lost, nothing twice).
    subscription: OutputSubscription | None = None
    if stream:
        subscription = c.output.subscribe(
            replay=replay_logs and bool(want), stdout="stdout" in want, stderr="stderr" in want
        )

    async def run(conn: HijackedStream) -> None:
        if subscription is None:
            if replay_logs and want:
                for entry in c.logs.read(stdout="stdout" in want, stderr="stderr" in want):
                    await conn.write(_log_line(entry, False, tty))
            return
        store.event(c, "attach")
        stdin_pump: Callable[[], Awaitable[bool]] | None = None
        if use_stdin:

            async def echo(data: bytes) -> None:
                await conn.write(data)

            async def forward() -> bool:
                stdin = await c.output.stdin()  # this run's, or the next one's
                if stdin is None:
                    return False  # removed before it ran
                return await pump_stdin(
                    conn,
                    stdin.write,
                    stdin.close,
                    keys=keys,
                    tty=tty,
                    close_on_eof=stdin_once,
                    echo=echo if tty else None,
                )

            stdin_pump = forward
        try:
            await run_streams(conn, aiter(subscription), stdin_pump, tty=tty, want=want)
        finally:
            subscription.close()

    return HijackResponse(run, content_type=output_content_type(req, tty))


# -- stats -----------------------------------------------------------------------

# The highest memory use seen per process (``max_usage``).
_MAX_MEMORY: weakref.WeakKeyDictionary[ContainerProcess, int] = weakref.WeakKeyDictionary()


def _sample(engine: Engine, process: ContainerProcess) -> Sample:
    usage = process.usage()
    peak = max(_MAX_MEMORY.get(process, 0), usage.memory_bytes)
    _MAX_MEMORY[process] = peak
    return take_sample(
        now_ns=engine.clock.now_ns(),
        monotonic=engine.clock.monotonic(),
        cpu_seconds=usage.cpu_seconds,
        memory_bytes=usage.memory_bytes,
        max_memory_bytes=peak,
        pids=usage.pids,
        ncpu=host_facts().ncpu,
    )


def _stats_document(
    c: Container, current: Sample | None, previous: Sample | None
) -> dict[str, Any]:
    if current is None:
        return stopped_document(c.id, c.name)
    facts = host_facts()
    return running_document(
        c.id,
        c.name,
        current,
        previous,
        memory_limit=int(c.host_config.get("Memory") or 0),
        host_memory=facts.mem_total,
        ncpu=facts.ncpu,
        networked=c.host_config.get("NetworkMode") not in ("none", "host"),
    )


@operation("ContainerStats")
async def container_stats(req: Request, engine: Engine) -> Reply:
    c = containers_of(engine).get(req.path_params["id"])
    stream = flag(req, "stream", default=True)
    one_shot = flag(req, "one-shot")
    if one_shot and stream:
        raise InvalidParameter("cannot have stream=true and one-shot=true")

    def current() -> Sample | None:
        process = c.process
        return _sample(engine, process) if process is not None and process.running else None

    if not stream:
        first = current()
        previous = None
        if first is not None and not one_shot:
            # Without one-shot dockerd takes two readings a second apart, so
            # that ``precpu_stats`` gives the CPU use over that second.
            await engine.clock.sleep(1.0)
            previous, first = first, current()
        return json_response(_stats_document(c, first, previous))

    async def chunks() -> AsyncIterator[bytes]:
        import msgspec

        previous: Sample | None = None
        # dockerd's collector only reads running containers: a stream opened
        # on a stopped one stays silent until it starts.
        while current() is None and not c.removed:
            await engine.clock.sleep(1.0)
        while True:
            sample = current()
            yield msgspec.json.encode(_stats_document(c, sample, previous)) + b"\n"
            if sample is None:
                return
            previous = sample
            await engine.clock.sleep(1.0)

    return StreamResponse(chunks())


# -- resize ----------------------------------------------------------------------


def parse_size(req: Request) -> tuple[int, int]:
    values = []
    for name in ("h", "w"):
        raw = param(req, name)
        try:
            values.append(int(raw))
        except (TypeError, ValueError):
            text = "" if raw is None else raw
            raise InvalidParameter(f'strconv.Atoi: parsing "{text}": invalid syntax') from None
    return values[0], values[1]


@operation("ContainerResize")
async def container_resize(req: Request, engine: Engine) -> Reply:
    store = containers_of(engine)
    c = store.get(req.path_params["id"])
    height, width = parse_size(req)
    process = c.process
    if process is None or not process.running:
        raise Conflict(f"Container {c.id} is not running")
    process.resize(height, width)  # programs read it as ``ctx.tty_size``; SIGWINCH with a TTY
    store.event(c, "resize", height=str(height), width=str(width))
    return Response(status=200, body=b"", content_type="text/plain; charset=utf-8")
