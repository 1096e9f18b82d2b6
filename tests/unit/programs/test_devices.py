"""The device streams, /dev as the engine mounts it, and opening paths that lead to devices."""

from __future__ import annotations

import asyncio
import errno
import threading

import pytest

from mockd.engine.mounts import Mount, MountTable
from mockd.programs import devices
from mockd.programs.devices import (
    DeviceWriteError,
    EndlessRead,
    FullOutput,
    RandomInput,
    ZeroInput,
    dev_tree,
)
from mockd.programs.opening import proc_fd
from mockd.programs.streams import Pipe
from tests.unit.programs.helpers import Box

# -- the streams ----------------------------------------------------------------------


def test_zero_gives_what_is_asked_in_bounded_reads() -> None:
    async def main() -> None:
        zero = ZeroInput()
        assert await zero.read(10) == bytes(10)
        assert await zero.read(0) == b""
        big = await zero.read(10 * devices.READ_CHUNK)
        assert big == bytes(len(big)) and 0 < len(big) <= devices.READ_CHUNK
        assert await zero.readline() == bytes(devices.READ_CHUNK // 16)  # no newline in zeros
        with pytest.raises(EndlessRead):
            await zero.read()

    asyncio.run(main())


def test_random_bytes_differ_between_reads() -> None:
    async def main() -> None:
        rand = RandomInput()
        first, second = await rand.read(32), await rand.read(32)
        assert len(first) == len(second) == 32 and first != second
        line = await rand.readline()
        assert line and (line.endswith(b"\n") or b"\n" not in line)
        assert line.count(b"\n") <= 1

    asyncio.run(main())


def test_full_refuses_writes_with_enospc() -> None:
    async def main() -> None:
        full = FullOutput()
        await full.write(b"")  # nothing to write: nothing to refuse
        with pytest.raises(DeviceWriteError) as caught:
            await full.write(b"x")
        assert caught.value.errno == errno.ENOSPC
        assert caught.value.strerror == "No space left on device"

    asyncio.run(main())


def test_an_endless_device_through_a_pipe_makes_only_what_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    produced = 0
    original = RandomInput._produce

    def counting(self: RandomInput, n: int) -> bytes:
        nonlocal produced
        produced += n
        return original(self, n)

    monkeypatch.setattr(RandomInput, "_produce", counting)
    box = Box()
    result = box.sh("cat /dev/urandom | head -c 100000 | wc -c")
    assert (result.stdout, result.stderr, result.status) == ("100000\n", "", 0)
    # cat may be a pipe's worth and one read ahead of head, never more.
    assert produced <= 100000 + Pipe.CAPACITY + 65536


@pytest.mark.parametrize("script", ["wc -c /dev/zero", "cat /dev/urandom > /dev/null"])
def test_reading_a_device_flat_out_shares_the_loop(script: str) -> None:
    """These never wait (``wc`` only reads); other tasks still get their turns."""
    outcome: list[int] = []

    async def main() -> None:
        box = Box()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)

        tick_task = asyncio.ensure_future(ticker())
        ctx, _, _ = box.context()
        ctx.argv = ["sh", "-c", script]
        from mockd.programs import start_program

        process = start_program(ctx)
        await asyncio.sleep(0.2)
        process.kill()
        outcome.append(await process.wait())
        tick_task.cancel()
        outcome.append(ticks)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the program kept the event loop"
    status, ticks = outcome
    assert status == 137
    assert ticks >= 5


# -- /dev as mounted ------------------------------------------------------------------


