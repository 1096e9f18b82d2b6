"""The handlers, one module per API area; ``HANDLERS`` finds any of them by operationId.

Modules are discovered rather than listed (each area's module is written by a
different hand, and a forgotten import would silently turn its operations
into 501s), and imported on first use: see ``registry``.  Private modules
(``_name``) are helpers, not handlers.
"""

from __future__ import annotations

from mockd.handlers.registry import HANDLERS, Handler, operation

__all__ = ["HANDLERS", "Handler", "operation"]
