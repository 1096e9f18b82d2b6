"""``DockerClient``: the entry point, one attribute per API area."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, overload

from dockersdk.api.containers import ContainerCollection
from dockersdk.api.images import ImageCollection
from dockersdk.api.networks import NetworkCollection
from dockersdk.api.system import DiskUsage, DiskUsageType, EventType, PingInfo, SystemAPI
from dockersdk.api.volumes import VolumeCollection
from dockersdk.config import TLSConfig, resolve
from dockersdk.models import EventMessage, SystemInfo, SystemVersion
from dockersdk.params.durations import PointInTime
from dockersdk.streams import Stream
from dockersdk.transport import Timeout, Transport

SDK_VERSION = "0.1.0"
DEFAULT_USER_AGENT = f"dockersdk/{SDK_VERSION}"


class DockerClient:
    """A client for one Docker daemon.

    With no ``base_url`` the daemon is found as the docker CLI finds it
    (DOCKER_HOST, DOCKER_CONTEXT, the current context, the default socket).
    With no ``version`` (nor DOCKER_API_VERSION) the API version is negotiated
    on first use.  ``timeout`` is seconds, or ``Timeout(connect=, read=)``.

    API areas are attributes holding the shared transport: ``client.system``
    here; resource areas (``containers``, ``images``, ...) are added the same
    way, one line each in ``__init__``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        tls: TLSConfig | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        *,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        config = resolve(base_url, version, tls, environment)
        self.endpoint = config.endpoint
        self.transport = Transport(
            config.endpoint, version=config.api_version, timeout=timeout, user_agent=user_agent
        )
        self.system = SystemAPI(self.transport)
        self.images = ImageCollection(self.transport)
        self.volumes = VolumeCollection(self.transport)
        self.networks = NetworkCollection(self.transport)
        self.containers = ContainerCollection(self.transport, self.images)

    @classmethod
    def from_env(
        cls,
        *,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        user_agent: str = DEFAULT_USER_AGENT,
        environment: Mapping[str, str] | None = None,
    ) -> DockerClient:
        """A client configured from the environment and docker contexts only."""
        return cls(version=version, timeout=timeout, user_agent=user_agent, environment=environment)

    @property
    def api_version(self) -> str:
        """The API version in use (negotiating it if that has not happened yet)."""
        return self.transport.api_version

    # The system area is also reachable from the client, as in docker-py.
    def ping(self) -> bool:
        """Whether the daemon answers ``/_ping`` with OK (see ``system.ping``)."""
        return self.system.ping()

    def ping_info(self) -> PingInfo:
        """The daemon's ``/_ping`` headers (see ``system.ping_info``)."""
        return self.system.ping_info()

    def version(self) -> SystemVersion:
        """The daemon's versions (see ``system.version``)."""
        return self.system.version()

    def info(self) -> SystemInfo:
        """``docker info`` (see ``system.info``)."""
        return self.system.info()

    def df(self, type: DiskUsageType | Iterable[DiskUsageType] | None = None) -> DiskUsage:
        """Disk usage per kind; ``type`` restricts it (see ``system.df``)."""
        return self.system.df(type)

    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        decode: Literal[True] = ...,
        *,
        type: EventType | Iterable[EventType] | None = ...,
        action: str | Iterable[str] | None = ...,
    ) -> Stream[EventMessage]: ...
    @overload
    def events(
        self,
        since: PointInTime | None = ...,
        until: PointInTime | None = ...,
        filters: Mapping[str, Any] | None = ...,
        *,
        decode: Literal[False],
        type: EventType | Iterable[EventType] | None = ...,
        action: str | Iterable[str] | None = ...,
    ) -> Stream[bytes]: ...
    def events(
        self,
        since: PointInTime | None = None,
        until: PointInTime | None = None,
        filters: Mapping[str, Any] | None = None,
        decode: bool = True,
        *,
        type: EventType | Iterable[EventType] | None = None,
        action: str | Iterable[str] | None = None,
    ) -> Stream[EventMessage] | Stream[bytes]:
        """The daemon's events between ``since`` and ``until``, filtered by
        ``filters``, ``type`` and ``action``; raw JSON bytes with ``decode=False``
        (see ``system.events``)."""
        if decode:
            return self.system.events(since, until, filters, type=type, action=action)
        return self.system.events(since, until, filters, decode=False, type=type, action=action)

    def close(self) -> None:
        """Close the connection pool."""
        self.transport.close()

    def __enter__(self) -> DockerClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DockerClient({self.endpoint.host!r})"


def from_env(
    *,
    version: str | None = None,
    timeout: float | Timeout | None = 60,
    user_agent: str = DEFAULT_USER_AGENT,
    environment: Mapping[str, str] | None = None,
) -> DockerClient:
    """``DockerClient.from_env()``."""
    return DockerClient.from_env(
        version=version, timeout=timeout, user_agent=user_agent, environment=environment
    )
