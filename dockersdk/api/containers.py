"""Containers: the 25 container endpoints, and docker-py's high-level calls.

Two levels, as for images: :class:`ContainersAPI` (``client.containers.api``)
maps each endpoint to a method returning the typed wire models or a closable
stream; :class:`ContainerCollection` (``client.containers``) is docker-py's
``run/create/get/list/prune`` returning :class:`~dockersdk.models.containers.Container`
objects.  A 404 about a container raises ``ContainerNotFound``.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, Literal, overload

import msgspec
import requests

from dockersdk.api import APIGroup, response_stream
from dockersdk.api.exec import ExecAPI
from dockersdk.api.images import ImageCollection, split_repository
from dockersdk.errors import ContainerError, ContainerNotFound, ImageNotFound, NotFound
from dockersdk.hijack import MULTIPLEXED_STREAM, RAW_STREAM, HijackedConnection, hijack
from dockersdk.models import (
    ContainerCreateResponse,
    ContainerInspectResponse,
    ContainerPruneResponse,
    ContainerStatsResponse,
    ContainerSummary,
    ContainerTopResponse,
    ContainerUpdateResponse,
    ContainerWaitResponse,
    FilesystemChange,
    IDResponse,
)
from dockersdk.models.containers import Container, PathStat
from dockersdk.params import UnexpectedArgument, build_create_body, to_timestamp
from dockersdk.params.durations import PointInTime
from dockersdk.params.host_config import build_host_config
from dockersdk.streams import (
    STDERR,
    STDOUT,
    Stream,
    iter_chunked_frames,
    iter_json,
    iter_output,
)
from dockersdk.transport import Timeout, Transport, chunked_body_reads, iter_chunks

_ID = "/containers/{id}"
PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"

# HostConfig keys that ``POST /containers/{id}/update`` takes, and the two it
# spells differently from HostConfig.
_UPDATE_KEYS = frozenset(
    {
        "BlkioDeviceReadBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteBps",
        "BlkioDeviceWriteIOps", "BlkioWeight", "BlkioWeightDevice", "CgroupParent",
        "CpuCount", "CpuPercent", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod",
        "CpuRealtimeRuntime", "CpuShares", "CpusetCpus", "CpusetMems", "DeviceCgroupRules",
        "DeviceRequests", "Devices", "Init", "Memory", "MemoryReservation", "MemorySwap",
        "MemorySwappiness", "NanoCpus", "OomKillDisable", "PidsLimit", "RestartPolicy", "Ulimits",
    }
)  # fmt: skip
_UPDATE_RENAMES = {
    "CPURealtimePeriod": "CpuRealtimePeriod",
    "CPURealtimeRuntime": "CpuRealtimeRuntime",
}


def _as_container_error(exc: NotFound) -> NotFound:
    """A 404 on a container path is about the container unless dockerd said otherwise."""
    if isinstance(exc, ContainerNotFound) or "no such" not in exc.message.lower():
        return exc
    return ContainerNotFound(exc.status, exc.message, exc.operation, exc.response)


def update_body(**kwargs: Any) -> dict[str, Any]:
    """``POST /containers/{id}/update`` body from docker-py-shaped resource
    arguments (``mem_limit="512m"``, ``cpus=1.5``, ``restart_policy=...``),
    converted by the same code as ``create``."""
    options = dict(kwargs)
    host_config = build_host_config(options)
    if options:
        names = ", ".join(f"'{key}'" for key in sorted(options))
        raise UnexpectedArgument(f"update() got unexpected keyword arguments {names}")
    body = {_UPDATE_RENAMES.get(key, key): value for key, value in host_config.items()}
    refused = sorted(set(body) - _UPDATE_KEYS)
    if refused:
        raise UnexpectedArgument(f"update() cannot change {', '.join(refused)}")
    return body


def decode_path_stat(header: str | None) -> PathStat:
    """The ``X-Docker-Container-Path-Stat`` header: base64 of a JSON object."""
    if not header:
        return PathStat(name="", size=0, mode=0, mtime="")
    return msgspec.json.decode(base64.b64decode(header), type=PathStat)


def _time(value: PointInTime | None, argument: str) -> str | None:
    return None if value is None else to_timestamp(value, argument=argument)


def _restarts(policy: Mapping[str, Any] | None) -> bool:
    """Whether a docker-py ``restart_policy`` asks for restarts."""
    return bool(policy and policy.get("Name", "no") not in ("", "no"))


def _tail(tail: int | str) -> str:
    return "all" if tail == "all" or (isinstance(tail, int) and tail < 0) else str(tail)


class ContainersAPI(APIGroup):
    """The container endpoints, one method each, returning the wire models."""

    def _call(
        self, method: str, suffix: str, container: str, operation: str, **kwargs: Any
    ) -> requests.Response:
        try:
            return self._transport.request(
                method, _ID + suffix, path_params={"id": container}, operation=operation, **kwargs
            )
        except NotFound as exc:
            raise _as_container_error(exc) from None

    def _decode(
        self, type_: Any, method: str, suffix: str, container: str, operation: str,
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        return msgspec.json.decode(
            self._call(method, suffix, container, operation, **kwargs).content, type=type_
        )

    def _read_timeout(self, extra: float | None) -> Timeout:
        """The client's timeouts, with ``extra`` seconds to read (``None``: no limit)."""
        base = self._transport.timeout
        if extra is None or base.read is None:
            return Timeout(base.connect, None)
        return Timeout(base.connect, base.read + max(extra, 0))

    # -- lifecycle ------------------------------------------------------------

    def create(
        self, body: Mapping[str, Any], *, name: str | None = None, platform: str | None = None
    ) -> ContainerCreateResponse:
        """``POST /containers/create`` with a ready body (see ``params.build_create_body``).

        :param body: the create body (``Image``, ``Cmd``, ``HostConfig``, ...).
        :param name: the container name (``/?[a-zA-Z0-9][a-zA-Z0-9_.-]+``).
        :param platform: ``os[/arch[/variant]]`` of the image to use.
        :raises ImageNotFound: the image is not present locally.
        """
        response = self._transport.request(
            "POST", "/containers/create", params={"name": name, "platform": platform},
            json=dict(body), operation="ContainerCreate",
        )  # fmt: skip
        return msgspec.json.decode(response.content, type=ContainerCreateResponse)

    def start(self, container: str, *, detach_keys: str | None = None) -> None:
        """Start a created or stopped container (a running one is left as is)."""
        self._call("POST", "/start", container, "ContainerStart",
                   params={"detachKeys": detach_keys}).close()  # fmt: skip

    def stop(
        self, container: str, *, timeout: int | None = None, signal: str | int | None = None
    ) -> None:
        """Stop: ``signal`` (default the container's StopSignal), then SIGKILL
        after ``timeout`` seconds (default its StopTimeout; -1 waits forever).
        ``signal`` needs API 1.42."""
        self._call(
            "POST",
            "/stop",
            container,
            "ContainerStop",
            params={"t": timeout, "signal": signal},
            timeout=self._read_timeout(None if timeout is not None and timeout < 0 else timeout),
        ).close()

    def restart(
        self, container: str, *, timeout: int | None = None, signal: str | int | None = None
    ) -> None:
        """Stop (as :meth:`stop`) then start again."""
        self._call(
            "POST", "/restart", container, "ContainerRestart",
            params={"t": timeout, "signal": signal},
            timeout=self._read_timeout(None if timeout is not None and timeout < 0 else timeout),
        ).close()  # fmt: skip

    def kill(self, container: str, *, signal: str | int | None = None) -> None:
        """Send ``signal`` (default SIGKILL) to the main process."""
        self._call("POST", "/kill", container, "ContainerKill", params={"signal": signal}).close()

    def pause(self, container: str) -> None:
        """Freeze every process of the container."""
        self._call("POST", "/pause", container, "ContainerPause").close()

    def unpause(self, container: str) -> None:
        """Thaw a paused container."""
        self._call("POST", "/unpause", container, "ContainerUnpause").close()

    def wait_begin(
        self,
        container: str,
        *,
        condition: Literal["not-running", "next-exit", "removed"] | None = None,
        timeout: float | None = None,
    ) -> Callable[[], ContainerWaitResponse]:
        """Send the wait request now, and return a function that reads its answer.

        dockerd answers the headers at once and the body at the exit, so the wait
        can be registered before ``start`` (as ``docker run`` does) and no exit
        is missed.  ``timeout``: seconds to wait for the exit (``None``: forever).
        """
        response = self._call(
            "POST", "/wait", container, "ContainerWait", params={"condition": condition},
            stream=True, timeout=self._read_timeout(timeout) if timeout is not None
            else Timeout(self._transport.timeout.connect, None),
        )  # fmt: skip

        def result() -> ContainerWaitResponse:
            try:
                return msgspec.json.decode(response.content, type=ContainerWaitResponse)
            finally:
                response.close()

        return result

    def wait(
        self,
        container: str,
        *,
        condition: Literal["not-running", "next-exit", "removed"] | None = None,
        timeout: float | None = None,
    ) -> ContainerWaitResponse:
        """Block until the container meets ``condition`` (default ``not-running``);
        its exit code and error.  ``timeout`` seconds, else ``ReadTimeout``."""
        return self.wait_begin(container, condition=condition, timeout=timeout)()

    def remove(
        self, container: str, *, force: bool = False, volumes: bool = False, link: bool = False
    ) -> None:
        """Delete the container; ``force`` kills it first, ``volumes`` removes its
        anonymous volumes, ``link`` removes a legacy link instead."""
        params = {"force": force or None, "v": volumes or None, "link": link or None}
        self._call("DELETE", "", container, "ContainerDelete", params=params).close()

    def rename(self, container: str, name: str) -> None:
        """Give the container a new name."""
        self._call("POST", "/rename", container, "ContainerRename", params={"name": name}).close()

    def update(self, container: str, **resources: Any) -> ContainerUpdateResponse:
        """Change resources of a container: the HostConfig arguments of ``create``
        (``mem_limit``/``memory``, ``memswap_limit``, ``cpus``, ``cpu_shares``,
        ``cpuset_cpus``, ``pids_limit``, ``blkio_weight``, ``restart_policy``, ...)."""
        result: ContainerUpdateResponse = self._decode(
            ContainerUpdateResponse, "POST", "/update", container, "ContainerUpdate",
            json=update_body(**resources),
        )  # fmt: skip
        return result

    def prune(self, filters: Mapping[str, Any] | None = None) -> ContainerPruneResponse:
        """Remove every stopped container (``filters``: ``until``, ``label``)."""
        response = self._transport.request(
            "POST", "/containers/prune", params={"filters": filters}, operation="ContainerPrune"
        )
        return msgspec.json.decode(response.content, type=ContainerPruneResponse)

    # -- reading --------------------------------------------------------------

    def inspect(self, container: str, *, size: bool = False) -> ContainerInspectResponse:
        """Everything about one container; ``size`` adds SizeRw/SizeRootFs."""
        return msgspec.json.decode(
            self.inspect_bytes(container, size=size), type=ContainerInspectResponse
        )

    def inspect_bytes(self, container: str, *, size: bool = False) -> bytes:
        """The inspect answer as the daemon sent it (JSON): with the fields of its
        own API version, also those the current API document dropped."""
        return self._call("GET", "/json", container, "ContainerInspect",
                          params={"size": size or None}).content  # fmt: skip

    def list(
        self,
        *,
        all: bool = False,
        limit: int | None = None,
        size: bool = False,
        filters: Mapping[str, Any] | None = None,
        since: str | None = None,
        before: str | None = None,
    ) -> builtins.list[ContainerSummary]:
        """``GET /containers/json``: running containers, or ``all``.

        :param limit: the ``limit`` most recently created (implies ``all``).
        :param filters: dockerd's filters, e.g. ``{"label": "k=v", "status": "exited"}``.
        :param since: only containers created after this ID or name (implies ``all``).
        :param before: only containers created before this ID or name (implies ``all``).
        """
        merged = dict(filters or {})
        # docker-py's since/before parameters are the filters of the same name.
        if since is not None:
            merged["since"] = since
        if before is not None:
            merged["before"] = before
        params = {
            "all": all or None,
            "limit": limit if limit is not None and limit > 0 else None,
            "size": size or None,
            "filters": merged or None,
        }
        response = self._transport.request(
            "GET", "/containers/json", params=params, operation="ContainerList"
        )
        return msgspec.json.decode(response.content, type=builtins.list[ContainerSummary])

    def top(self, container: str, *, ps_args: str | None = None) -> ContainerTopResponse:
        """The processes of a running container, as ``ps`` shows them."""
        result: ContainerTopResponse = self._decode(
            ContainerTopResponse, "GET", "/top", container, "ContainerTop",
            params={"ps_args": ps_args},
        )  # fmt: skip
        return result

    def changes(self, container: str) -> builtins.list[FilesystemChange]:
        """Paths changed in the container's filesystem (Kind 0 modified, 1 added, 2 deleted)."""
        result: builtins.list[FilesystemChange] | None = self._decode(
            builtins.list[FilesystemChange] | None, "GET", "/changes", container, "ContainerChanges"
        )
        return result or []

    # -- output ---------------------------------------------------------------

    def _output_stream(
        self, response: requests.Response, container: str, tty: bool | None
    ) -> Iterator[tuple[int, bytes]]:
        """Frames of an output stream: the Content-Type says raw or multiplexed
        from API 1.42; before, the container's ``Tty`` does (one inspect)."""
        if tty is None:
            content_type = response.headers.get("Content-Type", "")
            if content_type.startswith(MULTIPLEXED_STREAM):
                tty = False
            elif content_type.startswith(RAW_STREAM):
                tty = True
            else:
                config = self.inspect(container).config
                tty = bool(config is not None and config.tty)
        reads = None if tty else chunked_body_reads(response)
        if reads is not None:
            return iter_chunked_frames(reads)
        return iter_output(iter_chunks(response), tty=tty)

    @overload
    def logs(
        self, container: str, *, demux: Literal[False] = False, stdout: bool = True,
        stderr: bool = True, timestamps: bool = False, tail: int | str = "all",
        since: PointInTime | None = None, until: PointInTime | None = None,
        follow: bool = False, tty: bool | None = None,
    ) -> Stream[bytes]: ...  # fmt: skip
    @overload
    def logs(
        self, container: str, *, demux: Literal[True], stdout: bool = True,
        stderr: bool = True, timestamps: bool = False, tail: int | str = "all",
        since: PointInTime | None = None, until: PointInTime | None = None,
        follow: bool = False, tty: bool | None = None,
    ) -> Stream[tuple[int, bytes]]: ...  # fmt: skip
    def logs(
        self,
        container: str,
        *,
        demux: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        timestamps: bool = False,
        tail: int | str = "all",
        since: PointInTime | None = None,
        until: PointInTime | None = None,
        follow: bool = False,
        tty: bool | None = None,
    ) -> Stream[bytes] | Stream[tuple[int, bytes]]:
        """The container's output as a closable stream.

        :param demux: yield ``(stream_id, bytes)`` (1 stdout, 2 stderr) instead of bytes.
        :param tail: the last ``tail`` lines, or ``"all"``.
        :param since: datetime, unix timestamp, or a duration back from now ("10m").
        :param until: same forms as ``since``.
        :param follow: keep the stream open for new output until the container stops.
        :param tty: whether the container has a TTY (raw output); ``None`` finds out.
        """
        params = {
            "stdout": stdout, "stderr": stderr, "timestamps": timestamps or None,
            "tail": _tail(tail), "since": _time(since, "since"), "until": _time(until, "until"),
            "follow": follow or None,
        }  # fmt: skip
        response = self._call("GET", "/logs", container, "ContainerLogs", params=params,
                              stream=True)  # fmt: skip
        try:
            frames = self._output_stream(response, container, tty)
        except BaseException:
            response.close()
            raise
        if demux:
            return response_stream(response, frames)
        return response_stream(response, (payload for _, payload in frames))

    def attach(
        self,
        container: str,
        *,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        stream: bool = True,
        detach_keys: str | None = None,
    ) -> HijackedConnection:
        """Attach to the container's streams over a hijacked connection.

        :param stdin: send ``write()``s to the container's stdin (needs ``stdin_open``).
        :param logs: replay the output written so far first.
        :param stream: keep streaming new output (else only the replay).
        :param detach_keys: override the key sequence that detaches.
        """
        params = {
            "stdin": stdin, "stdout": stdout, "stderr": stderr, "logs": logs,
            "stream": stream, "detachKeys": detach_keys,
        }  # fmt: skip
        try:
            return hijack(
                self._transport, "POST", _ID + "/attach", path_params={"id": container},
                params=params, operation="ContainerAttach",
            )  # fmt: skip
        except NotFound as exc:
            raise _as_container_error(exc) from None

    def resize(self, container: str, *, height: int, width: int) -> None:
        """Resize the container's TTY."""
        self._call("POST", "/resize", container, "ContainerResize",
                   params={"h": height, "w": width}).close()  # fmt: skip

    # -- filesystem -----------------------------------------------------------

    def export(self, container: str, chunk_size: int = 65536) -> Stream[bytes]:
        """The container's whole filesystem as a tar stream (chunks)."""
        response = self._call("GET", "/export", container, "ContainerExport", stream=True)
        return response_stream(response, iter_chunks(response, chunk_size))

    def get_archive(
        self, container: str, path: str, chunk_size: int = 65536
    ) -> tuple[Stream[bytes], PathStat]:
        """A tar of ``path`` in the container (chunks), and what ``path`` is."""
        response = self._call("GET", "/archive", container, "ContainerArchive",
                              params={"path": path}, stream=True)  # fmt: skip
        stat = decode_path_stat(response.headers.get(PATH_STAT_HEADER))
        return response_stream(response, iter_chunks(response, chunk_size)), stat

    def archive_info(self, container: str, path: str) -> PathStat:
        """What ``path`` is in the container (``HEAD``: no tar is sent)."""
        try:
            response = self._transport.request(
                "HEAD", _ID + "/archive", path_params={"id": container}, params={"path": path},
                operation="ContainerArchiveInfo",
            )  # fmt: skip
        except NotFound as exc:
            # A HEAD answer has no body to say what was missing: ask about the container.
            self.inspect(container)
            raise NotFound(exc.status, f"Could not find the file {path} in container "
                           f"{container}", exc.operation, exc.response) from None  # fmt: skip
        return decode_path_stat(response.headers.get(PATH_STAT_HEADER))

    def put_archive(
        self,
        container: str,
        path: str,
        data: bytes | IO[bytes] | Iterable[bytes],
        *,
        no_overwrite_dir_non_dir: bool = False,
        copy_uidgid: bool = False,
    ) -> None:
        """Extract the tar ``data`` into the directory ``path`` of the container.

        :param data: the tar archive: bytes, a binary file, or an iterable of chunks.
        :param no_overwrite_dir_non_dir: refuse to replace a directory by a file and back.
        :param copy_uidgid: keep the archive's owners.
        """
        params = {
            "path": path,
            "noOverwriteDirNonDir": no_overwrite_dir_non_dir or None,
            "copyUIDGID": copy_uidgid or None,
        }
        self._call("PUT", "/archive", container, "PutContainerArchive", params=params, data=data,
                   headers={"Content-Type": "application/x-tar"}).close()  # fmt: skip

    # -- stats ----------------------------------------------------------------

    def stats(self, container: str, *, one_shot: bool = False) -> ContainerStatsResponse:
        """One stats sample.  dockerd fills ``precpu_stats`` by sampling twice
        (about a second); ``one_shot`` skips that (``precpu_stats`` empty)."""
        result: ContainerStatsResponse = self._decode(
            ContainerStatsResponse, "GET", "/stats", container, "ContainerStats",
            params={"stream": False, "one-shot": one_shot or None},
        )  # fmt: skip
        return result

    def stats_stream(self, container: str) -> Stream[ContainerStatsResponse]:
        """A sample per second until closed (or the container stops)."""
        response = self._call("GET", "/stats", container, "ContainerStats",
                              params={"stream": True}, stream=True)  # fmt: skip
        return response_stream(response, iter_json(iter_chunks(response), ContainerStatsResponse))

    def stats_stream_raw(self, container: str) -> Stream[bytes]:
        """Like :meth:`stats_stream`, each sample as its JSON bytes."""
        response = self._call("GET", "/stats", container, "ContainerStats",
                              params={"stream": True}, stream=True)  # fmt: skip
        return response_stream(
            response, (bytes(raw) for raw in iter_json(iter_chunks(response), msgspec.Raw))
        )

    # -- images -----------------------------------------------------------------

    def commit(
        self,
        container: str,
        repository: str | None = None,
        tag: str | None = None,
        *,
        message: str | None = None,
        author: str | None = None,
        changes: str | builtins.list[str] | None = None,
        pause: bool = True,
        conf: Mapping[str, Any] | None = None,
    ) -> str:
        """``POST /commit``: a new image from the container's changes; its ID."""
        params = {
            "container": container, "repo": repository, "tag": tag, "comment": message,
            "author": author, "changes": changes, "pause": pause,
        }  # fmt: skip
        try:
            response = self._transport.request(
                "POST", "/commit", params=params, json=dict(conf or {}), operation="ImageCommit"
            )
        except NotFound as exc:
            raise _as_container_error(exc) from None
        return msgspec.json.decode(response.content, type=IDResponse).id or ""


