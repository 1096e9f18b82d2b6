"""Containers: the store, lookup, and dockerd's lifecycle rules.

Public surface (stable; exec, attach, logs, stats and resize build on it):

* ``Container``: ``id``, ``name`` (with its ``/``), ``created_ns``, ``config``
  and ``host_config`` (API JSON dicts, as inspect echoes them), ``image_id``,
  ``state`` (``ContainerState``: status, pid, exit_code, error, started/
  finished times, oom_killed, restarting...), ``fs`` (the container's own
  copy-on-write ``ContainerFS`` over the image: what diff, export and commit
  see), ``rootfs`` (``mounts.MountTable``: ``fs`` with the volumes, binds and
  tmpfs in front, what processes see), ``mount_points``, ``ports`` (the
  published ports while running), ``logs`` (``LogStore``), ``process`` (the
  running ``runtime.ContainerProcess`` or ``None``), ``restart_count``,
  ``exec_ids``, ``running`` / ``paused`` properties, ``argv``, ``env``,
  ``short_id``, ``network`` (its first ``networks.Endpoint`` while running).
* ``ContainerStore`` (``engine.containers``):
  ``get(ref)`` (full ID, unique ID prefix, name with or without ``/``;
  ``NotFound("No such container: x")``), ``all()``, ``create``, ``start``,
  ``stop``, ``kill``, ``restart``, ``pause``, ``unpause``, ``wait``,
  ``delete``, ``rename``, ``update``, ``inspect``, ``list_containers`` (and
  ``list_containers_json``, the same encoded from cached entries), ``top``,
  ``changes``, ``export``, ``archive_*``, ``prune``, ``event(container,
  action, **attrs)``, ``allocate_host_pids(n)``, ``counts()`` (for /info).
* List entries are cached per container (``CachedSummary``): to change what a
  list shows, replace a container's ``argv``, ``config``, ``host_config``,
  ``mount_points`` or ``ports`` rather than mutating them in place (name,
  state, creation time, image ID and networks are checked at every list).
* Hooks: ``on_remove`` (callables run with the container being removed, and
  whether anonymous volumes go too).

Volumes, networks and published ports are the other areas' (``engine.volumes``
through ``mounts.ContainerMounts``, ``engine.networks``, ``ports.PortAllocator``);
this module calls them at create, start, stop and removal.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import operator
import os
import shlex
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from mockd import catalog
from mockd import filters as flt
from mockd.engine.clock import NANOS, ZERO_TIME, Clock, rfc3339_nano
from mockd.engine.container_config import (
    DEFAULT_SHM_SIZE,
    command_of,
    inspect_config,
    merge_config,
    normalize_host_config,
    process_environment,
    validate_host_config,
    validate_name,
    validate_resources,
    validate_restart_policy,
)
from mockd.engine.container_config import mount_points as parse_mount_points
from mockd.engine.dns import ContainerNetwork
from mockd.engine.exec import UserNotFound, resolve_user
from mockd.engine.health import (
    Health,
    HealthMonitor,
    health_status,
    health_suffix,
    validate_health_filter,
    validate_healthcheck,
)
from mockd.engine.ids import PrefixIndex, short_id
from mockd.engine.images import Image, ImageUser
from mockd.engine.init_layer import InitLayers
from mockd.engine.logs import LogStore
from mockd.engine.mounts import (
    ContainerMounts,
    Mount,
    MountPoint,
    MountTable,
    archive_view,
    merge_tree,
    staged_paths,
    within_mount,
)
from mockd.engine.networks import Endpoint, EndpointSettings, Network
from mockd.engine.platforms import Platform
from mockd.engine.ports import PortAllocator, PortInUse, PortMap, summary_ports
from mockd.engine.ps import PsProcess
from mockd.engine.ps import top as ps_top
from mockd.engine.resolv_conf import host_resolv_conf, resolv_conf
from mockd.engine.runtime import ContainerProcess, OutputHub
from mockd.engine.system import ContainerCounts
from mockd.errors import (
    Conflict,
    DaemonError,
    InvalidParameter,
    NotFound,
    NotModified,
    SystemError_,
)
from mockd.filter_time import until_ns as filter_until_ns
from mockd.fs import ContainerFS, MemoryFileSystem, extract_into, path_stat, path_stat_header
from mockd.fs.api import FileSystem
from mockd.fs.archive import tar_of_view
from mockd.fs.errors import TarSafetyError
from mockd.programs.api import CommandNotFound, ExecError, NoSuchFile, User
from mockd.programs.limits import container_limits
from mockd.programs.process import ProcessInfo
from mockd.programs.registry import ProgramRegistry, default_registry
from mockd.programs.signals import SIGKILL, SIGTERM, signal_number

if TYPE_CHECKING:
    from mockd.engine import Engine

Status = Literal["created", "running", "paused", "restarting", "removing", "exited", "dead"]

DEFAULT_STOP_TIMEOUT = 10
RESTART_BACKOFF_START = 0.1  # restartmanager: 100ms, doubling
RESTART_RESET_AFTER = 10.0  # ...back to the start after a run of 10s
FIRST_PID = 4100  # host PIDs handed to containers begin near a fresh host's
LIST_FILTERS = (
    "ancestor", "before", "exited", "expose", "health", "id", "isolation", "is-task",
    "label", "name", "network", "publish", "since", "status", "volume",
)  # fmt: skip
PRUNE_FILTERS = ("label", "label!", "until")
ETC_FILES = ("hostname", "hosts", "resolv.conf")  # what dockerd mounts over the image's /etc


# -- state -----------------------------------------------------------------


@dataclass
class ContainerState:
    status: Status = "created"
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    oom_killed: bool = False
    dead: bool = False
    started_at_ns: int = 0
    finished_at_ns: int = 0
    health: Health | None = None  # with a Healthcheck, once started (``engine.health``)

    def as_dict(self) -> dict[str, Any]:
        health = {"Health": self.health.as_dict()} if self.health is not None else {}
        return {
            "Status": self.status,
            "Running": self.status in ("running", "paused", "restarting"),
            "Paused": self.status == "paused",
            "Restarting": self.status == "restarting",
            "OOMKilled": self.oom_killed,
            "Dead": self.dead,
            "Pid": self.pid,
            "ExitCode": self.exit_code,
            "Error": self.error,
            "StartedAt": rfc3339_nano(self.started_at_ns) if self.started_at_ns else ZERO_TIME,
            "FinishedAt": rfc3339_nano(self.finished_at_ns) if self.finished_at_ns else ZERO_TIME,
        } | health  # last, as dockerd orders it


@dataclass(eq=False)
class Container:
    id: str
    name: str  # with its leading "/"
    created_ns: int
    config: dict[str, Any]
    host_config: dict[str, Any]
    image_id: str
    fs: ContainerFS
    argv: list[str]
    logs: LogStore = field(default_factory=LogStore)
    state: ContainerState = field(default_factory=ContainerState)
    process: ContainerProcess | None = None
    restart_count: int = 0
    exec_ids: list[str] = field(default_factory=list)
    sandbox_id: str = ""
    mount_points: list[MountPoint] = field(default_factory=list)
    rootfs: MountTable | None = None
    ports: PortMap = field(default_factory=dict)  # NetworkSettings.Ports while running
    network: Endpoint | None = None  # its first endpoint while running (NetworkMode's)
    # dockerd's /var/lib/docker/containers/<id>: hostname, hosts and resolv.conf,
    # bind-mounted over /etc, so they are not in the container's layer (nor its diff).
    config_dir: MemoryFileSystem = field(default_factory=MemoryFileSystem)
    # The terminal's size at start (HostConfig.ConsoleSize, honoured from API 1.42); None: default.
    console_size: tuple[int, int] | None = None
    # Internal bookkeeping of the lifecycle:
    stopping: bool = False  # a user stop/kill: restart policies stand down
    has_been_started: bool = False
    manually_stopped: bool = False  # for unless-stopped
    removed: bool = False
    _exit_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    _remove_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    _restart_task: asyncio.Task[None] | None = None
    # Its stdio across its whole life (attach before start, log replay): runtime's hub.
    output: OutputHub = field(init=False)
    # Its last ContainerList entry (ContainerStore.summary).
    summary_cache: CachedSummary | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.output = OutputHub(self.logs)

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def running(self) -> bool:
        return self.state.status in ("running", "paused")

    @property
    def paused(self) -> bool:
        return self.state.status == "paused"

    @property
    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for entry in self.config.get("Env") or []:
            key, _, value = str(entry).partition("=")
            out[key] = value
        return out

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.config.get("Labels") or {})

    @property
    def image_ref(self) -> str:
        return str(self.config.get("Image") or "")

    @property
    def hostname(self) -> str:
        return str(self.config.get("Hostname") or self.short_id)

    @property
    def view(self) -> FileSystem:
        """The filesystem processes see: the container's layer with its mounts."""
        return self.rootfs if self.rootfs is not None else self.fs

    @property
    def network_mode(self) -> str:
        return str(self.host_config.get("NetworkMode") or "default")


