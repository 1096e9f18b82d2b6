"""The mock daemon's state and rules, without HTTP.

:class:`Engine` is a composition of small per-area objects that share one
clock, one source of randomness and one events bus: ``engine.system`` (what
the daemon says about itself), ``engine.events``, and, as they are written,
``engine.containers``, ``engine.images``, ``engine.volumes``,
``engine.networks``.  An area takes the engine (or just the pieces it needs)
in its constructor and reads the others through it.
"""

from __future__ import annotations

from mockd.engine.clock import Clock, ManualClock, SystemClock
from mockd.engine.events import Event, EventBus, EventFilter
from mockd.engine.ids import IdGenerator
from mockd.engine.system import API_VERSION, System

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
    ) -> None:
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

    @property
    def api_version(self) -> str:
        """The highest API version this daemon serves (``"1.55"``)."""
        return self.system.api_version
