"""Exec instances in the engine: create checks, running in the container, events, users."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from mockd import catalog
from mockd.engine import Engine, ManualClock
from mockd.engine.containers import ContainerStore, containers_of
from mockd.engine.exec import (
    ExecStore,
    UserNotFound,
    exec_store,
    resolve_user,
    runc_exec_message,
)
from mockd.engine.images import images_of
from mockd.engine.references import parse_normalized
from mockd.errors import Conflict, InvalidParameter, NotFound
from mockd.programs.api import CommandNotFound, NoSuchFile, PermissionDenied


def run(
    test: Callable[[ManualClock, Engine, ContainerStore, ExecStore], Coroutine[Any, Any, None]],
) -> None:
    clock = ManualClock()
    engine = Engine(clock, seed=3)
    built = catalog.lookup("busybox")
    assert built is not None
    images = images_of(engine)
    image = images.add(built.config_bytes, built.layers)
    images.add_reference(image, parse_normalized("busybox:latest"))
    asyncio.run(test(clock, engine, containers_of(engine), exec_store(engine)))


async def collect(output: AsyncIterator[tuple[str, bytes]]) -> dict[str, bytes]:
    out: dict[str, bytes] = {"stdout": b"", "stderr": b""}
    async for stream, data in output:
        out[stream] += data
    return out


def test_exec_runs_in_the_container_with_both_envs() -> None:
    async def body(
        clock: ManualClock, engine: Engine, store: ContainerStore, execs: ExecStore
    ) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"], "Env": ["A=1"]}, "web")
        store.start("web")
        c.fs.write_file("/marker", b"in the container\n")
        instance = execs.create(
            c, {"Cmd": ["sh", "-c", "echo $A$B; cat /marker; echo e >&2; exit 5"], "Env": ["B=2"]}
        )
        assert c.exec_ids == [instance.id]
        execs.start(instance, attach=True)
        assert instance.running and instance.pid > 0
        output = await collect(instance.output())
        assert output == {"stdout": b"12\nin the container\n", "stderr": b"e\n"}
        assert await instance.wait() == 5
        info = instance.inspect()
        assert info["ExitCode"] == 5 and info["Running"] is False
        assert info["ProcessConfig"]["entrypoint"] == "sh"
        actions = [ev.action for ev in engine.events.history() if ev.actor_id == c.id]
        assert actions[-3:] == [
            "exec_create: sh -c echo $A$B; cat /marker; echo e >&2; exit 5",
            "exec_start: sh -c echo $A$B; cat /marker; echo e >&2; exit 5",
            "exec_die",
        ]
        die = engine.events.history()[-1]
        assert die.attributes["exitCode"] == "5" and die.attributes["execID"] == instance.id
        assert die.attributes["name"] == "web"

    run(body)


def test_exec_is_in_the_process_table_while_it_runs() -> None:
    async def body(
        clock: ManualClock, engine: Engine, store: ContainerStore, execs: ExecStore
    ) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "web")
        store.start("web")
        instance = execs.create(c, {"Cmd": ["sleep", "30"]})
        execs.start(instance, attach=False)
        for _ in range(100):  # until both sleeps wait on the clock
            if clock.sleepers >= 2:
                break
            await asyncio.sleep(0)
        assert c.process is not None
        assert [info.argv for info in c.process.processes.list()] == [
            ["sleep", "100"],
            ["sleep", "30"],
        ]
        top = store.top("web")
        assert any(row[-1] == "sleep 30" for row in top["Processes"])
        clock.advance(30)
        assert await instance.wait() == 0
        assert len(c.process.processes.list()) == 1

    run(body)


def test_exec_stdin_reaches_the_program() -> None:
    async def body(
        clock: ManualClock, engine: Engine, store: ContainerStore, execs: ExecStore
    ) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "web")
        store.start("web")
        instance = execs.create(c, {"Cmd": ["cat"], "AttachStdin": True, "AttachStdout": True})
        execs.start(instance, attach=True)
        await instance.write_stdin(b"abc\n")
        instance.close_stdin()
        assert (await collect(instance.output()))["stdout"] == b"abc\n"
        assert await instance.wait() == 0

    run(body)


def test_unknown_command_reports_on_the_stream_with_126() -> None:
    async def body(
        clock: ManualClock, engine: Engine, store: ContainerStore, execs: ExecStore
    ) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "web")
        store.start("web")
        instance = execs.create(c, {"Cmd": ["nope"]})
        execs.start(instance, attach=True)
        output = await collect(instance.output())
        assert b'exec: "nope": executable file not found in $PATH: unknown\r\n' in output["stdout"]
        assert instance.exit_code == 126 and not instance.running
        with pytest.raises(Conflict, match="has already run"):
            execs.start(instance, attach=True)

    run(body)


def test_create_refuses_stopped_and_paused_containers() -> None:
    async def body(
        clock: ManualClock, engine: Engine, store: ContainerStore, execs: ExecStore
    ) -> None:
        c, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "100"]}, "web")
        with pytest.raises(Conflict) as stopped:
            execs.create(c, {"Cmd": ["true"]})
        assert stopped.value.message == f"Container {c.id} is not running"
        store.start("web")
        store.pause("web")
        with pytest.raises(Conflict) as paused:
            execs.create(c, {"Cmd": ["true"]})
        assert paused.value.message == "Container web is paused, unpause the container before exec"
        store.unpause("web")
        with pytest.raises(InvalidParameter):
            execs.create(c, {"Cmd": []})
        with pytest.raises(InvalidParameter, match="Invalid detach keys"):
            execs.create(c, {"Cmd": ["true"], "DetachKeys": "nonsense"})
        with pytest.raises(NotFound, match="No such exec instance: x"):
            execs.get("x")

    run(body)


def test_resolve_user_reads_passwd_and_group() -> None:
    files = {
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
        "/etc/group": b"root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n",
    }
    read = files.__getitem__
    assert resolve_user(read, "").uid == 0
    nobody = resolve_user(read, "nobody")
    assert (nobody.uid, nobody.gid, nobody.home, nobody.group_name) == (
        65534,
        65534,
        "/home",
        "nogroup",
    )
    assert resolve_user(read, "0:wheel").gid == 10
    stranger = resolve_user(read, "1234")
    assert (stranger.uid, stranger.gid) == (1234, 0)
    with pytest.raises(UserNotFound, match="unable to find user ghost: no matching entries"):
        resolve_user(read, "ghost")


def test_runc_messages() -> None:
    assert runc_exec_message(CommandNotFound("x")).endswith(
        'exec: "x": executable file not found in $PATH: unknown\r\n'
    )
    assert 'exec: "/x": stat /x: no such file or directory' in runc_exec_message(NoSuchFile("/x"))
    assert 'exec: "/etc": permission denied' in runc_exec_message(PermissionDenied("/etc"))