@dataclass(eq=False, slots=True)
class CachedSummary:
    """A container's last list entry and what it was built from.

    Lists of 10,000 containers made every entry anew at each call; the entry
    only changes when one of these does.  Objects the engine replaces rather
    than mutates (``argv``, ``config``, ``host_config``, ``mount_points``,
    ``ports``, the network store's cached settings) are compared by identity;
    ``Status`` reads the clock, so it is checked at every use.
    """

    api_version: tuple[int, int]
    name: str
    status: str
    created_ns: int
    image_id: str
    argv: list[str]
    config: dict[str, Any]
    host_config: dict[str, Any]
    mount_points: list[MountPoint]
    ports: PortMap
    networks: EndpointSettings
    entry: dict[str, Any]
    encoded: tuple[dict[str, Any], bytes] | None = None  # an entry and its JSON

    def fresh_for(
        self, c: Container, api_version: tuple[int, int], networks: EndpointSettings
    ) -> bool:
        return (
            self.networks is networks
            and self.ports is c.ports
            and self.status == c.state.status
            and self.name == c.name
            and self.api_version == api_version
            and self.created_ns == c.created_ns
            and self.image_id == c.image_id
            and self.argv is c.argv
            and self.config is c.config
            and self.host_config is c.host_config
            and self.mount_points is c.mount_points
        )


_created_ns = operator.attrgetter("created_ns")  # the list's sort key, faster than a lambda


def containers_of(engine: Engine) -> ContainerStore:
    """``engine.containers`` (the Engine builds it)."""
    return engine.containers


def human_duration(seconds: float) -> str:
    """go-units ``HumanDuration``: ``Less than a second``, ``5 seconds``, ``About a minute``..."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{hours // 24 // 365} years"


# The API version from which dockerd on Linux sizes the terminal from HostConfig.ConsoleSize.
CONSOLE_SIZE_API = (1, 42)


def _console_size(host: Mapping[str, Any], api_version: tuple[int, int]) -> tuple[int, int] | None:
    """HostConfig.ConsoleSize ([height, width]) when given and honoured; ``None``: the default.

    Before API 1.42 dockerd keeps the field (inspect shows it) but ignores it:
    the terminal starts at its default size until the client resizes it.
    """
    if api_version < CONSOLE_SIZE_API:
        return None
    size = host.get("ConsoleSize") or []
    return (int(size[0]), int(size[1])) if len(size) == 2 and all(size) else None


def _staged_across_mounts(table: MountTable, path: str, data: bytes) -> MemoryFileSystem | None:
    """An archive put at ``path`` that writes into a mount, unpacked on its own; ``None``
    when it only touches the container's layer (extracted there directly, atomically)."""
    dest = table.realpath(path)
    inside = any(within_mount(dest, m.destination) for m in table.mounts)
    under = [m.destination for m in table.mounts if within_mount(m.destination, dest)]
    if not inside and not under:
        return None
    staged = MemoryFileSystem()
    extract_into(staged, "/", io.BytesIO(data))  # the safety checks of any put
    base = dest.rstrip("/")
    if inside or any(
        within_mount(base + rel, point) for rel in staged_paths(staged) for point in under
    ):
        return staged
    return None


def _any_port(wanted: list[str], ports: set[str]) -> bool:
    """The ``publish``/``expose`` filters: ``80`` means ``80/tcp``; no values match all."""
    return not wanted or any((v if "/" in v else f"{v}/tcp") in ports for v in wanted)


def _start_error(err: ExecError) -> str:
    reason = err.reason
    if isinstance(err, NoSuchFile):
        reason = f"stat {err.name}: no such file or directory"
    return (
        "failed to create shim task: OCI runtime create failed: runc create failed: "
        f'unable to start container process: exec: "{err.name}": {reason}: unknown'
    )


def _inspect_host_config(host: dict[str, Any], api_version: tuple[int, int]) -> dict[str, Any]:
    """HostConfig as inspect shows it: from 1.42 the kernel memory limits are left out
    while unset (``KernelMemory`` is ignored from then on), from 1.52 ``KernelMemoryTCP``
    is gone."""
    if api_version < (1, 42):
        return host
    drop = [k for k in ("KernelMemory", "KernelMemoryTCP") if k in host and not host[k]]
    if api_version >= (1, 52) and "KernelMemoryTCP" in host:
        drop.append("KernelMemoryTCP")
    if not drop:
        return host
    return {k: v for k, v in host.items() if k not in drop}


