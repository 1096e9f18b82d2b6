"""Handlers for the Exec tag: create, start (detached or hijacked), inspect, resize."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from mockd.engine.containers import containers_of
from mockd.engine.exec import exec_store
from mockd.errors import DaemonError
from mockd.handlers._params import json_body
from mockd.handlers.registry import operation
from mockd.handlers.streams import (
    exec_start_delay,
    output_content_type,
    parse_size,
    pump_stdin,
    run_streams,
)
from mockd.http import HijackedStream, HijackResponse, Reply, Request, Response, json_response

if TYPE_CHECKING:
    from mockd.engine import Engine


@operation("ContainerExec")
async def exec_create(req: Request, engine: Engine) -> Reply:
    c = containers_of(engine).get(req.path_params["id"])
    instance = exec_store(engine).create(c, json_body(req))
    return json_response({"Id": instance.id}, status=201)


@operation("ExecStart")
async def exec_start(req: Request, engine: Engine) -> Reply:
    store = exec_store(engine)
    instance = store.get(req.path_params["id"])
    body = json_body(req)
    if body.get("Detach"):
        store.start(instance, attach=False)
        return Response(status=200, body=b"", content_type=None)
    tty = instance.tty
    delay = exec_start_delay(req)
    want = frozenset(
        name
        for name, wanted in (("stdout", instance.open_stdout), ("stderr", instance.open_stderr))
        if wanted
    )

    async def run(conn: HijackedStream) -> None:
        # As dockerd: the program starts once the client has the 101, and a
        # failure to start is reported on the stream, not as a status.  The
        # pause (for docker-py only, in effect) is explained in streams.py.
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            store.start(instance, attach=True)
        except DaemonError as error:
            await conn.write(error.message.encode() + b"\r\n")
            return
        shown = want | {"stdout"} if instance.exit_code is not None else want
        stdin_pump: Callable[[], Awaitable[bool]] | None = None
        if instance.open_stdin:

            async def echo(data: bytes) -> None:
                await conn.write(data)

            async def forward() -> bool:
                return await pump_stdin(
                    conn,
                    instance.write_stdin,
                    instance.close_stdin,
                    keys=instance.detach_key_bytes,
                    tty=tty,
                    close_on_eof=True,
                    echo=echo if tty else None,
                )

            stdin_pump = forward
        await run_streams(conn, instance.output(), stdin_pump, tty=tty, want=shown)

    return HijackResponse(run, content_type=output_content_type(req, tty))


@operation("ExecInspect")
async def exec_inspect(req: Request, engine: Engine) -> Reply:
    return json_response(exec_store(engine).get(req.path_params["id"]).inspect())


@operation("ExecResize")
async def exec_resize(req: Request, engine: Engine) -> Reply:
    instance = exec_store(engine).get(req.path_params["id"])
    height, width = parse_size(req)
    instance.resize(height, width)
    return Response(status=200, body=b"", content_type=None)
