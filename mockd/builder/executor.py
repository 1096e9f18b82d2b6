"""The classic builder: run a Dockerfile step by step, one image per step.

:class:`Build` is made (and checked: context, Dockerfile, stages, target) by
:func:`prepare`, which raises the errors dockerd returns as a plain HTTP
error; :meth:`Build.run` then yields the stream messages
(``{"stream": ...}``, ``{"aux": {"ID": ...}}``, ``{"errorDetail": ...}``)
as the build goes, as moby's ``builder/dockerfile`` does: ``Step i/n``, the
cache probe (`` ---> Using cache``), an intermediate container for steps that
run (``Running in``, the output, ``Removing intermediate container``), the
new image's short ID, and at the end ``Successfully built`` and ``tagged``.
RUN runs in a real container of the containers area (so its events are the
engine's); the diff of its filesystem becomes the step's layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockd import catalog
from mockd.builder import files
from mockd.builder.cache import build_cache_of
from mockd.builder.context import BuildContext, ContextError, read_context
from mockd.builder.image_config import go_config, history_entry, image_json
from mockd.builder.instructions import (
    CONFIG_STEPS,
    PREDEFINED_ARGS,
    InstructionError,
    Stage,
    command_args,
    parse_arg,
    workdir_path,
)
from mockd.builder.parser import (
    DockerfileParseError,
    Instruction,
    parse_dockerfile,
    parse_line,
    split_words,
)
from mockd.builder.words import SubstitutionError, expand
from mockd.engine.clock import rfc3339_nano
from mockd.engine.containers import Container, containers_of
from mockd.engine.images import Image, image_id_of, images_of
from mockd.engine.platforms import host_arch
from mockd.engine.references import DEFAULT_DOMAIN, Reference, parse_normalized
from mockd.engine.system import ENGINE_VERSION
from mockd.errors import DaemonError, InvalidParameter, NotFound, SystemError_
from mockd.fs import paths
from mockd.fs.container import ContainerFS
from mockd.fs.layer import Layer
from mockd.fs.union import UnionView
from mockd.programs.api import DEFAULT_PATH
from mockd.registry_client import (
    AuthConfig,
    PulledImage,
    RegistryClient,
    Resolved,
    auth_for_domain,
    metadata_of,
)

if TYPE_CHECKING:
    from mockd.engine import Engine

Message = dict[str, Any]
# Files the runtime bind-mounts into a container: never part of a committed layer.
_RUNTIME_FILES = ("hostname", "hosts", "resolv.conf")


class StepFailed(Exception):
    """A step failed: the stream's ``errorDetail`` (with the RUN's exit code when it has one)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class BuildOptions:
    """The ``POST /build`` query, decoded."""

    tags: list[str] = field(default_factory=list)
    dockerfile: str = "Dockerfile"
    build_args: dict[str, str | None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    target: str = ""
    nocache: bool = False
    pull: bool = False
    rm: bool = True
    forcerm: bool = False
    quiet: bool = False
    # ``X-Registry-Config``: credentials by registry, for a FROM pulled from one.
    registry_auths: dict[str, AuthConfig] = field(default_factory=dict, repr=False)


@dataclass
class _StageSpec:
    name: str
    base: str  # after meta-arg substitution
    from_inst: Instruction
    steps: list[Instruction]


def _stages(
    instructions: list[Instruction], meta_env: Mapping[str, str]
) -> tuple[list[Instruction], list[_StageSpec]]:
    meta: list[Instruction] = []
    stages: list[_StageSpec] = []
    for inst in instructions:
        if inst.keyword == "from":
            words = split_words(inst.rest, inst.escape)
            name = ""
            if len(words) == 3:
                if words[1].lower() != "as":
                    raise DockerfileParseError("FROM requires either one or three arguments",
                                               inst.line)  # fmt: skip
                name = words[2].lower()
            try:
                base = expand(words[0], meta_env, inst.escape)
            except SubstitutionError as exc:
                raise DockerfileParseError(str(exc), inst.line) from None
            stages.append(_StageSpec(name, base, inst, []))
        elif not stages:
            if inst.keyword != "arg":
                raise DockerfileParseError("no build stage in current context")
            meta.append(inst)
        else:
            stages[-1].steps.append(inst)
    return meta, stages


class Build:
    """One ``POST /build``: prepared (checked) by :func:`prepare`, then :meth:`run`."""

    def __init__(self, engine: Engine, context: BuildContext, options: BuildOptions) -> None:
        self.engine = engine
        self.images = images_of(engine)
        self.context = context
        self.options = options
        dockerfile = parse_dockerfile(context.dockerfile)
        self.meta_args: dict[str, str | None] = {}
        meta_env: dict[str, str] = {}
        instructions = list(dockerfile.instructions)
        for key, text in sorted(options.labels.items()):
            # dockerd appends one LABEL step per ``labels`` entry to the last stage.
            instructions.append(_label_instruction(key, text, dockerfile.escape))
        for inst in instructions:
            if inst.keyword != "arg":
                break  # meta args are the ARGs before the first FROM
            try:
                name, default = parse_arg(inst, meta_env)
            except (InstructionError, SubstitutionError) as exc:
                raise DockerfileParseError(str(exc), inst.line) from None
            given = options.build_args.get(name)
            value: str | None = given if given is not None else default
            self.meta_args[name] = value
            if value is not None:
                meta_env[name] = value
        self.meta, self.stages = _stages(instructions, meta_env)
        if not self.stages:
            raise DockerfileParseError("no build stage in current context")
        if options.target:
            names = [s.name for s in self.stages]
            if options.target.lower() not in names:
                raise InvalidParameter(
                    f"failed to reach build target {options.target} in Dockerfile"
                )
            self.stages = self.stages[: names.index(options.target.lower()) + 1]
        self.total = len(self.meta) + sum(1 + len(s.steps) for s in self.stages)
        self.step = 0
        self.built: list[Stage] = []
        self.used_args: set[str] = set(self.meta_args)
        self._cache_messages: list[Message] = []
        self.cache = build_cache_of(engine)
        self._description = ""  # the step being run, for its build-cache record

    # -- output ------------------------------------------------------------

    def _out(self, text: str) -> Message:
        return {"stream": text}

    def _step_header(self, inst: Instruction) -> list[Message]:
        self.step += 1
        return [self._out(f"Step {self.step}/{self.total} : {inst.original}"), self._out("\n")]

    # -- the build -----------------------------------------------------------

    async def run(self) -> AsyncIterator[Message]:
        """The stream of messages; the last one is an error or the success lines."""
        quiet = self.options.quiet
        try:
            async for message in self._run_all():
                if not quiet:
                    yield message
        except StepFailed as failed:
            detail: dict[str, Any] = {"message": failed.message}
            if failed.code is not None:
                detail = {"code": failed.code, "message": failed.message}
            yield {"errorDetail": detail, "error": failed.message}
            return
        final = self.built[-1]
        image_id = final.image_id
        if quiet:
            yield self._out(image_id + "\n")
            return
        yield {"aux": {"ID": image_id}}
        unused = sorted(
            k
            for k in self.options.build_args
            if k not in self.used_args and k not in PREDEFINED_ARGS
        )
        if unused:
            yield self._out(
                f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed\n"
            )
        yield self._out(f"Successfully built {image_id[7:19]}\n")
        for tag in self.options.tags:
            yield self._out(f"Successfully tagged {tag}\n")

    async def _run_all(self) -> AsyncIterator[Message]:
        for inst in self.meta:
            for message in self._step_header(inst):
                yield message
        for spec in self.stages:
            for message in self._step_header(spec.from_inst):
                yield message
            for message in await self._registry_pull(spec):
                yield message
            stage, pulled = self._from(spec)
            for message in pulled:
                yield message
            triggers = list(stage.config.get("OnBuild") or [])
            if triggers:
                stage.config["OnBuild"] = None
                suffix = "s" if len(triggers) > 1 else ""
                yield self._out(f"# Executing {len(triggers)} build trigger{suffix}")
                yield self._out("\n")
                for text in triggers:
                    trigger = parse_line(text, spec.from_inst.line, spec.from_inst.escape)
                    async for message in self._dispatch(trigger, stage, show_id=False):
                        yield message
            yield self._out(f" ---> {_short(stage.image_id)}\n")  # empty for scratch
            for inst in spec.steps:
                for message in self._step_header(inst):
                    yield message
                async for message in self._dispatch(inst, stage, show_id=True):
                    yield message
            self.built.append(stage)
        if not self.built[-1].image_id:
            raise StepFailed("No image was generated. Is your Dockerfile empty?")
        image = self.images.get_by_id(self.built[-1].image_id)
        assert image is not None
        for tag in self.options.tags:
            ref = parse_normalized(tag).with_default_tag()
            self.images.tag(image.id, ref.repository().familiar(), ref.tag)

    # -- FROM -------------------------------------------------------------------

    def _stage_by_name(self, name: str) -> Stage | None:
        for stage in self.built:
            if stage.name and stage.name == name.lower():
                return stage
        if name.isdigit() and int(name) < len(self.built):
            return self.built[int(name)]
        return None

    async def _registry_pull(self, spec: _StageSpec) -> list[Message]:
        """A FROM naming another registry than docker.io: pulled (in a thread, with the
        build's credentials for that registry) unless present and ``pull`` is off."""
        if spec.base.lower() == "scratch" or self._stage_by_name(spec.base) is not None:
            return []
        try:
            named = parse_normalized(spec.base)
        except (InvalidParameter, ValueError):
            return []  # _from reports it
        if named.domain == DEFAULT_DOMAIN:
            return []
        named = named if named.digest else named.with_default_tag()
        if not self.options.pull:
            with contextlib.suppress(NotFound, InvalidParameter):
                self.images.get(str(named))
                return []
        messages: list[Message] = []
        try:
            resolved, pulled = await asyncio.to_thread(self._fetch, named, messages.append)
        except DaemonError as exc:
            raise StepFailed(exc.message) from None
        # The store changes here, on the event loop, as every other change does.
        image = self.images.get_by_id(str(resolved.manifest["config"]["digest"]))
        if image is None:
            assert pulled is not None
            image = self.images.add(pulled.config_bytes, pulled.layers)
        fresh = named.digest != "" or named not in self.images.references(image.id)
        self.images.record_pull(image, named)
        self.images.add_reference(image, named.repository().with_digest(resolved.digest))
        messages.append({"status": f"Digest: {resolved.digest}"})
        word = "Downloaded newer image" if fresh else "Image is up to date"
        messages.append({"status": f"Status: {word} for {named.familiar()}"})
        return messages

    def _fetch(
        self, named: Reference, emit: Callable[[Message], None]
    ) -> tuple[Resolved, PulledImage | None]:
        """Blocking registry I/O: the manifest, then the config and layers not stored yet."""
        auth = auth_for_domain(self.options.registry_auths, named.domain)
        insecure = tuple(getattr(self.engine.system, "insecure_registries", ()) or ())
        client = RegistryClient(named, auth, insecure_registries=insecure,
                                metadata=metadata_of(self.engine))  # fmt: skip
        try:
            resolved = client.resolve(("linux", host_arch(), ""))
            emit({"status": f"Pulling from {named.path}", "id": named.tag or named.digest})
            if self.images.get_by_id(str(resolved.manifest["config"]["digest"])) is not None:
                return resolved, None
            return resolved, client.pull(resolved, self.images.layers.get, emit)
        finally:
            client.close()

    def _image(self, ref: str, pull: bool) -> tuple[Image, list[Message]]:
        """A local image, or one pulled from the catalogue (with the pull's status lines)."""
        messages: list[Message] = []
        if not pull:
            with contextlib.suppress(NotFound, InvalidParameter):
                return self.images.get(ref), messages
        try:
            named = parse_normalized(ref).with_default_tag()
        except (InvalidParameter, ValueError) as exc:
            raise StepFailed(str(exc)) from None
        item = catalog.find(named)
        if item is None:
            with contextlib.suppress(NotFound, InvalidParameter):
                return self.images.get(ref), messages
            raise StepFailed(
                f"pull access denied for {named.familiar_name}, repository does not exist or "
                "may require 'docker login': denied: requested access to the resource is denied"
            )
        tag = named.tag or named.digest
        messages.append({"status": f"Pulling from {named.path}", "id": tag})
        known = self.images.get_by_id(image_id_of(item.config_bytes))
        image = self.images.add(item.config_bytes, item.layers)
        self.images.record_pull(image, named)
        self.images.add_reference(image, named.repository().with_digest(item.digest))
        messages.append({"status": f"Digest: {item.digest}"})
        word = "Image is up to date" if known is not None else "Downloaded newer image"
        messages.append({"status": f"Status: {word} for {named.familiar()}"})
        return image, messages

    def _from(self, spec: _StageSpec) -> tuple[Stage, list[Message]]:
        """The stage's starting point: scratch, an earlier stage, or an image (maybe pulled)."""
        stage, messages = self._base(spec)
        stage.meta_args = dict(self.meta_args)
        if "PATH" not in stage.env:
            # dockerd's setDefaultPath: a base without PATH (scratch too) gets the default.
            stage.set_env("PATH", DEFAULT_PATH)
        return stage, messages

    def _base(self, spec: _StageSpec) -> tuple[Stage, list[Message]]:
        index = len(self.built)
        if spec.base.lower() == "scratch":
            return Stage(spec.name, index, "", {}, [], []), []
        parent = self._stage_by_name(spec.base)
        if parent is not None:
            return Stage(
                spec.name, index, parent.image_id, copy.deepcopy(parent.config),
                list(parent.layers), copy.deepcopy(parent.history),
            ), []  # fmt: skip
        image, messages = self._image(spec.base, self.options.pull)
        return Stage(
            spec.name, index, image.id, copy.deepcopy(image.container_config),
            list(image.layers), copy.deepcopy(image.history),
        ), messages  # fmt: skip

    # -- one step ------------------------------------------------------------------

    async def _dispatch(
        self, inst: Instruction, stage: Stage, *, show_id: bool
    ) -> AsyncIterator[Message]:
        self._description = inst.original
        try:
            if inst.keyword == "run":
                async for message in self._run_step(inst, stage):
                    yield message
            elif inst.keyword in ("copy", "add"):
                self._copy_step(inst, stage)
            elif inst.keyword == "workdir":
                async for message in self._config_step(inst, stage, workdir=True):
                    yield message
            elif inst.keyword == "from":
                raise StepFailed("FROM isn't allowed as an ONBUILD trigger")
            else:
                if inst.keyword == "arg":
                    self.used_args.add(inst.rest.partition("=")[0].strip())
                async for message in self._config_step(inst, stage):
                    yield message
        except (InstructionError, SubstitutionError, files.CopyError) as exc:
            raise StepFailed(str(exc)) from None
        except DaemonError as exc:
            raise StepFailed(exc.message) from None
        for message in self._cache_messages:
            yield message
        self._cache_messages = []
        if show_id:
            yield self._out(f" ---> {_short(stage.image_id)}\n")

    def _container_config(self, stage: Stage, cmd: list[str]) -> dict[str, Any]:
        config = go_config(stage.config)
        config["Cmd"] = cmd
        config["Image"] = stage.image_id
        return config

    def _probe(self, stage: Stage, container_config: dict[str, Any]) -> bool:
        """A cache hit: the stage moves to the cached image and says `` ---> Using cache``."""
        if self.options.nocache:
            return False
        hit = self.cache.find(stage.image_id, container_config)
        if hit is None:
            return False
        stage.image_id = hit.id
        stage.layers = list(hit.layers)
        stage.history = copy.deepcopy(hit.history)
        stage.config = copy.deepcopy(hit.container_config)
        self._cache_messages = [self._out(" ---> Using cache\n")]
        return True

    def _commit(
        self,
        stage: Stage,
        container_config: dict[str, Any],
        created_by: str,
        layer: Layer | None,
        container_id: str = "",
    ) -> None:
        created = rfc3339_nano(self.engine.clock.now_ns())
        history = [*stage.history, history_entry(created, created_by, empty_layer=layer is None)]
        layers = [*stage.layers, layer] if layer is not None else list(stage.layers)
        config = dict(stage.config)
        config["Image"] = stage.image_id
        config_bytes = image_json(
            architecture=host_arch(),
            config=config,
            container=container_id,
            container_config=container_config,
            created=created,
            docker_version=ENGINE_VERSION,
            history=history,
            diff_ids=[item.diff_id for item in layers],
        )
        image = self.images.add(config_bytes, layers, parent=stage.image_id)
        size = layer.size if layer is not None else 0
        self.cache.record(image, stage.image_id, self._description, size)
        stage.image_id = image.id
        stage.layers = list(image.layers)
        stage.history = history
        stage.config = copy.deepcopy(image.container_config)

    async def _config_step(
        self, inst: Instruction, stage: Stage, *, workdir: bool = False
    ) -> AsyncIterator[Message]:
        before = copy.deepcopy(stage.config)
        if workdir:
            target = workdir_path(inst, stage)
            stage.config["WorkingDir"] = target
            comment = f"#(nop) WORKDIR {target}"
        else:
            comment = "#(nop)  " + CONFIG_STEPS[inst.keyword](inst, stage, self.options.build_args)
        cmd = [*stage.shell, comment] if workdir else [*stage.shell, "#(nop) ", comment[8:]]
        container_config = self._container_config(stage, cmd)
        after = stage.config
        stage.config = before
        if self._probe(stage, container_config):
            return
        stage.config = after
        container: Container | None = None
        if stage.image_id:
            container = self._create_container(stage, container_config)
            container_config["Hostname"] = container.hostname  # as the committed config says
            yield self._out(f" ---> Running in {container.short_id}\n")
        layer: Layer | None = None
        if workdir:
            fs = container.fs if container is not None else ContainerFS(None)
            target = str(stage.config["WorkingDir"])
            if not fs.exists(target):
                fs.mkdir(target, parents=True)
            layer = fs.commit_layer()
        self._commit(stage, container_config, " ".join(cmd), layer,
                     container.id if container is not None else "")  # fmt: skip
        if container is not None:
            async for message in self._remove(container, success=True):
                yield message

    # -- containers for steps -----------------------------------------------------

    def _create_container(self, stage: Stage, container_config: dict[str, Any]) -> Container:
        store = containers_of(self.engine)
        body = {k: v for k, v in container_config.items() if k != "Hostname"}
        body["Image"] = stage.image_id
        container, _ = store.create(body)
        # A build container runs exactly its step's command, whatever the image's entrypoint.
        container.argv = [str(a) for a in container_config.get("Cmd") or []]
        container.config["Entrypoint"] = container_config.get("Entrypoint")
        return container

    async def _remove(self, container: Container, *, success: bool) -> AsyncIterator[Message]:
        if not (self.options.forcerm or (self.options.rm and success)):
            return
        with contextlib.suppress(DaemonError):
            await containers_of(self.engine).delete(container.id, force=True, volumes=True)
        yield self._out(f"Removing intermediate container {container.short_id}\n")

    async def _run_step(self, inst: Instruction, stage: Stage) -> AsyncIterator[Message]:
        argv = command_args(inst, stage)
        args = stage.arg_values()
        self.used_args.update(stage.args)
        saved = argv
        if args:
            saved = [f"|{len(args)}", *(f"{k}={v}" for k, v in sorted(args.items())), *argv]
        container_config = self._container_config(stage, saved)
        if self._probe(stage, container_config):
            return
        if not stage.image_id:
            raise StepFailed(_no_shell_message(argv))
        store = containers_of(self.engine)
        run_config = dict(container_config)
        env = list(stage.config.get("Env") or [])
        predefined = {k: v for k, v in self.options.build_args.items()
                      if k in PREDEFINED_ARGS and v is not None and k not in stage.args}  # fmt: skip
        env += [f"{k}={v}" for k, v in {**predefined, **args}.items() if k not in stage.env]
        run_config["Env"] = env
        run_config["Cmd"] = argv
        container = self._create_container(stage, run_config)
        container.argv = list(argv)
        container.config["Cmd"] = saved
        container_config["Hostname"] = container.hostname
        yield self._out(f" ---> Running in {container.short_id}\n")
        # dockerd attaches to the step's output before starting it (an ``attach`` event).
        store.event(container, "attach")
        try:
            store.start(container.id)
        except DaemonError as exc:
            async for message in self._remove(container, success=False):
                yield message
            raise StepFailed(exc.message) from None
        written = _runtime_files(container.fs)
        process = container.process
        exit_code = store.wait(container.id)
        if process is not None:
            async for stream, data in process.subscribe():
                text = data.decode("utf-8", errors="replace")
                if stream == "stderr":
                    # dockerd's NewStderrWriter: each chunk of stderr in red for terminals.
                    text = f"\x1b[91m{text}\x1b[0m"
                yield self._out(text)
        code = await exit_code
        if code != 0:
            async for message in self._remove(container, success=False):
                yield message
            command = " ".join(argv)
            raise StepFailed(f"The command '{command}' returned a non-zero code: {code}", code=code)
        _drop_runtime_files(container.fs, written)
        self._commit(stage, container_config, " ".join(saved), container.fs.commit_layer(),
                     container.id)  # fmt: skip
        async for message in self._remove(container, success=True):
            yield message

    # -- COPY and ADD ---------------------------------------------------------------

    def _copy_step(self, inst: Instruction, stage: Stage) -> None:
        keyword = inst.keyword.upper()
        env = stage.expansion_env()
        words = (
            list(inst.json_args)
            if inst.json_args is not None
            else split_words(inst.rest, inst.escape)
        )
        if inst.json_args is None:
            words = [expand(w, env, inst.escape) for w in words]
        *patterns, dest = words
        if inst.keyword == "add":
            for pattern in patterns:
                if pattern.startswith(("http://", "https://")):
                    raise StepFailed(
                        f'ADD failed: Get "{pattern}": mockd does not download remote files '
                        "(it has no network access)"
                    )
        source_from = inst.flags.get("from")
        if source_from is not None:
            if inst.keyword == "add":
                raise StepFailed("ADD does not support the --from flag")
            view = self._source_view(expand(source_from, env, inst.escape))
        else:
            view = self.context.view
        sources = files.collect(view, patterns, from_context=source_from is None, keyword=keyword)
        if not dest.startswith("/"):
            workdir = str(stage.config.get("WorkingDir") or "/")
            dest = paths.clean(f"{workdir}/{dest}") + ("/" if dest.endswith("/") else "")
        shown_dest = words[-1] if words[-1].startswith("/") else dest
        digest = files.sources_hash(view, sources)
        chown = inst.flags.get("chown")
        # dockerd writes the flag straight before the digest, without a space.
        chown_note = f"--chown={chown}" if chown else ""
        comment = f"#(nop) {keyword} {chown_note}{digest} in {shown_dest} "
        container_config = self._container_config(stage, [*stage.shell, comment])
        if self._probe(stage, container_config):
            return
        lower = self.images.get_by_id(stage.image_id) if stage.image_id else None
        fs = ContainerFS(lower.rootfs_view() if lower is not None else None,
                         clock=self.engine.clock.now)  # fmt: skip
        owner = self._owner(chown, fs) if chown else None
        files.copy_into(fs, view, sources, dest, owner=owner, unpack=inst.keyword == "add")
        self._commit(stage, container_config, " ".join([*stage.shell, comment]),
                     fs.commit_layer())  # fmt: skip

    def _source_view(self, name: str) -> UnionView:
        """What ``--from=name`` copies from: a stage's filesystem, or an image's."""
        stage = self._stage_by_name(name)
        if stage is not None:
            image = self.images.get_by_id(stage.image_id) if stage.image_id else None
            return image.rootfs_view() if image is not None else ContainerFS(None)
        try:
            image, _ = self._image(name, False)
        except StepFailed as exc:
            raise StepFailed(f"invalid from flag value {name}: {exc.message}") from None
        return image.rootfs_view()

    def _owner(self, spec: str, fs: ContainerFS) -> tuple[int, int]:
        user, _, group = spec.partition(":")
        uid = _lookup_id(fs, "/etc/passwd", user)
        gid = _lookup_id(fs, "/etc/group", group) if group else uid
        return uid, gid


def _lookup_id(fs: ContainerFS, table: str, name: str) -> int:
    if name.isdigit():
        return int(name)
    try:
        lines = fs.read_file(table).decode(errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        fields = line.split(":")
        if len(fields) > 2 and fields[0] == name and fields[2].isdigit():
            return int(fields[2])
    kind, number = ("user", "uid") if table.endswith("passwd") else ("group", "gid")
    raise StepFailed(
        "unable to convert uid/gid chown string to host mapping: "
        f"can't find {number} for {kind} {name}: no such {kind}: {name}"
    )


def _label_instruction(key: str, value: str, escape: str) -> Instruction:
    """A LABEL step whose key and value are taken literally (every character escaped)."""

    def literal(text: str) -> str:
        return "".join(escape + ch for ch in text)

    return Instruction(
        "label", f"LABEL {key}={value}", f"{literal(key)}={literal(value)}", 0, escape=escape
    )


def _short(image_id: str) -> str:
    return image_id.removeprefix("sha256:")[:12]


def _no_shell_message(argv: list[str]) -> str:
    return (
        "OCI runtime create failed: container_linux.go:380: starting container process caused: "
        f'exec: "{argv[0]}": stat {argv[0]}: no such file or directory: unknown'
    )


def _runtime_files(fs: ContainerFS) -> dict[str, bytes]:
    """The files the engine wrote at start (``/etc/hosts``...), as written."""
    etc = fs.upper.children.get("etc")
    found: dict[str, bytes] = {}
    if etc is not None and etc.is_dir:
        for name in _RUNTIME_FILES:
            node = etc.children.get(name)
            if node is not None and node.kind == "file":
                found[name] = node.data
    return found


def _drop_runtime_files(fs: ContainerFS, written: Mapping[str, bytes]) -> None:
    """Leave the runtime's files out of the step's diff, as bind mounts are, unless RUN changed them."""
    etc = fs.upper.children.get("etc")
    if etc is None or not etc.is_dir:
        return
    for name, data in written.items():
        node = etc.children.get(name)
        if node is not None and node.kind == "file" and node.data == data:
            del etc.children[name]
    if not etc.children and not etc.opaque:
        del fs.upper.children["etc"]


async def build_stream(
    engine: Engine, context_tar: bytes, options: BuildOptions
) -> AsyncIterator[Message]:
    """Convenience for callers that have not prepared: prepare, then run."""
    build = prepare(engine, context_tar, options)
    async for message in build.run():
        yield message


def prepare(engine: Engine, context_tar: bytes, options: BuildOptions) -> Build:
    """Read the context and parse the Dockerfile; dockerd's HTTP errors for what is wrong."""
    try:
        context = read_context(context_tar, options.dockerfile)
    except ContextError as exc:
        raise SystemError_(str(exc)) from None
    try:
        return Build(engine, context, options)
    except DockerfileParseError as exc:
        raise InvalidParameter(exc.message) from None
