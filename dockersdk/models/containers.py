"""High-level container objects: ``Container``, ``ExecResult``, ``PathStat``,
and what ``docker stats`` computes from a stats sample.

A ``Container`` is built from a list summary or an inspect answer.  From a
summary it answers ``id``, ``name``, ``status`` and ``labels`` without a
request, and inspects itself the first time another field is read.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple, overload

import msgspec

from dockersdk.hijack import HijackedConnection
from dockersdk.models._generated import (
    ContainerCPUStats,
    ContainerInspectResponse,
    ContainerStatsResponse,
    ContainerSummary,
    ContainerTopResponse,
    ContainerUpdateResponse,
    FilesystemChange,
)
from dockersdk.models._wire import WireStruct
from dockersdk.streams import STDERR, STDOUT, Stream
from dockersdk.streams import demux as demux_frames

if TYPE_CHECKING:
    from dockersdk.api.containers import ContainerCollection
    from dockersdk.api.images import Image
    from dockersdk.params.durations import PointInTime

# Go's os.ModeDir and os.ModeSymlink, as the path-stat header carries them.
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27


class PathStat(WireStruct, kw_only=True, omit_defaults=False):
    """What a path in a container is: the ``X-Docker-Container-Path-Stat`` header.

    Declared here because the API document describes the header only as a
    base64 string.  ``mode`` is Go's ``os.FileMode`` (type bits on top).  Reads
    by wire name (``stat["size"]``, ``stat["linkTarget"]``) work as on docker-py's dict.
    """

    name: str
    size: int
    mode: int
    mtime: str
    link_target: str = msgspec.field(default="", name="linkTarget")

    @property
    def is_dir(self) -> bool:
        return bool(self.mode & _GO_MODE_DIR)

    @property
    def is_symlink(self) -> bool:
        return bool(self.mode & _GO_MODE_SYMLINK)

    @property
    def permissions(self) -> int:
        return self.mode & 0o7777


ExecOutput = (
    bytes
    | tuple[bytes | None, bytes | None]
    | Stream[bytes]
    | Stream[tuple[bytes | None, bytes | None]]
    | HijackedConnection
    | None
)


class ExecResult(NamedTuple):
    """docker-py's ``ExecResult``: the exit code (``None`` when streaming or
    detached) and the output (bytes, ``(stdout, stderr)`` with ``demux``, a
    stream, or the socket)."""

    exit_code: int | None
    output: ExecOutput


# -- what docker stats shows ----------------------------------------------------------


def _stats(stats: ContainerStatsResponse | Mapping[str, Any]) -> ContainerStatsResponse:
    if isinstance(stats, ContainerStatsResponse):
        return stats
    return msgspec.convert(stats, ContainerStatsResponse)


def cpu_percent(stats: ContainerStatsResponse | Mapping[str, Any]) -> float:
    """CPU % as the docker CLI computes it: the container's CPU time delta over
    the host's, times the online CPUs, times 100.  A missing previous sample
    (``one_shot``) counts as zeros, as in the CLI."""
    sample = _stats(stats)
    now = sample.cpu_stats
    if now is None:
        return 0.0
    before = sample.precpu_stats or ContainerCPUStats()
    total_now = now.cpu_usage.total_usage if now.cpu_usage else None
    total_before = before.cpu_usage.total_usage if before.cpu_usage else None
    cpu_delta = (total_now or 0) - (total_before or 0)
    system_delta = (now.system_cpu_usage or 0) - (before.system_cpu_usage or 0)
    online = now.online_cpus or len((now.cpu_usage.percpu_usage if now.cpu_usage else None) or [])
    if system_delta > 0 and cpu_delta > 0:
        return cpu_delta / system_delta * online * 100.0
    return 0.0


def memory_usage(stats: ContainerStatsResponse | Mapping[str, Any]) -> int:
    """Memory in use as the docker CLI shows it: usage minus the inactive page
    cache (cgroup v1 ``total_inactive_file``, v2 ``inactive_file``)."""
    memory = _stats(stats).memory_stats
    if memory is None or memory.usage is None:
        return 0
    counters = memory.stats or {}
    for key in ("total_inactive_file", "inactive_file"):  # v1 first, as the CLI
        cache = counters.get(key)
        if key in counters and cache is not None and cache < memory.usage:
            return memory.usage - cache
    return memory.usage


def memory_percent(stats: ContainerStatsResponse | Mapping[str, Any]) -> float:
    """``memory_usage`` as a percentage of the limit (0.0 without a limit)."""
    sample = _stats(stats)
    limit = sample.memory_stats.limit if sample.memory_stats else None
    return memory_usage(sample) / limit * 100.0 if limit else 0.0


# -- Container -------------------------------------------------------------------------


class Container:
    """A container, as docker-py's ``Container``.

    ``attrs`` is the inspect answer as a dict (docker-py's shape), ``inspect``
    the same as a typed model; both are fetched lazily for list results.
    """

    def __init__(
        self,
        collection: ContainerCollection,
        *,
        summary: ContainerSummary | None = None,
        inspect: ContainerInspectResponse | None = None,
        raw: bytes | None = None,
    ) -> None:
        if summary is None and inspect is None:
            raise ValueError("a Container needs a summary or an inspect answer")
        self.collection = collection
        self._summary = summary
        self._inspect = inspect
        # The inspect answer's JSON as received, for ``attrs``: the model keeps only
        # the current API's fields, an older daemon sends more (NetworkSettings.IPAddress).
        self._raw = raw

    @classmethod
    def inspected(cls, collection: ContainerCollection, raw: bytes) -> Container:
        """A container from the JSON bytes of an inspect answer."""
        return cls(
            collection, inspect=msgspec.json.decode(raw, type=ContainerInspectResponse), raw=raw
        )

    def _fetch(self) -> ContainerInspectResponse:
        self._raw = self.collection.api.inspect_bytes(self.id)
        self._inspect = msgspec.json.decode(self._raw, type=ContainerInspectResponse)
        return self._inspect

    # -- identity and state ----------------------------------------------------

    @property
    def id(self) -> str:
        """The full container ID."""
        if self._inspect is not None:
            return self._inspect.id or ""
        assert self._summary is not None
        return self._summary.id or ""

    @property
    def short_id(self) -> str:
        """The first 12 hex digits of the ID."""
        return self.id[:12]

    @property
    def name(self) -> str:
        """The name, without dockerd's leading slash."""
        if self._inspect is not None:
            return (self._inspect.name or "").lstrip("/")
        assert self._summary is not None
        names = self._summary.names or []
        # A linked container also lists "/other/alias"; its own name has one slash.
        own = [n for n in names if n.count("/") == 1] or names
        return own[0].lstrip("/") if own else ""

    @property
    def status(self) -> str:
        """``created``, ``running``, ``paused``, ``restarting``, ``exited``, ... (as
        of the last list or reload)."""
        if self._inspect is not None:
            state = self._inspect.state
            return (state.status if state else None) or "unknown"
        assert self._summary is not None
        return self._summary.state or "unknown"

    @property
    def labels(self) -> dict[str, str]:
        """The container's labels (from the list answer or the inspect data)."""
        if self._inspect is None and self._summary is not None:
            return dict(self._summary.labels or {})
        config = self.inspect.config
        return dict((config.labels if config else None) or {})

    @property
    def inspect(self) -> ContainerInspectResponse:
        """The inspect answer (fetched on first use for list results)."""
        if self._inspect is None:
            return self._fetch()
        return self._inspect

    @property
    def attrs(self) -> dict[str, Any]:
        """The inspect answer as a dict, exactly as the daemon sent it (docker-py's
        ``attrs``, with every field of the daemon's API version)."""
        model = self.inspect
        result: dict[str, Any] = (
            msgspec.to_builtins(model) if self._raw is None else msgspec.json.decode(self._raw)
        )
        return result

    @property
    def image(self) -> Image:
        """The container's image (one request)."""
        if self._inspect is None and self._summary is not None and self._summary.image_id:
            return self.collection.images.get(self._summary.image_id)
        return self.collection.images.get(self.inspect.image or "")

    @property
    def ports(self) -> dict[str, Any]:
        """``{"80/tcp": [{"HostIp": ..., "HostPort": ...}] or None}``."""
        settings = self.inspect.network_settings
        ports = settings.ports if settings else None
        result: dict[str, Any] = msgspec.to_builtins(ports) if ports else {}
        return result

    @property
    def health(self) -> str:
        """The healthcheck status, or ``unknown`` without a healthcheck."""
        state = self.inspect.state
        health = state.health if state else None
        return (health.status if health else None) or "unknown"

    def reload(self) -> None:
        """Fetch the current state (inspect)."""
        self._fetch()
        self._summary = None

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Start the container."""
        self.collection.api.start(self.id)

    def stop(self, timeout: int | None = None, signal: str | int | None = None) -> None:
        """Stop: its stop signal, then SIGKILL after ``timeout`` seconds."""
        self.collection.api.stop(self.id, timeout=timeout, signal=signal)

    def restart(self, timeout: int | None = None) -> None:
        """Stop (as :meth:`stop`), then start.

        ``timeout``: seconds to wait for the stop before killing; ``None`` (the
        default) is the container's own stop timeout (10 s unless ``stop_timeout``
        was set), where docker-py sends 10 whatever the container says.
        """
        self.collection.api.restart(self.id, timeout=timeout)

    def kill(self, signal: str | int | None = None) -> None:
        """Send ``signal`` (default SIGKILL)."""
        self.collection.api.kill(self.id, signal=signal)

    def pause(self) -> None:
        """Freeze the processes."""
        self.collection.api.pause(self.id)

    def unpause(self) -> None:
        """Thaw the processes."""
        self.collection.api.unpause(self.id)

    def remove(self, v: bool = False, link: bool = False, force: bool = False) -> None:
        """Delete the container (``v``: its anonymous volumes too; ``force``: kill first).

        ``link`` removes a legacy link by that name instead of the container.
        """
        self.collection.api.remove(self.id, force=force, volumes=v, link=link)

    def rename(self, name: str) -> None:
        """Give the container a new name."""
        self.collection.api.rename(self.id, name)

    def update(self, **resources: Any) -> ContainerUpdateResponse:
        """Change resources (``mem_limit``, ``cpus``, ``restart_policy``, ...)."""
        return self.collection.api.update(self.id, **resources)

    def wait(
        self,
        timeout: float | None = None,
        condition: Literal["not-running", "next-exit", "removed"] | None = None,
    ) -> dict[str, Any]:
        """Block until the container stops: ``{"StatusCode": n, "Error": None or
        {"Message": ...}}`` as docker-py.  ``timeout`` seconds, else ``ReadTimeout``.

        ``condition``: ``not-running`` (default), ``next-exit`` or ``removed``.
        """
        result = self.collection.api.wait(self.id, condition=condition, timeout=timeout)
        error = result.error
        return {
            "StatusCode": result.status_code,
            "Error": None if error is None else {"Message": error.message},
        }

    def commit(self, repository: str | None = None, tag: str | None = None, **kwargs: Any) -> Image:
        """A new image from the container (``message``, ``author``, ``changes``,
        ``pause``, ``conf``), as ``docker commit``.

        ``repository`` and ``tag`` name the new image; ``kwargs`` takes ``message``,
        ``author``, ``changes``, ``pause`` and ``conf``.
        """
        image_id = self.collection.api.commit(self.id, repository, tag, **kwargs)
        return self.collection.images.get(image_id)

    # -- output ---------------------------------------------------------------------

    def logs(
        self,
        stdout: bool = True,
        stderr: bool = True,
        stream: bool = False,
        timestamps: bool = False,
        tail: int | str = "all",
        since: PointInTime | None = None,
        follow: bool | None = None,
        until: PointInTime | None = None,
    ) -> bytes | Stream[bytes]:
        """The output: bytes, or with ``stream`` a closable iterator of chunks.

        :param follow: keep streaming until the container stops (default: ``stream``).
        :param since: datetime, unix timestamp or duration ago ("10m").
        :param tail: the last ``tail`` lines or ``"all"``.

        ``stdout``/``stderr`` choose the streams; ``timestamps`` prefixes each line
        with its RFC 3339 time; ``until`` as ``since``.
        """
        chunks = self.collection.api.logs(
            self.id, stdout=stdout, stderr=stderr, timestamps=timestamps, tail=tail,
            since=since, until=until, follow=stream if follow is None else follow,
            tty=self._tty_if_known(),
        )  # fmt: skip
        if stream:
            return chunks
        with chunks:
            return b"".join(chunks)

    def _tty_if_known(self) -> bool | None:
        if self._inspect is None or self._inspect.config is None:
            return None
        return bool(self._inspect.config.tty)

    def attach_socket(
        self, stdin: bool = True, stdout: bool = True, stderr: bool = True,
        logs: bool = False, stream: bool = True, detach_keys: str | None = None,
    ) -> HijackedConnection:  # fmt: skip
        """A hijacked connection to the container's streams (``write``, ``read``,
        ``frames``, ``close_stdin``).

        ``stdin``, ``stdout``, ``stderr`` choose the streams to attach; ``logs``
        replays earlier output first; ``stream`` keeps the streams open (else only
        ``logs``); ``detach_keys`` overrides the key sequence that detaches.
        """
        return self.collection.api.attach(
            self.id, stdin=stdin, stdout=stdout, stderr=stderr, logs=logs, stream=stream,
            detach_keys=detach_keys,
        )  # fmt: skip

    def attach(
        self, stdout: bool = True, stderr: bool = True, stream: bool = False,
        logs: bool = False, demux: bool = False,
    ) -> bytes | tuple[bytes | None, bytes | None] | Stream[bytes]:  # fmt: skip
        """The output over an attach: bytes once the streams close, or with
        ``stream`` an iterator of chunks; ``demux`` gives ``(stdout, stderr)``.

        ``stdout``/``stderr`` choose the streams; ``logs`` first replays what the
        container already wrote.
        """
        connection = self.collection.api.attach(
            self.id, stdout=stdout, stderr=stderr, logs=logs, stream=stream
        )
        tty = self._tty_if_known()
        frames = connection.frames(self._has_tty() if tty is None else tty)
        if stream and not demux:
            return Stream((payload for _, payload in frames), connection.close)
        with connection:
            if not demux:  # in arrival order, as the terminal would show it
                return b"".join(payload for _, payload in frames)
            out, err = demux_frames(frames)
        return (out if stdout else None, err if stderr else None)

    def _has_tty(self) -> bool:
        config = self.inspect.config
        return bool(config and config.tty)

    def resize(self, height: int, width: int) -> None:
        """Resize the TTY.

        ``height`` and ``width`` in characters.
        """
        self.collection.api.resize(self.id, height=height, width=width)

    def top(self, ps_args: str | None = None) -> ContainerTopResponse:
        """The running processes (``Titles`` and ``Processes``).

        ``ps_args``: the arguments of ``ps`` (default ``-ef``).
        """
        return self.collection.api.top(self.id, ps_args=ps_args)

    def diff(self) -> builtins.list[FilesystemChange]:
        """The filesystem changes since the container was created."""
        return self.collection.api.changes(self.id)

    def export(self, chunk_size: int = 65536) -> Stream[bytes]:
        """The filesystem as tar chunks.

        ``chunk_size``: the most bytes each chunk holds.
        """
        return self.collection.api.export(self.id, chunk_size)

    def get_archive(
        self, path: str, chunk_size: int = 65536, encode_stream: bool = False
    ) -> tuple[Stream[bytes], PathStat]:
        """A tar of ``path`` (chunks) and its stat.

        ``chunk_size``: the most bytes per chunk; ``encode_stream`` is accepted for
        docker-py compatibility (the tar is never re-encoded).
        """
        return self.collection.api.get_archive(self.id, path, chunk_size)

    def put_archive(self, path: str, data: bytes | IO[bytes] | Iterable[bytes]) -> bool:
        """Extract the tar ``data`` into the directory ``path``; True, as docker-py."""
        self.collection.api.put_archive(self.id, path, data)
        return True

    @overload
    def stats(
        self, stream: Literal[False] = False, decode: bool = True, one_shot: bool = False
    ) -> ContainerStatsResponse: ...
    @overload
    def stats(
        self, stream: Literal[True], decode: Literal[True] = True, one_shot: bool = False
    ) -> Stream[ContainerStatsResponse]: ...
    @overload
    def stats(
        self, stream: Literal[True], decode: Literal[False], one_shot: bool = False
    ) -> Stream[bytes]: ...
    @overload
    def stats(
        self, stream: bool = False, decode: bool = True, one_shot: bool = False
    ) -> ContainerStatsResponse | Stream[ContainerStatsResponse] | Stream[bytes]: ...
    def stats(
        self, stream: bool = False, decode: bool = True, one_shot: bool = False
    ) -> ContainerStatsResponse | Stream[ContainerStatsResponse] | Stream[bytes]:
        """One typed sample, or with ``stream`` a sample per second (typed, or
        raw JSON bytes when ``decode`` is false).  See ``cpu_percent`` and
        ``memory_usage`` for what ``docker stats`` shows.

        Differs from docker-py on purpose: docker-py's bare ``stats()`` is an
        endless stream of raw JSON bytes; here it is one sample (readable by
        wire name, ``s["memory_stats"]["usage"]``, as docker-py's
        ``stats(stream=False)`` dict).  Migrated ``stats(decode=True,
        stream=True)`` and ``stats(stream=False)`` read the same data.

        ``one_shot`` asks for a single sample without waiting for a second one to
        compute CPU usage.
        """
        if not stream:
            return self.collection.api.stats(self.id, one_shot=one_shot)
        if decode:
            return self.collection.api.stats_stream(self.id)
        return self.collection.api.stats_stream_raw(self.id)

    # -- exec ---------------------------------------------------------------------------

    def exec_run(
        self,
        cmd: str | builtins.list[str],
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str = "",
        detach: bool = False,
        stream: bool = False,
        socket: bool = False,
        environment: Mapping[str, Any] | builtins.list[str] | None = None,
        workdir: str | None = None,
        demux: bool = False,
    ) -> ExecResult:
        """Run ``cmd`` in the container, as docker-py's ``exec_run``.

        :returns: ``ExecResult(exit_code, output)``: output is bytes (or
            ``(stdout, stderr)`` with ``demux``); with ``stream`` an iterator and
            ``exit_code`` None; with ``socket`` the hijacked connection; with
            ``detach`` None.

        ``stdin`` keeps stdin open, ``tty`` allocates a terminal, ``privileged``
        runs with extended privileges, ``user`` as ``user[:group]``, ``environment``
        a mapping or ``KEY=value`` list, ``workdir`` the directory to run in.
        """
        exec_api = self.collection.exec_api
        exec_id = exec_api.create(
            self.id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty,
            privileged=privileged, user=user, environment=environment, workdir=workdir,
        )  # fmt: skip
        if detach:
            exec_api.start_detached(exec_id, tty=tty)
            return ExecResult(None, None)
        if socket:
            return ExecResult(None, exec_api.start_socket(exec_id, tty=tty))
        frames = exec_api.start_stream(exec_id, tty=tty)
        if stream:
            if demux:
                return ExecResult(None, Stream(_demux_each(frames), frames.close))
            return ExecResult(None, Stream((p for _, p in frames), frames.close))
        with frames:
            if demux:
                out, err = demux_frames(frames)
                output: ExecOutput = (out or None, err or None)
            else:  # in arrival order, as docker-py
                output = b"".join(payload for _, payload in frames)
        return ExecResult(exec_api.inspect(exec_id).exit_code, output)

    # -- comparisons --------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Container) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<Container: {self.short_id}>"


def _demux_each(
    frames: Iterable[tuple[int, bytes]],
) -> Iterator[tuple[bytes | None, bytes | None]]:
    for stream_id, payload in frames:
        if stream_id == STDERR:
            yield None, payload
        elif stream_id == STDOUT:
            yield payload, None


__all__ = [
    "Container",
    "ExecOutput",
    "ExecResult",
    "PathStat",
    "cpu_percent",
    "memory_percent",
    "memory_usage",
]
