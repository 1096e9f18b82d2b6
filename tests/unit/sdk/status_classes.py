"""The error class dockerd's status codes map to: one table for the error and transport tests."""

from __future__ import annotations

from dockersdk import errors

STATUS_CLASSES: list[tuple[int, type[errors.APIError]]] = [
    (400, errors.BadRequest),
    (401, errors.Unauthorized),
    (403, errors.Forbidden),
    (404, errors.NotFound),
    (409, errors.Conflict),
    (500, errors.ServerError),
    (501, errors.NotImplementedByDaemon),
    (503, errors.ServiceUnavailable),
    (418, errors.APIError),  # statuses without a class of their own
    (502, errors.APIError),
]
