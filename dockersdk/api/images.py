"""Images: list, inspect, history, tag, remove, prune, pull.

Two levels, as in docker-py: :class:`ImagesAPI` maps each endpoint to a
method returning the typed wire models; :class:`ImageCollection`
(``client.images``) returns :class:`Image` objects with ``.id``, ``.tags``,
``.attrs``, ``.reload()``.  A 404 about an image raises ``ImageNotFound``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, Literal, overload

from dockersdk.api import APIGroup, Model
from dockersdk.api.build import BuildMixin
from dockersdk.api.image_transfer import ImageSaveMixin, ImageTransferMixin, registry_auth_header
from dockersdk.auth import AuthConfig
from dockersdk.errors import APIError, ImageNotFound, NotFound
from dockersdk.models import (
    CreateImageInfo,
    ImageDeleteResponseItem,
    ImageHistoryResponseItem,
    ImageInspect,
    ImagePruneResponse,
    ImageSearchResponseItem,
    ImageSummary,
)
from dockersdk.params.errors import InvalidArgument
from dockersdk.progress import ProgressDisplay, wants_display
from dockersdk.streams import Stream
from dockersdk.transport import Transport

_NAME = "/images/{name}"


def _as_image_error(exc: NotFound) -> ImageNotFound:
    if isinstance(exc, ImageNotFound):
        return exc
    return ImageNotFound(exc.status, exc.message, exc.operation, exc.response)


def split_repository(reference: str) -> tuple[str, str | None]:
    """``repo:tag`` → (``repo``, ``tag``); a registry port is not a tag, a digest is kept."""
    if "@" in reference:
        return reference, None
    repo, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, None
    return repo, tag


class ImagesAPI(APIGroup):
    """The image endpoints, one method each, returning the wire models."""

    def list(
        self,
        *,
        all: bool = False,
        filters: Mapping[str, Any] | None = None,
        shared_size: bool | None = None,
        digests: bool | None = None,
    ) -> builtins.list[ImageSummary]:
        params = {"all": all or None, "filters": filters, "shared-size": shared_size,
                  "digests": digests}  # fmt: skip
        return self._json(
            "GET", "/images/json", list[ImageSummary], params=params, operation="ImageList"
        )

    def inspect(self, name: str) -> ImageInspect:
        try:
            return self._json(
                "GET", _NAME + "/json", ImageInspect, path_params={"name": name},
                operation="ImageInspect",
            )  # fmt: skip
        except NotFound as exc:
            raise _as_image_error(exc) from None

    def history(self, name: str) -> builtins.list[ImageHistoryResponseItem]:
        try:
            return self._json(
                "GET", _NAME + "/history", builtins.list[ImageHistoryResponseItem],
                path_params={"name": name}, operation="ImageHistory",
            )  # fmt: skip
        except NotFound as exc:
            raise _as_image_error(exc) from None

    def tag(self, name: str, repository: str, tag: str | None = None) -> None:
        """Add ``repository[:tag]`` to an image (``tag`` defaults to ``latest`` on the daemon)."""
        try:
            self._transport.request(
                "POST", _NAME + "/tag", path_params={"name": name},
                params={"repo": repository, "tag": tag}, operation="ImageTag",
            ).close()  # fmt: skip
        except NotFound as exc:
            raise _as_image_error(exc) from None

    def remove(
        self, name: str, *, force: bool = False, noprune: bool = False
    ) -> builtins.list[ImageDeleteResponseItem]:
        try:
            return self._json(
                "DELETE", _NAME, builtins.list[ImageDeleteResponseItem], path_params={"name": name},
                params={"force": force or None, "noprune": noprune or None},
                operation="ImageDelete",
            )  # fmt: skip
        except NotFound as exc:
            raise _as_image_error(exc) from None

    def prune(self, filters: Mapping[str, Any] | None = None) -> ImagePruneResponse:
        return self._json(
            "POST", "/images/prune", ImagePruneResponse, params={"filters": filters},
            operation="ImagePrune",
        )  # fmt: skip

    def search(
        self, term: str, limit: int | None = None, filters: Mapping[str, Any] | None = None
    ) -> builtins.list[ImageSearchResponseItem]:
        return self._json(
            "GET", "/images/search", builtins.list[ImageSearchResponseItem],
            params={"term": term, "limit": limit, "filters": filters}, operation="ImageSearch",
        )  # fmt: skip

    def pull_stream(
        self, repository: str, tag: str | None = None, *, platform: str | None = None,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
    ) -> Stream[CreateImageInfo]:  # fmt: skip
        """``POST /images/create?fromImage=...``: the progress messages as they come.

        ``repository`` may carry the tag (``repo:tag``) when ``tag`` is ``None``;
        ``platform`` is ``os[/arch[/variant]]``; ``auth_config`` overrides the
        credentials ``config.json`` holds for the registry.  An error reported
        inside the stream arrives as a message with ``error_detail``;
        :meth:`pull` turns it into an ``APIError``.
        """
        if tag is None:
            repository, tag = split_repository(repository)
        params = {"fromImage": repository, "tag": tag, "platform": platform}
        try:
            return self._json_stream(
                "POST", "/images/create", CreateImageInfo, params=params, operation="ImageCreate",
                headers=registry_auth_header(repository, auth_config),
            )  # fmt: skip
        except NotFound as exc:
            raise _as_image_error(exc) from None

    def pull(
        self, repository: str, tag: str | None = None, *, platform: str | None = None,
        auth_config: AuthConfig | Mapping[str, Any] | None = None,
        progress: bool | None = False,
    ) -> builtins.list[CreateImageInfo]:  # fmt: skip
        """Pull and wait; every progress message, or ``APIError`` on an error in the stream.

        ``repository``, ``tag``, ``platform``, ``auth_config``: as :meth:`pull_stream`.
        ``progress`` shows the progress on stdout as the CLI does (``None``: when
        stdout is a terminal).
        """
        messages: builtins.list[CreateImageInfo] = []
        display = ProgressDisplay() if wants_display(progress) else None
        with self.pull_stream(
            repository, tag, platform=platform, auth_config=auth_config
        ) as stream:
            for message in stream if display is None else display.follow(stream):
                if message.error_detail is not None:
                    raise APIError(500, message.error_detail.message or "", "ImageCreate")
                messages.append(message)
        return messages


class Image(ImageSaveMixin, Model["ImageInspect", "ImageCollection"]):
    """An image, as docker-py's ``Image``: its inspect data in ``attrs``."""

    @property
    def id(self) -> str:
        """The image ID (``sha256:...``)."""
        return self.attrs.id or ""

    @property
    def short_id(self) -> str:
        """``sha256:`` and the first 12 hex digits, as docker-py 7 shows it."""
        algorithm, _, hex_part = self.id.partition(":")
        return f"{algorithm}:{hex_part[:12]}" if hex_part else self.id[:12]

    @property
    def tags(self) -> builtins.list[str]:
        """The image's ``repo:tag`` names (``<none>:<none>`` left out)."""
        return [t for t in self.attrs.repo_tags or [] if t != "<none>:<none>"]

    @property
    def labels(self) -> dict[str, str]:
        """The image's labels (from its config)."""
        config = self.attrs.config
        return dict(config.labels or {}) if config is not None else {}

    def reload(self) -> None:
        """Inspect the image again and refresh ``attrs``."""
        self.attrs = self.collection.api.inspect(self.id)

    def tag(self, repository: str, tag: str | None = None, force: bool = False) -> bool:
        """Add the name ``repository[:tag]`` (``tag`` defaults to ``latest``); ``True``
        on success.  ``force`` is docker-py's and is not sent: dockerd dropped it in
        API 1.24 and always moves an existing name."""
        del force  # see the docstring
        self.collection.api.tag(self.id, repository, tag)
        return True

    def remove(
        self, force: bool = False, noprune: bool = False
    ) -> builtins.list[ImageDeleteResponseItem]:
        """Remove this image (by ID: an image with several names needs ``force``);
        ``noprune`` keeps untagged parents.  What was untagged and deleted."""
        return self.collection.api.remove(self.id, force=force, noprune=noprune)

    def history(self) -> builtins.list[ImageHistoryResponseItem]:
        """The layers the image was built from, newest first."""
        return self.collection.api.history(self.id)

    def __repr__(self) -> str:
        return f"<Image: {', '.join(repr(t) for t in self.tags)}>"


