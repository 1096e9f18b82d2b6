"""Every handler module, imported so that ``registry.HANDLERS`` is complete.

Modules are discovered rather than listed: each API tag's module is written
by a different hand, and a forgotten import here would silently turn its
operations into 501s.  Private modules (``_name``) are helpers, not handlers.
"""

from __future__ import annotations

import importlib
import pkgutil

from mockd.handlers.registry import HANDLERS, Handler, operation

__all__ = ["HANDLERS", "Handler", "operation"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")
