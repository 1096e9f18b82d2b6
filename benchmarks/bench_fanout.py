"""Events fan-out on the mock: 50 followers of ``GET /events`` (raw
connections, one thread each) while one client creates and removes volumes;
the time until every follower has every event, against the same work with
nobody following."""

from __future__ import annotations

import json
import threading
import time

from benchmarks.backends import Backend
from benchmarks.context import Context
from benchmarks.rawhttp import UnixHTTPConnection, socket_path

NAME = "fanout"
FOLLOWERS = 50


def _produce(backend: Backend, volumes: int) -> float:
    """Create then remove ``volumes`` volumes (two events each); seconds taken."""
    raw = backend.raw()
    started = time.perf_counter()
    names = []
    for _ in range(volumes):
        body = json.dumps({"Labels": backend.labels()}).encode()
        status, answer = raw.call("POST", backend.v("/volumes/create"), body)
        if status != 201:
            raise RuntimeError(f"volume create: {status} {answer[:200]!r}")
        names.append(json.loads(answer)["Name"])
    for name in names:
        raw.call("DELETE", backend.v(f"/volumes/{name}"))
    return time.perf_counter() - started


def run(ctx: Context) -> None:
    backend = ctx.mock
    if backend is None:
        ctx.report.skip("fanout: mock only")
        return
    volumes = ctx.scale(250, 50)
    expected = 2 * volumes
    alone = _produce(backend, volumes)
    connections = []
    for _ in range(FOLLOWERS):
        conn = UnixHTTPConnection(socket_path(backend.docker_host), timeout=60)
        conn.request("GET", backend.v('/events?filters={"type":["volume"]}'))
        response = conn.getresponse()  # headers come at once: the follower is subscribed
        connections.append((conn, response))
    done_at: list[float] = []
    lock = threading.Lock()

    def follow(response: object) -> None:
        seen = 0
        while seen < expected:
            chunk = response.read1(65536)  # type: ignore[attr-defined]
            if not chunk:
                break
            seen += chunk.count(b"\n")
        with lock:
            done_at.append(time.perf_counter())

    threads = [threading.Thread(target=follow, args=(r,)) for _, r in connections]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    produced = _produce(backend, volumes)
    for thread in threads:
        thread.join(120)
    for conn, _ in connections:
        conn.close()
    if len(done_at) != FOLLOWERS:
        raise RuntimeError("some followers did not receive every event")
    all_delivered = max(done_at) - started
    table = ctx.report.table(
        f"Events fan-out on the mock ({FOLLOWERS} followers, {expected} events each)",
        ["measure", "value"],
    )
    table.add("producing alone (s)", alone)
    table.add("producing with followers (s)", produced)
    table.add("until every follower had every event (s)", all_delivered)
    table.add("deliveries per second", FOLLOWERS * expected / all_delivered)
