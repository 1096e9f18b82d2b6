"""Running a parsed shell program: expansion, redirections, control flow, jobs, traps.

Semantics follow busybox ash: pipeline elements (all of them) run in
subshells, a trapped signal runs its trap between commands (a foreground
command finishes first; ``wait`` is interrupted and returns 128+signum), and
errors of special builtins end a non-interactive shell with status 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
import re
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from mockd.programs.api import (
    CommandNotFound,
    ExecError,
    ExecFormatError,
    NoSuchFile,
    ProgramContext,
)
from mockd.programs.devices import DeviceWriteError
from mockd.programs.opening import open_input, open_output
from mockd.programs.shell import arith, patterns
from mockd.programs.shell import options as shell_options
from mockd.programs.shell.ast import (
    DQ,
    AndOr,
    Arith,
    Case,
    CmdSub,
    For,
    FuncDef,
    Group,
    If,
    Lit,
    Loop,
    Node,
    Param,
    Part,
    Pipeline,
    Quoted,
    Redirect,
    Sequence,
    Simple,
    Subshell,
    Tilde,
    Word,
)
from mockd.programs.shell.io import FdTable
from mockd.programs.shell.lexer import ShellSyntaxError
from mockd.programs.shell.parser import parse
from mockd.programs.signals import signal_name
from mockd.programs.streams import BufferOutput, BytesInput, EmptyInput, Pipe

if TYPE_CHECKING:
    from mockd.programs.runner import Process

DEFAULT_IFS = " \t\n"


@lru_cache(maxsize=256)
def parse_cached(source: str) -> Node:
    """Parsed programs are reused (the tree is never changed while it runs)."""
    return parse(source)


# -- control flow -----------------------------------------------------------------


class ExitShell(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class ReturnFromFunction(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        self.kind = kind
        self.levels = levels


class ShellError(Exception):
    """An error that ends a non-interactive shell (status 2), as ash's ``sh_error``."""

    def __init__(self, message: str, status: int = 2, *, builtin: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.builtin = builtin


class RedirectError(Exception):
    pass


Builtin = Callable[["Shell", list[str], FdTable], Awaitable[int]]


class Shell:
    def __init__(
        self, ctx: ProgramContext, *, arg0: str = "sh", args: list[str] | None = None
    ) -> None:
        from mockd.programs.shell.builtins import BUILTINS

        self.ctx = ctx
        self.builtins: dict[str, Builtin] = BUILTINS
        self.vars: dict[str, str] = dict(ctx.env)
        self.exported: set[str] = set(ctx.env)
        self.vars.setdefault("PWD", ctx.cwd)
        self.vars.setdefault("PS1", "\\w \\$ ")
        self.vars.setdefault("PS2", "> ")
        self.vars.setdefault("PS4", "+ ")
        self.vars["PPID"] = str(ctx.ppid)
        self.arg0 = arg0
        self.positional: list[str] = list(args or [])
        # getopts' place inside a word of bundled options (-abc): (OPTIND it set, offset).
        self.getopts_place: tuple[str, int] = ("1", 0)
        self.functions: dict[str, Node] = {}
        self.status = 0
        self.options: set[str] = set()  # the names of the options that are on (set -o)
        self.started_with = ""  # "c" for sh -c, "s" when reading stdin: part of $-
        self.interactive = False
        self.script_name = ""  # set when running a script file: error prefix and line numbers
        self.command_name = ""  # ash's commandname: the script, or NAME in sh -c CMD NAME
        self.current_line = 0
        self.traps: dict[int, str] = {}
        self.pending_signals: list[int] = []
        self.signal_arrived = asyncio.Event()
        self.jobs: dict[int, Process] = {}
        self.last_background: int | None = None
        self.cwd = ctx.cwd
        self.io = FdTable({0: ctx.stdin, 1: ctx.stdout, 2: ctx.stderr})
        self.no_errexit = 0
        self.loop_depth = 0
        self.local_frames: list[dict[str, str | None]] = []
        self._andor_short = False
        self.running_traps = False
        self.is_subshell = False

    # -- small helpers ---------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.ctx.pid

    def abspath(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, path)) if path else self.cwd

    def error_prefix(self, builtin: str = "") -> str:
        """ash's ash_vmsg: ``$0``, then the command being run when it is not ``$0`` (a
        builtin's name), then the line, whenever there is such a command (a builtin, a
        script, ``sh -c CMD NAME``): "/bin/sh: cd: line 0: ", "t.sh: line 2: "."""
        prefix = f"{self.arg0}: "
        command = builtin or self.command_name
        if not command:
            return prefix
        if command != self.arg0:
            prefix += f"{command}: "
        line = self.current_line if self.script_name or self.interactive else 0
        return prefix + f"line {line}: "

    @property
    def applet_name(self) -> str:
        """What libbb's messages start with (the test builtin's, trap's): always ``sh``."""
        return "sh"

    async def err(self, message: str, io: FdTable | None = None, *, builtin: str = "") -> None:
        stream = (io or self.io).stderr
        await stream.write((self.error_prefix(builtin) + message + "\n").encode())

    @property
    def errexit(self) -> bool:
        return "errexit" in self.options

    @errexit.setter
    def errexit(self, on: bool) -> None:
        self.set_option("errexit", on)

    @property
    def xtrace(self) -> bool:
        return "xtrace" in self.options

    @xtrace.setter
    def xtrace(self, on: bool) -> None:
        self.set_option("xtrace", on)

    def set_option(self, name: str, on: bool) -> None:
        if on:
            self.options.add(name)
        else:
            self.options.discard(name)

    def get_var(self, name: str) -> str | None:
        if name.isdigit():
            index = int(name)
            if index == 0:
                return self.arg0
            return self.positional[index - 1] if index <= len(self.positional) else None
        special = {
            "?": lambda: str(self.status),
            "$": lambda: str(self.ctx.pid if not self.is_subshell else self.root_pid),
            "#": lambda: str(len(self.positional)),
            "!": lambda: "" if self.last_background is None else str(self.last_background),
            "-": lambda: shell_options.dollar_dash(self.options, self.started_with),
            "@": lambda: " ".join(self.positional),
            "*": lambda: (self.vars.get("IFS", DEFAULT_IFS)[:1]).join(self.positional),
        }
        if name in special:
            return special[name]()
        return self.vars.get(name)

    root_pid = 0

    def set_var(self, name: str, value: str) -> None:
        self.vars[name] = value
        if "allexport" in self.options:
            self.exported.add(name)

    def unset_var(self, name: str) -> None:
        self.vars.pop(name, None)
        self.exported.discard(name)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in self.vars.items() if k in self.exported}
        if extra:
            env.update(extra)
        return env

    def clone(self) -> Shell:
        """A subshell: a copy of the state, sharing the process."""
        sub = Shell.__new__(Shell)
        sub.__dict__.update(self.__dict__)
        sub.vars = dict(self.vars)
        sub.exported = set(self.exported)
        sub.options = set(self.options)
        sub.positional = list(self.positional)
        sub.functions = dict(self.functions)
        # A subshell resets caught signals to their defaults (ash keeps ignored ones).
        sub.traps = {k: v for k, v in self.traps.items() if v == "" and k != 0}
        sub.pending_signals = []
        sub.signal_arrived = asyncio.Event()
        sub.jobs = {}
        sub.io = self.io.copy()
        sub.local_frames = []
        sub.is_subshell = True
        sub.root_pid = self.ctx.pid if not self.is_subshell else self.root_pid
        return sub

    # -- signals ----------------------------------------------------------------------

    def on_signal(self, signum: int) -> None:
        self.pending_signals.append(signum)
        self.signal_arrived.set()

    async def run_pending_traps(self) -> None:
        if self.running_traps:
            return
        while self.pending_signals:
            signum = self.pending_signals.pop(0)
            action = self.traps.get(signum)
            if not action:
                continue
            saved = self.status
            self.running_traps = True
            try:
                await self.eval_source(action, self.io)
            finally:
                self.running_traps = False
            self.status = saved
        self.signal_arrived.clear()

    async def run_exit_trap(self) -> None:
        action = self.traps.pop(0, "")
        if action:
            saved = self.status
            try:
                await self.eval_source(action, self.io)
            except ExitShell as exc:
                saved = exc.status
            self.status = saved

    # -- running source ---------------------------------------------------------------

    async def eval_source(self, source: str, io: FdTable) -> int:
        try:
            node = parse_cached(source)
        except ShellSyntaxError as exc:
            await self.err(f"syntax error: {exc.message}", io)
            self.status = 2
            if not self.interactive:
                raise ExitShell(2) from None
            return 2
        return await self.run_list(node, io)

    async def run_list(self, node: Node, io: FdTable) -> int:
        items = node.items if isinstance(node, Sequence) else [(node, False)]
        for item, background in items:
            if background:
                await self.start_background(item, io)
                self.status = 0
            else:
                await self.run_item(item, io)
            if self.pending_signals:
                await self.run_pending_traps()
        return self.status

    async def run_item(self, node: Node, io: FdTable) -> int:
        self._andor_short = False
        status = await self.run(node, io)
        if (
            status != 0
            and self.errexit
            and self.no_errexit == 0
            and not (isinstance(node, Pipeline) and node.negate)
            and not (isinstance(node, AndOr) and self._andor_short)
        ):
            raise ExitShell(status)
        return status

    async def run(self, node: Node, io: FdTable) -> int:
        try:
            if isinstance(node, Simple):
                status = await self.run_simple(node, io)
            elif isinstance(node, Pipeline):
                status = await self.run_pipeline(node, io)
            elif isinstance(node, AndOr):
                status = await self.run_andor(node, io)
            elif isinstance(node, Sequence):
                status = await self.run_list(node, io)
            elif isinstance(node, FuncDef):
                self.functions[node.name] = node.body
                status = 0
            else:
                redirected = await self.apply_redirects(node.redirects, io)
                if redirected is None:
                    status = 1
                else:
                    status = await self.run_compound(node, redirected)
        except ShellError as exc:
            await self.err(exc.message, io, builtin=exc.builtin)
            self.status = exc.status
            if not self.interactive:
                raise ExitShell(exc.status) from None
            return exc.status
        self.status = status
        return status

    async def run_compound(self, node: Node, io: FdTable) -> int:
        if isinstance(node, Group):
            return await self.run_list(node.body, io)
        if isinstance(node, Subshell):
            return await self.clone().run_subshell(node.body, io)
        if isinstance(node, If):
            for cond, body in node.branches:
                if await self.run_condition(cond, io) == 0:
                    return await self.run_list(body, io)
            if node.orelse is not None:
                return await self.run_list(node.orelse, io)
            return 0
        if isinstance(node, Loop):
            return await self.run_loop(node, io)
        if isinstance(node, For):
            return await self.run_for(node, io)
        if isinstance(node, Case):
            return await self.run_case(node, io)
        raise TypeError(node)

    async def run_condition(self, node: Node, io: FdTable) -> int:
        self.no_errexit += 1
        try:
            return await self.run_list(node, io)
        finally:
            self.no_errexit -= 1

    async def run_subshell(self, node: Node, io: FdTable) -> int:
        """Run in this (cloned) shell as a subshell: ``exit`` ends only it."""
        try:
            status = await self.run_list(node, io)
        except ExitShell as exc:
            status = exc.status
        except (ReturnFromFunction, LoopControl):
            status = self.status
        with contextlib.suppress(ExitShell):
            await self.run_exit_trap()
        return status

    async def run_andor(self, node: AndOr, io: FdTable) -> int:
        self.no_errexit += 1
        try:
            status = await self.run(node.first, io)
        finally:
            self.no_errexit -= 1
        for index, (op, pipeline) in enumerate(node.rest):
            if (op == "&&") != (status == 0):
                self._andor_short = True
                continue
            last = index == len(node.rest) - 1
            if not last:
                self.no_errexit += 1
            try:
                status = await self.run(pipeline, io)
            finally:
                if not last:
                    self.no_errexit -= 1
            self._andor_short = not last
        return status

    async def _loop_pass(self, body: Node, io: FdTable, status: int) -> tuple[int, bool]:
        """One pass of a loop's body: its status (the previous one when ``break`` or
        ``continue`` cut it short) and whether the loop goes on; an outer loop's
        ``break N``/``continue N`` passes through, one level down."""
        try:
            return await self.run_list(body, io), True
        except LoopControl as ctl:
            if ctl.levels > 1:
                ctl.levels -= 1
                raise
            return status, ctl.kind != "break"

    async def run_loop(self, node: Loop, io: FdTable) -> int:
        status = 0
        self.loop_depth += 1
        try:
            while True:
                cond = await self.run_condition(node.cond, io)
                if (cond == 0) == node.until:
                    break
                status, go_on = await self._loop_pass(node.body, io, status)
                if not go_on:
                    break
                await asyncio.sleep(0)  # a busy loop must not starve the daemon
        finally:
            self.loop_depth -= 1
        return status

    async def run_for(self, node: For, io: FdTable) -> int:
        values = (
            list(self.positional) if node.words is None else await self.expand_words(node.words)
        )
        status = 0
        self.loop_depth += 1
        try:
            for value in values:
                self.set_var(node.var, value)
                status, go_on = await self._loop_pass(node.body, io, status)
                if not go_on:
                    break
                await asyncio.sleep(0)
        finally:
            self.loop_depth -= 1
        return status

    async def run_case(self, node: Case, io: FdTable) -> int:
        subject = await self.expand_string(node.word)
        for pats, body in node.items:
            for pat in pats:
                if patterns.matches(await self.expand_pattern(pat), subject):
                    return 0 if body is None else await self.run_list(body, io)
        return 0

    # -- pipelines and jobs --------------------------------------------------------------

    async def run_pipeline(self, node: Pipeline, io: FdTable) -> int:
        if len(node.commands) == 1:
            status = await self.run(node.commands[0], io)
            return int(status == 0) if node.negate else status
        from mockd.programs.runner import metered

        pipes = [Pipe() for _ in node.commands[:-1]]
        tasks = []
        for index, command in enumerate(node.commands):
            element_io = io.copy()
            if index > 0:
                element_io.fds[0] = pipes[index - 1]
            if index < len(pipes):
                element_io.fds[1] = pipes[index]
            tasks.append(
                # Each element is a task of its own: its CPU time is still this shell's.
                asyncio.ensure_future(
                    metered(self._pipeline_element(command, element_io, index, pipes))
                )
            )
        try:
            statuses = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        status = statuses[-1]
        if "pipefail" in self.options:
            status = next((code for code in reversed(statuses) if code), 0)
        return int(status == 0) if node.negate else status

    async def _pipeline_element(
        self, command: Node, io: FdTable, index: int, pipes: list[Pipe]
    ) -> int:
        sub = self.clone()
        try:
            return await sub.run_subshell(command, io)
        except BrokenPipeError:
            return 141
        finally:
            if index < len(pipes):
                pipes[index].close_write()
            if index > 0:
                pipes[index - 1].close_read()

    async def start_background(self, node: Node, io: FdTable) -> None:
        from mockd.programs.runner import start_callable

        bg_io = io.copy()
        bg_io.fds[0] = EmptyInput()  # ash gives background jobs /dev/null as stdin
        if isinstance(node, Simple) and node.words and not node.redirects:
            argv = await self.expand_words(node.words)
            if argv and argv[0] not in self.functions and argv[0] not in self.builtins:
                env = self.environment(
                    {name: await self.expand_string(value) for name, value in node.assigns}
                )
                try:
                    process = await self.ctx.spawn(
                        argv,
                        stdin=bg_io.stdin,
                        stdout=bg_io.stdout,
                        stderr=bg_io.stderr,
                        env=env,
                        cwd=self.cwd,
                    )
                except ExecError as exc:
                    await self.report_exec_error(argv[0], exc, bg_io)
                    return
                self.jobs[process.pid] = process
                self.last_background = process.pid
                return
        sub = self.clone()

        async def job(ctx: ProgramContext) -> int:
            return await sub.run_subshell(node, bg_io)

        process = start_callable(
            self.ctx.derive(
                argv=[self.arg0], stdin=bg_io.stdin, stdout=bg_io.stdout, stderr=bg_io.stderr
            ),
            job,
        )
        self.jobs[process.pid] = process
        self.last_background = process.pid

    async def wait_for_jobs(self, pids: list[int] | None) -> int:
        """``wait``: interrupted by a trapped signal (status 128+signum)."""
        targets = list(self.jobs) if pids is None else pids
        status = 0
        for pid in targets:
            process = self.jobs.get(pid)
            if process is None:
                status = 127
                continue
            waiter = asyncio.ensure_future(process.wait())
            signal_waiter = asyncio.ensure_future(self.signal_arrived.wait())
            try:
                done, _ = await asyncio.wait(
                    {waiter, signal_waiter}, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                signal_waiter.cancel()
                if not waiter.done():
                    waiter.cancel()
            if waiter in done:
                status = waiter.result()
                self.jobs.pop(pid, None)
            else:
                signum = self.pending_signals[0] if self.pending_signals else 0
                return 128 + signum
        return status

    # -- simple commands -------------------------------------------------------------------

    async def run_simple(self, node: Simple, io: FdTable) -> int:
        if self.pending_signals:
            await self.run_pending_traps()
        self.current_line = node.line
        self._subst_status: int | None = None
        argv = await self.expand_words(node.words)
        assigns = [(name, await self.expand_string(value)) for name, value in node.assigns]
        if self.xtrace:
            shown = [f"{n}={_quote(v)}" for n, v in assigns] + [_quote(a) for a in argv]
            await io.stderr.write((self.vars.get("PS4", "+ ") + " ".join(shown) + "\n").encode())
        if not argv:
            for name, value in assigns:
                self.set_var(name, value)
            redirected = await self.apply_redirects(node.redirects, io)
            if redirected is None:
                return 1
            return self._subst_status if self._subst_status is not None else 0
        # "exec >file" (no command) redirects the shell itself: change the table in place.
        in_place = argv == ["exec"]
        redirected = await self.apply_redirects(node.redirects, io, in_place=in_place)
        if redirected is None:
            return 1
        return await self.execute(argv, assigns, redirected)

    async def execute(self, argv: list[str], assigns: list[tuple[str, str]], io: FdTable) -> int:
        name = argv[0]
        if name in self.functions:
            return await self.call_function(name, argv[1:], assigns, io)
        builtin = self.builtins.get(name)
        if builtin is not None:
            if name in _SPECIAL_BUILTINS:
                for var, value in assigns:
                    self.set_var(var, value)
                return await self.run_builtin(builtin, argv, io)
            saved = {var: self.vars.get(var) for var, _ in assigns}
            for var, value in assigns:
                self.set_var(var, value)
            try:
                return await self.run_builtin(builtin, argv, io)
            except ShellError as exc:
                # Only a special builtin's error ends the shell (ash's evalcommand):
                # ``cd /nope || echo failed`` goes on.
                await self.err(exc.message, io, builtin=exc.builtin)
                return exc.status
            finally:
                for var, old in saved.items():
                    if old is None:
                        self.vars.pop(var, None)
                    else:
                        self.vars[var] = old
        return await self.run_external(argv, dict(assigns), io)

    async def run_builtin(self, builtin: Builtin, argv: list[str], io: FdTable) -> int:
        try:
            return await builtin(self, argv, io)
        except DeviceWriteError as exc:  # "echo x > /dev/full"
            if argv[0] != "printf":  # busybox's printf fails quietly
                await self.err(f"write error: {exc.strerror}", io)
            return 1

    async def call_function(
        self, name: str, args: list[str], assigns: list[tuple[str, str]], io: FdTable
    ) -> int:
        saved_positional = self.positional
        self.positional = list(args)
        saved = {var: self.vars.get(var) for var, _ in assigns}
        for var, value in assigns:
            self.set_var(var, value)
        self.local_frames.append({})
        try:
            return await self.run_list(self.functions[name], io)
        except ReturnFromFunction as ret:
            return ret.status
        finally:
            self.positional = saved_positional
            for var, old in self.local_frames.pop().items():
                if old is None:
                    self.vars.pop(var, None)
                else:
                    self.vars[var] = old
            for var, old in saved.items():
                if old is None:
                    self.vars.pop(var, None)
                else:
                    self.vars[var] = old

    async def run_external(self, argv: list[str], extra_env: dict[str, str], io: FdTable) -> int:
        try:
            process = await self.ctx.spawn(
                argv,
                stdin=io.stdin,
                stdout=io.stdout,
                stderr=io.stderr,
                env=self.environment(extra_env),
                cwd=self.cwd,
            )
        except ExecFormatError as exc:
            script = self._text_script(argv[0])
            if script is None:
                return await self.report_exec_error(argv[0], exc, io)
            return await self.run_as_script(script, argv, io)
        except ExecError as exc:
            return await self.report_exec_error(argv[0], exc, io)
        return await process.wait()

    def _text_script(self, name: str) -> str | None:
        """ash runs a file the kernel refuses (ENOEXEC) as a shell script, if it is text."""
        if "/" not in name:
            return None
        try:
            data = self.ctx.fs.read_file(self.abspath(name))
        except OSError:
            return None
        if b"\x00" in data[:512]:
            return None
        return data.decode("utf-8", "surrogateescape")

    async def run_as_script(self, source: str, argv: list[str], io: FdTable) -> int:
        sub = self.clone()
        sub.arg0 = argv[0]
        sub.positional = argv[1:]
        sub.functions = {}
        sub.script_name = sub.command_name = argv[0]
        try:
            return await sub.run_subshell(parse_cached(source), io)
        except ShellSyntaxError as exc:
            await sub.err(f"syntax error: {exc.message}", io)
            return 2

    async def report_exec_error(self, name: str, exc: ExecError, io: FdTable) -> int:
        if isinstance(exc, CommandNotFound | NoSuchFile):
            await self.err(f"{name}: not found", io)
        elif isinstance(exc, ExecFormatError):
            await self.err(f"{name}: Exec format error", io)
        else:
            await self.err(f"{name}: Permission denied", io)
        return exc.exit_code

    # -- redirections ------------------------------------------------------------------------

    async def apply_redirects(
        self, redirects: list[Redirect], io: FdTable, *, in_place: bool = False
    ) -> FdTable | None:
        """A new fd table with the redirections applied; None (message printed) on failure."""
        if not redirects:
            return io
        table = io if in_place else io.copy()
        for redirect in redirects:
            try:
                await self._redirect(redirect, table)
            except RedirectError as exc:
                await self.err(str(exc), io)
                return None
        return table

    async def _redirect(self, redirect: Redirect, table: FdTable) -> None:
        op = redirect.op
        fd = (
            redirect.fd
            if redirect.fd is not None
            else (0 if op in ("<", "<&", "<<", "<<-", "<>") else 1)
        )
        if op in ("<<", "<<-"):
            body = await self.expand_string(redirect.heredoc or Word([]))
            table.fds[fd] = BytesInput(body.encode("utf-8", "surrogateescape"))
            return
        target = await self.expand_string(redirect.target)
        if op in ("<&", ">&"):
            if target == "-":
                table.fds.pop(fd, None)
                return
            if target.isdigit():
                source = int(target)
                if source not in table.fds:
                    raise RedirectError(f"{target}: Bad file descriptor")
                table.fds[fd] = table.fds[source]
                return
            if op == "<&":
                raise RedirectError(f"{target}: Bad file descriptor")
            op = ">"  # ">&file" is ">file 2>&1" in ash
            table.fds[fd] = self._open_output(target, append=False, table=table)
            table.fds[2] = table.fds[fd]
            return
        if op in ("<", "<>"):
            table.fds[fd] = self._open_input(target, table)
            return
        if op == ">" and "noclobber" in self.options:
            existing: str = ""
            try:
                existing = self.ctx.fs.stat(self.abspath(target)).kind
            except OSError:
                pass
            if existing in ("file", "hardlink"):  # set -C: only >| replaces a file
                raise RedirectError(f"can't create {target}: File exists")
        table.fds[fd] = self._open_output(target, append=op == ">>", table=table)

    def _open_input(self, target: str, table: FdTable) -> object:
        try:
            return open_input(self.ctx, self.abspath(target), fds=table.fds)
        except FileNotFoundError:
            raise RedirectError(f"can't open {target}: no such file") from None
        except IsADirectoryError:
            return EmptyInput()
        except OSError as exc:
            raise RedirectError(f"can't open {target}: {exc.strerror or exc}") from None

    def _open_output(self, target: str, *, append: bool, table: FdTable) -> object:
        try:
            return open_output(self.ctx, self.abspath(target), append=append, fds=table.fds)
        except FileNotFoundError:
            raise RedirectError(f"can't create {target}: nonexistent directory") from None
        except IsADirectoryError:
            raise RedirectError(f"can't create {target}: Is a directory") from None
        except OSError as exc:
            raise RedirectError(f"can't create {target}: {exc.strerror or exc}") from None

    # -- expansion --------------------------------------------------------------------------

    async def expand_words(self, words: list[Word]) -> list[str]:
        out: list[str] = []
        for word in words:
            fields = _Fields(self.vars.get("IFS", DEFAULT_IFS))
            await self._expand_parts(word.parts, fields, quoted=False)
            for pieces in fields.result():
                if "noglob" not in self.options and patterns.has_wildcards(pieces):
                    found = patterns.glob(self.ctx.fs, self.cwd, pieces)
                    if found:
                        out.extend(found)
                        continue
                out.append("".join(text for text, _ in pieces))
        return out

    async def expand_string(self, word: Word) -> str:
        """Expand without field splitting or globbing (assignments, redirection targets)."""
        fields = _Fields("")
        await self._expand_parts(word.parts, fields, quoted=False, split=False)
        return " ".join("".join(t for t, _ in f) for f in fields.result(keep_empty=True))

    async def expand_pattern(self, word: Word) -> patterns.Pieces:
        fields = _Fields("")
        await self._expand_parts(word.parts, fields, quoted=False, split=False)
        pieces: list[tuple[str, bool]] = []
        for field_pieces in fields.result(keep_empty=True):
            pieces.extend(field_pieces)
        return tuple(pieces)

    async def _expand_parts(
        self, parts: list[Part], fields: _Fields, *, quoted: bool, split: bool = True
    ) -> None:
        for part in parts:
            if isinstance(part, Lit):
                fields.add(part.text, quoted=quoted)
            elif isinstance(part, Quoted):
                fields.add(part.text, quoted=True)
            elif isinstance(part, DQ):
                if not (
                    len(part.parts) == 1
                    and isinstance(part.parts[0], Param)
                    and part.parts[0].name == "@"
                    and not part.parts[0].op
                ):
                    fields.add("", quoted=True)
                await self._expand_parts(part.parts, fields, quoted=True, split=split)
            elif isinstance(part, Tilde):
                fields.add(self._tilde(part.user), quoted=True)
            elif isinstance(part, Param):
                await self._expand_param(part, fields, quoted=quoted, split=split)
            elif isinstance(part, CmdSub):
                text = await self.command_substitution(part.body)
                self._add_expansion(text, fields, quoted=quoted, split=split)
            elif isinstance(part, Arith):
                expr = await self.expand_string(part.expr)
                self._add_expansion(str(self.arithmetic(expr)), fields, quoted=quoted, split=split)

    def _add_expansion(self, text: str, fields: _Fields, *, quoted: bool, split: bool) -> None:
        if quoted or not split:
            fields.add(text, quoted=quoted)
        else:
            fields.add_split(text)

    def arithmetic(self, expr: str) -> int:
        try:
            return arith.evaluate(expr, lambda n: self.get_var(n) or "", self.set_var)
        except arith.ArithmeticError_ as exc:
            if str(exc) == "divide by zero":
                raise ShellError("divide by zero") from None
            raise ShellError("arithmetic syntax error") from None
        except RecursionError:
            raise ShellError("arithmetic syntax error") from None

    def _tilde(self, user: str) -> str:
        if not user:
            return self.vars.get("HOME", self.ctx.user.home)
        if user == "root":
            return "/root"
        try:
            for line in self.ctx.fs.read_file("/etc/passwd").decode(errors="replace").splitlines():
                fields = line.split(":")
                if len(fields) >= 6 and fields[0] == user:
                    return fields[5]
        except OSError:
            pass
        return "~" + user

    async def _expand_param(
        self, part: Param, fields: _Fields, *, quoted: bool, split: bool
    ) -> None:
        name, op = part.name, part.op
        if name == "@" and not op:
            if quoted:
                for index, arg in enumerate(self.positional):
                    if index:
                        fields.break_field()
                    fields.add(arg, quoted=True)
            else:
                for index, arg in enumerate(self.positional):
                    if index:
                        fields.break_field()
                    self._add_expansion(arg, fields, quoted=False, split=split)
            return
        value = self.get_var(name)
        if value is None and "nounset" in self.options and op not in _TESTS_FOR_UNSET:
            raise ShellError(f"{name}: parameter not set")
        if op == "len":
            fields.add(str(len(value or "")), quoted=quoted)
            return
        is_set = value is not None
        is_null = not value
        missing = not is_set or (op.startswith(":") and is_null)
        if op in (":-", "-"):
            if missing:
                await self._expand_parts(
                    (part.arg or Word([])).parts, fields, quoted=quoted, split=split
                )
                return
        elif op in (":=", "="):
            if missing:
                assigned = await self.expand_string(part.arg or Word([]))
                self.set_var(name, assigned)
                value = assigned
        elif op in (":+", "+"):
            if not missing:
                await self._expand_parts(
                    (part.arg or Word([])).parts, fields, quoted=quoted, split=split
                )
            return
        elif op in (":?", "?"):
            if missing:
                message = await self.expand_string(part.arg or Word([]))
                raise ShellError(f"{name}: {message or 'parameter not set'}")
        elif op in ("#", "##", "%", "%%"):
            pieces = await self.expand_pattern(part.arg or Word([]))
            value = patterns.strip_affix(value or "", pieces, op)
        elif op == ":":
            value = await self._substring(value or "", part)
        elif op in ("/", "//"):
            pieces = await self.expand_pattern(part.arg or Word([]))
            replacement = await self.expand_string(part.arg2) if part.arg2 is not None else ""
            value = patterns.replace(value or "", pieces, replacement, every=op == "//")
        self._add_expansion(value or "", fields, quoted=quoted, split=split)

    async def _substring(self, value: str, part: Param) -> str:
        """``${name:offset[:length]}``: both arithmetic; a negative offset counts from
        the end, a negative length leaves that many characters off the end."""
        offset = self.arithmetic(await self.expand_string(part.arg or Word([])) or "0")
        start = max(len(value) + offset, 0) if offset < 0 else min(offset, len(value))
        if part.arg2 is None:
            return value[start:]
        length = self.arithmetic(await self.expand_string(part.arg2) or "0")
        end = start + length if length >= 0 else len(value) + length
        return value[start:end] if end > start else ""

    async def command_substitution(self, body: Node) -> str:
        sub = self.clone()
        out = BufferOutput()
        io = self.io.copy()
        io.fds[1] = out
        status = await sub.run_subshell(body, io)
        self.status = status
        self._subst_status = status
        return out.getvalue().decode("utf-8", "surrogateescape").rstrip("\n")


# Expansions that ask whether a parameter is set: no error for it under set -u.
_TESTS_FOR_UNSET = frozenset({"-", ":-", "=", ":=", "+", ":+", "?", ":?"})

_SPECIAL_BUILTINS = frozenset(
    {
        ":",
        ".",
        "break",
        "continue",
        "eval",
        "exec",
        "exit",
        "export",
        "local",  # special in ash: its error ends the shell
        "readonly",
        "return",
        "set",
        "shift",
        "trap",
        "unset",
    }
)


def _quote(arg: str) -> str:
    if arg and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


class _Fields:
    """Fields being built by expansion: pieces of (text, may-glob), and whether each field
    exists even when empty (a quoted empty string makes one; an empty expansion does not)."""

    def __init__(self, ifs: str) -> None:
        self.fields: list[list[tuple[str, bool]]] = [[]]
        self.real: list[bool] = [False]
        self.ifs = ifs

    def add(self, text: str, *, quoted: bool) -> None:
        if text:
            self.fields[-1].append((text, not quoted))
        if text or quoted:
            self.real[-1] = True

    def break_field(self) -> None:
        self.fields.append([])
        self.real.append(False)

    def add_split(self, text: str) -> None:
        if not self.ifs:
            self.add(text, quoted=False)
            return
        for index, piece in enumerate(_split_regex(self.ifs).split(text)):
            if index:
                self.break_field()
            if piece:
                self.fields[-1].append((piece, True))
                self.real[-1] = True

    def result(self, *, keep_empty: bool = False) -> list[patterns.Pieces]:
        return [
            tuple(f)
            for f, real in zip(self.fields, self.real, strict=True)
            if real or (keep_empty and len(self.fields) == 1)
        ]


@lru_cache(maxsize=16)
def _split_regex(ifs: str) -> re.Pattern[str]:
    white = "".join(c for c in ifs if c in " \t\n")
    other = "".join(c for c in ifs if c not in " \t\n")
    alternatives = []
    if other:
        alternatives.append(
            f"[{re.escape(white)}]*[{re.escape(other)}][{re.escape(white)}]*"
            if white
            else f"[{re.escape(other)}]"
        )
    if white:
        alternatives.append(f"[{re.escape(white)}]+")
    return re.compile("|".join(alternatives))


def format_trap(signum: int, action: str) -> str:
    name = "EXIT" if signum == 0 else signal_name(signum)
    return f"trap -- {_quote(action) if action else chr(39) * 2} {name}"
