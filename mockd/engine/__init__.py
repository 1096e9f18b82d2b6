"""The mock daemon's state and rules, without HTTP.

:class:`Engine` is a composition of small per-area objects that share one
clock, one source of randomness and one events bus, all built here, in
dependency order: ``engine.system`` (what the daemon says about itself),
``engine.events``, ``engine.layers`` (the layer store images share),
``engine.images``, ``engine.volumes``, ``engine.networks`` and
``engine.containers`` (which uses the other three).  ``engine.build_cache``
is the builder's cache when it keeps one (``system df`` and build prune read
it); ``None`` means the builder keeps nothing outside the image store.
"""

from __future__ import annotations

from mockd.engine.clock import Clock, ManualClock, SystemClock
from mockd.engine.containers import ContainerStore
from mockd.engine.disk_usage import BuildCacheSource
from mockd.engine.events import Event, EventBus, EventFilter
from mockd.engine.ids import IdGenerator
from mockd.engine.images import ImageStore
from mockd.engine.networks import NetworkStore
from mockd.engine.system import API_VERSION, System
from mockd.engine.volumes import VolumeStore
from mockd.fs.layer import LayerStore
from mockd.fs.tarread import DEFAULT_LIMITS, TarLimits

__all__ = [
    "Clock",
    "Engine",
    "Event",
    "EventBus",
    "EventFilter",
    "IdGenerator",
    "ManualClock",
    "SystemClock",
]


class Engine:
    def __init__(
        self,
        clock: Clock | None = None,
        *,
        version: str = API_VERSION,
        insecure_registries: tuple[str, ...] | list[str] = (),
        seed: int | str | None = None,
        name: str = "mockd",
        labels: tuple[str, ...] | list[str] = (),
        debug: bool = False,
        tar_limits: TarLimits = DEFAULT_LIMITS,
    ) -> None:
        # How much any archive the daemon reads may hold (mockd.daemon.serve applies them).
        self.tar_limits = tar_limits
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.ids = IdGenerator(seed)
        self.events = EventBus(self.clock)
        self.system = System(
            self,
            self.clock,
            daemon_id=self.ids.new_uuid(),
            name=name,
            api_version=version,
            insecure_registries=tuple(insecure_registries),
            labels=tuple(labels),
            debug=debug,
        )
        self.layers = LayerStore()
        self.images = ImageStore(self.clock, self.events, self.layers)
        self.volumes = VolumeStore(self.clock, self.events, self.ids)
        self.networks = NetworkStore(self.clock, self.events, self.ids)
        self.containers = ContainerStore(self)
        # The builder area sets this when it keeps a cache of its own (see disk_usage).
        self.build_cache: BuildCacheSource | None = None

    @property
    def api_version(self) -> str:
        """The highest API version this daemon serves (``"1.55"``)."""
        return self.system.api_version
