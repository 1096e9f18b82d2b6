"""``docker exec``: extra processes in a running container.

An exec instance is created (``ExecCreate``) with its command and stdio
choices, started once (``ExecStart``), and inspected until the daemon forgets
it.  It runs in the container's filesystem, process table and pausable clock
(``ContainerProcess.context``) with the container's environment and the
exec's own ``Env`` on top; its output goes to whoever started it, not to the
container's log.  A command that cannot be started is reported as runc does
through dockerd: the message on the output stream and exit code 126.  A
TTY exec has its own pty: ``\\n`` goes out as ``\\r\\n``, its size comes from
``ConsoleSize`` and ``ExecResize`` (with SIGWINCH), and programs read it as
``ctx.tty_size``.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockd.engine.container_config import process_environment
from mockd.engine.framing import DEFAULT_DETACH_KEYS, parse_detach_keys
from mockd.engine.logs import Stream
from mockd.engine.runtime import onlcr
from mockd.errors import Conflict, InvalidParameter, NotFound
from mockd.programs.api import (
    EXIT_NOT_EXECUTABLE,
    CommandNotFound,
    ExecError,
    NoSuchFile,
    Terminal,
    User,
)
from mockd.programs.runner import Process, start_program
from mockd.programs.scheduling import checkpoint
from mockd.programs.signals import SIGWINCH
from mockd.programs.streams import EmptyInput, InputStream, Pipe

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.engine.containers import Container
    from mockd.engine.runtime import ContainerProcess


# -- users --------------------------------------------------------------------


class UserNotFound(Exception):
    """dockerd's lookup of an exec's ``User`` failed."""


def resolve_user(fs_read: Any, spec: str, additional: Sequence[str] = ()) -> User:
    """``""``, ``name``, ``uid``, ``name:group`` or ``uid:gid`` → a :class:`User`, from /etc/passwd and /etc/group.

    An unknown numeric uid runs as itself with group 0, as runc does; an
    unknown name is :class:`UserNotFound`.  ``additional`` is HostConfig.GroupAdd:
    group names or numbers the process gets besides.
    """
    added = _additional_groups(fs_read, additional)
    if not spec:
        return User(groups=added)
    user_part, _, group_part = spec.partition(":")
    passwd = _table(fs_read, "/etc/passwd")
    groups = _table(fs_read, "/etc/group")
    entry = next((row for row in passwd if user_part in (row[0], row[2])), None)
    if entry is not None:
        name, uid, gid, home = entry[0], int(entry[2]), int(entry[3]), entry[5]
    elif user_part.isdigit():
        name, uid, gid, home = "", int(user_part), 0, "/"  # no name: `id` shows none
    else:
        raise UserNotFound(f"unable to find user {user_part}: no matching entries in passwd file")
    if group_part:
        group = next((row for row in groups if group_part in (row[0], row[2])), None)
        gid = int(group[2]) if group else int(group_part) if group_part.isdigit() else gid
    group_name = next((row[0] for row in groups if row[2] == str(gid)), str(gid))
    # Supplementary groups: those that list the user as a member (runc's getgrouplist).
    extra = tuple(
        int(row[2])
        for row in groups
        if name and row[2].isdigit() and int(row[2]) != gid and name in row[3].split(",")
    )
    return User(
        uid=uid, gid=gid, name=name, home=home, group_name=group_name, groups=(*extra, *added)
    )


def _additional_groups(fs_read: Any, specs: Sequence[str]) -> tuple[int, ...]:
    """GroupAdd's groups as numbers (a name looked up in /etc/group, as runc does)."""
    if not specs:
        return ()
    groups = _table(fs_read, "/etc/group")
    out: list[int] = []
    for spec in specs:
        row = next((row for row in groups if row[0] == spec), None)
        if row is not None and row[2].isdigit():
            out.append(int(row[2]))
        elif spec.isdigit():
            out.append(int(spec))
        else:
            raise UserNotFound(f"Unable to find group {spec}: no matching entries in group file")
    return tuple(out)


