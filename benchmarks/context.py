"""What every benchmark module is given: the backends, the run's size, the report."""

from __future__ import annotations

import json
from dataclasses import dataclass

from benchmarks.backends import Backend
from benchmarks.report import Report


@dataclass
class Context:
    quick: bool
    backends: list[Backend]  # the ones asked for and reachable, mock first
    report: Report

    @property
    def repeat(self) -> int:
        """Repetitions of a per-call measurement."""
        return 30 if self.quick else 300

    def scale(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    @property
    def mock(self) -> Backend | None:
        return next((b for b in self.backends if b.is_mock), None)

    @property
    def real(self) -> Backend | None:
        return next((b for b in self.backends if not b.is_mock), None)


def create_containers(
    backend: Backend, count: int, command: list[str] | None = None, image: str = "busybox"
) -> list[str]:
    """``count`` labelled containers, created (not started), through the raw API."""
    raw = backend.raw()
    body = json.dumps(
        {"Image": image, "Cmd": command or ["true"], "Labels": backend.labels()}
    ).encode()
    ids = []
    for _ in range(count):
        status, answer = raw.call("POST", backend.v("/containers/create"), body)
        if status != 201:
            raise RuntimeError(f"create failed: {status} {answer[:200]!r}")
        ids.append(json.loads(answer)["Id"])
    return ids


def ensure_busybox(backend: Backend) -> None:
    """Pull busybox when the daemon does not have it (the mock pulls from its catalogue)."""
    raw = backend.raw()
    status, _ = raw.call("GET", backend.v("/images/busybox:latest/json"))
    if status == 404:
        status, body = raw.call("POST", backend.v("/images/create?fromImage=busybox&tag=latest"))
        if status != 200:
            raise RuntimeError(f"pull busybox: {status} {body[:200]!r}")
