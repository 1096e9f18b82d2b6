"""``DockerClient``: the entry point, one attribute per API area."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from dockersdk.api.containers import ContainerCollection
from dockersdk.api.images import ImageCollection
from dockersdk.api.networks import NetworkCollection
from dockersdk.api.system import DiskUsage, DiskUsageType, PingInfo, SystemAPI
from dockersdk.api.volumes import VolumeCollection
from dockersdk.config import DEFAULT_CONTEXT, TLSConfig, resolve
from dockersdk.models import SystemInfo, SystemVersion
from dockersdk.transport import Timeout, Transport

SDK_VERSION = "0.1.0"
DEFAULT_USER_AGENT = f"dockersdk/{SDK_VERSION}"
DEFAULT_MAX_POOL_SIZE = 10  # docker-py's default; connections kept per daemon


class DockerClient:
    """A client for one Docker daemon.

    With no ``base_url`` the daemon is found as the docker CLI finds it
    (DOCKER_HOST, DOCKER_CONTEXT, the current context, the default socket).
    With no ``version`` (nor DOCKER_API_VERSION) the API version is negotiated
    on first use.  ``timeout`` is seconds, or ``Timeout(connect=, read=)``.
    ``tls`` is a ``TLSConfig``, or docker-py's ``True`` (TLS with the default
    settings) / ``False``; ``max_pool_size`` the connections kept open.

    API areas are attributes holding the shared transport: ``client.system``
    here; resource areas (``containers``, ``images``, ...) are added the same
    way, one line each in ``__init__``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        tls: TLSConfig | bool | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        *,
        max_pool_size: int = DEFAULT_MAX_POOL_SIZE,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        tls_config = TLSConfig() if tls is True else tls or None
        config = resolve(base_url, version, tls_config, environment)
        self.endpoint = config.endpoint
        self.transport = Transport(
            config.endpoint, version=config.api_version, timeout=timeout, user_agent=user_agent,
            pool_size=max_pool_size,
        )  # fmt: skip
        self.system = SystemAPI(self.transport)
        # docker-py's ``client.events()``: the system area's own bound method, so
        # its overloads (typed events, or bytes with decode=False) are declared once.
        self.events = self.system.events
        self.login = self.system.login  # docker-py's client.login
        self.images = ImageCollection(self.transport)
        self.volumes = VolumeCollection(self.transport)
        self.containers = ContainerCollection(self.transport, self.images)
        # Networks list their containers as Container objects, as docker-py's do.
        self.networks = NetworkCollection(self.transport, self.containers)

    @classmethod
    def from_env(
        cls,
        *,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        user_agent: str = DEFAULT_USER_AGENT,
        max_pool_size: int = DEFAULT_MAX_POOL_SIZE,
        environment: Mapping[str, str] | None = None,
        use_context: bool = True,
    ) -> DockerClient:
        """A client configured from the environment and docker contexts only.

        ``use_context=False`` (docker-py's) ignores DOCKER_CONTEXT and the current
        context: without DOCKER_HOST the default socket is used.
        """
        env = dict(os.environ if environment is None else environment)
        if not use_context:
            env["DOCKER_CONTEXT"] = DEFAULT_CONTEXT
        return cls(version=version, timeout=timeout, user_agent=user_agent,
                   max_pool_size=max_pool_size, environment=env)  # fmt: skip

    @classmethod
    def from_context(
        cls,
        name: str | None = None,
        *,
        version: str | None = None,
        timeout: float | Timeout | None = 60,
        user_agent: str = DEFAULT_USER_AGENT,
        max_pool_size: int = DEFAULT_MAX_POOL_SIZE,
        environment: Mapping[str, str] | None = None,
    ) -> DockerClient:
        """A client for the docker CLI context ``name`` (``None``: the current one,
        from DOCKER_CONTEXT or config.json), whatever DOCKER_HOST says, as
        docker-py's ``from_context``."""
        env = dict(os.environ if environment is None else environment)
        env.pop("DOCKER_HOST", None)  # a context is asked for, not the override
        if name is not None:
            env["DOCKER_CONTEXT"] = name
        return cls(version=version, timeout=timeout, user_agent=user_agent,
                   max_pool_size=max_pool_size, environment=env)  # fmt: skip

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
    max_pool_size: int = DEFAULT_MAX_POOL_SIZE,
    environment: Mapping[str, str] | None = None,
    use_context: bool = True,
) -> DockerClient:
    """``DockerClient.from_env()``."""
    return DockerClient.from_env(
        version=version, timeout=timeout, user_agent=user_agent, max_pool_size=max_pool_size,
        environment=environment, use_context=use_context,
    )  # fmt: skip
