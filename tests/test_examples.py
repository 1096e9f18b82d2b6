"""The examples run: every lesson alone and the tour, on the mock and on a real engine.

Each lesson runs as a user runs it (``python examples/NN_name.py``, in a
subprocess), and its output must hold the lines that show it taught what it
says.  On a real engine the lessons cannot pull (no internet here): they run
when the engine has ``busybox:latest``, and must leave nothing behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import REPO_ROOT, find_real_engine, selected_backends

import dockersdk

EXAMPLES = REPO_ROOT / "examples"
LESSONS = sorted(path.name for path in EXAMPLES.glob("[0-9][0-9]_*.py"))
TOUR_LABEL = "org.dockersdk.tour=1"
RUN_TIMEOUT = 120

# Lines each lesson's output must hold, on either daemon (regular expressions).
KEY_LINES: dict[str, list[str]] = {
    "01_system.py": [r"answers:\s+OK", r"API version:\s+1\.\d+", r"client speaks:\s+API 1\.\d+"],
    "02_images.py": [
        r"id:\s+sha256:[0-9a-f]{10}",
        r"same image:\s+True",
        r"its names:\s+busybox:latest, tour/busybox:lesson2",
        r"untagged:\s+tour/busybox:lesson2",
        r"names left:\s+busybox:latest",
    ],
    "03_images_vs_containers.py": [
        r"status:\s+created",
        r"exit code:\s+0",
        r"status:\s+exited",
        r"output:\s+hello from a container",
        r"output:\s+hello again",
        r"tour-created\s+exited",
        r"same image:\s+True",
    ],
    "04_run_output.py": [
        r"uname -s:\s+Linux",
        r"stdout:\s+\['to stdout'\]",
        r"stdout \+ stderr:\s+\['to stderr', 'to stdout'\]",
        r"got 'line 1'\n\s+got 'line 2'\n\s+got 'line 3'",
        r"exit status:\s+1",
        r"stderr:\s+ls: /no/such/dir: No such file or directory",
    ],
    "05_detached_exec.py": [
        r"status:\s+running",
        r"in `docker ps`:\s+\['tour-sleeper'\]",
        r"first line:\s+hello from [0-9a-f]{12}",
        r"exec exit code:\s+3",
        r"container:\s+running",
        r"exit code:\s+137",
    ],
    "06_environment.py": [
        r"output:\s+Hello, tour",
        r"STAGE=lesson6\n\s+COLOR=blue",
        r"exec:\s+STAGE=lesson6 EXTRA=exec only",
        r"next exec:\s+EXTRA=unset",
    ],
    "07_logs.py": [
        r"all:\s+\['line 1', 'line 2', 'line 3', 'line 4', 'line 5'\]",
        r"tail=2:\s+\['line 4', 'line 5'\]",
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 5",
        r"since line 3:\s+\['line 3', 'line 4', 'line 5'\]",
        r"until line 3:\s+\['line 1', 'line 2', 'line 3'\]",
        r"s  tick 1\n.*s  tick 2\n.*s  tick 3\n.*s  tick 4\n.*s  tick 5\n",
        r"ticker:\s+running",
    ],
    "08_resources.py": [
        r"memory:\s+64\.0 MiB",
        r"CPUs:\s+0\.5",
        r"pids limit:\s+50",
        r"status:\s+running",
        r"memory:\s+128\.0 MiB",
        r"memory \+ swap:\s+256\.0 MiB",
        r"memory limit:\s+128\.0 MiB",
    ],
    "09_events.py": [
        r"container create\n.*container attach\n.*container start\n"
        r".*container die  exitCode=0\n.*container destroy",
        r"lifecycle:\s+create -> attach -> start -> die -> destroy",
        r"seen: container create\n\s+seen: container attach\n\s+seen: container start\n"
        r"\s+seen: container die\n\s+seen: container destroy\n",
    ],
    "10_volumes.py": [
        r"name:\s+tour-data\n\s+driver:\s+local",
        r"first container:\s+exited and removed",
        r"written by the first container\n\s+ls: /scratch.txt: No such file or directory",
        r"stderr:\s+sh: can't create /data/more.txt: Read-only file system",
        r"holder mounts:\s+\['tour-data -> /data'\]",
        r"remove:\s+409: remove tour-data: volume is in use - \[[0-9a-f]{64}\]",
        r"volumes left:\s+0 named tour-data",
    ],
    # Addresses depend on the engine's pools and on the networks others made: only their shape.
    "11_networks.py": [
        r"driver:\s+bridge\n\s+subnet:\s+[\d.]+/\d+ \(gateway [\d.]+\)",
        r"tour-web on tour-net: [\d.]+/\d+",
        r"default bridge\n\s+tour-other on bridge: [\d.]+/\d+\n--",
        r"one address per network\n\s+tour-other on bridge: [\d.]+/\d+\n"
        r"\s+tour-other on tour-net: [\d.]+/\d+",
        r"tour-net members:\s+\['tour-other', 'tour-web'\]",
        r"bridge address\n\s+tour-other on bridge: [\d.]+/\d+\n(?!\s+tour-other on tour-net)",
    ],
    "12_stats.py": [
        r"(\d+\.\d%\s+[\d.]+ [KM]iB / 32\.0 MiB\s+\d+\.\d%\s+\d+\n.*){2}",
        r"read at:\s+\d{4}-\d\d-\d\dT",
    ],
    "13_prune.py": [
        r"TYPE\s+TOTAL\s+ACTIVE\s+SIZE\n\s+Images\s+\d+\s+\d+\s+[\d.]+ [KM]iB\n"
        r"\s+Containers\s+\d+\s+\d+\s+[\d.]+ [KM]?i?B\n\s+Local Volumes\s+\d+",
        r"they wrote:\s+20 B",
        r"space reclaimed:\s+20 B",
        r"tour writes left:\s+0 B",
        r"tour containers:\s+\['tour-done-1', 'tour-done-2', 'tour-running'\]",
        r"deleted:\s+\['[0-9a-f]{12}', '[0-9a-f]{12}'\]",
        r"tour containers:\s+\['tour-running'\]",
        r"volumes deleted:\s+\['tour-unused'\]",
        r"networks deleted:\s+\['tour-unused-net'\]",
    ],
}
# What only the mock shows: it pulls from its catalogue (a real engine here cannot).
MOCK_ONLY_LINES: dict[str, list[str]] = {
    "02_images.py": [r"pulling busybox:latest", r"Pull complete", r"Downloaded newer image"],
}


def run_example(script: str, docker_host: str | None) -> subprocess.CompletedProcess[str]:
    """``python examples/<script>`` with ``DOCKER_HOST`` set as given (unset: the mock)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    if docker_host is not None:
        env["DOCKER_HOST"] = docker_host
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def assert_ran(result: subprocess.CompletedProcess[str], patterns: list[str]) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    missing = [p for p in patterns if not re.search(p, result.stdout)]
    assert not missing, f"output lacks {missing}:\n{result.stdout}"


