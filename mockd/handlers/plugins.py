"""Managed plugins: the mock is a dockerd with none installed, and no plugin store.

Listing answers ``[]`` (after dockerd's filter checks); naming a plugin
answers dockerd's 404 ``plugin "x" not found``.  Installing one (pull,
create, privileges) needs a plugin store and a way to run plugins, which the
mock lacks: those fail with a 500, the status dockerd gives a pull or create
that cannot complete (an unreachable remote, an unreadable rootfs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockd.engine.references import parse_normalized
from mockd.errors import DaemonError, InvalidParameter, NotFound, SystemError_
from mockd.filters import validate_filters
from mockd.handlers._params import filters
from mockd.handlers.registry import operation
from mockd.http import Reply, Request, json_response

if TYPE_CHECKING:
    from mockd.engine import Engine

PLUGIN_FILTERS = ("capability", "enabled")
NO_PLUGIN_STORE = "the mock daemon has no plugin store: plugins cannot be installed"


def not_found(name: str) -> NotFound:
    return NotFound(f'plugin "{name}" not found')


@operation("PluginList")
async def plugin_list(req: Request, engine: Engine) -> Reply:
    args = filters(req)
    validate_filters(args, PLUGIN_FILTERS)
    for value in args.get("enabled", []):
        if value not in ("true", "false"):
            raise InvalidParameter(f"Invalid filter 'enabled={value}'")
    return json_response([])


async def unknown_plugin(req: Request, engine: Engine) -> Reply:
    """Every call naming a plugin: there are none, so each is dockerd's 404."""
    raise not_found(req.path_params["name"])


for _operation_id in ("PluginInspect", "PluginDelete", "PluginDisable", "PluginPush", "PluginSet"):
    operation(_operation_id)(unknown_plugin)


@operation("PluginEnable")
async def plugin_enable(req: Request, engine: Engine) -> Reply:
    # dockerd parses ``timeout`` (strconv.Atoi) before looking the plugin up.
    timeout = (req.query.get("timeout") or [""])[0]  # as sent: the spec's default hides absence
    try:
        int(timeout)
    except ValueError:
        raise SystemError_(f'strconv.Atoi: parsing "{timeout}": invalid syntax') from None
    raise not_found(req.path_params["name"])


@operation("PluginUpgrade")
async def plugin_upgrade(req: Request, engine: Engine) -> Reply:
    # dockerd looks the plugin up by its normalized reference: ``x`` is ``x:latest``.
    name = req.path_params["name"]
    try:
        shown = parse_normalized(name).with_default_tag().familiar()
    except DaemonError:
        shown = name
    raise not_found(shown)


@operation("GetPluginPrivileges")
async def plugin_privileges(req: Request, engine: Engine) -> Reply:
    raise SystemError_(f"error resolving plugin reference: {NO_PLUGIN_STORE}")


@operation("PluginPull")
async def plugin_pull(req: Request, engine: Engine) -> Reply:
    raise SystemError_(f"error resolving plugin reference: {NO_PLUGIN_STORE}")


@operation("PluginCreate")
async def plugin_create(req: Request, engine: Engine) -> Reply:
    raise SystemError_(NO_PLUGIN_STORE)
