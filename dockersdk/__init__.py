"""A typed client for the Docker Engine API.

Everything an application needs is importable from here: the client, its
configuration, the errors, and the objects the collections return.  The wire
models (msgspec Structs generated from the API document) are in
:mod:`dockersdk.models`; typed request parameters in :mod:`dockersdk.params`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockersdk import models, params
    from dockersdk.api.build import BuildError
    from dockersdk.api.containers import ContainerCollection, RunOutput
    from dockersdk.api.image_transfer import RegistryData
    from dockersdk.api.images import Image, ImageCollection
    from dockersdk.api.networks import Network, NetworkCollection
    from dockersdk.api.system import DiskUsage, Event, PingInfo, PruneReport
    from dockersdk.api.volumes import Volume, VolumeCollection
    from dockersdk.auth import AuthConfig, CredentialHelperNotFound, CredentialsError
    from dockersdk.client import SDK_VERSION as __version__
    from dockersdk.client import DockerClient, from_env
    from dockersdk.config import TLSConfig
    from dockersdk.errors import (
        APIError,
        BadRequest,
        ConfigError,
        Conflict,
        ContainerError,
        ContainerNotFound,
        DaemonUnreachable,
        DockerError,
        Forbidden,
        ImageNotFound,
        NotFound,
        NotImplementedByDaemon,
        ReadTimeout,
        ServerError,
        ServiceUnavailable,
        StreamError,
        Unauthorized,
        UnsupportedAPIVersion,
    )
    from dockersdk.models import EventMessage
    from dockersdk.models.containers import Container, ExecResult, PathStat
    from dockersdk.params.errors import InvalidArgument
    from dockersdk.progress import ProgressDisplay
    from dockersdk.streams import Stream
    from dockersdk.transport import MAX_API_VERSION, MIN_API_VERSION, Timeout

__all__ = [
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "APIError",
    "AuthConfig",
    "BadRequest",
    "BuildError",
    "ConfigError",
    "Conflict",
    "Container",
    "ContainerCollection",
    "ContainerError",
    "ContainerNotFound",
    "CredentialHelperNotFound",
    "CredentialsError",
    "DaemonUnreachable",
    "DiskUsage",
    "DockerClient",
    "DockerError",
    "Event",
    "EventMessage",
    "ExecResult",
    "Forbidden",
    "Image",
    "ImageCollection",
    "ImageNotFound",
    "InvalidArgument",
    "Network",
    "NetworkCollection",
    "NotFound",
    "NotImplementedByDaemon",
    "PathStat",
    "PingInfo",
    "ProgressDisplay",
    "PruneReport",
    "ReadTimeout",
    "RegistryData",
    "RunOutput",
    "ServerError",
    "ServiceUnavailable",
    "Stream",
    "StreamError",
    "TLSConfig",
    "Timeout",
    "Unauthorized",
    "UnsupportedAPIVersion",
    "Volume",
    "VolumeCollection",
    "__version__",
    "from_env",
    "models",
    "params",
]

# Where each public name lives: imported on first use (``import dockersdk.models``
# alone must not load requests and every API module).
_WHERE = {
    "BuildError": "dockersdk.api.build",
    "ContainerCollection": "dockersdk.api.containers",
    "RunOutput": "dockersdk.api.containers",
    "RegistryData": "dockersdk.api.image_transfer",
    "Image": "dockersdk.api.images",
    "ImageCollection": "dockersdk.api.images",
    "Network": "dockersdk.api.networks",
    "NetworkCollection": "dockersdk.api.networks",
    "DiskUsage": "dockersdk.api.system",
    "Event": "dockersdk.api.system",
    "PingInfo": "dockersdk.api.system",
    "PruneReport": "dockersdk.api.system",
    "Volume": "dockersdk.api.volumes",
    "VolumeCollection": "dockersdk.api.volumes",
    "AuthConfig": "dockersdk.auth",
    "CredentialHelperNotFound": "dockersdk.auth",
    "CredentialsError": "dockersdk.auth",
    "SDK_VERSION": "dockersdk.client",
    "DockerClient": "dockersdk.client",
    "from_env": "dockersdk.client",
    "TLSConfig": "dockersdk.config",
    "APIError": "dockersdk.errors",
    "BadRequest": "dockersdk.errors",
    "ConfigError": "dockersdk.errors",
    "Conflict": "dockersdk.errors",
    "ContainerError": "dockersdk.errors",
    "ContainerNotFound": "dockersdk.errors",
    "DaemonUnreachable": "dockersdk.errors",
    "DockerError": "dockersdk.errors",
    "Forbidden": "dockersdk.errors",
    "ImageNotFound": "dockersdk.errors",
    "NotFound": "dockersdk.errors",
    "NotImplementedByDaemon": "dockersdk.errors",
    "ReadTimeout": "dockersdk.errors",
    "ServerError": "dockersdk.errors",
    "ServiceUnavailable": "dockersdk.errors",
    "StreamError": "dockersdk.errors",
    "Unauthorized": "dockersdk.errors",
    "UnsupportedAPIVersion": "dockersdk.errors",
    "EventMessage": "dockersdk.models",
    "Container": "dockersdk.models.containers",
    "ExecResult": "dockersdk.models.containers",
    "PathStat": "dockersdk.models.containers",
    "InvalidArgument": "dockersdk.params.errors",
    "ProgressDisplay": "dockersdk.progress",
    "Stream": "dockersdk.streams",
    "MAX_API_VERSION": "dockersdk.transport",
    "MIN_API_VERSION": "dockersdk.transport",
    "Timeout": "dockersdk.transport",
    "__version__": "dockersdk.client",
}
_SUBMODULES = frozenset({"models", "params"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"dockersdk.{name}")
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dockersdk' has no attribute {name!r}")
    attribute = "SDK_VERSION" if name == "__version__" else name
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
