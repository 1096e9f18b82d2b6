"""Exec: run another process in a running container.

``ExecAPI`` maps the four exec endpoints (``POST /containers/{id}/exec``,
``POST /exec/{id}/start``, ``GET /exec/{id}/json``, ``POST /exec/{id}/resize``).
A start that is not detached goes over a hijacked connection
(:mod:`dockersdk.hijack`), as dockerd always hijacks it: the output is then read
as frames (or raw bytes for a TTY), and stdin can be written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dockersdk.api import APIGroup
from dockersdk.hijack import HijackedConnection, hijack
from dockersdk.models import ExecInspectResponse, IDResponse
from dockersdk.params import environment as environment_list
from dockersdk.params.errors import InvalidArgument
from dockersdk.streams import Stream

_EXEC = "/exec/{id}"


def command_list(cmd: str | Iterable[str]) -> list[str]:
    """A command as dockerd takes it: a list; a string is split like a shell would."""
    import shlex

    if isinstance(cmd, str):
        return shlex.split(cmd)
    items = list(cmd)
    if not items or any(not isinstance(item, str) for item in items):
        raise InvalidArgument("cmd must be a string or a non-empty list of strings", argument="cmd")
    return items


class ExecAPI(APIGroup):
    """The exec endpoints, one method each."""

    def create(
        self,
        container: str,
        cmd: str | Iterable[str],
        *,
        stdout: bool = True,
        stderr: bool = True,
        stdin: bool = False,
        tty: bool = False,
        privileged: bool = False,
        user: str = "",
        environment: Mapping[str, Any] | Iterable[str] | None = None,
        workdir: str | None = None,
        detach_keys: str | None = None,
    ) -> str:
        """Create an exec instance in ``container``; returns its ID.

        :param container: container ID or name (must be running).
        :param cmd: the command, a list or a string split like a shell.
        :param environment: ``{"K": "v"}`` or ``["K=v"]``.
        :param workdir: working directory of the process.
        :param detach_keys: the key sequence that detaches from the process.
        """
        body: dict[str, Any] = {
            "AttachStdin": stdin,
            "AttachStdout": stdout,
            "AttachStderr": stderr,
            "Tty": tty,
            "Cmd": command_list(cmd),
            "Privileged": privileged,
            "User": user,
        }
        env = environment_list(environment)
        if env is not None:
            body["Env"] = env
        if workdir is not None:
            body["WorkingDir"] = workdir
        if detach_keys is not None:
            body["DetachKeys"] = detach_keys
        created = self._json(
            "POST", "/containers/{id}/exec", IDResponse, path_params={"id": container},
            json=body, operation="ContainerExec",
        )  # fmt: skip
        return created.id or ""

    def start_detached(self, exec_id: str, *, tty: bool = False) -> None:
        """Start the process and return at once (``Detach: true``)."""
        self._transport.request(
            "POST", _EXEC + "/start", path_params={"id": exec_id},
            json={"Detach": True, "Tty": tty}, operation="ExecStart",
        ).close()  # fmt: skip

    def start_socket(self, exec_id: str, *, tty: bool = False) -> HijackedConnection:
        """Start the process on a hijacked connection: ``write()`` its stdin
        (when created with ``stdin=True``), ``frames()``/``read()`` its output."""
        return hijack(
            self._transport, "POST", _EXEC + "/start", path_params={"id": exec_id},
            json={"Detach": False, "Tty": tty}, operation="ExecStart",
        )  # fmt: skip

    def start_stream(self, exec_id: str, *, tty: bool = False) -> Stream[tuple[int, bytes]]:
        """Start the process; ``(stream_id, bytes)`` of its output as it comes."""
        connection = self.start_socket(exec_id, tty=tty)
        return Stream(connection.frames(tty), connection.close)

    def start(self, exec_id: str, *, tty: bool = False) -> tuple[bytes, bytes]:
        """Start the process and wait for it to close its output: ``(stdout, stderr)``
        (a TTY merges both into stdout)."""
        from dockersdk.streams import demux

        with self.start_stream(exec_id, tty=tty) as frames:
            return demux(frames)

    def inspect(self, exec_id: str) -> ExecInspectResponse:
        """The exec instance: running, exit code, process config."""
        return self._json(
            "GET", _EXEC + "/json", ExecInspectResponse, path_params={"id": exec_id},
            operation="ExecInspect",
        )  # fmt: skip

    def resize(self, exec_id: str, *, height: int, width: int) -> None:
        """Resize the TTY of the process."""
        self._transport.request(
            "POST", _EXEC + "/resize", path_params={"id": exec_id},
            params={"h": height, "w": width}, operation="ExecResize",
        ).close()  # fmt: skip


__all__ = ["ExecAPI", "command_list"]
