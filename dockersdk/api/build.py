"""Building images: ``POST /build`` and ``POST /build/prune``.

:class:`BuildAPI` is the low level (``build_stream`` yields the typed
``BuildInfo`` messages as they come); :class:`BuildMixin` gives
``client.images.build(...)`` docker-py's shape: ``(Image, logs)`` where
``logs`` are the messages as dicts, or :class:`BuildError` with the log so
far when the daemon reports an error in the stream.
"""

from __future__ import annotations

import builtins
import io
import logging
import re
import tarfile
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, Protocol

import msgspec

from dockersdk import auth
from dockersdk.api import APIGroup
from dockersdk.auth import AuthConfig, CredentialsError, CredentialStore
from dockersdk.build_context import build_query, make_context
from dockersdk.errors import DockerError
from dockersdk.models import BuildInfo, BuildPruneResponse
from dockersdk.params.errors import InvalidArgument
from dockersdk.streams import Stream
from dockersdk.transport import version_tuple

if TYPE_CHECKING:
    from dockersdk.api.images import Image

_log = logging.getLogger(__name__)
_BUILT = re.compile(r"(^Successfully built |sha256:)([0-9a-f]+)$")


class BuildError(DockerError):
    """The build failed: ``reason`` is the daemon's message, ``build_log`` what came before."""

    def __init__(self, reason: str, build_log: builtins.list[dict[str, Any]]) -> None:
        super().__init__(reason)
        self.msg = reason
        self.reason = reason
        self.build_log = build_log


def _dockerfile_tar(dockerfile: bytes) -> bytes:
    """A context holding only a Dockerfile (docker-py's ``fileobj`` without ``custom_context``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(dockerfile)
        archive.addfile(member, io.BytesIO(dockerfile))
    return buffer.getvalue()


def _registry_config(
    auth_configs: Mapping[str, AuthConfig | Mapping[str, Any]] | None,
) -> dict[str, str]:
    """``X-Registry-Config``, or nothing when there are no credentials (as docker-py)."""
    if auth_configs is not None:
        found = {k: AuthConfig.of(v) for k, v in auth_configs.items()}
    else:
        try:
            found = CredentialStore().all()
        except CredentialsError as exc:
            # A broken helper should not stop a build that may need no credentials.
            _log.warning("build: registry credentials unavailable: %s", type(exc).__name__)
            return {}
    return auth.registry_config_header(found) if found else {}


class BuildAPI(APIGroup):
    """The build endpoints."""

    def build_stream(
        self,
        context: bytes,
        *,
        gzip: bool = False,
        auth_configs: Mapping[str, AuthConfig | Mapping[str, Any]] | None = None,
        **query: Any,
    ) -> Stream[BuildInfo]:
        """Send a context tar; the messages (``stream``, ``aux``, ``errorDetail``...) as they come.

        ``query`` takes :func:`dockersdk.build_context.build_query`'s arguments.
        ``auth_configs`` (registry → credentials) go in ``X-Registry-Config`` so a FROM
        can pull from a private registry; by default, every credential ``config.json``
        gives access to, as docker-py and the CLI send them.
        """
        grouped: dict[str, builtins.list[str]] = {}
        for name, value in build_query(**query):
            grouped.setdefault(name, []).append(value)
        headers = {"Content-Type": "application/x-tar", **_registry_config(auth_configs)}
        if gzip:
            headers["Content-Encoding"] = "gzip"
        return self._json_stream(
            "POST", "/build", BuildInfo, params=grouped, data=context, headers=headers,
            operation="ImageBuild",
        )  # fmt: skip

    def prune(
        self, *, all: bool = False, filters: Mapping[str, Any] | None = None,
        keep_storage: int | None = None,
    ) -> BuildPruneResponse:  # fmt: skip
        """``POST /build/prune``: ``keep_storage`` bytes of cache are kept (sent as
        ``keep-storage`` and, from API 1.48 where it was renamed, ``reserved-space``)."""
        params: dict[str, Any] = {"all": all or None, "filters": filters}
        if keep_storage is not None:
            params["keep-storage"] = keep_storage
            if version_tuple(self._transport.api_version)[:2] >= (1, 48):
                params["reserved-space"] = keep_storage
        return self._json(
            "POST", "/build/prune", BuildPruneResponse, params=params, operation="BuildPrune"
        )


class _Collection(Protocol):
    @property
    def api(self) -> Any: ...

    def get(self, name: str) -> Image: ...


def _context_of(
    path: str | None,
    fileobj: IO[bytes] | bytes | None,
    dockerfile: str | None,
    custom_context: bool,
    encoding: str | None,
) -> tuple[bytes, str | None, bool]:
    """(context bytes, dockerfile query value, gzip) from docker-py's arguments."""
    if fileobj is not None:
        data = fileobj if isinstance(fileobj, bytes) else fileobj.read()
        if custom_context:
            return data, dockerfile, encoding == "gzip"
        return _dockerfile_tar(data), None, False
    if path is None:
        raise InvalidArgument("Either path or fileobj needs to be provided.", argument="path")
    context = make_context(path, dockerfile or "Dockerfile", gzip=encoding == "gzip")
    return context.data, context.dockerfile, context.gzip