def test_every_lesson_has_key_lines() -> None:
    # A new lesson must say what its output shows, or its tests would prove nothing.
    assert LESSONS, "no lesson found in examples/"
    assert sorted(KEY_LINES) == LESSONS


# -- on the mock --------------------------------------------------------------


@pytest.mark.parametrize("script", LESSONS)
def test_lesson_on_the_mock(script: str) -> None:
    result = run_example(script, docker_host=None)
    assert_ran(result, KEY_LINES[script] + MOCK_ONLY_LINES.get(script, []))
    assert "Using an embedded mock daemon" in result.stdout.splitlines()[0]


def test_tour_on_the_mock() -> None:
    result = run_example("tour.py", docker_host=None)
    all_lines = [line for script in LESSONS for line in KEY_LINES[script]]
    assert_ran(result, all_lines)
    headings = re.findall(r"^== Lesson (\d+):", result.stdout, flags=re.MULTILINE)
    assert headings == [str(int(script[:2])) for script in LESSONS]
    summary = re.search(r"Tour complete: (\d+) lessons in ([\d.]+)s", result.stdout)
    assert summary is not None, result.stdout
    assert int(summary.group(1)) == len(LESSONS)
    # The tour shares one daemon: only the first lesson that needs busybox pulls it.
    assert result.stdout.count("Pulling fs layer") == 1


def test_tour_fails_when_a_lesson_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    import tour

    failing = tmp_path / "01_broken.py"
    failing.write_text(
        '"""Lesson 1: Broken on purpose."""\n'
        "def lesson(client):\n"
        "    client.images.get('no-such-image:here')\n"
    )
    after = tmp_path / "02_never.py"
    after.write_text('"""Lesson 2: Never reached."""\ndef lesson(client):\n    pass\n')

    assert tour.main([failing, after]) == 1
    out = capsys.readouterr()
    assert "Tour stopped: Lesson 1: Broken on purpose failed (0 of 2 lessons ran" in out.out
    assert "ImageNotFound" in out.err
    assert "Never reached" not in out.out


def test_unreachable_daemon_fails_the_tour(tmp_path: Path) -> None:
    result = run_example("tour.py", docker_host=f"unix://{tmp_path}/nothing.sock")
    assert result.returncode != 0
    assert "DaemonUnreachable" in result.stderr


# -- on a real engine ---------------------------------------------------------


@pytest.fixture(scope="module")
def real_engine() -> Iterator[str]:
    """A real engine's ``DOCKER_HOST``, once it is known to have busybox:latest."""
    if "real" not in selected_backends():
        pytest.skip("DOCKERSDK_BACKENDS leaves the real engine out")
    host, why_not = find_real_engine()
    if host is None:
        pytest.skip(why_not)
    with dockersdk.DockerClient(base_url=host) as client:
        try:
            client.images.get("busybox:latest")
        except dockersdk.ImageNotFound:
            pytest.skip("the real engine has no busybox:latest, and the lessons cannot pull")
    yield host


def tour_leftovers(host: str) -> list[str]:
    """Containers, volumes and networks with the tour's label still on the engine."""
    only_tour = {"label": [TOUR_LABEL]}
    with dockersdk.DockerClient(base_url=host) as client:
        containers = client.containers.list(all=True, filters=only_tour)
        volumes = client.volumes.list(filters=only_tour)
        networks = client.networks.list(filters=only_tour)
        return (
            [f"container {c.name}" for c in containers]
            + [f"volume {v.name}" for v in volumes]
            + [f"network {n.name}" for n in networks]
        )


@pytest.mark.real_only
@pytest.mark.parametrize("script", LESSONS)
def test_lesson_on_a_real_engine(real_engine: str, script: str) -> None:
    result = run_example(script, docker_host=real_engine)
    assert_ran(result, KEY_LINES[script])
    assert "Using the Docker engine at" in result.stdout.splitlines()[0]
    assert tour_leftovers(real_engine) == []


@pytest.mark.real_only
def test_tour_on_a_real_engine(real_engine: str) -> None:
    result = run_example("tour.py", docker_host=real_engine)
    assert_ran(result, [rf"Tour complete: {len(LESSONS)} lessons"])
    assert "not pulling it" in result.stdout
    assert tour_leftovers(real_engine) == []