class ContainerStore:
    """``engine.containers``: every container of the daemon."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock: Clock = engine.clock
        self._by_id: dict[str, Container] = {}
        self._names: dict[str, str] = {}  # "/name" -> id
        self._ids = PrefixIndex()  # the keys of _by_id, sorted, for ID prefixes
        self._next_pid = FIRST_PID
        self.on_remove: list[Callable[[Container, bool], None]] = []
        self._registry: ProgramRegistry | None = None
        self.images = engine.images
        self.images.in_use_by = self.users_of_image
        self.networks = engine.networks
        self.mounts = ContainerMounts(engine.volumes)
        self.init_layers = InitLayers(self.clock.now)
        self.ports = PortAllocator()
        self.health = HealthMonitor(engine)

    @property
    def registry(self) -> ProgramRegistry:
        """The programs containers run, made when first needed: importing the shell and
        the applets would add some 30-50 ms to a fresh daemon's start."""
        if self._registry is None:
            self._registry = default_registry()
            catalog.register_programs(self._registry)  # hello-world's /hello
        return self._registry

    @registry.setter
    def registry(self, registry: ProgramRegistry) -> None:
        self._registry = registry

    # -- lookup ------------------------------------------------------------

    def all(self) -> list[Container]:
        """Every container, newest first (as dockerd lists them)."""
        return sorted(self._by_id.values(), key=_created_ns, reverse=True)

    def get(self, ref: str) -> Container:
        """moby's ``GetContainer``: full ID, then name, then a unique ID prefix."""
        if not ref:
            raise NotFound("No such container: ")
        found = self._by_id.get(ref)
        if found is not None:
            return found
        cid = self._names.get(ref if ref.startswith("/") else "/" + ref)
        if cid is not None:
            return self._by_id[cid]
        hits = self._ids.matching(ref)
        if len(hits) > 1:
            raise SystemError_(f"Multiple IDs found with provided prefix: {ref}")
        if hits:
            return self._by_id[hits[0]]
        raise NotFound(f"No such container: {ref}")

    def counts(self) -> ContainerCounts:
        """For /info: all, running (restarting too, as dockerd), paused, and the rest."""
        every = list(self._by_id.values())
        running = sum(1 for c in every if c.state.status in ("running", "restarting"))
        paused = sum(1 for c in every if c.paused)
        return ContainerCounts(len(every), running, paused, len(every) - running - paused)

    def users_of_image(self, image_id: str) -> list[ImageUser]:
        return [ImageUser(c.id, c.running) for c in self.all() if c.image_id == image_id]

    # -- events ------------------------------------------------------------

    def event(self, container: Container, action: str, **extra: str) -> None:
        """Publish a container event with dockerd's attributes (labels, image, name, extras)."""
        attrs = dict(container.labels)
        attrs["image"] = container.image_ref
        attrs["name"] = container.name.lstrip("/")
        attrs.update(extra)
        self.engine.events.publish("container", action, container.id, attrs)

    # -- create ------------------------------------------------------------

    def _own_api_version(self) -> tuple[int, int]:
        major, _, minor = self.engine.api_version.partition(".")
        return int(major), int(minor)

    def _ncpu(self) -> int:
        host = getattr(self.engine.system, "host", None)
        return int(getattr(host, "ncpu", 0) or 1)

    def create(
        self,
        body: Mapping[str, Any],
        name: str = "",
        *,
        api_version: tuple[int, int] | None = None,
        platform: Platform | None = None,
    ) -> tuple[Container, list[str]]:
        """ContainerCreate: returns the container and dockerd's Warnings; with
        ``platform``, the image must be of it (dockerd's 404 otherwise).

        ``api_version`` is the request's (``None``: the daemon's own): some
        fields mean something only from a version on (``ConsoleSize``).
        """
        user_config = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
        image_ref = str(user_config.get("Image") or "")
        if not image_ref:
            raise InvalidParameter("Config cannot be empty in order to create a container")
        stored_name = validate_name(name) if name else ""
        validate_healthcheck(user_config)
        host = normalize_host_config(body.get("HostConfig"))
        validate_host_config(host, self._ncpu())
        image = self.images.get(image_ref)
        if platform is not None:
            _check_platform(image, image_ref, platform)
        config = merge_config(user_config, dict(image.container_config))
        argv = command_of(config)
        if stored_name and stored_name in self._names:
            raise Conflict(
                f'Conflict. The container name "{stored_name}" is already in use by container '
                f'"{self._names[stored_name]}". You have to remove (or rename) that container '
                "to be able to reuse that name."
            )
        networks = self._requested_networks(host, body.get("NetworkingConfig"))
        points = parse_mount_points(config, host, self._mount_points_of)
        warnings: list[str] = []
        if host.get("NetworkMode") == "host" and host.get("PortBindings"):
            warnings.append("Published ports are discarded when using host network mode")
        if host.get("OomKillDisable") and not host.get("Memory"):
            warnings.append(
                "OOM killer is disabled for the container, but no memory limit is set, "
                "this can result in the system running out of resources."
            )
        cid = self.engine.ids.new_id()
        if not stored_name:
            stored_name = self._generate_name()
        if not config.get("Hostname"):
            # A container on the host's network takes the host's name (dockerd, at create).
            host_network = host.get("NetworkMode") == "host"
            config["Hostname"] = socket.gethostname() if host_network else short_id(cid)
        image_view = image.rootfs_view()
        container = Container(
            id=cid,
            name=stored_name,
            created_ns=self.clock.now_ns(),
            config=config,
            host_config=host,
            image_id=image.id,
            fs=ContainerFS(self.init_layers.lower_view(image), clock=self.clock.now),
            argv=argv,
            mount_points=points,
            console_size=_console_size(host, api_version or self._own_api_version()),
        )
        container.rootfs = self.mounts.prepare(cid, points, image_view, container.fs)
        read_only = bool(host.get("ReadonlyRootfs"))
        for name in ETC_FILES:  # read-only with the rootfs, as dockerd mounts them
            etc_file = Mount(
                f"/etc/{name}", container.config_dir, source=f"/{name}",
                read_only=read_only, kind="etc", rank=1,
            )  # fmt: skip
            container.rootfs.add(etc_file)
        container.rootfs.root_read_only = read_only
        # What runc mounts besides: df and mount list them (mockd.engine.mount_info).
        container.rootfs.shm_size = int(host.get("ShmSize") or DEFAULT_SHM_SIZE)
        container.rootfs.masked_paths = [str(p) for p in host.get("MaskedPaths") or []]
        container.rootfs.readonly_paths = [str(p) for p in host.get("ReadonlyPaths") or []]
        try:
            for network, settings in networks:
                ipam = settings.get("IPAMConfig") or {}
                self.networks.connect(
                    network, cid, stored_name.lstrip("/"), aliases=settings.get("Aliases") or (),
                    ipv4=str(ipam.get("IPv4Address") or ""), links=settings.get("Links") or (),
                    driver_opts=settings.get("DriverOpts"), running=False,
                )  # fmt: skip
        except Exception:  # a bad endpoint config: nothing of this container stays behind
            self.networks.forget(cid)
            self.mounts.release(cid, points, remove_anonymous=True)
            raise
        self._by_id[cid] = container
        self._ids.add(cid)
        self._names[stored_name] = cid
        self.event(container, "create")
        return container, warnings

    def _requested_networks(
        self, host: Mapping[str, Any], networking: Mapping[str, Any] | None
    ) -> list[tuple[Network, dict[str, Any]]]:
        """The networks a new container joins: its NetworkMode's, then EndpointsConfig's."""
        mode = str(host.get("NetworkMode") or "default")
        if mode.startswith("container:"):
            return []  # it shares another container's stack and has no endpoints of its own
        endpoints = dict((networking or {}).get("EndpointsConfig") or {})
        primary = self.networks.get("bridge" if mode == "default" else mode)
        out = [
            (primary, dict(endpoints.pop(mode, None) or endpoints.pop(primary.name, None) or {}))
        ]
        for ref, settings in endpoints.items():
            network = self.networks.get(ref)
            if network.id != primary.id:
                out.append((network, dict(settings or {})))
        return out

    def _mount_points_of(self, ref: str) -> list[MountPoint]:
        """For VolumesFrom: another container's volumes and binds."""
        return [p for p in self.get(ref).mount_points if p.type in ("volume", "bind")]

    def _generate_name(self) -> str:
        for retry in range(6):
            candidate = "/" + self.engine.ids.random_name(retry)
            if candidate not in self._names:
                return candidate
        return "/" + self.engine.ids.new_id()[:12]

    # -- start and exit ----------------------------------------------------------

    def allocate_host_pids(self, count: int = 1) -> int:
        """Reserve ``count`` consecutive host PIDs; returns the first."""
        first = self._next_pid
        self._next_pid += count
        return first

    def _attach_network(self, c: Container) -> None:
        """At start: endpoints on the container's networks, then its published ports."""
        if c.network_mode.startswith("container:"):
            self._network_owner(c.network_mode.partition(":")[2])
        endpoints = self.networks.activate(c.id, c.name.lstrip("/"))
        c.network = endpoints[0] if endpoints else None
        if not c.sandbox_id:
            c.sandbox_id = self.engine.ids.new_id()
        if c.network_mode in ("host", "none") or c.network_mode.startswith("container:"):
            return  # no ports of its own: dockerd discards them (a warning at create)
        try:
            c.ports = self.ports.publish(
                c.id, c.host_config.get("PortBindings"), c.config.get("ExposedPorts"),
                publish_all=bool(c.host_config.get("PublishAllPorts")),
            )  # fmt: skip
        except PortInUse as err:
            self.networks.deactivate(c.id)
            c.network = None
            endpoint = endpoints[0].endpoint_id if endpoints else ""
            raise SystemError_(
                "driver failed programming external connectivity on endpoint "
                f"{c.name.lstrip('/')} ({endpoint}): {err.reason}"
            ) from None

    def _network_owner(self, ref: str) -> Container:
        """The container whose network stack ``container:<ref>`` joins: it must exist
        and run (dockerd's 404 and 409, recorded in the joiner's state as errors)."""
        owner = self.get(ref)
        if not owner.running:
            raise Conflict(f"cannot join network of a non running container: {owner.id}")
        return owner

    def _release_network(self, c: Container) -> None:
        self.ports.release(c.id)
        c.ports = {}
        c.network = None
        self.networks.deactivate(c.id)

    def _primary_address(self, c: Container) -> str:
        for settings in self.networks.endpoint_settings(c.id).values():
            if settings["IPAddress"]:
                return str(settings["IPAddress"])
        return ""

    def _host_gateway(self) -> str:
        """What ``host-gateway`` in ExtraHosts stands for: the default bridge's gateway."""
        config = self.networks.get("bridge").ipam_config
        return str(config[0].get("Gateway") or "") if config else ""

    def _write_etc_files(self, c: Container) -> None:
        files = c.config_dir
        lines = [
            "127.0.0.1\tlocalhost",
            "::1\tlocalhost ip6-localhost ip6-loopback",
            "fe00::0\tip6-localnet",
            "ff00::0\tip6-mcastprefix",
            "ff02::1\tip6-allnodes",
            "ff02::2\tip6-allrouters",
        ]
        for entry in c.host_config.get("ExtraHosts") or []:  # "name:ip", as dockerd splits it
            name, sep, ip = str(entry).partition(":")
            if sep:
                lines.append(f"{self._host_gateway() if ip == 'host-gateway' else ip}\t{name}")
        address = self._primary_address(c)
        if address:
            lines.append(f"{address}\t{c.hostname}")
        resolv = resolv_conf(
            host_resolv_conf(),
            network_mode=c.network_mode,
            dns=c.host_config.get("Dns") or (),
            dns_search=c.host_config.get("DnsSearch") or (),
            dns_options=c.host_config.get("DnsOptions") or (),
        )
        files.write_file("/hostname", (c.hostname + "\n").encode())
        files.write_file("/hosts", ("\n".join(lines) + "\n").encode())
        files.write_file("/resolv.conf", resolv.encode())

    def _user(self, c: Container) -> User:
        """``Config.User`` looked up in the container's /etc/passwd and /etc/group, as
        runc does at start; an unknown name is dockerd's start error."""
        try:
            return resolve_user(
                c.view.read_file,
                str(c.config.get("User") or ""),
                c.host_config.get("GroupAdd") or (),
            )
        except UserNotFound as err:
            raise SystemError_(str(err)) from None

    def start(self, ref: str) -> None:
        """ContainerStart: 304 when running; dockerd's 400 when the command cannot run."""
        c = self.get(ref)
        if c.running:
            raise NotModified("container already started")
        if c.state.status == "restarting" and c._restart_task is not None:
            c._restart_task.cancel()
            c._restart_task = None
        c.stopping = False
        c.manually_stopped = False
        try:
            self._run(c)
        except DaemonError:
            # dockerd's start cleans up after any failure, removing an AutoRemove
            # container (a `docker run --rm` waits for that); the reply is the error.
            if c.host_config.get("AutoRemove") and not c.removed:
                self._remove(c, volumes=True)
            raise
        self.event(c, "start")

    def _run(self, c: Container) -> None:
        try:
            self._attach_network(c)
        except DaemonError as err:  # dockerd records these, then replies
            c.state.error = str(err)
            c.state.exit_code = 128
            raise
        self._write_etc_files(c)
        try:
            _check_devices(c.host_config.get("Devices") or [])  # the OCI spec reads them
            user = self._user(c)
        except SystemError_ as err:  # 500, the container stays as it was, as dockerd
            self._release_network(c)
            c.state.error = str(err)
            c.state.exit_code = 128
            raise
        pid = self.allocate_host_pids(64)
        process = ContainerProcess(
            fs=c.view,
            clock=self.clock,
            output=c.output,
            pid=pid,
            # With the host's UTS namespace its processes see the host's name; the
            # container's /etc/hostname stays its own.
            hostname=socket.gethostname() if c.host_config.get("UTSMode") == "host" else c.hostname,
            registry=self.registry,
            memory_limit=int(c.host_config.get("Memory") or 0),
            tty_size=c.console_size,
            network=ContainerNetwork(self, c.id),
            limits=container_limits(c.host_config.get("Ulimits")),
        )
        env = process_environment(c.hostname, bool(c.config.get("Tty")), c.config.get("Env") or [])
        env.setdefault("HOME", user.home or "/")
        try:
            process.start(
                c.argv,
                env,
                str(c.config.get("WorkingDir") or "/"),
                user,
                tty=bool(c.config.get("Tty")),
                stdin_open=bool(c.config.get("OpenStdin")),
            )
        except ExecError as err:
            self._release_network(c)
            c.state.error = _start_error(err)
            c.state.exit_code = (
                err.exit_code if isinstance(err, CommandNotFound | NoSuchFile) else 126
            )
            c.state.status = "exited" if c.has_been_started else "created"
            raise InvalidParameter(c.state.error) from None
        c.logs.open()
        c.process = process
        c.has_been_started = True
        if c.rootfs is not None:
            self.mounts.start(c.id, c.mount_points, c.rootfs)
        c.state = ContainerState(status="running", pid=pid, started_at_ns=self.clock.now_ns(),
                                 health=c.state.health)  # fmt: skip
        self.health.start(c)
        asyncio.get_running_loop().create_task(self._watch(c, process))

    async def _watch(self, c: Container, process: ContainerProcess) -> None:
        started = self.clock.monotonic()
        code = await process.wait()
        if c.process is not process:
            return
        c.process = None
        c.state.status = "exited"
        c.state.pid = 0
        c.state.exit_code = code
        c.state.finished_at_ns = self.clock.now_ns()
        c.logs.close()
        self.health.stop(c)
        if process.oom_killed:  # the kernel's OOM kill: its event comes before die
            c.state.oom_killed = True
            self.event(c, "oom")
        # dockerd reports die first, then its cleanup: network disconnect, volume unmount.
        self.event(c, "die", exitCode=str(code))
        self._release_network(c)
        if c.rootfs is not None:
            self.mounts.stop(c.id, c.mount_points, c.rootfs)
        self._resolve(c._exit_waiters, code)
        if self._should_restart(c, code):
            c.restart_count += 1
            delay = RESTART_BACKOFF_START * (2 ** min(c.restart_count - 1, 20))
            if self.clock.monotonic() - started >= RESTART_RESET_AFTER:
                delay = RESTART_BACKOFF_START
            c.state.status = "restarting"
            c._restart_task = asyncio.get_running_loop().create_task(self._restart_later(c, delay))
        elif c.host_config.get("AutoRemove") and not c.removed:
            self._remove(c, volumes=True)

    def _should_restart(self, c: Container, code: int) -> bool:
        if c.stopping or c.removed:
            return False
        policy = c.host_config.get("RestartPolicy") or {}
        name = policy.get("Name") or ""
        if name in ("always", "unless-stopped"):
            return True
        if name == "on-failure":
            limit = int(policy.get("MaximumRetryCount") or 0)
            return code != 0 and (limit == 0 or c.restart_count < limit)
        return False

    async def _restart_later(self, c: Container, delay: float) -> None:
        await self.clock.sleep(delay)
        c._restart_task = None
        if c.removed or c.state.status != "restarting":
            return
        try:
            self._run(c)
        except (InvalidParameter, SystemError_):  # cannot run, or its port is taken now
            c.state.status = "exited"
            return
        self.event(c, "start")

    @staticmethod
    def _resolve(waiters: list[asyncio.Future[int]], code: int) -> None:
        for fut in waiters:
            if not fut.done():
                fut.set_result(code)
        waiters.clear()

    # -- signals, stop, kill, restart -----------------------------------------

    def _signal(self, c: Container, signum: int) -> None:
        self.event(c, "kill", signal=str(signum))
        if c.process is not None and not (c.paused and signum != SIGKILL):
            c.process.signal(signum)

    def _stop_signal(self, c: Container, override: str | None) -> int:
        text = override or c.config.get("StopSignal") or ""
        if not text:
            return SIGTERM
        try:
            return signal_number(str(text))
        except ValueError:
            raise InvalidParameter(f"Invalid signal: {text}") from None

    async def stop(self, ref: str, timeout: int | None = None, signal: str | None = None) -> None:
        """ContainerStop: the stop signal, then SIGKILL after the timeout; 304 when not running."""
        c = self.get(ref)
        if c.state.status == "restarting" and c._restart_task is not None:
            c._restart_task.cancel()
            c._restart_task = None
            c.state.status = "exited"
            c.stopping = True
            self.event(c, "stop")
            return
        if not c.running:
            raise NotModified("container already stopped")
        signum = self._stop_signal(c, signal)
        if timeout is None:
            configured = c.config.get("StopTimeout")
            timeout = DEFAULT_STOP_TIMEOUT if configured is None else int(configured)
        c.stopping = True
        c.manually_stopped = True
        process = c.process
        assert process is not None
        self._signal(c, signum)
        if not await self._exits_within(process, timeout):
            self._signal(c, SIGKILL)
            await process.wait()
        await asyncio.sleep(0)  # let the watcher record the exit first
        self.event(c, "stop")

    async def _exits_within(self, process: ContainerProcess, timeout: float) -> bool:
        if timeout < 0:
            await process.wait()
            return True
        waiter = asyncio.ensure_future(process.wait())
        sleeper = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waiter.cancel()
        return not process.running

    async def kill(self, ref: str, signal: str = "SIGKILL") -> None:
        """ContainerKill: any signal name or number; 409 when not running."""
        try:
            c = self.get(ref)
        except NotFound as err:  # the router's kill names the container first
            raise NotFound(f"Cannot kill container: {ref}: {err}") from None
        try:
            signum = signal_number(signal or "SIGKILL")
        except ValueError:
            raise InvalidParameter(f"Invalid signal: {signal}") from None
        if not c.running:
            raise Conflict(f"Cannot kill container: {ref}: Container {c.id} is not running")
        if c.paused and signum != SIGKILL:
            raise Conflict(
                f"Cannot kill container: {ref}: Container {c.id} is paused. "
                "Unpause the container before stopping or killing"
            )
        if signum == SIGKILL:
            c.stopping = True
            c.manually_stopped = True
        process = c.process
        self._signal(c, signum)
        if signum == SIGKILL and process is not None:
            await process.wait()
            await asyncio.sleep(0)

    async def restart(
        self, ref: str, timeout: int | None = None, signal: str | None = None
    ) -> None:
        c = self.get(ref)
        # A concurrent restart may stop or start it first: dockerd's restart succeeds then too.
        if c.running:
            with contextlib.suppress(NotModified):
                await self.stop(ref, timeout, signal)
        with contextlib.suppress(NotModified):
            self.start(c.id)
        self.event(c, "restart")

    def pause(self, ref: str) -> None:
        c = self.get(ref)
        if not c.running:
            raise Conflict(f"Container {c.id} is not running")
        if c.paused:
            raise Conflict(f"Container {c.id} is already paused")
        assert c.process is not None
        c.process.pause()
        c.state.status = "paused"
        self.event(c, "pause")

    def unpause(self, ref: str) -> None:
        c = self.get(ref)
        if not c.paused:
            raise SystemError_(f"Container {c.id} is not paused")
        assert c.process is not None
        c.process.resume()
        c.state.status = "running"
        self.event(c, "unpause")

    def wait(self, ref: str, condition: str = "not-running") -> Awaitable[int]:
        """ContainerWait: resolves the lookup now (404 at once), the exit code later."""
        c = self.get(ref)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[int] = loop.create_future()
        if condition in ("", "not-running"):
            if not c.running and c.state.status != "restarting":
                fut.set_result(c.state.exit_code)
            else:
                c._exit_waiters.append(fut)
        elif condition == "next-exit":
            c._exit_waiters.append(fut)
        elif condition == "removed":
            c._remove_waiters.append(fut)
        else:
            raise InvalidParameter(f"invalid condition: {condition!r}")
        return fut

    # -- delete, rename, update --------------------------------------------------

    async def delete(self, ref: str, *, force: bool = False, volumes: bool = False) -> None:
        c = self.get(ref)
        if c.running or c.state.status == "restarting":
            if not force:
                if c.paused:
                    raise Conflict(
                        f"You cannot remove a paused container {c.id}. "
                        "Unpause and then stop the container before attempting removal or force remove"
                    )
                raise Conflict(
                    f"You cannot remove a running container {c.id}. "
                    "Stop the container before attempting removal or force remove"
                )
            c.stopping = True
            if c._restart_task is not None:
                c._restart_task.cancel()
                c._restart_task = None
            if c.process is not None:
                process = c.process
                self._signal(c, SIGKILL)
                await process.wait()
                await asyncio.sleep(0)
        self._remove(c, volumes=volumes)

    def _remove(self, c: Container, *, volumes: bool) -> None:
        c.removed = True
        for hook in self.on_remove:
            hook(c, volumes)
        self.networks.forget(c.id)
        self.mounts.release(c.id, c.mount_points, remove_anonymous=volumes)
        c.output.close()
        self._by_id.pop(c.id, None)
        self._ids.discard(c.id)
        if self._names.get(c.name) == c.id:
            del self._names[c.name]
        self.event(c, "destroy")
        self._resolve(c._remove_waiters, c.state.exit_code)
        self._resolve(c._exit_waiters, c.state.exit_code)

    def rename(self, ref: str, new_name: str) -> None:
        c = self.get(ref)
        if not new_name:
            raise InvalidParameter("Neither old nor new names may be empty")
        stored = validate_name(new_name)
        if stored == c.name:
            raise InvalidParameter("Renaming a container with the same name as its current name")
        if stored in self._names:
            raise Conflict(
                f'Conflict. The container name "{stored}" is already in use by container '
                f'"{self._names[stored]}". You have to remove (or rename) that container '
                "to be able to reuse that name."
            )
        old = c.name
        del self._names[old]
        self._names[stored] = c.id
        c.name = stored
        self.event(c, "rename", oldName=old)

    RESOURCE_FIELDS = (
        "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "CpuPeriod",
        "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems",
        "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap",
        "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent",
        "IOMaximumIOps", "IOMaximumBandwidth", "BlkioWeightDevice", "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "Devices",
        "DeviceCgroupRules", "DeviceRequests",
    )  # fmt: skip

    def update(self, ref: str, body: Mapping[str, Any]) -> list[str] | None:
        """ContainerUpdate: resources and the restart policy; returns Warnings (null)."""
        c = self.get(ref)
        merged = dict(c.host_config)
        for key in self.RESOURCE_FIELDS:
            if key in body and body[key] is not None and body[key] != 0:
                merged[key] = body[key]
        memory = int(body.get("Memory") or 0)
        if (
            memory
            and not body.get("MemorySwap")
            and memory > int(c.host_config.get("MemorySwap") or 0)
        ):
            # dockerd's UpdateContainer: no swap limit yet (0) counts as a smaller one.
            raise Conflict(
                f"Cannot update container {c.id}: Memory limit should be smaller than already "
                "set memoryswap limit, update the memoryswap at the same time"
            )
        validate_resources(merged, self._ncpu())
        policy = body.get("RestartPolicy")
        if policy and policy.get("Name") is not None:
            validate_restart_policy(policy, auto_remove=bool(c.host_config.get("AutoRemove")))
            merged["RestartPolicy"] = {
                "Name": policy.get("Name") or "",
                "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
            }
        c.host_config = merged
        if c.process is not None:  # the memory cgroup's limit changes at once
            c.process.memory_limit = int(merged.get("Memory") or 0)
        self.event(c, "update")
        return None

    # -- inspect and list ------------------------------------------------------

    def _network_settings(self, c: Container, api_version: tuple[int, int]) -> dict[str, Any]:
        """NetworkSettings from the network store (so both sides agree); the default
        bridge's address also at the top, until API 1.52 dropped those fields."""
        networks = self.networks.endpoint_settings(c.id, c.name.lstrip("/"), api_version)
        bridge = networks.get("bridge") or {}
        if not c.sandbox_id:
            sandbox_key = ""
        elif c.network_mode == "host":
            sandbox_key = "/var/run/docker/netns/default"
        else:
            sandbox_key = f"/var/run/docker/netns/{c.sandbox_id[:12]}"
        if api_version >= (1, 52):
            return {"SandboxID": c.sandbox_id, "SandboxKey": sandbox_key,
                    "Ports": dict(c.ports), "Networks": networks}  # fmt: skip
        return {
            "Bridge": "", "SandboxID": c.sandbox_id, "HairpinMode": False,
            "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0, "Ports": dict(c.ports),
            "SandboxKey": sandbox_key, "SecondaryIPAddresses": None,
            "SecondaryIPv6Addresses": None, "EndpointID": bridge.get("EndpointID", ""),
            "Gateway": bridge.get("Gateway", ""), "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0, "IPAddress": bridge.get("IPAddress", ""),
            "IPPrefixLen": bridge.get("IPPrefixLen", 0), "IPv6Gateway": "",
            "MacAddress": bridge.get("MacAddress", ""), "Networks": networks,
        }  # fmt: skip

    @staticmethod
    def _mounts(c: Container, *, summary: bool = False) -> list[dict[str, object]]:
        listed = sorted((p for p in c.mount_points if p.listed), key=lambda p: p.destination)
        return [p.to_wire(summary=summary) for p in listed]

    def inspect(
        self, ref: str, *, size: bool = False, api_version: tuple[int, int] = (1, 41)
    ) -> dict[str, Any]:
        c = self.get(ref)
        base = f"/var/lib/docker/containers/{c.id}"
        started = c.has_been_started
        out: dict[str, Any] = {
            "Id": c.id,
            "Created": rfc3339_nano(c.created_ns),
            "Path": c.argv[0],
            "Args": c.argv[1:],
            "State": c.state.as_dict(),
            "Image": c.image_id,
            "ResolvConfPath": f"{base}/resolv.conf" if started else "",
            "HostnamePath": f"{base}/hostname" if started else "",
            "HostsPath": f"{base}/hosts" if started else "",
            "LogPath": f"{base}/{c.id}-json.log" if started else "",
            "Name": c.name,
            "RestartCount": c.restart_count,
            "Driver": "overlay2",
            "Platform": "linux",
            "MountLabel": "",
            "ProcessLabel": "",
            "AppArmorProfile": "",
            "ExecIDs": list(c.exec_ids) or None,
            "HostConfig": _inspect_host_config(c.host_config, api_version),
        }
        if size:
            out["SizeRw"] = c.fs.size_rw()
            out["SizeRootFs"] = c.fs.size_rw() + self._image_size(c)
        layer = f"/var/lib/docker/overlay2/{c.id}"
        out["GraphDriver"] = {
            "Data": {
                "LowerDir": f"{layer}-init/diff",
                "MergedDir": f"{layer}/merged",
                "UpperDir": f"{layer}/diff",
                "WorkDir": f"{layer}/work",
            },
            "Name": "overlay2",
        }
        out["Mounts"] = self._mounts(c)
        out["Config"] = inspect_config(c.config)
        out["NetworkSettings"] = self._network_settings(c, api_version)
        return out

    def _image_size(self, c: Container) -> int:
        image = self.images.get_by_id(c.image_id)
        return int(image.size) if image is not None else 0

    def status_text(self, c: Container) -> str:
        now = self.clock.now_ns()
        s = c.state
        if s.status == "restarting":
            ago = human_duration((now - s.finished_at_ns) / NANOS)
            return f"Restarting ({s.exit_code}) {ago} ago"
        if c.running:
            text = "Up " + human_duration((now - s.started_at_ns) / NANOS)
            return text + " (Paused)" if c.paused else text + health_suffix(c.state.health)
        if s.status == "dead":
            return "Dead"
        if s.status == "created" or not s.finished_at_ns:
            return "Created"
        return f"Exited ({s.exit_code}) {human_duration((now - s.finished_at_ns) / NANOS)} ago"

    def summary(
        self, c: Container, *, size: bool = False, api_version: tuple[int, int] = (1, 41)
    ) -> dict[str, Any]:
        """A ContainerList entry.  Without ``size`` it may be the cached one, shared
        with earlier answers: encode it, never mutate it."""
        networks = self.networks.endpoint_settings(c.id, c.name.lstrip("/"), api_version)
        cached = c.summary_cache
        if size or cached is None or not cached.fresh_for(c, api_version, networks):
            entry = self._build_summary(c, networks, size=size)
            if not size:
                c.summary_cache = CachedSummary(
                    api_version, c.name, c.state.status, c.created_ns, c.image_id, c.argv,
                    c.config, c.host_config, c.mount_points, c.ports, networks, entry,
                )  # fmt: skip
            return entry
        status = self.status_text(c)
        if cached.entry["Status"] != status:  # "Up 5 minutes" moves on; "Created" does not
            cached.entry = dict(cached.entry, Status=status)
        return cached.entry

    def _build_summary(
        self, c: Container, networks: EndpointSettings, *, size: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Id": c.id,
            "Names": [c.name],
            "Image": c.image_ref,
            "ImageID": c.image_id,
            "Command": " ".join(shlex.quote(a) if a else "''" for a in c.argv),
            "Created": c.created_ns // NANOS,
            "Ports": summary_ports(c.ports),
        }
        if size:
            out["SizeRw"] = c.fs.size_rw()
            out["SizeRootFs"] = out["SizeRw"] + self._image_size(c)
        out.update(
            {
                "Labels": c.labels,
                "State": c.state.status,
                "Status": self.status_text(c),
                "HostConfig": {"NetworkMode": c.host_config.get("NetworkMode", "default")},
                "NetworkSettings": {"Networks": networks},
                "Mounts": self._mounts(c, summary=True),
            }
        )
        return out

    def list_containers(
        self,
        *,
        all: bool = False,
        limit: int = -1,
        size: bool = False,
        filters: Mapping[str, list[str]] | None = None,
        api_version: tuple[int, int] = (1, 41),
    ) -> list[dict[str, Any]]:
        """ContainerList: newest first; running only unless ``all`` (or a limit, or status filters)."""
        listed = self._listed(all=all, limit=limit, filters=filters)
        return [self.summary(c, size=size, api_version=api_version) for c in listed]

    def list_containers_json(
        self,
        *,
        all: bool = False,
        limit: int = -1,
        size: bool = False,
        filters: Mapping[str, list[str]] | None = None,
        api_version: tuple[int, int] = (1, 41),
    ) -> bytes:
        """:meth:`list_containers` encoded as JSON, from each entry's cached encoding."""
        listed = self._listed(all=all, limit=limit, filters=filters)
        encoded = [self.summary_json(c, size=size, api_version=api_version) for c in listed]
        return b"[" + b",".join(encoded) + b"]"

    def summary_json(
        self, c: Container, *, size: bool = False, api_version: tuple[int, int] = (1, 41)
    ) -> bytes:
        """:meth:`summary` encoded; the bytes are kept with the cached entry they encode."""
        entry = self.summary(c, size=size, api_version=api_version)
        cached = c.summary_cache
        if cached is None or cached.entry is not entry:  # a sized entry: not cached
            return msgspec.json.encode(entry)
        if cached.encoded is None or cached.encoded[0] is not entry:
            cached.encoded = (entry, msgspec.json.encode(entry))
        return cached.encoded[1]

    def _listed(
        self, *, all: bool, limit: int, filters: Mapping[str, list[str]] | None
    ) -> list[Container]:
        """The containers ContainerList shows, in its order."""
        f = dict(filters or {})
        flt.validate_filters(f, LIST_FILTERS)
        for status in f.get("status", []):
            if status not in (
                "created",
                "restarting",
                "running",
                "removing",
                "paused",
                "exited",
                "dead",
            ):
                raise InvalidParameter(f"Invalid filter 'status={status}'")
        validate_health_filter(f.get("health", []))
        show_all = all or limit > 0 or bool(f.get("status")) or bool(f.get("exited"))
        ordered = self.all()
        before = self._bound(f, "before")
        since = self._bound(f, "since")
        filtering = any(f.values())  # else no container needs _matches
        out: list[Container] = []
        for c in ordered:
            if before is not None and c.created_ns >= before.created_ns:
                continue
            if since is not None and c.created_ns <= since.created_ns:
                continue
            if not show_all and not c.running and before is None and since is None:
                continue
            if filtering and not self._matches(c, f):
                continue
            out.append(c)
            if limit > 0 and len(out) >= limit:
                break
        return out

    def _bound(self, f: Mapping[str, list[str]], key: str) -> Container | None:
        values = f.get(key) or []
        return self.get(values[0]) if values else None

    def _matches(self, c: Container, f: Mapping[str, list[str]]) -> bool:
        if f.get("id") and not any(c.id.startswith(v) for v in f["id"]):
            return False
        if f.get("name") and not flt.match(f, "name", c.name):
            return False
        if f.get("status") and c.state.status not in f["status"]:
            return False
        if f.get("exited"):
            if c.running or c.state.status == "created":
                return False
            if str(c.state.exit_code) not in f["exited"]:
                return False
        if f.get("label") and not flt.match_kv_list(f, "label", c.labels):
            return False
        if f.get("health") and health_status(c.state.health) not in f["health"]:
            return False
        if f.get("volume") and not any(
            v in (p.name, p.destination, p.source) for v in f["volume"] for p in c.mount_points
        ):
            return False
        if f.get("network"):
            settings = self.networks.endpoint_settings(c.id)
            joined = set(settings) | {s["NetworkID"] for s in settings.values()}
            if not any(v in joined for v in f["network"]):
                return False
        if f.get("publish") or f.get("expose"):
            ports = summary_ports(c.ports)
            public = {f"{p['PublicPort']}/{p['Type']}" for p in ports if "PublicPort" in p}
            private = {f"{p['PrivatePort']}/{p['Type']}" for p in ports}
            private |= set(c.config.get("ExposedPorts") or {})
            if not _any_port(f.get("publish", []), public):
                return False
            if not _any_port(f.get("expose", []), private):
                return False
        ancestors = f.get("ancestor") or []
        return not ancestors or any(self._descends(c, a) for a in ancestors)

    def _descends(self, c: Container, ancestor: str) -> bool:
        try:
            image = self.images.get(ancestor)
        except NotFound:
            return False
        return bool(image.id == c.image_id)

    # -- top, changes, archives, export, prune ------------------------------------

    def top(self, ref: str, ps_args: str = "-ef") -> dict[str, Any]:
        c = self.get(ref)
        if not c.running or c.process is None:
            raise Conflict(f"Container {c.id} is not running")
        proc = c.process
        now = self.clock.now()
        processes = [self._ps_process(proc, info, now) for info in proc.processes.list()]
        table = ps_top(ps_args, processes)
        self.event(c, "top")
        return table

    @staticmethod
    def _ps_process(proc: ContainerProcess, info: ProcessInfo, now: float) -> PsProcess:
        return PsProcess(
            pid=proc.host_pid(info.pid),
            ppid=proc.host_pid(info.ppid) if info.ppid else proc.pid - 23,
            uid=info.uid,
            user=info.user,
            argv=info.argv,
            tty=info.tty,
            state="Ss" if info.pid == 1 else info.state,  # PID 1 leads its session
            start_time=info.start_time,
            cpu_seconds=info.cpu_seconds,
            rss_kb=max(1, info.memory_bytes // 1024),
            now=now,
        )

    def changes(self, ref: str) -> list[dict[str, Any]]:
        c = self.get(ref)
        return [{"Path": ch.path, "Kind": ch.kind} for ch in c.fs.changes()]

    def export(self, ref: str) -> Iterator[bytes]:
        c = self.get(ref)
        self.event(c, "export")
        return tar_of_view(c.fs, "/")

    @staticmethod
    def _archive_view(c: Container, path: str) -> ContainerFS:
        """What ``docker cp`` reads at ``path``: the container's layer with its mounts."""
        return c.fs if c.rootfs is None else archive_view(c.rootfs, c.fs, path)

    def archive_stat(self, ref: str, path: str) -> tuple[Container, dict[str, object], str]:
        """HEAD/GET archive: the stat and its header; 404 as dockerd when the path is missing."""
        c, _, stat, header = self._archive_stat(ref, path)
        return c, stat, header

    def _archive_stat(
        self, ref: str, path: str
    ) -> tuple[Container, ContainerFS, dict[str, object], str]:
        c = self.get(ref)
        view = self._archive_view(c, path)
        try:
            stat = path_stat(view, path)
            header = path_stat_header(view, path)
        except OSError:
            raise NotFound(f"Could not find the file {path} in container {ref}") from None
        return c, view, stat, header

    def archive_get(self, ref: str, path: str) -> tuple[Iterator[bytes], str]:
        c, view, _, header = self._archive_stat(ref, path)
        self.event(c, "archive-path", path=path)
        return tar_of_view(view, path), header

    def archive_put(
        self, ref: str, path: str, data: bytes, *, no_overwrite_dir_non_dir: bool = False
    ) -> None:
        c = self.get(ref)
        view = c.view
        if not view.exists(path):
            raise NotFound(f"Could not find the file {path} in container {ref}")
        if not view.is_dir(path):
            raise InvalidParameter("extraction point is not a directory")
        self._check_writable(c, view.realpath(path))
        try:
            table = c.rootfs
            staged = None if table is None else _staged_across_mounts(table, path, data)
            if table is not None and staged is not None:
                merge_tree(
                    staged, table, table.realpath(path),
                    no_overwrite_dir_non_dir=no_overwrite_dir_non_dir,
                )  # fmt: skip
            else:
                extract_into(
                    c.fs, path, io.BytesIO(data), no_overwrite_dir_non_dir=no_overwrite_dir_non_dir
                )
        except TarSafetyError as err:
            # dockerd's words; its status is 500, ours 400: the client sent a bad archive
            raise InvalidParameter(err.untar_message()) from None
        except OSError as err:
            raise InvalidParameter(str(err)) from None
        self.event(c, "extract-to-dir", path=path)

    @staticmethod
    def _check_writable(c: Container, resolved: str) -> None:
        """dockerd's checkIfPathIsInAVolume: a read-only mount, or a read-only rootfs outside them."""
        holders = [p for p in c.mount_points if within_mount(resolved, p.destination)]
        if holders:
            if not max(holders, key=lambda p: len(p.destination)).rw:
                raise SystemError_("mounted volume is marked read-only")
        elif c.host_config.get("ReadonlyRootfs"):
            raise SystemError_("container rootfs is marked read-only")

    async def prune(self, filters: Mapping[str, list[str]] | None = None) -> tuple[list[str], int]:
        f = dict(filters or {})
        flt.validate_filters(f, PRUNE_FILTERS)
        until_ns = None
        if f.get("until"):
            until_ns = filter_until_ns(f, self.clock)
        deleted: list[str] = []
        reclaimed = 0
        for c in self.all():
            if c.running or c.state.status == "restarting":
                continue
            if until_ns is not None and c.created_ns >= until_ns:
                continue
            if f.get("label") and not flt.match_kv_list(f, "label", c.labels):
                continue
            if f.get("label!") and flt.match_kv_list({"label": f["label!"]}, "label", c.labels):
                continue
            reclaimed += c.fs.size_rw()
            self._remove(c, volumes=False)
            deleted.append(c.id)
        self.engine.events.publish("container", "prune", "", {"reclaimed": str(reclaimed)})
        return deleted, reclaimed


def _check_platform(image: Image, ref: str, wanted: Platform) -> None:
    actual = Platform(
        str(image.config.get("os") or "linux"), str(image.config.get("architecture") or "")
    )
    if (wanted.os, wanted.architecture) != (actual.os, actual.architecture):
        raise NotFound(
            f"image with reference {ref} was found but does not match the specified platform: "
            f"wanted {wanted.os}/{wanted.architecture}, actual: {actual.os}/{actual.architecture}"
        )


def _check_devices(devices: list[dict[str, Any]]) -> None:
    """dockerd reads each mapped device on the host when it makes the spec, at start."""
    for device in devices:
        path = str(device.get("PathOnHost") or "")
        if not os.path.exists(path):
            raise SystemError_(
                f'error gathering device information while adding custom device "{path}": '
                "no such file or directory"
            )
