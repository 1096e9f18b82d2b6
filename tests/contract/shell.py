"""Run a shell script in a fresh busybox container on either backend."""

from __future__ import annotations

import uuid

from backends import Backend

import dockersdk

BUSYBOX = "busybox:latest"


def sh(docker: Backend, client: dockersdk.DockerClient, script: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``sh -c script`` in a new busybox container."""
    name = docker.track("container", f"dockersdk-sh-{uuid.uuid4().hex[:10]}")
    container = client.containers.run(BUSYBOX, ["sh", "-c", script], name=name, detach=True)
    status = container.wait(timeout=60)["StatusCode"]
    out = container.logs(stdout=True, stderr=False)
    err = container.logs(stdout=False, stderr=True)
    assert isinstance(out, bytes) and isinstance(err, bytes)  # not streamed
    return status, out.decode(), err.decode()
