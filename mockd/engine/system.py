"""What ``/version`` and ``/info`` report.

Host facts (architecture, kernel, CPUs, memory, OS) are read from the machine
the mock runs on, so the numbers are plausible; the rest describes a daemon
that presents itself as mockd (``ServerVersion`` ends in ``-mockd``) but is
otherwise shaped like a stock Linux dockerd with the overlay2 driver.
Counts of containers and images come from the engine's areas when they exist.
"""

from __future__ import annotations

import functools
import os
import platform
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dockersdk.models import _generated as m
from mockd.engine.clock import Clock, rfc3339_nano
from mockd.engine.platforms import host_arch

if TYPE_CHECKING:
    from mockd.engine import Engine

ENGINE_VERSION = "28.0.0-mockd"
API_VERSION = "1.55"
MIN_API_VERSION = "1.24"
GIT_COMMIT = "mockd"
BUILD_TIME = "2026-01-01T00:00:00.000000000+00:00"
DOCKER_ROOT_DIR = "/var/lib/docker"
INDEX_SERVER = "https://index.docker.io/v1/"
# dockerd always treats loopback registries as insecure.
DEFAULT_INSECURE_CIDRS = ("127.0.0.0/8",)


@dataclass(frozen=True)
class HostFacts:
    machine: str  # uname -m, as /info's Architecture
    go_arch: str  # as /version's Arch
    kernel: str
    ncpu: int
    mem_total: int
    os_name: str  # PRETTY_NAME of os-release
    os_version: str  # VERSION_ID of os-release
    hostname: str


@functools.cache
def host_facts() -> HostFacts:
    """Read once per process: these do not change while tests run."""
    machine = platform.machine() or "x86_64"
    os_release = _os_release()
    return HostFacts(
        machine=machine,
        go_arch=host_arch(),
        kernel=platform.release() or "<unknown>",
        ncpu=os.cpu_count() or 1,
        mem_total=_mem_total(),
        os_name=os_release.get("PRETTY_NAME", "Linux"),
        os_version=os_release.get("VERSION_ID", ""),
        hostname=socket.gethostname(),
    )


def _os_release() -> dict[str, str]:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        fields: dict[str, str] = {}
        for line in lines:
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip('"')
        return fields
    return {}


def _mem_total() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


@dataclass(frozen=True)
class ContainerCounts:
    total: int = 0
    running: int = 0
    paused: int = 0
    stopped: int = 0


@runtime_checkable
class CountsContainers(Protocol):
    """What ``engine.containers`` offers /info, once that area exists."""

    def counts(self) -> ContainerCounts: ...


@runtime_checkable
class CountsImages(Protocol):
    """What ``engine.images`` offers /info, once that area exists."""

    def count(self) -> int: ...


