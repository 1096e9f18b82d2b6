"""Handlers by operationId.

A handler module registers each function with ``@operation("SystemPing")``;
the router looks handlers up here by the operationId of the matched route.
Handlers are thin: they read the request, call the engine, and shape the reply
for the request's API version.  They hold no state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from mockd.http import Reply, Request

if TYPE_CHECKING:
    from mockd.engine import Engine

Handler = Callable[[Request, "Engine"], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise RuntimeError(f"two handlers for {operation_id}")
        HANDLERS[operation_id] = fn
        return fn

    return register