def _exec_action(action: str, argv: list[str]) -> str:
    return f"{action}: {argv[0]} {' '.join(argv[1:])}" if argv else f"{action}: "


def _table(fs_read: Any, path: str) -> list[list[str]]:
    try:
        text = bytes(fs_read(path)).decode(errors="replace")
    except Exception:  # no such file, a directory: no entries
        return []
    return [line.split(":") + [""] * 6 for line in text.splitlines() if line and ":" in line]


def runc_exec_message(error: ExecError) -> str:
    """dockerd 20.10's message for a command runc could not start (ends with ``\\r\\n``)."""
    if isinstance(error, CommandNotFound):
        reason = f'exec: "{error.name}": executable file not found in $PATH'
    elif isinstance(error, NoSuchFile):
        reason = f'exec: "{error.name}": stat {error.name}: no such file or directory'
    else:
        reason = f'exec: "{error.name}": {error.reason}'
    return (
        "OCI runtime exec failed: exec failed: unable to start container process: "
        f"{reason}: unknown\r\n"
    )


# -- the exec instance ----------------------------------------------------------


class _ExecOutput:
    """stdout or stderr of an exec: into its output queue (or nowhere when detached)."""

    def __init__(self, owner: ExecInstance, stream: Stream) -> None:
        self._owner, self._stream = owner, stream

    async def write(self, data: bytes) -> None:
        await checkpoint()  # `yes` must not keep the loop from the daemon
        if not data:
            return
        process = self._owner.container_process
        if process is not None:
            await process.clock.wait_unpaused()  # a paused container's output blocks
        if self._owner.tty:
            data = onlcr(data)  # the exec's own pty
        self._owner._emit(self._stream, data)


@dataclass(eq=False)
class ExecInstance:
    id: str
    container: Container
    argv: list[str]
    env: list[str]
    user: str
    working_dir: str
    tty: bool
    privileged: bool
    open_stdin: bool
    open_stdout: bool
    open_stderr: bool
    detach_keys: str  # as given ("" when none); the keys used are ``detach_key_bytes``
    detach_key_bytes: bytes
    running: bool = False
    exit_code: int | None = None
    pid: int = 0  # the host's PID, as dockerd reports
    can_remove: bool = False
    terminal: Terminal = field(default_factory=Terminal)  # its own pty, with a TTY
    run: ContainerProcess | None = None  # the run of the container it belongs to
    _stdin: Pipe | None = None
    _output: asyncio.Queue[tuple[Stream, bytes] | None] | None = None
    _process: Process | None = None
    _done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def container_process(self) -> ContainerProcess | None:
        return self.container.process

    def _emit(self, stream: Stream, data: bytes) -> None:
        if self._output is not None:
            self._output.put_nowait((stream, data))

    # -- what ExecInspect shows -------------------------------------------------

    def inspect(self) -> dict[str, Any]:
        # Plain data: dockerd sends ``"ExitCode": null`` before the exec ends,
        # which a Struct with ``omit_defaults`` would leave out.
        process_config: dict[str, Any] = {
            "tty": self.tty,
            "entrypoint": self.argv[0],
            "arguments": self.argv[1:],
            "privileged": self.privileged,
        }
        if self.user:
            process_config["user"] = self.user
        return {
            "ID": self.id,
            "Running": self.running,
            "ExitCode": self.exit_code,
            "ProcessConfig": process_config,
            "OpenStdin": self.open_stdin,
            "OpenStderr": self.open_stderr,
            "OpenStdout": self.open_stdout,
            "CanRemove": self.can_remove,
            "ContainerID": self.container.id,
            "DetachKeys": self.detach_keys,
            "Pid": self.pid,
        }

    # -- running ------------------------------------------------------------------

    async def write_stdin(self, data: bytes) -> None:
        if self._stdin is not None:
            await self._stdin.write(data)

    def close_stdin(self) -> None:
        if self._stdin is not None:
            self._stdin.close_write()

    async def output(self) -> AsyncIterator[tuple[Stream, bytes]]:
        """The exec's output as written, until it has ended (start it with ``attach=True``)."""
        queue = self._output
        if queue is None:
            return
        while True:
            item = await queue.get()
            if item is None:
                return
            yield item

    async def wait(self) -> int:
        await self._done.wait()
        return self.exit_code if self.exit_code is not None else EXIT_NOT_EXECUTABLE

    @property
    def console_size(self) -> tuple[int, int]:
        """(height, width) of the exec's terminal."""
        return self.terminal.size

    def resize(self, height: int, width: int) -> None:
        """ExecResize: the pty's new size; its process gets SIGWINCH, as from the kernel."""
        self.terminal.resize(height, width)
        if self.tty and self._process is not None and not self._process.done:
            self._process.send_signal(SIGWINCH)

    def kill(self) -> None:
        """SIGKILL the exec's process (a health probe that timed out)."""
        if self._process is not None:
            self._process.kill()


