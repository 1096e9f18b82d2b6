"""Starting programs as processes: the engine's entry points and ``ctx.spawn``.

A process is an asyncio task running the program.  Ending it with a signal
cancels the task; the process then reports 128 + signum.  Exceptions a
program lets escape do not take the daemon down: ``BrokenPipeError`` means
the program died of SIGPIPE (141, quietly, as ``yes | head`` does), anything
else is reported on the program's stderr with exit code 1.

CPU time: every step the event loop gives a process's task (from one
``await`` to the next) is timed with the thread's CPU clock and charged to
the process in its container's ``ProcessTable`` (the cgroup's ``cpuacct``),
so a busy ``while :; do :; done`` shows in ``docker stats`` and an idle
``sleep`` does not.  Tasks a program starts itself (a shell's pipeline
elements) are charged to it when started through :func:`metered`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar, cast

from mockd.programs.api import AnyProgram, ProgramContext, SyncProgram
from mockd.programs.signals import SIGKILL, SIGPIPE, Signals

T = TypeVar("T")

# Where the CPU time of the running task goes: set by each process for its
# own task (and so inherited by the tasks and threads it starts).
_charge_cpu: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar(
    "mockd_charge_cpu", default=None
)


class _Metered(Generic[T]):
    """Awaits ``coro``, charging the thread CPU time of each of its steps to ``charge``.

    It drives the coroutine as a task would (``send``/``throw``, futures
    passed through untouched), so cancellation and results behave exactly
    as with a plain ``await``.
    """

    __slots__ = ("_charge", "_coro")

    def __init__(self, coro: Coroutine[Any, Any, T], charge: Callable[[int], None]) -> None:
        self._coro = coro
        self._charge = charge

    def __await__(self) -> Generator[Any, Any, T]:
        coro, charge, clock = self._coro, self._charge, time.thread_time_ns
        value: Any = None
        error: BaseException | None = None
        while True:
            start = clock()
            try:
                yielded = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                charge(clock() - start)
                return cast(T, stop.value)
            except BaseException:
                charge(clock() - start)
                raise
            charge(clock() - start)
            value, error = None, None
            try:
                value = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation, or set_exception on a future
                error = exc


async def metered(coro: Coroutine[Any, Any, T]) -> T:
    """``await coro`` with its CPU time charged to the current process, if any.

    For a coroutine a program runs as a task of its own (``asyncio.gather``
    of a pipeline's elements): a process's own task is metered already.
    """
    charge = _charge_cpu.get()
    if charge is None:
        return await coro
    return await _Metered(coro, charge)


def _meter(awaitable: Awaitable[T], charge: Callable[[int], None]) -> Awaitable[T]:
    # Programs are coroutines; any other awaitable runs unmetered.
    return _Metered(awaitable, charge) if inspect.iscoroutine(awaitable) else awaitable


class Process:
    """A started program."""

    def __init__(
        self, ctx: ProgramContext, run: Callable[[ProgramContext], Awaitable[int]]
    ) -> None:
        self.ctx = ctx
        self.returncode: int | None = None
        self._forced: int | None = None
        self._started = False  # whether the task has taken its first step
        ctx.signals._terminate = self._terminate
        info = ctx.processes.add(
            ctx.argv,
            ppid=ctx.ppid,
            uid=ctx.user.uid,
            user=ctx.user.name,
            start_time=ctx.clock.now(),
            signals=ctx.signals,
            tty=ctx.tty,
        )
        ctx.pid = info.pid
        self.pid = info.pid
        self._task = asyncio.get_running_loop().create_task(self._main(run))

    @property
    def signals(self) -> Signals:
        return self.ctx.signals

    def send_signal(self, signum: int) -> None:
        self.ctx.signals.deliver(signum)

    def kill(self) -> None:
        self._terminate(128 + SIGKILL)

    async def wait(self) -> int:
        """The exit code, once the process has ended (waiting can be cancelled safely)."""
        return await asyncio.shield(self._task)

    @property
    def done(self) -> bool:
        return self._task.done()

    @property
    def signaled(self) -> bool:
        """Whether a signal ended it (its code is then 128 + signum), not its own exit."""
        return self._forced is not None

    def _terminate(self, code: int) -> None:
        if self._task.done() or self._forced is not None:
            return
        self._forced = code
        # A task cancelled before its first step never enters ``_main``: it
        # would end cancelled, without an exit code and with its entry left in
        # the process table.  Such a task sees ``_forced`` as it starts instead.
        if self._started:
            self._task.cancel()

    def _charge(self, nanoseconds: int) -> None:
        self.ctx.processes.charge_cpu(self.pid, nanoseconds)

    async def _main(self, run: Callable[[ProgramContext], Awaitable[int]]) -> int:
        self._started = True
        ctx = self.ctx
        _charge_cpu.set(self._charge)
        try:
            if self._forced is not None:
                code = self._forced  # killed before it ran at all
            else:
                code = await _meter(run(ctx), self._charge)
            if self._forced is not None:
                code = self._forced  # killed while finishing up
        except asyncio.CancelledError:
            if self._forced is None:
                raise
            code = self._forced
        except BrokenPipeError:
            code = 128 + SIGPIPE
        except Exception:
            with contextlib.suppress(Exception):
                await ctx.stderr.write(traceback.format_exc().encode())
            code = 1
        finally:
            ctx.processes.remove(self.pid)
        self.returncode = code & 0xFF
        return self.returncode


def _as_coroutine(program: AnyProgram) -> Callable[[ProgramContext], Awaitable[int]]:
    if inspect.iscoroutinefunction(program):
        return program
    from mockd.programs.sync import run_sync

    sync_program = cast(SyncProgram, program)
    return lambda ctx: run_sync(sync_program, ctx)


def start_program(ctx: ProgramContext) -> Process:
    """Resolve ``ctx.argv[0]`` in ``ctx.fs`` and start it.

    Raises ``CommandNotFound``, ``NoSuchFile``, ``PermissionDenied`` or
    ``ExecFormatError`` (all ``ExecError``) before anything runs.
    """
    resolved = ctx.registry.resolve(ctx.fs, ctx.argv, env=ctx.env, cwd=ctx.cwd)
    ctx.argv = resolved.argv
    return Process(ctx, _as_coroutine(resolved.program))


def start_callable(ctx: ProgramContext, program: AnyProgram) -> Process:
    """Start a given program as a process (no lookup in the filesystem)."""
    return Process(ctx, _as_coroutine(program))


async def run_program(argv: list[str], ctx: ProgramContext, *, init: bool = False) -> int:
    """Run ``argv`` in the container ``ctx`` describes, and return its exit code.

    ``init`` makes it the container's PID 1: signals without a handler are
    ignored (SIGKILL excepted), and when it ends every other process of the
    container is killed, as the kernel does for a PID namespace.

    Cancelling the task that awaits this is SIGKILL: the program is ended and
    137 is returned (the cancellation is absorbed, not re-raised).
    """
    ctx.argv = list(argv)
    if init:
        ctx.signals.init = True
    process = start_program(ctx)
    try:
        return await process.wait()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        process.kill()
        with contextlib.suppress(asyncio.CancelledError):
            await process.wait()
        return 128 + SIGKILL
    finally:
        if init:
            ctx.processes.kill_all(SIGKILL)
