"""The configs a build step writes: container.Config in dockerd's shape, and the image JSON.

dockerd writes an image's ``config`` and ``container_config`` with every
``container.Config`` key in the struct's order (zero values included, the
``omitempty`` ones left out when empty) and the image JSON with its keys
sorted (it marshals through a map); the image ID is the sha256 of those bytes.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec

# (key, zero value, omitted when empty) in container.Config's field order.
_CONFIG_FIELDS: tuple[tuple[str, Any, bool], ...] = (
    ("Hostname", "", False), ("Domainname", "", False), ("User", "", False),
    ("AttachStdin", False, False), ("AttachStdout", False, False),
    ("AttachStderr", False, False), ("ExposedPorts", None, True), ("Tty", False, False),
    ("OpenStdin", False, False), ("StdinOnce", False, False), ("Env", None, False),
    ("Cmd", None, False), ("Healthcheck", None, True), ("ArgsEscaped", False, True),
    ("Image", "", False), ("Volumes", None, False), ("WorkingDir", "", False),
    ("Entrypoint", None, False), ("NetworkDisabled", False, True), ("MacAddress", "", True),
    ("OnBuild", None, False), ("Labels", None, False), ("StopSignal", "", True),
    ("StopTimeout", None, True), ("Shell", None, True),
)  # fmt: skip


def go_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with dockerd's keys, order and zero values."""
    out: dict[str, Any] = {}
    for key, zero, omit_empty in _CONFIG_FIELDS:
        value = config.get(key, zero)
        if value is None:
            value = zero
        if omit_empty and not value:
            continue
        out[key] = copy.deepcopy(value)
    return out


def image_json(
    *,
    architecture: str,
    config: dict[str, Any],
    container: str,
    container_config: dict[str, Any],
    created: str,
    docker_version: str,
    history: list[dict[str, Any]],
    diff_ids: list[str],
) -> bytes:
    """The image config bytes (keys sorted, as dockerd's map marshalling gives)."""
    image: dict[str, Any] = {
        "architecture": architecture,
        "config": go_config(config),
    }
    if container:
        image["container"] = container
    image["container_config"] = go_config(container_config)
    image["created"] = created
    image["docker_version"] = docker_version
    image["history"] = history
    image["os"] = "linux"
    image["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    return msgspec.json.encode(image)


def history_entry(created: str, created_by: str, *, empty_layer: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"created": created, "created_by": created_by}
    if empty_layer:
        entry["empty_layer"] = True
    return entry
