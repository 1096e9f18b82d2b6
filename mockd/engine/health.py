"""Health checks: a container's ``Healthcheck`` probed as execs, as dockerd's health monitor does.

While a container with a ``Healthcheck`` runs, its monitor waits an interval
on the engine's clock (so a ``ManualClock`` drives it), runs the probe as an
exec in the container (``CMD`` as given, ``CMD-SHELL`` through the
container's shell; the ``exec_create`` / ``exec_start`` / ``exec_die`` events
are dockerd's), and records the result in ``State.Health``: the last five
results, the failing streak, and the status (``starting`` until the first
success, ``healthy``, ``unhealthy`` after ``Retries`` failures in a row;
failures inside ``StartPeriod`` do not count while still starting).  A
change of status is a ``health_status: <status>`` event.  When the container
stops, its health becomes ``unhealthy``; a new start begins at ``starting``.

Public surface: ``HealthMonitor(engine)`` with ``start(container)`` and
``stop(container)`` (the container store calls them); ``Health`` (what
``State.Health`` shows: ``as_dict()``, ``status``); ``health_suffix`` and
``health_status`` for ``docker ps``'s Status text and the ``health`` filter;
``validate_health_filter``; ``validate_healthcheck`` (at create).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockd.engine.clock import NANOS, rfc3339_nano
from mockd.errors import DaemonError, InvalidParameter

if TYPE_CHECKING:
    from mockd.engine import Engine
    from mockd.engine.containers import Container
    from mockd.engine.runtime import ContainerProcess

# dockerd's defaults (daemon/health.go), in seconds.
DEFAULT_INTERVAL = 30.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_START_PERIOD = 0.0
DEFAULT_START_INTERVAL = 5.0
DEFAULT_RETRIES = 3
MAX_LOG_ENTRIES = 5  # results kept in State.Health.Log
MAX_OUTPUT = 4096  # bytes of a probe's output kept
DEFAULT_SHELL = ("/bin/sh", "-c")

STARTING, HEALTHY, UNHEALTHY, NO_HEALTHCHECK = "starting", "healthy", "unhealthy", "none"
FILTER_VALUES = (STARTING, HEALTHY, UNHEALTHY, NO_HEALTHCHECK)


@dataclass(frozen=True)
class ProbeResult:
    start_ns: int
    end_ns: int
    exit_code: int
    output: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "Start": rfc3339_nano(self.start_ns),
            "End": rfc3339_nano(self.end_ns),
            "ExitCode": self.exit_code,
            "Output": self.output,
        }


@dataclass
class Health:
    """``State.Health`` of a container that has a health check."""

    status: str = STARTING
    failing_streak: int = 0
    log: list[ProbeResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "Status": self.status,
            "FailingStreak": self.failing_streak,
            "Log": [r.as_dict() for r in self.log],
        }


@dataclass(frozen=True)
class HealthConfig:
    """A container's ``Config.Healthcheck`` with dockerd's defaults applied (seconds)."""

    test: tuple[str, ...]
    interval: float
    timeout: float
    start_period: float
    start_interval: float
    retries: int

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> HealthConfig | None:
        """``None`` when there is nothing to run: no Healthcheck, an empty Test, or ``NONE``."""
        check = config.get("Healthcheck") or {}
        test = [str(word) for word in check.get("Test") or []]
        if not test or test[0] == "NONE" or test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
            return None

        def seconds(key: str, default: float) -> float:
            value = int(check.get(key) or 0)  # nanoseconds; 0 means the default
            return value / NANOS if value > 0 else default

        retries = int(check.get("Retries") or 0)
        return cls(
            test=tuple(test),
            interval=seconds("Interval", DEFAULT_INTERVAL),
            timeout=seconds("Timeout", DEFAULT_TIMEOUT),
            start_period=seconds("StartPeriod", DEFAULT_START_PERIOD),
            start_interval=seconds("StartInterval", DEFAULT_START_INTERVAL),
            retries=retries if retries > 0 else DEFAULT_RETRIES,
        )

    def argv(self, shell: Iterable[str] | None) -> list[str]:
        """The probe's command: ``CMD``'s words, or ``CMD-SHELL``'s line through the shell."""
        words = list(self.test[1:])
        if self.test[0] == "CMD-SHELL":
            return [*(list(shell or ()) or DEFAULT_SHELL), " ".join(words)]
        return words


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` for the durations health checks use (``30s``, ``1.5s``, ``500ms``)."""
    nanos = round(seconds * NANOS)
    if nanos < 1_000_000_000:
        text = f"{nanos / 1_000_000:.6f}".rstrip("0").rstrip(".")
        return f"{text}ms"
    minutes, rest = divmod(nanos, 60 * NANOS)
    hours, minutes = divmod(minutes, 60)
    secs = f"{rest / NANOS:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    if minutes:
        return f"{minutes}m{secs}"
    return secs


def health_status(health: Health | None) -> str:
    """The value the ``health`` filter matches: ``none`` without a health check."""
    return health.status if health is not None else NO_HEALTHCHECK


def health_suffix(health: Health | None) -> str:
    """What ``docker ps`` adds after ``Up 3 seconds``: `` (healthy)``, `` (health: starting)``."""
    if health is None:
        return ""
    return f" (health: {STARTING})" if health.status == STARTING else f" ({health.status})"


def validate_healthcheck(config: Mapping[str, Any]) -> None:
    """dockerd's checks of ``Config.Healthcheck`` at create (durations are nanoseconds; 0: default)."""
    check = config.get("Healthcheck") or {}
    minimum = 1_000_000  # 1ms
    for key in ("Interval", "Timeout"):
        if 0 != int(check.get(key) or 0) < minimum:
            raise InvalidParameter(f"{key} in Healthcheck cannot be less than 1ms")
    if int(check.get("Retries") or 0) < 0:
        raise InvalidParameter("Retries in Healthcheck cannot be negative")
    for key in ("StartPeriod", "StartInterval"):
        if 0 != int(check.get(key) or 0) < minimum:
            raise InvalidParameter(f"{key} in Healthcheck cannot be less than 1ms")


def validate_health_filter(values: Iterable[str]) -> None:
    for value in values:
        if value not in FILTER_VALUES:
            raise InvalidParameter(f"Unrecognised filter value for health: {value}")


class HealthMonitor:
    """Runs the health checks of the engine's running containers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, c: Container) -> None:
        """The container started: ``starting``, and probes from one interval on."""
        config = HealthConfig.of(c.config)
        process = c.process
        if config is None or process is None:
            return
        health = c.state.health if c.state.health is not None else Health()
        health.status, health.failing_streak = STARTING, 0
        c.state.health = health
        self._cancel(c.id)
        loop = asyncio.get_running_loop()
        self._tasks[c.id] = loop.create_task(self._monitor(c, config, process, health))

    def stop(self, c: Container) -> None:
        """The container stopped: no more probes, and it is no longer healthy."""
        self._cancel(c.id)
        if c.state.health is not None:
            c.state.health.status = UNHEALTHY

    def _cancel(self, container_id: str) -> None:
        task = self._tasks.pop(container_id, None)
        if task is not None:
            task.cancel()

    # -- the loop -------------------------------------------------------------

    async def _monitor(
        self, c: Container, config: HealthConfig, process: ContainerProcess, health: Health
    ) -> None:
        clock = self.engine.clock
        while True:
            await clock.sleep(self._interval(c, config, health))
            if c.process is not process or not process.running:
                return
            result = await self._probe(c, config)
            if c.process is not process:
                return  # it stopped meanwhile: dockerd drops the result
            self._record(c, config, health, result)

    def _interval(self, c: Container, config: HealthConfig, health: Health) -> float:
        # While starting, within the start period, the start interval applies (API 1.44+).
        in_start_period = (
            self.engine.clock.now_ns() - c.state.started_at_ns
        ) / NANOS < config.start_period
        if in_start_period and health.status == STARTING:
            return config.start_interval
        return config.interval

    async def _probe(self, c: Container, config: HealthConfig) -> ProbeResult:
        from mockd.engine.exec import exec_store

        clock = self.engine.clock
        start_ns = clock.now_ns()
        store = exec_store(self.engine)
        body = {
            "Cmd": config.argv(c.config.get("Shell")),
            "AttachStdout": True,
            "AttachStderr": True,
            "User": c.config.get("User") or "",
            "WorkingDir": c.config.get("WorkingDir") or "",
        }
        try:
            instance = store.create(c, body)
            store.start(instance, attach=True)
        except DaemonError as error:
            return ProbeResult(start_ns, clock.now_ns(), -1, error.message)
        output = bytearray()

        async def run() -> int:
            async for _, data in instance.output():
                output.extend(data[: MAX_OUTPUT - len(output)])
            return await instance.wait()

        runner = asyncio.ensure_future(run())
        timer = asyncio.ensure_future(clock.sleep(config.timeout))
        try:
            await asyncio.wait({runner, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        text = output.decode(errors="replace")
        if not runner.done():
            # As dockerd: kill the probe and wait for it, so dying probes do not pile up.
            instance.kill()
            with contextlib.suppress(Exception):
                await runner
            message = f"Health check exceeded timeout ({go_duration(config.timeout)})"
            result = ProbeResult(
                start_ns, clock.now_ns(), -1, f"{message}: {text}" if text else message
            )
        else:
            result = ProbeResult(start_ns, clock.now_ns(), runner.result(), text)
        # dockerd keeps finished execs for minutes; a probe every second would
        # pile up in a long-lived mock, so the probe's exec goes now.
        store.forget(instance)
        return result

    def _record(
        self, c: Container, config: HealthConfig, health: Health, result: ProbeResult
    ) -> None:
        """dockerd's ``handleProbeResult``."""
        before = health.status
        health.log.append(result)
        del health.log[:-MAX_LOG_ENTRIES]
        if result.exit_code == 0:
            health.failing_streak = 0
            health.status = HEALTHY
        else:
            since_start = (result.start_ns - c.state.started_at_ns) / NANOS
            if not (health.status == STARTING and since_start < config.start_period):
                health.failing_streak += 1
                if health.failing_streak >= config.retries:
                    health.status = UNHEALTHY
        if health.status != before:
            self.engine.containers.event(c, f"health_status: {health.status}")
