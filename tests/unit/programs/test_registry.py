"""Which program a file runs: marker, busybox by content, #! scripts, and the exec errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from mockd.programs import (
    CommandNotFound,
    ExecFormatError,
    NoSuchFile,
    PermissionDenied,
    ProgramContext,
    marker,
    new_registry,
    start_program,
)
from mockd.programs.registry import classify
from mockd.programs.sync import SyncContext
from tests.unit.programs.helpers import HAVE_BUSYBOX, Box, busybox_bytes


def test_marker_runs_the_registered_program() -> None:
    registry = new_registry()

    async def hello(ctx: ProgramContext) -> int:
        await ctx.stdout.write(f"hello {ctx.argv[1:]} {ctx.env['GREETING']}\n".encode())
        return 7

    registry.register("hello", hello)
    box = Box(registry=registry)
    box.fs.write_file("/usr/bin/hello", marker("hello"), mode=0o755)
    ctx_env = {"PATH": "/usr/bin:/bin", "GREETING": "hi"}
    result = box.run(["hello", "a"], env=ctx_env)
    assert (result.stdout, result.status) == ("hello ['a'] hi\n", 7)


def test_sync_programs_run_in_a_thread_with_blocking_stdio() -> None:
    registry = new_registry()

    def shout(ctx: SyncContext) -> int:
        line = ctx.stdin.readline()
        ctx.sleep(0)
        ctx.stdout.write(line.upper())
        return 3

    registry.register("shout", shout)
    box = Box(registry=registry)
    box.fs.write_file("/usr/bin/shout", marker("shout"), mode=0o755)
    result = box.sh("echo quiet | shout")
    assert (result.stdout, result.status) == ("QUIET\n", 3)


def test_unregistered_marker_is_an_exec_format_error() -> None:
    box = Box()
    box.fs.write_file("/usr/bin/ghost", marker("ghost"), mode=0o755)
    with pytest.raises(ExecFormatError):
        box.run(["ghost"])


def test_busybox_recognised_by_content_under_any_name() -> None:
    box = Box()
    box.fs.mkdir("/opt")
    box.fs.write_file("/opt/busybox", busybox_bytes(), mode=0o755)
    assert box.run(["/opt/busybox", "echo", "via", "busybox"]).stdout == "via busybox\n"
    box.fs.symlink("/opt/busybox", "/usr/bin/echo")
    assert box.run(["echo", "via link"]).stdout == "via link\n"
    result = box.run(["/opt/busybox", "nosuch"])
    assert (result.stderr, result.status) == ("nosuch: applet not found\n", 127)
    # Under a name that is no applet, busybox says so (as the real one does).
    box.fs.symlink("/opt/busybox", "/usr/bin/bb")
    assert box.run(["bb"]).stderr == "bb: applet not found\n"


@pytest.mark.skipif(not HAVE_BUSYBOX, reason="needs /bin/busybox")
def test_real_busybox_applet_table_is_read() -> None:
    kind = classify(busybox_bytes())
    assert kind.kind == "busybox"
    assert {"sh", "ls", "cat", "[", "[["} <= kind.applets


def test_recognition_is_cached_by_identity() -> None:
    registry = new_registry()
    data = busybox_bytes()
    first = registry.kind_of(data)
    start = time.perf_counter()
    for _ in range(1000):
        assert registry.kind_of(data) is first
    assert (time.perf_counter() - start) / 1000 < 50e-6


def test_shebang_script_runs_in_the_shell() -> None:
    box = Box()
    box.fs.write_file("/usr/bin/greet", b'#!/bin/sh\necho "hi $1 from $0"\nexit 4\n', mode=0o755)
    result = box.run(["greet", "you"])
    assert (result.stdout, result.status) == ("hi you from /usr/bin/greet\n", 4)


def test_shebang_with_a_missing_interpreter() -> None:
    box = Box()
    box.fs.write_file("/usr/bin/py", b"#!/usr/bin/python3\nprint(1)\n", mode=0o755)
    with pytest.raises(NoSuchFile):
        box.run(["py"])


def test_unknown_elf_cannot_run() -> None:
    box = Box()
    box.fs.write_file("/usr/bin/app", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, mode=0o755)
    with pytest.raises(ExecFormatError):
        box.run(["app"])
    result = box.sh("/usr/bin/app")
    assert (result.stderr, result.status) == ("sh: /usr/bin/app: Exec format error\n", 126)


def test_not_found_and_not_executable() -> None:
    box = Box()
    box.fs.write_file("/usr/bin/data", b"#!/bin/sh\n", mode=0o644)
    with pytest.raises(CommandNotFound) as info:
        box.run(["nosuchcmd"])
    assert info.value.exit_code == 127
    with pytest.raises(CommandNotFound):
        box.run(["data"])  # not executable: PATH search goes on, as exec.LookPath does
    with pytest.raises(PermissionDenied) as denied:
        box.run(["/usr/bin/data"])
    assert denied.value.exit_code == 126
    with pytest.raises(NoSuchFile):
        box.run(["/nope"])
    with pytest.raises(PermissionDenied):
        box.run(["/tmp"])


def test_start_program_raises_before_anything_runs() -> None:
    box = Box()
    ctx, _, _ = box.context()
    ctx.argv = ["missing"]

    async def main() -> None:
        with pytest.raises(CommandNotFound):
            start_program(ctx)

    asyncio.run(main())
    assert len(box.processes) == 0