class RunOutput:
    """The output of a foreground ``run`` as it comes: an iterator of bytes
    that, at its end, waits for the exit, removes the container when asked,
    and raises ``ContainerError`` on a non-zero exit status."""

    def __init__(
        self,
        frames: Stream[tuple[int, bytes]],
        wanted: frozenset[int],
        finish: Callable[[bytes], None],
    ) -> None:
        self._frames = frames
        self._wanted = wanted
        self._finish = finish
        self._stderr = bytearray()
        self._items = self._generate()

    def _generate(self) -> Iterator[bytes]:
        with self._frames:
            for stream_id, payload in self._frames:
                if stream_id == STDERR:
                    self._stderr += payload
                if stream_id in self._wanted:
                    yield payload
        self._finish(bytes(self._stderr))

    def __iter__(self) -> RunOutput:
        return self

    def __next__(self) -> bytes:
        return next(self._items)

    def close(self) -> None:
        self._frames.close()


class ContainerCollection:
    """``client.containers``: docker-py's high-level calls; ``.api`` is the low
    level and ``.exec_api`` the exec endpoints."""

    def __init__(self, transport: Transport, images: ImageCollection) -> None:
        self.api = ContainersAPI(transport)
        self.exec_api = ExecAPI(transport)
        self.images = images

    def _create_id(self, image: str, command: str | builtins.list[str] | None,
                   pull: bool, **kwargs: Any) -> str:  # fmt: skip
        """Create the container (pulling a missing image when ``pull``); its ID."""
        body, query = build_create_body(image, command, **kwargs)
        try:
            created = self.api.create(body, **query)
        except ImageNotFound:
            if not pull:
                raise
            repository, tag = split_repository(image)
            self.images.pull(repository, tag, platform=query.get("platform"))
            created = self.api.create(body, **query)
        return created.id or ""

    def _create(self, image: str, command: str | builtins.list[str] | None,
                pull: bool, **kwargs: Any) -> Container:  # fmt: skip
        container_id = self._create_id(image, command, pull, **kwargs)
        return Container.inspected(self, self.api.inspect_bytes(container_id))

    def create(
        self, image: str, command: str | builtins.list[str] | None = None, **kwargs: Any
    ) -> Container:
        """Create a container (not started), as ``docker create``.

        :param image: the image reference.
        :param command: the command, a list or a string split like a shell.
        :param kwargs: docker-py's create arguments (``name``, ``environment``,
            ``ports``, ``volumes``, ``labels``, ``mem_limit``, ...).
        :raises ImageNotFound: the image is not present (``run`` pulls it).
        """
        return self._create(image, command, False, **kwargs)

    # stdout, stderr and remove are positional in docker-py's order.
    @overload
    def run(
        self, image: str, command: str | builtins.list[str] | None = None,
        stdout: bool = True, stderr: bool = False, remove: bool = False, *,
        detach: Literal[True], **kwargs: Any,
    ) -> Container: ...  # fmt: skip
    @overload
    def run(
        self, image: str, command: str | builtins.list[str] | None = None,
        stdout: bool = True, stderr: bool = False, remove: bool = False, *,
        detach: Literal[False] = False, stream: Literal[True], **kwargs: Any,
    ) -> RunOutput: ...  # fmt: skip
    @overload
    def run(
        self, image: str, command: str | builtins.list[str] | None = None,
        stdout: bool = True, stderr: bool = False, remove: bool = False, *,
        detach: Literal[False] = False, stream: Literal[False] = False, **kwargs: Any,
    ) -> bytes: ...  # fmt: skip
    def run(
        self,
        image: str,
        command: str | builtins.list[str] | None = None,
        stdout: bool = True,
        stderr: bool = False,
        remove: bool = False,
        *,
        detach: bool = False,
        stream: bool = False,
        **kwargs: Any,
    ) -> Container | bytes | RunOutput:
        """Run a container, as ``docker run``: create it (pulling the image when
        missing), start it, and with ``detach`` return the ``Container``;
        otherwise wait for it and return its output.

        :param stdout: include stdout in the returned output.
        :param stderr: include stderr in the returned output.
        :param stream: return an iterator of output chunks as they come
            (``RunOutput``; the exit is checked when it ends).
        :param remove: remove the container once it exited (even on error).
        :param kwargs: the arguments of :meth:`create`.
        :raises ContainerError: the container exited with a non-zero status;
            ``.stderr`` holds its stderr.

        ``command`` replaces the image's CMD (a string is split as a shell would).
        """
        if remove and (detach or not _restarts(kwargs.get("restart_policy"))):
            # The daemon removes the container (as `docker run --rm`): in the
            # foreground this saves a call, the wait below ends once it is gone.
            # A restart policy conflicts with AutoRemove: then we remove it.
            kwargs["auto_remove"] = True
            remove = False
        if detach:
            container = self._create(image, command, True, detach=detach, **kwargs)
            container.start()
            return container
        # In the foreground nothing needs an inspect: the ID comes from the
        # create answer and the TTY setting from the arguments.
        container_id = self._create_id(image, command, True, detach=detach, **kwargs)
        auto_remove = bool(kwargs.get("auto_remove"))
        tty = bool(kwargs.get("tty"))
        # As the docker CLI: register the wait and attach before starting, so
        # neither the exit nor early output is missed (nor lost to auto_remove).
        wait_result = self.api.wait_begin(
            container_id, condition="removed" if auto_remove else "next-exit"
        )
        connection = self.api.attach(container_id, stdout=True, stderr=True, stream=True)
        frames = Stream(connection.frames(tty), connection.close)
        try:
            self.api.start(container_id)
        except BaseException:
            frames.close()
            if remove or auto_remove:  # a container that never ran is not auto-removed
                with contextlib.suppress(NotFound):
                    self.api.remove(container_id, force=True)
            raise

        def finish(stderr_bytes: bytes) -> None:
            status = wait_result()
            if remove and not auto_remove:
                self.api.remove(container_id)
            exit_code = status.status_code or 0
            if exit_code != 0:
                raise ContainerError(container_id, exit_code, command, image,
                                     stderr_bytes or None)  # fmt: skip

        wanted = frozenset(s for s, on in ((STDOUT, stdout), (STDERR, stderr)) if on)
        output = RunOutput(frames, wanted, finish)
        if stream:
            return output
        return b"".join(output)

    def get(self, container_id: str) -> Container:
        """The container with this ID, ID prefix or name.

        :raises ContainerNotFound: no such container.

        ``container_id``: an ID, a unique ID prefix or a name.
        """
        return Container.inspected(self, self.api.inspect_bytes(container_id))

    def list(
        self,
        all: bool = False,
        before: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = -1,
        since: str | None = None,
        sparse: bool = False,
        ignore_removed: bool = False,
    ) -> builtins.list[Container]:
        """Containers, as ``docker ps``: built from the list answer alone
        (arguments in docker-py's order).

        Unlike docker-py nothing is inspected here: a ``Container`` inspects
        itself the first time a field the list does not carry is read
        (``attrs``, ``ports``, ...), so ``attrs`` is always the full inspect
        answer (docker-py's ``sparse=True`` gives the list entry instead).
        ``sparse`` and ``ignore_removed`` are accepted for docker-py
        compatibility; a container removed before its first lazy inspect raises
        ``ContainerNotFound`` then.

        ``all`` includes stopped containers; ``limit`` the newest ``limit`` (``-1``:
        no limit); ``filters`` as ``docker ps --filter`` (a value or a list per
        key); ``since``/``before`` a container ID or name.
        """
        summaries = self.api.list(all=all, limit=limit, filters=filters, since=since,
                                  before=before)  # fmt: skip
        return [Container(self, summary=summary) for summary in summaries]

    def prune(self, filters: Mapping[str, Any] | None = None) -> ContainerPruneResponse:
        """Remove stopped containers; what was deleted and the space reclaimed.

        ``filters``: ``until`` and ``label`` / ``label!``.
        """
        return self.api.prune(filters)


__all__ = [
    "ContainerCollection",
    "ContainersAPI",
    "RunOutput",
    "decode_path_stat",
    "update_body",
]
