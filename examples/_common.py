"""What every lesson shares: a daemon to talk to, and a few ways to print.

``connect()`` gives a client for the real engine named by ``DOCKER_HOST``, or,
when that is unset, for a mock daemon started in this process (``mockd``), so
the lessons run anywhere.  ``run_lesson(lesson)`` is what each lesson's
``__main__`` block calls; ``tour.py`` calls the lessons itself, on one daemon.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dockersdk
from dockersdk.api.networks import Network
from dockersdk.api.volumes import Volume
from dockersdk.models.containers import Container

# The lessons pass commands explicitly: the busybox images of some engines have no default Cmd.
BUSYBOX = "busybox:latest"
# Every container, volume and network a lesson makes carries this label, so that
# a prune can be limited to them and never touches what others keep on an engine.
TOUR_LABEL = "org.dockersdk.tour"
LABELS = {TOUR_LABEL: "1"}
ONLY_TOUR = {"label": [f"{TOUR_LABEL}=1"]}

Lesson = Callable[[dockersdk.DockerClient], None]


@contextmanager
def connect() -> Iterator[dockersdk.DockerClient]:
    """A client for ``DOCKER_HOST`` when it is set, else for a fresh embedded mock daemon."""
    if os.environ.get("DOCKER_HOST"):
        client = dockersdk.from_env()
        print(f"Using the Docker engine at {os.environ['DOCKER_HOST']} (from DOCKER_HOST)")
        with client:
            yield client
        return
    from mockd import MockDaemon  # imported only when used: a real engine needs no mock

    with MockDaemon() as daemon, daemon.client() as client:
        print(
            f"Using an embedded mock daemon at {daemon.docker_host} (set DOCKER_HOST for a real engine)"
        )
        yield client


def run_lesson(lesson: Lesson) -> None:
    """Run one lesson on its own: connect, print its heading, run it, exit non-zero on failure."""
    with connect() as client:
        heading(lesson_title(lesson))
        lesson(client)


def lesson_title(lesson: Lesson) -> str:
    """The first line of the lesson module's docstring."""
    doc = sys.modules[lesson.__module__].__doc__ or lesson.__module__
    return doc.strip().splitlines()[0].rstrip(".")


class LessonFailed(AssertionError):
    """The daemon did not do what the lesson shows it doing."""


def expect(condition: bool, what: str) -> None:
    """Check what the lesson is about to claim, so a daemon that behaves otherwise fails it."""
    if not condition:
        raise LessonFailed(f"expected {what}")


# -- printing ----------------------------------------------------------------


def heading(title: str) -> None:
    print()
    print(f"== {title}")


def say(text: str) -> None:
    """A line of narration: what the lesson does next."""
    print(f"-- {text}")


def show(label: str, value: object) -> None:
    """One fact, label and value aligned."""
    print(f"   {label + ':':<18} {value}")


def human_size(size: float | None) -> str:
    if size is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def short_id(ident: str | None) -> str:
    """An ID as ``docker`` shows it: 12 hex digits, without ``sha256:``."""
    return (ident or "").removeprefix("sha256:")[:12]


def ensure_image(client: dockersdk.DockerClient, reference: str = BUSYBOX) -> None:
    """Pull ``reference`` (showing progress) unless the daemon has it already.

    A real engine may have no internet access, only the images it was given
    (the test engine has ``busybox:latest``); the mock "pulls" from its
    built-in catalogue.
    """
    try:
        image = client.images.get(reference)
    except dockersdk.ImageNotFound:
        say(f"pulling {reference}")
        # The SDK shows the progress as the docker CLI does: on a terminal a line
        # per layer, redrawn in place; in a pipe or a log, a line per layer status.
        client.images.pull(reference, progress=True)
        return
    say(f"{reference} is here already ({short_id(image.id)}): not pulling it")


def logs_text(container: Container, **options: Any) -> str:
    """``container.logs(...)`` as text (``logs`` returns bytes unless asked to stream)."""
    output = container.logs(**options)
    assert isinstance(output, bytes), "logs_text reads logs whole: no stream=True"
    return output.decode()


def exec_text(container: Container, cmd: list[str], **options: Any) -> tuple[int | None, str]:
    """``container.exec_run(...)``: its exit code and its output as text."""
    result = container.exec_run(cmd, **options)
    assert isinstance(result.output, bytes), "exec_text reads the output whole"
    return result.exit_code, result.output.decode()


class Cleanup:
    """Removes what a lesson made when the lesson ends, even when it fails.

    Against a real engine the lessons must leave nothing behind; against the
    mock it keeps one lesson's leftovers out of the next lesson's listings.
    """

    def __init__(self, client: dockersdk.DockerClient) -> None:
        self.client = client
        self._undo: list[Callable[[], None]] = []

    def container(self, container: Container) -> Container:
        self._undo.append(lambda: container.remove(force=True, v=True))
        return container

    def volume(self, volume: Volume) -> Volume:
        self._undo.append(lambda: volume.remove(force=True))
        return volume

    def network(self, network: Network) -> Network:
        self._undo.append(network.remove)
        return network

    def image_tag(self, reference: str) -> str:
        self._undo.append(lambda: self.client.images.remove(reference))
        return reference

    def __enter__(self) -> Cleanup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except dockersdk.NotFound:
                pass  # the lesson removed it already
        self._undo.clear()


class Stopwatch:
    """Seconds since it was made."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started
