"""Scripted images: containers whose process is a Python function of the test."""

from __future__ import annotations

import os
import shutil
import subprocess

import docker
import pytest

from mockd.daemon import MockDaemon
from mockd.engine.clock import ManualClock
from mockd.programs import ProgramContext
from mockd.programs.signals import SIGTERM
from mockd.programs.sync import SyncContext

DOCKER_CLI = shutil.which("docker") or "/usr/local/bin/docker"


async def report(ctx: ProgramContext) -> int:
    """Prints what it was given; exits with the code named by $EXIT."""
    await ctx.stdout.write(f"argv={ctx.argv}\n".encode())
    await ctx.stdout.write(f"cwd={ctx.cwd} user={ctx.user.name}\n".encode())
    await ctx.stdout.write(b"conf=" + ctx.fs.read_file("/etc/app.conf"))
    await ctx.stderr.write(b"to stderr\n")
    return int(ctx.env.get("EXIT", "0"))


def test_async_program_sees_argv_env_files_and_sets_the_exit_code(
    daemon: MockDaemon, dockerpy: docker.DockerClient
) -> None:
    image = daemon.images.add(
        "myorg/worker:1",
        entrypoint=report,
        cmd=["--once"],
        env={"EXIT": "3"},
        files={"/etc/app.conf": "level=debug\n"},
        working_dir="/srv",
    )
    assert image.reference == "myorg/worker:1"
    container = dockerpy.containers.run("myorg/worker:1", ["--twice"], detach=True)
    assert container.wait()["StatusCode"] == 3
    assert container.logs(stderr=False).decode().splitlines() == [
        "argv=['/usr/local/bin/worker', '--twice']",
        "cwd=/srv user=root",
        "conf=level=debug",
    ]
    assert container.logs(stdout=False) == b"to stderr\n"
    other = dockerpy.containers.run("myorg/worker:1", detach=True, environment={"EXIT": "0"})
    assert other.wait()["StatusCode"] == 0
    assert b"argv=['/usr/local/bin/worker', '--once']" in other.logs()


def test_image_config_is_what_was_asked(daemon: MockDaemon) -> None:
    daemon.images.add(
        "myorg/web:2",
        entrypoint=report,
        cmd=["serve"],
        env=["A=1"],
        exposed_ports=[8080, "53/udp"],
        labels={"team": "core"},
        working_dir="/app",
        user="app",
        stop_signal="SIGINT",
    )
    with daemon.client() as client:
        config = client.images.get("myorg/web:2").attrs.config
    assert config is not None
    assert config.entrypoint == ["/usr/local/bin/web"]
    assert config.cmd == ["serve"]
    assert config.env is not None and "A=1" in config.env
    assert config.exposed_ports == {"8080/tcp": {}, "53/udp": {}}
    assert config.labels == {"team": "core"}
    assert (config.working_dir, config.user, config.stop_signal) == ("/app", "app", "SIGINT")


def test_images_are_deterministic_and_bindings_private_to_each_daemon() -> None:
    async def one(ctx: ProgramContext) -> int:
        await ctx.stdout.write(b"one\n")
        return 0

    async def two(ctx: ProgramContext) -> int:
        await ctx.stdout.write(b"two\n")
        return 0

    with MockDaemon() as first, MockDaemon() as second:
        a = first.images.add("same/name:1", entrypoint=one)
        b = second.images.add("same/name:1", entrypoint=two)
        assert a.id == b.id  # the layer holds the binding's name, not the function
        outputs = []
        for d in (first, second):
            client = docker.DockerClient(base_url=d.docker_host)
            outputs.append(client.containers.run("same/name:1", remove=True))
            client.close()
    assert outputs == [b"one\n", b"two\n"]


