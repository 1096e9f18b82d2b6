"""A typed client for the Docker Engine API.

Everything an application needs is importable from here: the client, its
configuration, the errors, and the objects the collections return.  The wire
models (msgspec Structs generated from the API document) are in
:mod:`dockersdk.models`; typed request parameters in :mod:`dockersdk.params`.
"""

from dockersdk import models, params
from dockersdk.api.build import BuildError
from dockersdk.api.containers import ContainerCollection, RunOutput
from dockersdk.api.images import Image, ImageCollection
from dockersdk.api.networks import Network, NetworkCollection
from dockersdk.api.system import DiskUsage, PingInfo, PruneReport
from dockersdk.api.volumes import Volume, VolumeCollection
from dockersdk.auth import AuthConfig, CredentialHelperNotFound, CredentialsError
from dockersdk.client import SDK_VERSION, DockerClient, from_env
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

__version__ = SDK_VERSION

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
