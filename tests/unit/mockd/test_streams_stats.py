"""``docker stats`` figures come from what the container's programs report and do."""

from __future__ import annotations

import asyncio
import json

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import containers_of
from mockd.engine.exec import exec_store
from mockd.engine.images import images_of
from mockd.engine.references import parse_normalized
from mockd.handlers.streams import container_stats
from mockd.http import Request, Response
from mockd.programs.api import ProgramContext
from mockd.programs.registry import default_registry, marker

HOG = "test-streams-memhog"
MIB = 1024 * 1024


async def memhog(ctx: ProgramContext) -> int:
    """Uses ``argv[1]`` MiB and ``argv[2]`` seconds of CPU, then waits."""
    ctx.report_usage(memory_bytes=int(ctx.argv[1]) * MIB, cpu_seconds=float(ctx.argv[2]))
    await ctx.clock.sleep(3600)
    return 0


def stats_request(cid: str) -> Request:
    return Request(
        method="GET",
        path=f"/containers/{cid}/stats",
        query={},
        headers={},
        path_params={"id": cid},
        params={"stream": False, "one-shot": True},
        api_version=(1, 41),
    )


def test_stats_add_up_the_reports_of_every_process() -> None:
    if default_registry().get(HOG) is None:
        default_registry().register(HOG, memhog)

    async def body() -> None:
        engine = Engine(ManualClock(), seed=1)
        built = catalog.lookup("busybox")
        assert built is not None
        images = images_of(engine)
        image = images.add(built.config_bytes, built.layers)
        images.add_reference(image, parse_normalized("busybox:latest"))
        store = containers_of(engine)
        c, _ = store.create(
            {
                "Image": "busybox",
                "Cmd": ["/memhog", "10", "1.5"],
                "HostConfig": {"Memory": 64 * MIB},
            },
            "hog",
        )
        c.fs.write_file("/memhog", marker(HOG), mode=0o755)
        store.start("hog")
        await asyncio.sleep(0)
        execs = exec_store(engine)
        extra = execs.create(c, {"Cmd": ["/memhog", "20", "0.5"]})
        execs.start(extra, attach=False)
        await asyncio.sleep(0)

        reply = await container_stats(stats_request(c.id), engine)
        assert isinstance(reply, Response)
        stats = json.loads(reply.body)
        memory = stats["memory_stats"]
        assert memory["limit"] == 64 * MIB
        # Each process also costs the runtime's small base.
        assert 30 * MIB < memory["usage"] < 32 * MIB
        assert stats["pids_stats"]["current"] == 2
        # The reports (1.5 s + 0.5 s), plus the little CPU the two programs really used.
        assert 2 * 10**9 <= stats["cpu_stats"]["cpu_usage"]["total_usage"] < 2.1 * 10**9
        assert stats["name"] == "/hog" and stats["id"] == c.id

    asyncio.run(body())
