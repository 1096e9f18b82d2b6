"""Images whose processes are Python functions: ``daemon.images.add(...)``.

::

    async def worker(ctx: ProgramContext) -> int:
        await ctx.stdout.write(f"hello {ctx.argv[1:]}\\n".encode())
        return 0

    daemon.images.add("myorg/worker:1", entrypoint=worker, cmd=["--once"])
    # docker run myorg/worker:1  → runs worker(ctx) with argv ["/usr/local/bin/worker", "--once"]

The image is real: one deterministic layer (the ``files`` given, and a
marker executable ``#!mockd-program NAME`` for each function) over an
optional ``base`` image, and a config with Entrypoint, Cmd, Env,
ExposedPorts, Labels, WorkingDir and User.  Inspect, history, save, export
and ``docker run`` all see it as any other image.  Functions are bound in a
program registry private to the daemon's engine, so two daemons may bind the
same image name to different functions.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from mockd import catalog
from mockd.engine.clock import NANOS
from mockd.engine.images import Image
from mockd.engine.platforms import host_arch
from mockd.engine.references import parse_normalized
from mockd.filter_time import parse_rfc3339_ns
from mockd.fs.layer import Layer
from mockd.fs.nodes import Node, new_dir
from mockd.programs.api import DEFAULT_PATH, AnyProgram
from mockd.programs.registry import ProgramRegistry, default_registry, marker

if TYPE_CHECKING:
    from mockd.engine import Engine

DEFAULT_CREATED = "2026-01-01T00:00:00Z"
# A file's content: bytes, text (UTF-8), or a function (an executable bound to it).
FileContent = bytes | str | Callable[..., Any]


def engine_registry(engine: Engine) -> ProgramRegistry:
    """The engine's own program registry, made on first use from the built-in programs.

    The containers area starts with the process-wide default registry; binding
    user functions there would leak them into every daemon of the process.
    """
    containers = engine.containers
    current: ProgramRegistry = containers.registry
    if current is not default_registry():
        return current
    private = ProgramRegistry()
    for name in current.names():
        program = current.get(name)
        assert program is not None
        private.register(name, program)
    private.busybox_program = current.busybox_program
    containers.registry = private
    return private


@dataclass(frozen=True)
class ScriptedImage:
    """What ``images.add`` made: the stored image and the reference it is tagged as."""

    id: str
    reference: str  # familiar form: "myorg/worker:1"
    programs: dict[str, str]  # path in the image → registered program name


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "main"


def _dir_at(root: Node, path: str, mtime: float) -> Node:
    node = root
    for part in [p for p in path.strip("/").split("/") if p]:
        child = node.children.get(part)
        if child is None:
            child = new_dir(0o755, mtime)
            node.children[part] = child
        elif child.kind != "dir":
            raise ValueError(f"{path}: a parent is a file")
        node = child
    return node


def _as_list(value: Sequence[str] | str | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _exposed(ports: Sequence[str | int] | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not ports:
        return None
    out: dict[str, Any] = {}
    for port in ports:
        text = str(port)
        out[text if "/" in text else f"{text}/tcp"] = {}
    return out


class ScriptedImages:
    """``daemon.images``: add images whose executables are Python functions."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        on_loop: Callable[[Callable[[], ScriptedImage]], ScriptedImage] | None = None,
    ) -> None:
        # A callable, not an engine: MockDaemon.reset() swaps the engine.
        self._engine = engine
        # The engine lives on the daemon's loop: changes are made there.
        self._on_loop = on_loop if on_loop is not None else (lambda fn: fn())

    def add(
        self,
        reference: str,
        *,
        entrypoint: AnyProgram | Sequence[str] | str | None = None,
        cmd: AnyProgram | Sequence[str] | str | None = None,
        env: Mapping[str, str] | Sequence[str] | None = None,
        exposed_ports: Sequence[str | int] | None = None,
        labels: Mapping[str, str] | None = None,
        working_dir: str = "",
        user: str = "",
        files: Mapping[str, FileContent] | None = None,
        base: str | None = None,
        stop_signal: str = "",
        created: str = DEFAULT_CREATED,
    ) -> ScriptedImage:
        """Build and store an image tagged ``reference``; returns its ID and bindings.

        ``entrypoint`` (or ``cmd``) may be a function (``async def f(ctx) -> int`` or
        ``def f(ctx) -> int``): it becomes ``/usr/local/bin/<name>`` in the image and
        the Entrypoint (Cmd) points at it.  ``files`` maps absolute paths to bytes,
        text, or functions (executables bound to them).  ``base`` is an image already
        in the daemon or in the built-in catalogue (``"busybox"``) to build on.
        """
        return self._on_loop(
            lambda: self._add(reference, entrypoint, cmd, env, exposed_ports, labels,
                              working_dir, user, files, base, stop_signal, created)
        )  # fmt: skip

    def _add(
        self,
        reference: str,
        entrypoint: AnyProgram | Sequence[str] | str | None,
        cmd: AnyProgram | Sequence[str] | str | None,
        env: Mapping[str, str] | Sequence[str] | None,
        exposed_ports: Sequence[str | int] | None,
        labels: Mapping[str, str] | None,
        working_dir: str,
        user: str,
        files: Mapping[str, FileContent] | None,
        base: str | None,
        stop_signal: str,
        created: str,
    ) -> ScriptedImage:
        engine = self._engine()
        ref = parse_normalized(reference).with_default_tag()
        familiar = ref.familiar()
        mtime = float(parse_rfc3339_ns(created) // NANOS)
        root = new_dir(0o755, mtime)
        programs: dict[str, str] = {}
        bound: dict[str, AnyProgram] = {}

        def put(path: str, content: FileContent) -> None:
            if not path.startswith("/"):
                raise ValueError(f"file paths must be absolute: {path!r}")
            path = posixpath.normpath(path)
            parent = _dir_at(root, posixpath.dirname(path), mtime)
            name = posixpath.basename(path)
            if callable(content):
                program_name = f"scripted:{familiar}:{path}"
                programs[path] = program_name
                bound[program_name] = content
                parent.children[name] = Node(kind="file", mode=0o755, data=marker(program_name),
                                             mtime=mtime)  # fmt: skip
            else:
                data = content.encode() if isinstance(content, str) else bytes(content)
                parent.children[name] = Node(kind="file", mode=0o644, data=data, mtime=mtime)

        default_exe = "/usr/local/bin/" + _slug(ref.familiar_name.rsplit("/", 1)[-1])
        entry_argv = self._command(entrypoint, default_exe, put)
        cmd_argv = self._command(cmd, default_exe + "-cmd" if entry_argv else default_exe, put)
        for path, content in (files or {}).items():
            put(path, content)

        base_image = self._base(engine, base) if base else None
        layers = [*(base_image.layers if base_image else ()), Layer(root)]
        base_config: dict[str, Any] = dict(base_image.container_config) if base_image else {}
        config = self._config(base_config, entry_argv, cmd_argv, env, exposed_ports, labels,
                              working_dir, user, stop_signal)  # fmt: skip
        history = [*(base_image.history if base_image else ())]
        history.append({"created": created, "created_by": f"mockd.scripting {familiar}"})
        document = {
            "architecture": host_arch(),
            "config": config,
            "created": created,
            "history": history,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        }
        registry = engine_registry(engine)
        for name, program in bound.items():
            registry.register(name, program)
        image = engine.images.add(msgspec.json.encode(document), layers,
                                  parent=base_image.id if base_image else "")  # fmt: skip
        engine.images.add_reference(image, ref)
        image.last_tag_time_ns = engine.clock.now_ns()
        engine.events.publish("image", "tag", image.id, {"name": familiar})
        return ScriptedImage(image.id, familiar, programs)

    @staticmethod
    def _command(
        value: AnyProgram | Sequence[str] | str | None,
        path: str,
        put: Callable[[str, FileContent], None],
    ) -> list[str] | None:
        if value is None:
            return None
        if callable(value):
            put(path, value)
            return [path]
        return _as_list(value)

    @staticmethod
    def _base(engine: Engine, reference: str) -> Image:
        from mockd.errors import NotFound

        try:
            return engine.images.get(reference)
        except NotFound:
            found = catalog.lookup(reference)
            if found is None:
                raise
        image = engine.images.add(found.config_bytes, found.layers)
        engine.images.add_reference(image, parse_normalized(reference).with_default_tag())
        return image

    @staticmethod
    def _config(
        base: dict[str, Any],
        entrypoint: list[str] | None,
        cmd: list[str] | None,
        env: Mapping[str, str] | Sequence[str] | None,
        exposed_ports: Sequence[str | int] | None,
        labels: Mapping[str, str] | None,
        working_dir: str,
        user: str,
        stop_signal: str,
    ) -> dict[str, Any]:
        config = dict(base)
        merged_env = dict(
            str(e).partition("=")[::2] for e in base.get("Env") or [f"PATH={DEFAULT_PATH}"]
        )
        if isinstance(env, Mapping):
            merged_env.update(env)
        elif env is not None:
            merged_env.update(str(e).partition("=")[::2] for e in env)
        config["Env"] = [f"{k}={v}" for k, v in merged_env.items()]
        if entrypoint is not None:
            config["Entrypoint"] = entrypoint
            config.pop("Cmd", None)  # as a Dockerfile ENTRYPOINT resets the base's CMD
        if cmd is not None:
            config["Cmd"] = cmd
        ports = _exposed(exposed_ports)
        if ports:
            config["ExposedPorts"] = {**(base.get("ExposedPorts") or {}), **ports}
        if labels:
            config["Labels"] = {**(base.get("Labels") or {}), **labels}
        if working_dir:
            config["WorkingDir"] = working_dir
        if user:
            config["User"] = user
        if stop_signal:
            config["StopSignal"] = stop_signal
        return config
