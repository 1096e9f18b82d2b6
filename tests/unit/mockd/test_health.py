"""Health checks on a ManualClock: probes as execs, status, streaks, log, events, ps and filters."""

from __future__ import annotations

from typing import Any

import pytest

from mockd.engine import Engine, ManualClock
from mockd.engine.containers import Container, ContainerStore
from mockd.engine.health import HealthConfig, go_duration
from mockd.errors import InvalidParameter
from tests.unit.mockd.helpers import EngineTest, actions, run_with_busybox, yield_rounds

SECOND = 1_000_000_000


def run(test: EngineTest) -> None:
    run_with_busybox(test, seed=11, timeout=20)


async def settle(rounds: int = 300) -> None:
    await yield_rounds(rounds)


async def tick(clock: ManualClock, seconds: float) -> None:
    await settle()
    clock.advance(seconds)
    await settle()


def checked(store: ContainerStore, name: str, test: list[str], **check: Any) -> Container:
    config = {"Image": "busybox", "Cmd": ["sleep", "1000"], "Healthcheck": {"Test": test, **check}}
    c, _ = store.create(config, name)
    store.start(name)
    return c


def health(store: ContainerStore, name: str) -> dict[str, Any]:
    state: dict[str, Any] = store.inspect(name)["State"]
    return dict(state["Health"])


def test_a_passing_probe_makes_the_container_healthy() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c = checked(store, "web", ["CMD-SHELL", "echo ok"], Interval=2 * SECOND)
        assert health(store, "web") == {"Status": "starting", "FailingStreak": 0, "Log": []}
        [listed] = store.list_containers()
        assert listed["Status"] == "Up Less than a second (health: starting)"
        await tick(clock, 1.9)
        assert health(store, "web")["Log"] == []  # the first probe comes after one interval
        await tick(clock, 0.1)
        h = health(store, "web")
        assert h["Status"] == "healthy" and h["FailingStreak"] == 0
        [entry] = h["Log"]
        assert entry["ExitCode"] == 0 and entry["Output"] == "ok\n"
        assert entry["Start"] <= entry["End"]
        assert actions(engine, c.id)[-4:] == [
            "exec_create: /bin/sh -c echo ok",
            "exec_start: /bin/sh -c echo ok",
            "exec_die",
            "health_status: healthy",
        ]
        [listed] = store.list_containers()
        assert listed["Status"] == "Up 2 seconds (healthy)"
        assert [x["Id"] for x in store.list_containers(filters={"health": ["healthy"]})] == [c.id]
        assert store.list_containers(filters={"health": ["starting", "unhealthy"]}) == []
        assert c.exec_ids == []  # probes do not pile up in ExecIDs
        await tick(clock, 2)
        assert len(health(store, "web")["Log"]) == 2
        assert actions(engine, c.id).count("health_status: healthy") == 1  # only on a change

    run(body)


def test_retries_failures_in_a_row_make_it_unhealthy() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        c = checked(store, "bad", ["CMD", "false"], Interval=SECOND, Retries=2)
        await tick(clock, 1)
        h = health(store, "bad")
        assert (h["Status"], h["FailingStreak"], h["Log"][0]["ExitCode"]) == ("starting", 1, 1)
        await tick(clock, 1)
        assert health(store, "bad")["Status"] == "unhealthy"
        assert actions(engine, c.id)[-2:] == ["exec_die", "health_status: unhealthy"]
        assert "exec_create: false " in actions(engine, c.id)  # dockerd's trailing space
        [listed] = store.list_containers(filters={"health": ["unhealthy"]})
        assert listed["Status"].endswith(" (unhealthy)")
        for _ in range(5):
            await tick(clock, 1)
        h = health(store, "bad")
        assert h["FailingStreak"] == 7 and len(h["Log"]) == 5  # the last five results

    run(body)


def test_failures_in_the_start_period_do_not_count() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        checked(
            store, "slow", ["CMD", "false"],
            Interval=10 * SECOND, StartPeriod=5 * SECOND, StartInterval=SECOND, Retries=1,
        )  # fmt: skip
        await tick(clock, 1)  # within the start period: probed every StartInterval
        h = health(store, "slow")
        assert (h["Status"], h["FailingStreak"], len(h["Log"])) == ("starting", 0, 1)
        for _ in range(4):
            await tick(clock, 1)
        assert len(health(store, "slow")["Log"]) == 5
        await tick(clock, 1)  # the probe at 5s is past the start period: it counts
        assert health(store, "slow")["Status"] == "unhealthy"

    run(body)