def test_dev_tree_has_runcs_nodes_links_and_directories() -> None:
    fs = dev_tree()
    assert fs.listdir("/") == [
        "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
        "stdout", "tty", "urandom", "zero",
    ]  # fmt: skip
    for name, rdev in [("null", (1, 3)), ("zero", (1, 5)), ("full", (1, 7)),
                       ("random", (1, 8)), ("urandom", (1, 9)), ("tty", (5, 0))]:  # fmt: skip
        st = fs.stat(f"/{name}")
        assert (st.kind, st.rdev, st.mode) == ("char", rdev, 0o666)
    assert fs.readlink("/stdout") == "/proc/self/fd/1"
    assert fs.readlink("/fd") == "/proc/self/fd"
    assert fs.readlink("/ptmx") == "pts/ptmx"
    assert fs.stat("/pts/ptmx").rdev == (5, 2)
    assert fs.stat("/shm").mode == 0o1777 and fs.stat("/mqueue").mode == 0o1777


def mounted_box() -> Box:
    """A box whose filesystem has /dev mounted as the engine mounts it."""
    box = Box()
    box.fs.mkdir("/dev")
    table = MountTable(box.fs)
    table.add(Mount("/dev", dev_tree()), runtime=True)
    box.fs = table  # type: ignore[assignment]
    return box


def test_mounted_dev_is_seen_by_ls_stat_and_test() -> None:
    box = mounted_box()
    result = box.sh(
        "ls -l /dev/null /dev/stdout; stat -c '%F %t %T' /dev/urandom; "
        "[ -c /dev/zero ] && echo c; [ -L /dev/fd ] && echo L"
    )
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("crw-rw-rw-    1 root     root        1,   3 ")
    assert lines[0].endswith(" /dev/null")
    assert lines[1].endswith(" /dev/stdout -> /proc/self/fd/1")
    assert lines[2:] == ["character special file 1 9", "c", "L"]


def test_mounted_dev_streams_and_errors() -> None:
    box = mounted_box()
    result = box.sh(
        "head -c 10 /dev/urandom | wc -c; dd if=/dev/zero bs=1k count=4 2>/dev/null | wc -c; "
        "echo x > /dev/full; echo $?; echo out > /dev/stdout; echo err > /dev/stderr; "
        "cat /dev/stdin; cat < /dev/fd/0",
        stdin=b"in\n",
    )
    assert result.stdout == "10\n4096\n1\nout\nin\n"
    assert result.stderr == "sh: write error: No space left on device\nerr\n"
    assert result.status == 0


def test_an_unknown_device_number_cannot_be_opened() -> None:
    box = mounted_box()
    box.fs.root.mknod("/weird", "char", mode=0o666, rdev=(42, 0))  # type: ignore[attr-defined]
    result = box.sh("cat /weird; echo $?; echo x > /weird")
    assert result.stdout == "1\n"
    assert result.stderr == (
        "cat: can't open '/weird': No such device or address\n"
        "sh: can't create /weird: No such device or address\n"
    )


def test_tty_is_the_terminal_when_there_is_one() -> None:
    box = mounted_box()
    result = box.run(["sh", "-c", "echo hi > /dev/tty"], tty=True)
    assert (result.stdout, result.status) == ("hi\n", 0)


def test_without_dev_the_standard_devices_still_work() -> None:
    """Programs run on a bare tree (no /dev at all) keep /dev/null and friends."""
    box = Box()
    result = box.sh("echo x > /dev/null; head -c 5 /dev/zero | wc -c; echo x > /dev/full")
    assert (result.stdout, result.status) == ("5\n", 1)
    assert result.stderr == "sh: write error: No space left on device\n"
    assert not box.fs.exists("/dev")


def test_endless_read_to_the_end_runs_out_of_memory() -> None:
    result = mounted_box().sh("sort /dev/zero")
    assert (result.stdout, result.stderr, result.status) == ("", "sort: out of memory\n", 1)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/dev/stdout", ("self", 1)),
        ("/dev/stdin", ("self", 0)),
        ("/dev/fd/3", ("self", 3)),
        ("/proc/1/fd/2", ("1", 2)),
        ("/dev/null", None),
        ("/etc/passwd", None),
        ("/nowhere/x", None),
    ],
)
def test_proc_fd_follows_the_dev_links(path: str, expected: tuple[str, int] | None) -> None:
    assert proc_fd(mounted_box().fs, path) == expected
