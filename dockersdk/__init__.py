"""A typed client for the Docker Engine API."""

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
from dockersdk.models.containers import Container, ExecResult, PathStat
from dockersdk.transport import MAX_API_VERSION, MIN_API_VERSION, Timeout

__version__ = SDK_VERSION

__all__ = [
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "APIError",
    "BadRequest",
    "ConfigError",
    "Conflict",
    "Container",
    "ContainerError",
    "ContainerNotFound",
    "DaemonUnreachable",
    "DockerClient",
    "DockerError",
    "ExecResult",
    "Forbidden",
    "ImageNotFound",
    "NotFound",
    "NotImplementedByDaemon",
    "PathStat",
    "ReadTimeout",
    "ServerError",
    "ServiceUnavailable",
    "StreamError",
    "TLSConfig",
    "Timeout",
    "Unauthorized",
    "UnsupportedAPIVersion",
    "__version__",
    "from_env",
]