def test_a_probe_that_runs_too_long_is_killed_and_fails() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        checked(store, "hang", ["CMD-SHELL", "echo begun; sleep 60"],
                Interval=SECOND, Timeout=SECOND // 2)  # fmt: skip
        await tick(clock, 1)
        await tick(clock, 0.5)
        [entry] = health(store, "hang")["Log"]
        assert entry["ExitCode"] == -1
        assert entry["Output"] == "Health check exceeded timeout (500ms): begun\n"

    run(body)


def test_stop_makes_it_unhealthy_and_a_start_begins_again() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        checked(store, "cycle", ["CMD", "true"], Interval=SECOND)
        await tick(clock, 1)
        assert health(store, "cycle")["Status"] == "healthy"
        await store.kill("cycle")
        h = health(store, "cycle")
        assert (h["Status"], len(h["Log"])) == ("unhealthy", 1)
        assert store.list_containers(all=True, filters={"health": ["unhealthy"]})
        store.start("cycle")
        h = health(store, "cycle")
        assert (h["Status"], h["FailingStreak"], len(h["Log"])) == ("starting", 0, 1)

    run(body)


def test_no_health_check_and_none() -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        plain, _ = store.create({"Image": "busybox", "Cmd": ["sleep", "9"]}, "plain")
        store.start("plain")
        off = checked(store, "off", ["NONE"])
        for name in ("plain", "off"):
            assert "Health" not in store.inspect(name)["State"]
        ids = {x["Id"] for x in store.list_containers(filters={"health": ["none"]})}
        assert ids == {plain.id, off.id}
        await tick(clock, 60)
        assert not any(a.startswith("exec_") for a in actions(engine, off.id))
        with pytest.raises(InvalidParameter, match="Unrecognised filter value for health: x"):
            store.list_containers(filters={"health": ["x"]})

    run(body)


def test_config_defaults_and_probe_command() -> None:
    config = HealthConfig.of({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f x"]}})
    assert config is not None
    assert (config.interval, config.timeout, config.start_period, config.retries) == (
        30.0, 30.0, 0.0, 3,
    )  # fmt: skip
    assert config.argv(None) == ["/bin/sh", "-c", "curl -f x"]
    assert config.argv(["/bin/bash", "-c"]) == ["/bin/bash", "-c", "curl -f x"]
    cmd = HealthConfig.of({"Healthcheck": {"Test": ["CMD", "a", "b"], "Retries": 5}})
    assert cmd is not None and cmd.argv(None) == ["a", "b"] and cmd.retries == 5
    assert HealthConfig.of({"Healthcheck": {"Test": ["NONE"]}}) is None
    assert HealthConfig.of({}) is None
    assert [go_duration(s) for s in (30, 1.5, 0.5, 90, 0.001)] == [
        "30s", "1.5s", "500ms", "1m30s", "1ms",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"Interval": 1000}, "Interval in Healthcheck cannot be less than 1ms"),
        ({"Timeout": -5}, "Timeout in Healthcheck cannot be less than 1ms"),
        ({"Retries": -1}, "Retries in Healthcheck cannot be negative"),
        ({"StartPeriod": 5}, "StartPeriod in Healthcheck cannot be less than 1ms"),
        ({"StartInterval": 5}, "StartInterval in Healthcheck cannot be less than 1ms"),
    ],
)
def test_create_checks_the_durations(check: dict[str, int], message: str) -> None:
    async def body(clock: ManualClock, engine: Engine, store: ContainerStore) -> None:
        config = {"Image": "busybox", "Healthcheck": {"Test": ["CMD", "true"], **check}}
        with pytest.raises(InvalidParameter) as raised:
            store.create(config)
        assert raised.value.message == message
        store.create({"Image": "busybox", "Healthcheck": {"Test": ["CMD", "true"], "Interval": 0}})

    run(body)
