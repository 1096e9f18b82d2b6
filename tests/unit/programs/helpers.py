"""A small container for program tests: a MemoryFileSystem laid out like the busybox image."""

from __future__ import annotations

import asyncio
import os
import subprocess
from dataclasses import dataclass

from mockd.engine.clock import ManualClock
from mockd.fs import MemoryFileSystem
from mockd.programs import (
    BufferOutput,
    BytesInput,
    ProcessTable,
    ProgramContext,
    ProgramRegistry,
    new_registry,
    run_program,
)
from mockd.programs.api import ProgramClock
from mockd.programs.signals import Signals

BUSYBOX = "/bin/busybox"
HAVE_BUSYBOX = os.path.exists(BUSYBOX)
APPLET_LINKS = [
    "sh",
    "ash",
    "ls",
    "cat",
    "echo",
    "sleep",
    "grep",
    "wc",
    "seq",
    "head",
    "tail",
    "yes",
    "sed",
    "sort",
    "uniq",
    "tr",
    "env",
    "printenv",
    "id",
    "date",
    "ps",
    "kill",
    "true",
    "false",
    "expr",
    "printf",
    "test",
    "[",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "touch",
    "cut",
    "xargs",
    "basename",
    "dirname",
    "find",
    "pwd",
    "uname",
    "hostname",
    "whoami",
    "tee",
    "base64",
    "md5sum",
    "sha256sum",
    "ln",
    "chmod",
    "stat",
    "du",
    "df",
    "mktemp",
    "which",
    "dd",
    "top",
    "free",
    "nproc",
    "fold",
    "hexdump",
    "sha1sum",
]


def busybox_bytes() -> bytes:
    if HAVE_BUSYBOX:
        with open(BUSYBOX, "rb") as f:
            return f.read()
    # Without a real busybox, a stand-in with what recognition looks for.
    return (
        b"\x7fELF" + b"\x00" * 64 + b"BusyBox v1.36.1\x00" + b"[\x00[[\x00cat\x00echo\x00sh\x00\x00"
    )


_BUSYBOX_DATA = busybox_bytes()  # one bytes object shared by every test fs, as layers share it


def make_fs() -> MemoryFileSystem:
    fs = MemoryFileSystem()
    for directory in ("/bin", "/tmp", "/etc", "/root", "/home", "/usr", "/usr/bin"):
        fs.mkdir(directory)
    fs.write_file("/bin/busybox", _BUSYBOX_DATA, mode=0o755)
    for name in APPLET_LINKS:
        fs.symlink("/bin/busybox", "/bin/" + name)
    fs.write_file(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    )
    fs.write_file("/etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    return fs


@dataclass
class Result:
    stdout: str
    stderr: str
    status: int


class Box:
    """One mock container: filesystem, process table, clock."""

    def __init__(
        self, *, clock: ProgramClock | None = None, registry: ProgramRegistry | None = None
    ) -> None:
        self.fs = make_fs()
        self.processes = ProcessTable()
        self.clock: ProgramClock = clock or ManualClock()
        self.registry = registry or new_registry()

    def context(
        self, stdin: bytes = b"", **kw: object
    ) -> tuple[ProgramContext, BufferOutput, BufferOutput]:
        out, err = BufferOutput(), BufferOutput()
        env = kw.pop("env", {"PATH": "/usr/bin:/bin", "HOME": "/root"})
        ctx = ProgramContext(
            argv=[],
            fs=self.fs,
            env=env,  # type: ignore[arg-type]
            stdin=BytesInput(stdin),
            stdout=out,
            stderr=err,
            clock=self.clock,
            processes=self.processes,
            registry=self.registry,
            hostname="box",
            signals=Signals(),
            **kw,  # type: ignore[arg-type]
        )
        return ctx, out, err

    def run(self, argv: list[str], stdin: bytes = b"", **kw: object) -> Result:
        ctx, out, err = self.context(stdin, **kw)

        async def main() -> int:
            return await run_program(argv, ctx)

        status = asyncio.run(main())
        return Result(out.getvalue().decode(), err.getvalue().decode(), status)

    def sh(self, script: str, stdin: bytes = b"") -> Result:
        return self.run(["sh", "-c", script], stdin)


def real_busybox(script: str, stdin: bytes = b"") -> Result:
    proc = subprocess.run(
        [BUSYBOX, "sh", "-c", script],
        input=stdin,
        capture_output=True,
        timeout=20,
        env={"PATH": "/nonexistent", "HOME": "/root"},
        cwd="/",
    )
    # Killed by a signal: the status a parent shell would show (128 + the signal).
    status = 128 - proc.returncode if proc.returncode < 0 else proc.returncode
    return Result(proc.stdout.decode(), proc.stderr.decode(), status)