def test_sync_program_reads_stdin(daemon: MockDaemon) -> None:
    def shout(ctx: SyncContext) -> int:
        data = ctx.stdin.read()
        ctx.stdout.write(data.upper())
        return 7

    daemon.images.add("myorg/shout:1", entrypoint=shout)
    result = subprocess.run(
        [DOCKER_CLI, "run", "-i", "--rm", "myorg/shout:1"],
        input=b"hello stdin\n",
        capture_output=True,
        env={**os.environ, "DOCKER_HOST": daemon.docker_host},
        timeout=60,
    )
    assert result.stdout == b"HELLO STDIN\n", result.stderr
    assert result.returncode == 7


def test_program_waits_for_a_signal_and_exits_cleanly(
    daemon: MockDaemon, dockerpy: docker.DockerClient
) -> None:
    async def server(ctx: ProgramContext) -> int:
        await ctx.stdout.write(b"ready\n")
        signum = await ctx.signals.wait(SIGTERM)
        await ctx.stdout.write(f"got {signum}, bye\n".encode())
        return 0

    daemon.images.add("myorg/server:1", entrypoint=server)
    container = dockerpy.containers.run("myorg/server:1", detach=True)
    container.reload()
    assert container.status == "running"
    container.stop(timeout=5)
    container.reload()
    assert container.attrs["State"]["ExitCode"] == 0
    assert container.logs() == b"ready\ngot 15, bye\n"


def test_reported_usage_shows_in_stats(daemon: MockDaemon, dockerpy: docker.DockerClient) -> None:
    async def hungry(ctx: ProgramContext) -> int:
        ctx.report_usage(memory_bytes=64 << 20, cpu_seconds=2.0)
        await ctx.signals.wait(SIGTERM)
        return 0

    daemon.images.add("myorg/hungry:1", entrypoint=hungry)
    container = dockerpy.containers.run("myorg/hungry:1", detach=True)
    stats = container.stats(stream=False)
    assert stats["memory_stats"]["usage"] >= 64 << 20
    assert stats["cpu_stats"]["cpu_usage"]["total_usage"] >= 2_000_000_000
    container.kill()


def test_sleep_goes_through_the_daemon_clock() -> None:
    clock = ManualClock()

    async def ticker(ctx: ProgramContext) -> int:
        for i in range(3):
            await ctx.clock.sleep(60)
            await ctx.stdout.write(f"tick {i}\n".encode())
        return 0

    with MockDaemon(clock=clock) as daemon:
        daemon.images.add("myorg/ticker:1", entrypoint=ticker)
        client = docker.DockerClient(base_url=daemon.docker_host)
        container = client.containers.run("myorg/ticker:1", detach=True)
        daemon.settle()
        assert container.logs() == b""
        daemon.advance(60)
        assert container.logs() == b"tick 0\n"
        daemon.advance(60)  # one jump: tick 1; tick 2 sleeps from the new time
        assert container.logs() == b"tick 0\ntick 1\n"
        daemon.advance(60)
        assert container.wait(timeout=10)["StatusCode"] == 0
        assert container.logs() == b"tick 0\ntick 1\ntick 2\n"
        client.close()


def test_a_base_image_gives_a_shell_next_to_the_program(
    daemon: MockDaemon, dockerpy: docker.DockerClient
) -> None:
    async def idle(ctx: ProgramContext) -> int:
        await ctx.signals.wait(SIGTERM)
        return 0

    async def helper(ctx: ProgramContext) -> int:
        await ctx.stdout.write(b"helper ran\n")
        return 0

    daemon.images.add(
        "myorg/tools:1", entrypoint=idle, base="busybox", files={"/usr/bin/helper": helper}
    )
    container = dockerpy.containers.run("myorg/tools:1", detach=True)
    assert container.exec_run(["sh", "-c", "echo from sh; helper"]).output == (
        b"from sh\nhelper ran\n"
    )
    history = dockerpy.images.get("myorg/tools:1").history()
    assert len(history) >= 2  # the base's history, then ours
    container.kill()


def test_bad_files_are_refused(daemon: MockDaemon) -> None:
    with pytest.raises(ValueError, match="absolute"):
        daemon.images.add("x/y:1", files={"relative/path": b""})
