"""The memory cgroup's OOM kill, and the terminal's size (ConsoleSize, resize, SIGWINCH, stty)."""

from __future__ import annotations

from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore
from mockd.engine.exec import exec_store
from mockd.programs.api import ProgramContext
from mockd.programs.registry import marker
from mockd.programs.signals import SIGWINCH
from tests.unit.mockd.helpers import (
    EngineTest,
    actions,
    register_once,
    run_with_busybox,
    yield_rounds,
)

GROWER = "test-runtime-grower"
WINCH = "test-runtime-winch"
MIB = 1024 * 1024


def run(test: EngineTest) -> None:
    register_once(GROWER, grower)
    register_once(WINCH, winch)
    run_with_busybox(test, seed=5, timeout=10)


async def settle(rounds: int = 50) -> None:
    await yield_rounds(rounds)


async def grower(ctx: ProgramContext) -> int:
    """Reports ``argv[1]`` more MiB every second, for ever."""
    used = 0
    while True:
        used += int(ctx.argv[1]) * MIB
        ctx.report_usage(memory_bytes=used)
        await ctx.clock.sleep(1)


async def winch(ctx: ProgramContext) -> int:
    """Prints the terminal size at start and after each SIGWINCH."""
    while True:
        rows, cols = ctx.tty_size
        await ctx.stdout.write(f"{rows}x{cols}\n".encode())
        await ctx.signals.wait(SIGWINCH)


# -- OOM ------------------------------------------------------------------------


def test_going_over_the_memory_limit_is_an_oom_kill() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["/grow", "4"], "HostConfig": {"Memory": 10 * MIB}}, "g1"
        )
        c.fs.write_file("/grow", marker(GROWER), mode=0o755)
        store.start("g1")
        await settle()
        clock.advance(1)  # 8 MiB: under the limit
        await settle()
        assert c.running and not c.state.oom_killed
        clock.advance(1)  # 12 MiB: over it
        assert await store.wait("g1") == 137
        await settle()
        state = store.inspect("g1")["State"]
        assert state["OOMKilled"] is True and state["ExitCode"] == 137
        assert actions(engine, c.id)[-2:] == ["oom", "die"]
        # A new start clears the flag, as dockerd does.
        store.start("g1")
        assert store.inspect("g1")["State"]["OOMKilled"] is False
        await store.kill("g1")

    run(body)


def test_an_exec_counts_toward_the_container_limit() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["sleep", "100"], "HostConfig": {"Memory": 8 * MIB}}, "e1"
        )
        c.fs.write_file("/grow", marker(GROWER), mode=0o755)
        store.start("e1")
        execs = exec_store(engine)
        instance = execs.create(c, {"Cmd": ["/grow", "10"]})
        execs.start(instance, attach=False)
        assert await store.wait("e1") == 137  # PID 1 is the one killed
        assert c.state.oom_killed

    run(body)


def test_no_limit_no_oom_and_update_sets_one() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["/grow", "50"]}, "u1")
        c.fs.write_file("/grow", marker(GROWER), mode=0o755)
        store.start("u1")
        for _ in range(3):
            await settle()
            clock.advance(1)
        await settle()
        assert c.running  # 150+ MiB and no limit
        store.update("u1", {"Memory": 64 * MIB, "MemorySwap": -1})  # memory alone is a 409
        await settle()
        clock.advance(1)
        assert await store.wait("u1") == 137
        assert c.state.oom_killed and "oom" in actions(engine, c.id)

    run(body)


# -- the terminal -------------------------------------------------------------------


def test_console_size_resize_and_sigwinch() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create(
            {"Image": "busybox", "Cmd": ["/winch"], "Tty": True,
             "HostConfig": {"ConsoleSize": [30, 100]}},
            "w1",
        )  # fmt: skip
        c.fs.write_file("/winch", marker(WINCH), mode=0o755)
        store.start("w1")
        await settle()
        assert c.process is not None
        c.process.resize(40, 120)
        await settle()
        assert b"".join(e.data for e in c.logs.read()) == b"30x100\r\n40x120\r\n"
        await store.kill("w1")

    run(body)


def test_default_size_and_stty() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        script = "stty size; stty rows 50 cols 132; stty size; stty bogus"
        c, _ = store.create({"Image": "busybox", "Cmd": ["sh", "-c", script], "Tty": True}, "s1")
        store.start("s1")
        assert await store.wait("s1") == 1
        lines = [e.data for e in c.logs.read()]
        assert lines == [b"24 80\r\n", b"50 132\r\n", b"stty: invalid argument 'bogus'\r\n"]
        # Without a terminal stty fails as busybox does on a pipe.
        plain, _ = store.create({"Image": "busybox", "Cmd": ["stty", "size"]}, "p1")
        store.start("p1")
        assert await store.wait("p1") == 1
        assert [e.data for e in plain.logs.read(stdout=False)] == [
            b"stty: standard input: Inappropriate ioctl for device\n"
        ]

    run(body)


def test_exec_has_its_own_terminal() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"], "Tty": True}, "x1")
        c.fs.write_file("/winch", marker(WINCH), mode=0o755)
        store.start("x1")
        execs = exec_store(engine)
        instance = execs.create(c, {"Cmd": ["/winch"], "Tty": True, "ConsoleSize": [10, 20],
                                    "AttachStdout": True})  # fmt: skip
        execs.start(instance, attach=True)
        seen = b""
        output = instance.output()
        seen += (await anext(output))[1]
        instance.resize(11, 22)
        seen += (await anext(output))[1]
        assert seen == b"10x20\r\n11x22\r\n"
        assert instance.console_size == (11, 22)
        assert c.process is not None and c.process.terminal.size == (24, 80)
        await store.kill("x1")

    run(body)
