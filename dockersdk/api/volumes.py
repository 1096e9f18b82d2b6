"""Volumes: create, list, inspect, remove, prune.

Two levels, as in docker-py: :class:`VolumesAPI` maps each endpoint to a
method returning the typed wire models; :class:`VolumeCollection`
(``client.volumes``) returns :class:`Volume` objects with ``.name``, ``.attrs``,
``.remove()``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from dockersdk.api import APIGroup, Model
from dockersdk.models import Volume as VolumeModel
from dockersdk.models import VolumeListResponse, VolumePruneResponse
from dockersdk.transport import Transport

_NAME = "/volumes/{name}"


class VolumesAPI(APIGroup):
    """The volume endpoints, one method each, returning the wire models."""

    def create(
        self,
        name: str | None = None,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> VolumeModel:
        body: dict[str, Any] = {"Name": name or "", "Driver": driver or "local"}
        if driver_opts:
            body["DriverOpts"] = dict(driver_opts)
        if labels:
            body["Labels"] = dict(labels)
        return self._json(
            "POST", "/volumes/create", VolumeModel, json=body, operation="VolumeCreate"
        )

    def list(self, filters: Mapping[str, Any] | None = None) -> VolumeListResponse:
        return self._json(
            "GET", "/volumes", VolumeListResponse, params={"filters": filters},
            operation="VolumeList",
        )  # fmt: skip

    def inspect(self, name: str) -> VolumeModel:
        return self._json(
            "GET", _NAME, VolumeModel, path_params={"name": name}, operation="VolumeInspect"
        )

    def remove(self, name: str, *, force: bool = False) -> None:
        self._transport.request(
            "DELETE", _NAME, path_params={"name": name}, params={"force": force or None},
            operation="VolumeDelete",
        ).close()  # fmt: skip

    def prune(self, filters: Mapping[str, Any] | None = None) -> VolumePruneResponse:
        return self._json(
            "POST", "/volumes/prune", VolumePruneResponse, params={"filters": filters},
            operation="VolumePrune",
        )  # fmt: skip


class Volume(Model["VolumeModel", "VolumeCollection"]):
    """A volume, as docker-py's ``Volume``: its inspect data in ``attrs``."""

    @property
    def id(self) -> str:
        """A volume's ID is its name (as in docker-py)."""
        return self.attrs.name or ""

    @property
    def short_id(self) -> str:
        """The first 12 characters of the name (docker-py's ``short_id``)."""
        return self.id[:12]

    @property
    def name(self) -> str:
        """The volume's name."""
        return self.attrs.name or ""

    @property
    def labels(self) -> dict[str, str]:
        """The volume's labels."""
        return dict(self.attrs.labels or {})

    def reload(self) -> None:
        """Inspect the volume again and refresh ``attrs``."""
        self.attrs = self.collection.api.inspect(self.name)

    def remove(self, force: bool = False) -> None:
        """Remove the volume; ``force`` is dockerd's force flag (remove it even when its driver fails)."""
        self.collection.api.remove(self.name, force=force)

    def __repr__(self) -> str:
        return f"<Volume: {self.short_id}>"


class VolumeCollection:
    """``client.volumes``: docker-py's high-level volume calls; ``.api`` is the low level."""

    def __init__(self, transport: Transport) -> None:
        self.api = VolumesAPI(transport)

    def create(
        self,
        name: str | None = None,
        driver: str | None = None,
        driver_opts: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Volume:
        """Create a volume: ``name`` (generated when ``None``), ``driver`` (``local`` by
        default) with its ``driver_opts``, and ``labels``."""
        return Volume(self.api.create(name, driver, driver_opts, labels), self)

    def get(self, volume_id: str) -> Volume:
        """The volume called ``volume_id`` (a volume's ID is its name, as in docker-py)."""
        return Volume(self.api.inspect(volume_id), self)

    def list(self, filters: Mapping[str, Any] | None = None) -> builtins.list[Volume]:
        """Volumes; ``filters``: ``name``, ``label``, ``dangling``, ``driver``."""
        return [Volume(v, self) for v in self.api.list(filters).volumes or []]

    def prune(self, filters: Mapping[str, Any] | None = None) -> VolumePruneResponse:
        """Remove unused volumes; ``filters``: ``label`` and (API 1.42+) ``all`` to
        include named volumes."""
        return self.api.prune(filters)


__all__ = ["Volume", "VolumeCollection", "VolumesAPI"]