class BuildMixin:
    """``client.images.build``, ``build_stream`` and ``prune_builds``."""

    def prune_builds(
        self: _Collection, filters: Mapping[str, Any] | None = None,
        keep_storage: int | None = None, all: bool = False,
    ) -> BuildPruneResponse:  # fmt: skip
        """docker-py's ``images.prune_builds``: remove build cache (``all``: not only
        the dangling records); ``filters`` such as ``{"until": "24h"}``; ``keep_storage``
        bytes of cache are kept."""
        return BuildAPI(self.api._transport).prune(
            all=all, filters=filters, keep_storage=keep_storage
        )

    def build_stream(
        self: _Collection,
        *,
        path: str | None = None,
        fileobj: IO[bytes] | bytes | None = None,
        dockerfile: str | None = None,
        custom_context: bool = False,
        encoding: str | None = None,
        **query: Any,
    ) -> Stream[BuildInfo]:
        """Build from a directory (``path``) or a file; the typed messages as they come.

        ``path`` is the context directory (``.dockerignore`` applied); ``fileobj`` is a
        Dockerfile, or with ``custom_context`` a whole context tar (gzip when ``encoding``
        is ``"gzip"``); ``dockerfile`` names the Dockerfile inside the context; ``query``
        takes the other ``/build`` parameters (``t``, ``buildargs``, ``labels``, ``target``,
        ``nocache``, ``pull``, ``rm``, ``forcerm``, ``q``, ...).
        """
        data, dockerfile_name, gzip = _context_of(
            path, fileobj, dockerfile, custom_context, encoding
        )
        return BuildAPI(self.api._transport).build_stream(
            data, gzip=gzip, dockerfile=dockerfile_name, **query
        )

    def build(
        self: _Collection,
        *,
        path: str | None = None,
        fileobj: IO[bytes] | bytes | None = None,
        tag: str | Iterable[str] | None = None,
        dockerfile: str | None = None,
        custom_context: bool = False,
        encoding: str | None = None,
        buildargs: Mapping[str, str | None] | None = None,
        labels: Mapping[str, str] | None = None,
        target: str | None = None,
        nocache: bool = False,
        pull: bool = False,
        rm: bool = True,
        forcerm: bool = False,
        quiet: bool = False,
        extra_hosts: Mapping[str, str] | Iterable[str] | None = None,
        network_mode: str | None = None,
        platform: str | None = None,
        cache_from: Iterable[str] | None = None,
        **limits: Any,
    ) -> tuple[Image, builtins.list[dict[str, Any]]]:
        """docker-py's ``images.build``: the built image and every message as a dict.

        ``path``, ``fileobj``, ``custom_context``, ``encoding`` and ``dockerfile`` choose the
        context as in ``build_stream``; ``tag`` is one name or several; ``buildargs``,
        ``labels``, ``target``, ``nocache``, ``pull``, ``rm``, ``forcerm``, ``quiet``,
        ``extra_hosts``, ``network_mode``, ``platform`` and ``cache_from`` are the build's
        options as in ``docker build``.
        ``limits`` takes ``memory``, ``memswap``, ``shmsize``, ``cpushares``,
        ``cpusetcpus``, ``cpuperiod``, ``cpuquota`` (docker-py's ``container_limits``).
        Raises :class:`BuildError` when the daemon reports an error in the stream.
        """
        stream = BuildMixin.build_stream(
            self, path=path, fileobj=fileobj, dockerfile=dockerfile,
            custom_context=custom_context, encoding=encoding, tag=tag, buildargs=buildargs,
            labels=labels, target=target, nocache=nocache, pull=pull, rm=rm, forcerm=forcerm,
            quiet=quiet, extra_hosts=extra_hosts, network_mode=network_mode, platform=platform,
            cachefrom=cache_from, **limits,
        )  # fmt: skip
        log: builtins.list[dict[str, Any]] = []
        image_id: str | None = None
        with stream:
            for message in stream:
                log.append(msgspec.to_builtins(message))
                if message.error_detail is not None:
                    raise BuildError(message.error_detail.message or "", log)
                if message.aux is not None and message.aux.id:
                    image_id = message.aux.id
                elif message.stream:
                    match = _BUILT.search(message.stream.strip())
                    if match is not None and image_id is None:
                        image_id = match.group(2)
        if image_id is None:
            raise BuildError("Unknown", log)
        return self.get(image_id), log
