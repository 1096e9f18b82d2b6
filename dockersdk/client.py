"""``DockerClient``: the entry point, one attribute per API area."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dockersdk.api.containers import ContainerCollection
from dockersdk.api.images import ImageCollection
from dockersdk.api.networks import NetworkCollection
from dockersdk.api.system import DiskUsage, DiskUsageType, PingInfo, SystemAPI
from dockersdk.api.volumes import VolumeCollection
from dockersdk.config import TLSConfig, resolve
from dockersdk.models import SystemInfo, SystemVersion
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
        # docker-py's ``client.events()``: the system area's own bound method, so
        # its overloads (typed events, or bytes with decode=False) are declared once.
        self.events = self.system.events
        self.login = self.system.login  # docker-py's client.login
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