class ImageCollection(ImageTransferMixin, BuildMixin):
    """``client.images``: docker-py's high-level image calls; ``.api`` is the low level."""

    def __init__(self, transport: Transport) -> None:
        self.api = ImagesAPI(transport)

    def get(self, name: str) -> Image:
        """The image called ``name`` (a name, ``name:tag``, ID or digest).  :raises
        ImageNotFound: no such image."""
        return Image(self.api.inspect(name), self)

    def list(
        self,
        name: str | None = None,
        all: bool = False,
        filters: Mapping[str, Any] | None = None,
    ) -> builtins.list[Image]:
        """Images, as ``docker images``: ``name`` keeps those matching a reference
        (``busybox``, ``busy*:latest``); ``all`` includes intermediate images;
        ``filters`` as ``docker images --filter``."""
        merged = dict(filters or {})
        if name:
            merged["reference"] = name
        return [self.get(s.id or "") for s in self.api.list(all=all, filters=merged or None)]

    @overload
    def pull(
        self, repository: str, tag: str | None = None, all_tags: Literal[False] = False, *,
        platform: str | None = None, auth_config: AuthConfig | Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> Image: ...  # fmt: skip

    @overload
    def pull(
        self, repository: str, tag: None = None, *, all_tags: Literal[True],
        platform: str | None = None, auth_config: AuthConfig | Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> builtins.list[Image]: ...  # fmt: skip

    def pull(
        self, repository: str, tag: str | None = None, all_tags: bool = False, *,
        platform: str | None = None, auth_config: AuthConfig | Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> Image | builtins.list[Image]:  # fmt: skip
        """Pull ``repository[:tag]`` (``latest`` when no tag is given) and return the image;
        with ``all_tags``, every tag of the repository and the list of its images (as
        docker-py and ``docker pull -a``).

        ``platform`` is ``os[/arch[/variant]]``; ``auth_config`` overrides the
        credentials from ``config.json``; ``progress`` shows the layers' progress
        on stdout (``True``/``False``; ``None``: only when stdout is a terminal).
        """
        if all_tags:
            if tag is not None or split_repository(repository)[1] is not None:
                raise InvalidArgument("all_tags pulls a repository: give no tag", argument="tag")
            self.api.pull(
                repository, None, platform=platform, auth_config=auth_config, progress=progress
            )
            return self.list(repository)
        if tag is None:
            repository, tag = split_repository(repository)
        tag = tag or "latest"
        self.api.pull(
            repository, tag, platform=platform, auth_config=auth_config, progress=progress
        )
        separator = "@" if tag.startswith("sha256:") else ":"
        return self.get(f"{repository}{separator}{tag}")

    def remove(self, image: str, force: bool = False, noprune: bool = False) -> None:
        """Remove the name or image ``image``; ``force`` removes it even when in use or
        with several tags; ``noprune`` keeps untagged parents."""
        self.api.remove(image, force=force, noprune=noprune)

    def prune(self, filters: Mapping[str, Any] | None = None) -> ImagePruneResponse:
        """Remove dangling images; ``filters``: ``dangling`` (``False``: every unused
        image), ``until``, ``label``."""
        return self.api.prune(filters)

    def search(
        self, term: str, limit: int | None = None, filters: Mapping[str, Any] | None = None
    ) -> builtins.list[ImageSearchResponseItem]:
        """``docker search``: repositories of the registry ``term`` names (Docker Hub
        when none), at most ``limit`` (1 to 100; the daemon's default 25);
        ``filters``: ``is-official``, ``is-automated`` (bools), ``stars`` (a minimum)."""
        return self.api.search(term, limit, filters)


__all__ = ["Image", "ImageCollection", "ImagesAPI"]
