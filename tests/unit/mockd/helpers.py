"""Shared setup of the engine-level tests: an engine holding busybox, driven by a ManualClock."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import requests_unixsocket
from backends import http_base

from mockd import MockDaemon, catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore, containers_of
from mockd.engine.images import images_of
from mockd.engine.references import parse_normalized
from mockd.programs.api import Program
from mockd.programs.registry import default_registry

EngineTest = Callable[[ManualClock, Engine, ContainerStore], Awaitable[None]]


def busybox_store(clock: ManualClock, *, seed: int) -> tuple[Engine, ContainerStore]:
    """A fresh engine (IDs from ``seed``) with ``busybox:latest`` from the catalogue."""
    engine = Engine(clock, seed=seed)
    images = images_of(engine)
    built = catalog.lookup("busybox")
    assert built is not None
    image = images.add(built.config_bytes, built.layers)
    images.add_reference(image, parse_normalized("busybox:latest"))
    return engine, containers_of(engine)


def run_with_busybox(test: EngineTest, *, seed: int, timeout: float | None = None) -> None:
    """Run ``test(clock, engine, store)`` on a fresh loop, within ``timeout`` seconds if given."""
    clock = ManualClock()
    engine, store = busybox_store(clock, seed=seed)
    body = test(clock, engine, store)
    asyncio.run(body if timeout is None else asyncio.wait_for(body, timeout))


async def yield_rounds(rounds: int) -> None:
    """Let the loop run ``rounds`` times, so the programs reach their next wait."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def actions(engine: Engine, cid: str) -> list[str]:
    """The event actions of one container, oldest first."""
    return [ev.action for ev in engine.events.history() if ev.actor_id == cid]


def register_once(name: str, program: Program) -> None:
    """Make a test program runnable by name (the registry is process-wide)."""
    if default_registry().get(name) is None:
        default_registry().register(name, program)


def api(d: MockDaemon, method: str, path: str, **kwargs: Any) -> Any:
    """One API call to ``d``, which must succeed; its JSON answer (None when empty)."""
    with requests_unixsocket.Session() as session:
        reply = session.request(method, http_base(d.docker_host) + path, timeout=15, **kwargs)
    assert reply.status_code < 300, reply.text
    return reply.json() if reply.content else None


def hijack(d: MockDaemon, path: str) -> socket.socket:
    """POST with ``Upgrade: tcp``; returns once the 101's head has been read."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(d.docker_host.removeprefix("unix://"))
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101")
    return sock