class System:
    """The daemon's identity and the facts it reports about itself."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        daemon_id: str,
        name: str,
        api_version: str = API_VERSION,
        insecure_registries: tuple[str, ...] = (),
        labels: tuple[str, ...] = (),
        debug: bool = False,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.id = daemon_id
        self.name = name
        self.api_version = api_version
        self.min_api_version = MIN_API_VERSION
        self.version = ENGINE_VERSION
        self.insecure_registries = insecure_registries
        self.labels = labels
        self.debug = debug
        self.experimental = False
        self.os_type = "linux"
        # Only the classic builder is served: "1" tells clients not to try a BuildKit session.
        self.builder_version = "1"
        self.host = host_facts()

    @property
    def server_header(self) -> str:
        """The ``Server`` header dockerd sends: ``Docker/<version> (linux)``."""
        return f"Docker/{self.version} ({self.os_type})"

    def version_info(self) -> m.SystemVersion:
        """The body of ``GET /version``."""
        details = {
            "ApiVersion": self.api_version,
            "Arch": self.host.go_arch,
            "BuildTime": BUILD_TIME,
            "Experimental": str(self.experimental).lower(),
            "GitCommit": GIT_COMMIT,
            "GoVersion": self._runtime_version(),
            "KernelVersion": self.host.kernel,
            "MinAPIVersion": self.min_api_version,
            "Os": self.os_type,
        }
        return m.SystemVersion(
            platform=m.SystemVersionPlatform(name="mockd"),
            components=[
                m.SystemVersionComponentsItem(name="Engine", version=self.version, details=details)
            ],
            version=self.version,
            api_version=self.api_version,
            min_api_version=self.min_api_version,
            git_commit=GIT_COMMIT,
            go_version=self._runtime_version(),
            os=self.os_type,
            arch=self.host.go_arch,
            kernel_version=self.host.kernel,
            build_time=BUILD_TIME,
        )

    @staticmethod
    def _runtime_version() -> str:
        # There is no Go here: name the runtime that actually serves the API.
        return f"python{platform.python_version()}"

    def registry_config(self) -> m.RegistryServiceConfig:
        cidrs = list(DEFAULT_INSECURE_CIDRS)
        index_configs = {
            "docker.io": m.IndexInfo(name="docker.io", mirrors=[], secure=True, official=True)
        }
        for registry in self.insecure_registries:
            if _looks_like_cidr(registry):
                if registry not in cidrs:
                    cidrs.append(registry)
            else:
                index_configs[registry] = m.IndexInfo(
                    name=registry, mirrors=[], secure=False, official=False
                )
        return m.RegistryServiceConfig(
            index_configs=index_configs, insecure_registry_cidrs=cidrs, mirrors=[]
        )

    def container_counts(self) -> ContainerCounts:
        area = getattr(self._engine, "containers", None)
        if isinstance(area, CountsContainers):
            return area.counts()
        return ContainerCounts()

    def image_count(self) -> int:
        area = getattr(self._engine, "images", None)
        if isinstance(area, CountsImages):
            return area.count()
        return 0

    def info(self) -> m.SystemInfo:
        """The body of ``GET /info`` (at API 1.55; the handler adds older fields)."""
        counts = self.container_counts()
        host = self.host
        commit = m.Commit(id=GIT_COMMIT)
        return m.SystemInfo(
            id=self.id,
            containers=counts.total,
            containers_running=counts.running,
            containers_paused=counts.paused,
            containers_stopped=counts.stopped,
            images=self.image_count(),
            driver="overlay2",
            driver_status=[
                ["Backing Filesystem", "extfs"],
                ["Supports d_type", "true"],
                ["Using metacopy", "false"],
                ["Native Overlay Diff", "true"],
                ["userxattr", "false"],
            ],
            plugins=m.PluginsInfo(
                volume=["local"],
                network=["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                log=["json-file", "local", "none"],
            ),
            memory_limit=True,
            swap_limit=True,
            cpu_cfs_period=True,
            cpu_cfs_quota=True,
            cpu_shares=True,
            cpu_set=True,
            pids_limit=True,
            ipv4_forwarding=True,
            debug=self.debug,
            n_fd=0,
            oom_kill_disable=False,
            n_goroutines=0,
            system_time=rfc3339_nano(self._clock.now_ns()),
            logging_driver="json-file",
            cgroup_driver="systemd",
            cgroup_version="2",
            n_events_listener=self._engine.events.subscriber_count,
            kernel_version=host.kernel,
            operating_system=host.os_name,
            os_version=host.os_version,
            os_type=self.os_type,
            architecture=host.machine,
            index_server_address=INDEX_SERVER,
            registry_config=self.registry_config(),
            ncpu=host.ncpu,
            mem_total=host.mem_total,
            docker_root_dir=DOCKER_ROOT_DIR,
            http_proxy="",
            https_proxy="",
            no_proxy="",
            name=self.name,
            labels=list(self.labels),
            experimental_build=self.experimental,
            server_version=self.version,
            runtimes={
                "io.containerd.runc.v2": m.Runtime(path="runc", status={}),
                "runc": m.Runtime(path="runc", status={}),
            },
            default_runtime="runc",
            swarm=m.SwarmInfo(
                node_id="",
                node_addr="",
                local_node_state="inactive",
                control_available=False,
                error="",
            ),
            live_restore_enabled=False,
            isolation="",
            init_binary="docker-init",
            containerd_commit=commit,
            runc_commit=commit,
            init_commit=commit,
            security_options=["name=seccomp,profile=builtin", "name=cgroupns"],
            cdi_spec_dirs=[],
            containerd=m.ContainerdInfo(
                address="/run/containerd/containerd.sock",
                namespaces=m.ContainerdInfoNamespaces(containers="moby", plugins="plugins.moby"),
            ),
            firewall_backend=m.FirewallInfo(driver="iptables"),
            warnings=[],
        )


def _looks_like_cidr(value: str) -> bool:
    address, sep, prefix = value.partition("/")
    return bool(sep) and prefix.isdigit() and ("." in address or ":" in address)
