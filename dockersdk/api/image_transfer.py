"""Moving images in and out of a daemon: save, load, import, push, registry auth.

:class:`ImageTransferAPI` maps the endpoints (``GET /images/get``,
``POST /images/load``, ``POST /images/create?fromSrc=``, ``POST
/images/{name}/push``, ``GET /distribution/{name}/json``); the mixins give
``client.images`` (``load``, ``import_image``, ``push``) and ``Image``
(``save``) docker-py's high-level calls.  Registry credentials come from the
caller (``auth_config``) or from ``config.json`` through :mod:`dockersdk.auth`,
and go out base64url-encoded in ``X-Registry-Auth``, as the docker CLI sends them.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from dockersdk import auth
from dockersdk.api import APIGroup, Model, response_stream
from dockersdk.auth import AuthConfig
from dockersdk.errors import APIError, ImageNotFound, NotFound
from dockersdk.models import DistributionInspect, OCIPlatform, PushImageInfo
from dockersdk.params.errors import InvalidArgument
from dockersdk.progress import ProgressDisplay, wants_display
from dockersdk.streams import Stream, iter_json
from dockersdk.transport import Timeout, iter_chunks

if TYPE_CHECKING:
    from dockersdk.api.images import Image

ImageSource = bytes | IO[bytes] | Iterable[bytes] | str | os.PathLike[str]
_Message = TypeVar("_Message")


# -- registry credentials: one implementation, in dockersdk.auth ---------------------------


def registry_auth_header(
    repository: str, auth_config: AuthConfig | Mapping[str, Any] | None = None
) -> dict[str, str]:
    """``X-Registry-Auth`` for a push or pull of ``repository``: ``auth_config``,
    else the credentials ``config.json`` holds for its registry."""
    return auth.registry_auth_header(auth.resolve_auth(repository, auth_config))


# -- the endpoints -----------------------------------------------------------------------------


def _body(source: ImageSource) -> bytes | IO[bytes] | Iterable[bytes]:
    """What requests sends: bytes, an open file, chunks; a path is opened."""
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    return source


def _raise_stream_error(message: Mapping[str, Any], operation: str) -> None:
    detail = message.get("errorDetail") or {}
    if detail or message.get("error"):
        raise APIError(500, str(detail.get("message") or message.get("error")), operation)


class ImageTransferAPI(APIGroup):
    """The image transfer endpoints, one method each."""

    def save(self, names: str | builtins.list[str], chunk_size: int = 65536) -> Stream[bytes]:
        """``GET /images/get?names=``: the ``docker save`` tar, as chunks."""
        names = [names] if isinstance(names, str) else names
        try:
            response = self._transport.request(
                "GET", "/images/get", params={"names": names}, stream=True, operation="ImageGetAll"
            )
        except NotFound as exc:
            raise ImageNotFound(exc.status, exc.message, exc.operation, exc.response) from None
        return response_stream(response, iter_chunks(response, chunk_size))

    def load(self, data: ImageSource, *, quiet: bool = True) -> builtins.list[dict[str, Any]]:
        """``POST /images/load``: every message; ``APIError`` for an error in the stream."""
        response = self._transport.request(
            "POST", "/images/load", params={"quiet": quiet}, data=_body(data),
            headers={"Content-Type": "application/x-tar"}, stream=True, operation="ImageLoad",
            timeout=Timeout(self._transport.timeout.connect, None),
        )  # fmt: skip
        with response_stream(response, iter_json(iter_chunks(response), dict[str, Any])) as stream:
            messages = list(stream)
        for message in messages:
            _raise_stream_error(message, "ImageLoad")
        return messages

    def import_image(
        self,
        source: ImageSource,
        repository: str | None = None,
        tag: str | None = None,
        *,
        changes: builtins.list[str] | None = None,
        message: str | None = None,
        platform: str | None = None,
    ) -> str:
        """``POST /images/create?fromSrc=-`` with a rootfs tar as the body; the new image ID."""
        params = {"fromSrc": "-", "repo": repository, "tag": tag, "changes": changes,
                  "message": message, "platform": platform}  # fmt: skip
        with self._json_stream(
            "POST", "/images/create", dict[str, Any], params=params, data=_body(source),
            headers={"Content-Type": "application/x-tar"}, operation="ImageCreate",
        ) as stream:  # fmt: skip
            messages = list(stream)
        image_id = ""
        for item in messages:
            _raise_stream_error(item, "ImageCreate")
            status = str(item.get("status") or "")
            if status.startswith("sha256:"):
                image_id = status
        return image_id

    def push_stream(
        self, repository: str, tag: str | None = None, *,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
    ) -> Stream[PushImageInfo]:  # fmt: skip
        """``POST /images/{name}/push``: the progress messages as they come."""
        return self._push(repository, tag, auth_config, PushImageInfo)

    def push_stream_raw(
        self, repository: str, tag: str | None = None, *,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
    ) -> Stream[bytes]:  # fmt: skip
        """Like :meth:`push_stream`, each message as its JSON bytes."""
        raw = self._push(repository, tag, auth_config, msgspec.Raw)
        return Stream((bytes(item) for item in raw), raw.close)

    def _push(
        self, repository: str, tag: str | None,
        auth_config: AuthConfig | Mapping[str, Any] | None, type_: type[_Message],
    ) -> Stream[_Message]:  # fmt: skip
        from dockersdk.api.images import split_repository

        if tag is None:
            repository, tag = split_repository(repository)
        try:
            return self._json_stream(
                "POST", "/images/{name}/push", type_, path_params={"name": repository},
                params={"tag": tag}, headers=registry_auth_header(repository, auth_config),
                operation="ImagePush",
            )  # fmt: skip
        except NotFound as exc:
            raise ImageNotFound(exc.status, exc.message, exc.operation, exc.response) from None

    def push(
        self, repository: str, tag: str | None = None, *,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
        progress: bool | None = False,
    ) -> builtins.list[PushImageInfo]:  # fmt: skip
        """Push and wait; ``APIError`` on an error in the stream.  ``progress``
        shows it on stdout as the CLI does (``None``: when stdout is a terminal)."""
        messages = []
        display = ProgressDisplay() if wants_display(progress) else None
        with self.push_stream(repository, tag, auth_config=auth_config) as stream:
            for item in stream if display is None else display.follow(stream):
                if item.error_detail is not None:
                    raise APIError(500, item.error_detail.message or "", "ImagePush")
                messages.append(item)
        return messages

    def distribution_inspect(
        self, name: str, *, auth_config: AuthConfig | Mapping[str, Any] | None = None
    ) -> DistributionInspect:
        """``GET /distribution/{name}/json``: the manifest descriptor and its platforms."""
        response = self._transport.request(
            "GET", "/distribution/{name}/json", path_params={"name": name},
            headers=registry_auth_header(name, auth_config), operation="DistributionInspect",
        )  # fmt: skip
        return msgspec.json.decode(response.content, type=DistributionInspect)


def loaded_names(messages: Iterable[Mapping[str, Any]]) -> builtins.list[str]:
    """The names ``Loaded image: x`` / ``Loaded image ID: sha256:...`` report."""
    names = []
    for message in messages:
        for line in str(message.get("stream") or "").splitlines():
            for prefix in ("Loaded image ID: ", "Loaded image: "):
                if line.startswith(prefix):
                    names.append(line[len(prefix) :].strip())
                    break
    return names


# -- high level: mixed into ImageCollection and Image ------------------------------------------


class _Collection(Protocol):
    @property
    def api(self) -> Any: ...

    def get(self, name: str) -> Image: ...

    def pull(self, repository: str, tag: str | None = None, *,
             platform: str | None = None) -> Image: ...  # fmt: skip


def _platform(platform: str | Mapping[str, str]) -> dict[str, str]:
    """``os[/arch[/variant]]`` or a dict of those keys, as OCI platform fields."""
    if isinstance(platform, Mapping):
        return {str(k): str(v) for k, v in platform.items()}
    parts = platform.split("/")
    if not platform or len(parts) > 3 or not all(parts):
        raise InvalidArgument(f'"{platform}" is not a valid platform descriptor',
                              argument="platform")  # fmt: skip
    return dict(zip(("os", "architecture", "variant"), parts, strict=False))


class RegistryData(Model["DistributionInspect", "_Collection"]):
    """docker-py's ``RegistryData``: an image's digest and platforms on its registry."""

    def __init__(self, image_name: str, attrs: DistributionInspect, collection: Any) -> None:
        super().__init__(attrs, collection)
        self.image_name = image_name

    @property
    def id(self) -> str:
        """The manifest digest (``sha256:...``)."""
        descriptor = self.attrs.descriptor
        return (descriptor.digest if descriptor else None) or ""

    @property
    def short_id(self) -> str:
        """``sha256:`` and the first 12 hex digits."""
        return self.id[:19]

    @property
    def platforms(self) -> builtins.list[OCIPlatform]:
        """The platforms the manifest is available for."""
        return list(self.attrs.platforms or [])

    def pull(self, platform: str | None = None) -> Image:
        """Pull exactly this digest (for ``platform``); the local image."""
        from dockersdk.api.images import split_repository

        repository, _ = split_repository(self.image_name)
        return self.collection.pull(repository, tag=self.id, platform=platform)

    def has_platform(self, platform: str | Mapping[str, str]) -> bool:
        """Whether the digest is available for ``platform`` (``os[/arch[/variant]]``
        or a dict); a missing os or architecture is the daemon's, as in docker-py.

        Unlike docker-py (whole-dict equality), the fields given must match and
        the others are free: ``linux/arm64`` matches an ``arm64`` ``v8`` entry."""
        wanted = _platform(platform)
        if "os" not in wanted or "architecture" not in wanted:
            from dockersdk.api.system import SystemAPI

            version = SystemAPI(self.collection.api._transport).version()
            wanted.setdefault("os", version.os or "")
            wanted.setdefault("architecture", version.arch or "")
        return any(
            all(entry.get(key) == value for key, value in wanted.items())
            for entry in self.platforms
        )

    def reload(self) -> None:
        """Ask the registry again."""
        self.attrs = ImageTransferAPI(self.collection.api._transport).distribution_inspect(
            self.image_name
        )

    def __repr__(self) -> str:
        return f"<RegistryData: {self.short_id}>"


class ImageTransferMixin:
    """``client.images.load``, ``import_image``, ``push`` (docker-py's shapes)."""

    def _transfer(self: _Collection) -> ImageTransferAPI:
        return ImageTransferAPI(self.api._transport)

    def load(self: _Collection, data: ImageSource) -> builtins.list[Image]:
        """Load a ``docker save`` / OCI archive; the images it held.

        ``data``: the archive as bytes, an open file, an iterable of chunks or a
        path.
        """
        messages = ImageTransferMixin._transfer(self).load(data)
        return [self.get(name) for name in loaded_names(messages)]

    def import_image(
        self: _Collection,
        source: ImageSource,
        repository: str | None = None,
        tag: str | None = None,
        *,
        changes: builtins.list[str] | None = None,
        message: str | None = None,
    ) -> Image:
        """``docker import``: a rootfs tar (bytes, file, chunks or a path) as a new image.

        ``source``: the tar; ``repository`` and ``tag`` name the image; ``changes``
        are Dockerfile instructions to apply (``CMD``, ``ENV``...); ``message`` the
        commit message.
        """
        image_id = ImageTransferMixin._transfer(self).import_image(
            source, repository, tag, changes=changes, message=message
        )
        return self.get(image_id)

    def push(
        self: _Collection, repository: str, tag: str | None = None, *, stream: bool = False,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
        decode: bool = True, progress: bool | None = False,
    ) -> Stream[PushImageInfo] | Stream[bytes] | builtins.list[PushImageInfo]:  # fmt: skip
        """``docker push``: the messages (a live ``Stream`` with ``stream=True``).

        ``repository`` may carry the tag when ``tag`` is ``None``; ``auth_config``
        overrides the credentials from ``config.json``; ``progress`` shows the
        progress on stdout when not streaming (``None``: when stdout is a terminal).

        Differences from docker-py, on purpose: messages are typed (readable by
        wire name, ``msg["status"]``) unless ``stream=True, decode=False``, which
        yields each message's JSON bytes (docker-py's default); without
        ``stream`` the result is the list of messages, not one string, and an
        error reported in the stream raises ``APIError``.
        """
        api = ImageTransferMixin._transfer(self)
        if stream:
            if not decode:
                return api.push_stream_raw(repository, tag, auth_config=auth_config)
            return api.push_stream(repository, tag, auth_config=auth_config)
        return api.push(repository, tag, auth_config=auth_config, progress=progress)

    def get_registry_data(
        self: _Collection, name: str, auth_config: AuthConfig | Mapping[str, Any] | None = None
    ) -> RegistryData:
        """What the registry holds for ``name`` (its digest and platforms), without
        pulling: the daemon asks the registry (``docker manifest inspect``-like).
        ``auth_config`` overrides the credentials from ``config.json``."""
        attrs = ImageTransferMixin._transfer(self).distribution_inspect(
            name, auth_config=auth_config
        )
        return RegistryData(name, attrs, self)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def collection(self) -> Any: ...


class ImageSaveMixin:
    """``image.save()``: the ``docker save`` tar of this image, as chunks."""

    def save(self: _HasId, chunk_size: int = 65536, named: bool | str = False) -> Iterator[bytes]:
        """The ``docker save`` tar of this image, in chunks of at most ``chunk_size``
        bytes.  ``named`` keeps a name in the archive: ``True`` for the first
        tag, or a given ``repo:tag``."""
        name = self.id
        if named:
            tags = list(getattr(self, "tags", []))
            name = named if isinstance(named, str) else (tags[0] if tags else self.id)
        return ImageTransferAPI(self.collection.api._transport).save([name], chunk_size)


__all__ = [
    "ImageSaveMixin",
    "ImageTransferAPI",
    "ImageTransferMixin",
    "RegistryData",
    "registry_auth_header",
]
