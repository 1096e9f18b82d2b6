"""``POST /containers/create`` body from docker-py-shaped arguments.

``build_create_body("busybox", "echo hi", ports={"80/tcp": 8080}, ...)``
returns ``(body, query)``: the JSON body and the query (``name``, ``platform``).
The arguments are those of docker-py's ``client.containers.create/run``
(plus readable aliases: ``memory``, ``memory_swap``, ``memory_reservation``,
``cpus``, ``expose``), so code moves over by changing imports.

Where this differs from docker-py on purpose:
- bind targets are not repeated in ``Volumes`` (only anonymous volumes are,
  as with the docker CLI), and "/anon" in a ``volumes`` list becomes an
  anonymous volume rather than a (rejected) bind;
- ``labels=["k=v"]`` means {"k": "v"} (docker-py: {"k=v": ""});
- ``network="net"`` sends ``NetworkingConfig.EndpointsConfig`` (the API's
  shape) and healthcheck durations given with lowercase keys are seconds;
- ``use_config_proxy`` is accepted and ignored: no proxy variables are
  injected from ~/.docker/config.json.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dockersdk.params.errors import InvalidArgument, UnexpectedArgument
from dockersdk.params.host_config import build_host_config
from dockersdk.params.mounts import build_volumes
from dockersdk.params.policies import healthcheck
from dockersdk.params.ports import build_ports

CommandArgument = str | Sequence[str]

# Arguments that only shape client-side behaviour or the query.
_IGNORED = frozenset({"use_config_proxy", "version"})


def build_create_body(
    image: str, command: CommandArgument | None = None, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return ``(body, query)`` for ``POST /containers/create``."""
    if not isinstance(image, str) or not image:
        raise InvalidArgument("image must be a non-empty string", argument="image")
    options = dict(kwargs)
    for name in _IGNORED:
        options.pop(name, None)

    query: dict[str, str] = {}
    name = options.pop("name", None)
    if name is not None:
        query["name"] = _string(name, "name")
    platform = options.pop("platform", None)
    if platform is not None:
        query["platform"] = _string(platform, "platform")

    detach = bool(options.pop("detach", False))
    stdin_open = _flag(options.pop("stdin_open", False), "stdin_open")
    tty = _flag(options.pop("tty", False), "tty")
    ports = build_ports(options.pop("ports", None), options.pop("expose", None))
    volumes = build_volumes(options.pop("volumes", None))
    network = options.pop("network", None)
    networking_config = options.pop("networking_config", None)
    network_mode = options.pop("network_mode", None)
    if network is not None and network_mode is not None and network != network_mode:
        raise InvalidArgument("give network or network_mode, not both", argument="network")

    body: dict[str, Any] = {
        "Hostname": _optional_string(options.pop("hostname", None), "hostname"),
        "Domainname": _optional_string(options.pop("domainname", None), "domainname"),
        "User": _user(options.pop("user", None)),
        "Tty": tty,
        "OpenStdin": stdin_open,
        # Attach flags and StdinOnce as docker-py sets them for a foreground run.
        "StdinOnce": stdin_open and not detach,
        "AttachStdin": stdin_open and not detach,
        "AttachStdout": not detach,
        "AttachStderr": not detach,
        "Env": environment(options.pop("environment", None)),
        "Cmd": _command(command, "command"),
        "Entrypoint": _command(options.pop("entrypoint", None), "entrypoint"),
        "Image": image,
        "WorkingDir": _optional_string(options.pop("working_dir", None), "working_dir"),
        "Labels": labels(options.pop("labels", None)),
        "StopSignal": _stop_signal(options.pop("stop_signal", None)),
        "StopTimeout": _stop_timeout(options.pop("stop_timeout", None)),
        "MacAddress": _optional_string(options.pop("mac_address", None), "mac_address"),
        "NetworkDisabled": _flag(options.pop("network_disabled", False), "network_disabled"),
        "ExposedPorts": ports.exposed_ports or None,
        "Volumes": volumes.anonymous or None,
    }
    health = options.pop("healthcheck", None)
    if health is not None:
        body["Healthcheck"] = healthcheck(health)

    host_config = build_host_config(options)
    if options:
        raise UnexpectedArgument(_unexpected_message(options))
    if ports.port_bindings:
        host_config["PortBindings"] = ports.port_bindings
    if volumes.binds:
        host_config["Binds"] = volumes.binds
    mode = network or network_mode
    if mode == "host" and ports.port_bindings:
        raise InvalidArgument(
            "published ports cannot be used with network_mode 'host'", argument="ports"
        )
    host_config["NetworkMode"] = _string(mode, "network") if mode else "default"
    body["HostConfig"] = host_config
    if networking_config is not None:
        body["NetworkingConfig"] = _networking_config(networking_config)
    elif network is not None:
        body["NetworkingConfig"] = {"EndpointsConfig": {network: {}}}
    return {key: value for key, value in body.items() if value is not None}, query


