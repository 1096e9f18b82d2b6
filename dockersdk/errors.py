"""The exceptions the SDK raises.

``APIError`` and its subclasses are answers from the daemon (an HTTP status of
400 or more); ``DaemonUnreachable`` means no answer came at all.  The status
classes mirror moby's errdefs, so ``except NotFound`` reads like the Go client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


class DockerError(Exception):
    """Base class of every error the SDK raises."""


class ConfigError(DockerError):
    """The client configuration (DOCKER_HOST, context, TLS files) is unusable."""


class APIError(DockerError):
    """The daemon answered with an error status.

    ``message`` is dockerd's ``{"message": ...}`` (or the body text when the
    body is not JSON); ``operation`` names the call, e.g.
    ``"GET /containers/{id}/json"`` or an operationId.
    """

    status: int

    def __init__(
        self,
        status: int,
        message: str,
        operation: str | None = None,
        response: requests.Response | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.operation = operation
        self.response = response
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" ({self.operation})" if self.operation else ""
        return f"{self.status}{where}: {self.message}"


class BadRequest(APIError):
    """400: invalid parameters."""


class Unauthorized(APIError):
    """401: registry or daemon authentication failed."""


class Forbidden(APIError):
    """403: the daemon refuses the operation."""


class NotFound(APIError):
    """404: no such object."""


class ImageNotFound(NotFound):
    """404 about an image (dockerd says "No such image")."""


class ContainerNotFound(NotFound):
    """404 about a container (dockerd says "No such container")."""


class Conflict(APIError):
    """409: the object is in a state that forbids the operation, or a name is taken."""


class ServerError(APIError):
    """500: the daemon failed."""


class NotImplementedByDaemon(APIError):
    """501: the daemon does not implement the operation."""


class ServiceUnavailable(APIError):
    """503: e.g. the node is not a swarm manager."""


class DaemonUnreachable(DockerError):
    """No HTTP answer: the socket is missing, refused, or the TLS handshake failed."""

    def __init__(self, host: str, cause: str) -> None:
        self.host = host
        self.cause = cause
        super().__init__(f"cannot reach the Docker daemon at {host}: {cause}")


class ReadTimeout(DockerError, TimeoutError):
    """The daemon accepted the request but did not answer within the read timeout."""


class UnsupportedAPIVersion(DockerError):
    """The daemon's API version is outside the range this SDK speaks."""


class StreamError(DockerError):
    """A response stream is malformed (bad frame header, invalid JSON)."""


class ContainerError(DockerError):
    """A container run by ``containers.run`` exited with a non-zero status."""

    def __init__(
        self,
        container: str,
        exit_status: int,
        command: str | list[str] | None,
        image: str,
        stderr: bytes | None,
    ) -> None:
        self.container = container
        self.exit_status = exit_status
        self.command = command
        self.image = image
        self.stderr = stderr
        detail = f": {stderr.decode(errors='replace').strip()}" if stderr else ""
        super().__init__(
            f"command {command!r} in image {image!r} returned non-zero exit status "
            f"{exit_status}{detail}"
        )


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    500: ServerError,
    501: NotImplementedByDaemon,
    503: ServiceUnavailable,
}


def api_error(
    status: int,
    message: str,
    operation: str | None = None,
    response: requests.Response | None = None,
) -> APIError:
    """The exception for an error answer: the class follows the status, and for
    404 the message, which is the only clear sign of what was missing (a 404 on
    ``/containers/{id}/archive`` may be about a path, not the container)."""
    cls = _BY_STATUS.get(status, APIError)
    if status == 404:
        lowered = message.lower()
        if "no such image" in lowered or "reference does not exist" in lowered:
            cls = ImageNotFound
        elif "no such container" in lowered:
            cls = ContainerNotFound
    return cls(status, message, operation, response)