class ExecStore:
    """Every exec instance of the daemon, by ID."""

    def __init__(self, engine: Engine) -> None:
        from mockd.engine.containers import containers_of

        self._engine = engine
        self._execs: dict[str, ExecInstance] = {}
        containers_of(engine).on_remove.append(lambda c, _volumes: self.forget_container(c))

    def ids_for(self, container_id: str) -> list[str]:
        return [e.id for e in self._execs.values() if e.container.id == container_id]

    def forget_container(self, container: Container) -> None:
        """The container stopped or was removed: its execs go, as dockerd's ``Cleanup`` drops them."""
        for exec_id in self.ids_for(container.id):
            del self._execs[exec_id]
        container.exec_ids.clear()

    def forget(self, instance: ExecInstance) -> None:
        """Drop one finished exec (health probes do not linger)."""
        self._execs.pop(instance.id, None)
        with contextlib.suppress(ValueError):
            instance.container.exec_ids.remove(instance.id)

    def get(self, exec_id: str) -> ExecInstance:
        found = self._execs.get(exec_id)
        if found is not None and found.container.process is not found.run:
            # Its container stopped (or runs again): dockerd forgot the exec
            # when the container exited.
            self.forget_container(found.container)
            found = None
        if found is None:
            raise NotFound(f"No such exec instance: {exec_id}")
        return found

    def create(self, container: Container, body: dict[str, Any]) -> ExecInstance:
        process = container.process
        short_name = container.name.lstrip("/")
        if process is None or not process.running:
            raise Conflict(f"Container {container.id} is not running")
        if process.paused:
            raise Conflict(f"Container {short_name} is paused, unpause the container before exec")
        argv = list(body.get("Cmd") or [])
        if not argv:
            raise InvalidParameter("No exec command specified")
        detach_keys = body.get("DetachKeys") or ""
        keys = parse_detach_keys(detach_keys or DEFAULT_DETACH_KEYS)
        instance = ExecInstance(
            id=self._engine.ids.new_id(),
            container=container,
            argv=argv,
            env=list(body.get("Env") or []),
            user=body.get("User") or container.config.get("User") or "",
            working_dir=body.get("WorkingDir") or "",
            tty=bool(body.get("Tty")),
            privileged=bool(body.get("Privileged")),
            open_stdin=bool(body.get("AttachStdin")),
            open_stdout=bool(body.get("AttachStdout")),
            open_stderr=bool(body.get("AttachStderr")),
            detach_keys=detach_keys,
            detach_key_bytes=keys,
            run=process,
        )
        size = body.get("ConsoleSize")
        if isinstance(size, list) and len(size) == 2 and all(size):
            instance.terminal.resize(int(size[0]), int(size[1]))
        self._execs[instance.id] = instance
        container.exec_ids.append(instance.id)
        # dockerd's words: the entrypoint, a space, then the arguments (none: a trailing space).
        self._publish(instance, _exec_action("exec_create", argv), {"execID": instance.id})
        return instance

    def start(self, instance: ExecInstance, *, attach: bool) -> None:
        """Start the program now; with ``attach`` its output is kept for ``output()``.

        An exec that cannot start (unknown command) still counts as started:
        the message goes to its output and its exit code is 126.
        """
        if instance.exit_code is not None:
            raise Conflict(f"Error: Exec command {instance.id} has already run")
        if instance.running:
            raise Conflict(f"Error: Exec command {instance.id} is already running")
        process = instance.container.process
        if process is None or not process.running:
            raise Conflict(f"Container {instance.container.id} is not running")
        if process.paused:
            short_name = instance.container.name.lstrip("/")
            raise Conflict(f"Container {short_name} is paused, unpause the container before exec")
        instance.running = True
        instance._output = asyncio.Queue() if attach else None
        self._publish(
            instance, _exec_action("exec_start", instance.argv), {"execID": instance.id}
        )
        stdin: InputStream = EmptyInput()
        if instance.open_stdin and attach:
            instance._stdin = Pipe()
            stdin = instance._stdin
        container = instance.container
        env = process_environment(
            container.hostname, instance.tty, container.config.get("Env") or [], instance.env
        )
        cwd = instance.working_dir or instance.container.config.get("WorkingDir") or "/"
        try:
            user = resolve_user(
                process.fs.read_file, instance.user, container.host_config.get("GroupAdd") or ()
            )
        except UserNotFound as error:
            self._fail(instance, f"{error}\r\n")
            return
        env.setdefault("HOME", user.home or "/")
        if not process.fs.is_dir(cwd):
            self._fail(
                instance,
                "OCI runtime exec failed: exec failed: unable to start container process: "
                f'chdir to cwd ("{cwd}") set in config.json failed: no such file or directory: '
                "unknown\r\n",
            )
            return
        ctx = process.context(
            instance.argv, env=env, cwd=cwd, user=user, tty=instance.tty, stdin=stdin
        )
        ctx.stdout = _ExecOutput(instance, "stdout")
        ctx.stderr = _ExecOutput(instance, "stdout" if instance.tty else "stderr")
        ctx.ppid = 0
        ctx.terminal = instance.terminal
        try:
            started = start_program(ctx)
        except ExecError as error:
            self._fail(instance, runc_exec_message(error))
            return
        instance._process = started
        instance.pid = process.host_pid(started.pid)
        asyncio.get_running_loop().create_task(self._reap(instance, started))

    def _fail(self, instance: ExecInstance, message: str) -> None:
        """The exec could not start: dockerd writes why on its output and records 126."""
        instance._emit("stdout", message.encode())
        self._finish(instance, EXIT_NOT_EXECUTABLE, die_event=False)

    async def _reap(self, instance: ExecInstance, started: Process) -> None:
        code = await started.wait()
        self._finish(instance, code, die_event=True)

    def _finish(self, instance: ExecInstance, code: int, *, die_event: bool) -> None:
        instance.exit_code = code
        instance.running = False
        instance.pid = 0 if not die_event else instance.pid
        if instance._output is not None:
            instance._output.put_nowait(None)
        if instance._stdin is not None:
            instance._stdin.close_read()
        instance._done.set()
        if die_event:
            self._publish(instance, "exec_die", {"execID": instance.id, "exitCode": str(code)})

    def kill_all(self, container_id: str) -> None:
        """End the running execs of a container (its PID 1 ended)."""
        for instance in list(self._execs.values()):
            if instance.container.id == container_id and instance._process is not None:
                with contextlib.suppress(Exception):
                    instance._process.kill()

    def _publish(self, instance: ExecInstance, action: str, extra: dict[str, str]) -> None:
        from mockd.engine.containers import containers_of

        containers_of(self._engine).event(instance.container, action, **extra)


# One store per engine, kept beside it rather than on it: ``Engine`` is
# composed elsewhere, and an exec store needs nothing but the engine.
_STORES: weakref.WeakKeyDictionary[Engine, ExecStore] = weakref.WeakKeyDictionary()


def exec_store(engine: Engine) -> ExecStore:
    store = getattr(engine, "execs", None)
    if isinstance(store, ExecStore):
        return store
    store = _STORES.get(engine)
    if store is None:
        store = _STORES[engine] = ExecStore(engine)
    return store