def environment(value: Mapping[str, Any] | Iterable[str] | None) -> list[str] | None:
    """{"A": "1", "B": None} -> ["A=1", "B"] (a bare name passes the caller's value)."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            _env_name(str(key))
            if isinstance(item, bytes):
                item = item.decode()
            items.append(str(key) if item is None else f"{key}={item}")
        return items
    if isinstance(value, str):
        raise InvalidArgument(
            "environment must be a dict or a list of 'NAME=value'", argument="environment"
        )
    result = []
    for entry in value:
        if not isinstance(entry, str):
            raise InvalidArgument(
                f"environment entry {entry!r} must be a string", argument="environment"
            )
        _env_name(entry.partition("=")[0])
        result.append(entry)
    return result


def _env_name(name: str) -> None:
    if not name or any(char.isspace() for char in name):
        raise InvalidArgument(f"invalid environment variable name {name!r}", argument="environment")


def labels(value: Mapping[str, Any] | Iterable[str] | None) -> dict[str, str] | None:
    """A dict, or a list of "name" / "name=value"."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    if isinstance(value, str):
        raise InvalidArgument("labels must be a dict or a list", argument="labels")
    result = {}
    for entry in value:
        key, _, item = str(entry).partition("=")
        if not key:
            raise InvalidArgument(f"invalid label {entry!r}", argument="labels")
        result[key] = item
    return result


def _command(value: CommandArgument | None, argument: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as error:
            raise InvalidArgument(
                f"cannot split {argument} {value!r}: {error}", argument=argument
            ) from None
    items = list(value)
    if any(not isinstance(item, str) for item in items):
        raise InvalidArgument(
            f"{argument} must be a string or a list of strings", argument=argument
        )
    return items


def _user(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidArgument("user must be a name, a uid or 'uid:gid'", argument="user")
    return str(value)


def _stop_signal(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _string(value, "stop_signal")


def _stop_timeout(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < -1:
        raise InvalidArgument(
            "stop_timeout must be an int of seconds (-1: wait forever)", argument="stop_timeout"
        )
    return value


def _networking_config(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArgument("networking_config must be a dict", argument="networking_config")
    if "EndpointsConfig" in value:
        return dict(value)
    # docker-py 7: {network_name: EndpointConfig-or-dict}
    return {"EndpointsConfig": {str(key): dict(item or {}) for key, item in value.items()}}


def _flag(value: Any, argument: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{argument} must be a bool, not {value!r}", argument=argument)
    return value


def _string(value: Any, argument: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{argument} must be a non-empty string", argument=argument)
    return value


def _optional_string(value: Any, argument: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{argument} must be a string", argument=argument)
    return value


def _unexpected_message(leftover: Mapping[str, Any]) -> str:
    # docker-py's wording, so messages read the same after moving over.
    names = ", ".join(f"'{key}'" for key in sorted(leftover))
    if len(leftover) == 1:
        return f"create() got an unexpected keyword argument {names}"
    return f"create() got unexpected keyword arguments {names}"
