"""``docker import`` and the pieces of image config that import and commit share.

* ``apply_changes``: the ``--change`` instructions (``CMD ["sh"]``, ``ENV A=1``,
  ``WORKDIR /x``, ``EXPOSE 80``...) applied to a container config, as moby's
  ``dockerfile.BuildFromConfig`` does for the commands it allows there.
* ``go_config``: a container config with every key Go's ``container.Config``
  writes, in its field order, so stored configs look like dockerd's.
* ``import_image``: a rootfs tar becomes a one-layer image (moby's
  ``daemon/images/image_import.go``).
"""

from __future__ import annotations

import json
import posixpath
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from mockd.engine.clock import rfc3339_nano
from mockd.engine.images import Image, ImageStore
from mockd.engine.platforms import host_arch
from mockd.errors import InvalidParameter
from mockd.fs.errors import TarSafetyError
from mockd.fs.tarread import TarLimits, layer_from_tar

DOCKER_VERSION = "20.10.24+dfsg1"  # what the reference engine writes in docker_version

# container.Config's JSON fields in Go's order; True marks ``omitempty``.
_CONFIG_FIELDS: tuple[tuple[str, bool, Any], ...] = (
    ("Hostname", False, ""), ("Domainname", False, ""), ("User", False, ""),
    ("AttachStdin", False, False), ("AttachStdout", False, False),
    ("AttachStderr", False, False), ("ExposedPorts", True, None), ("Tty", False, False),
    ("OpenStdin", False, False), ("StdinOnce", False, False), ("Env", False, None),
    ("Cmd", False, None), ("Healthcheck", True, None), ("ArgsEscaped", True, None),
    ("Image", False, ""), ("Volumes", False, None), ("WorkingDir", False, ""),
    ("Entrypoint", False, None), ("NetworkDisabled", True, None),
    ("MacAddress", True, None), ("OnBuild", False, None), ("Labels", False, None),
    ("StopSignal", True, None), ("StopTimeout", True, None), ("Shell", True, None),
)  # fmt: skip

# builder/dockerfile: the instructions ``--change`` accepts.
VALID_CHANGE_COMMANDS = ("cmd", "entrypoint", "healthcheck", "env", "expose", "label",
                         "onbuild", "user", "volume", "workdir")  # fmt: skip


def go_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with Go's keys and order (zero values kept unless ``omitempty``)."""
    out: dict[str, Any] = {}
    for key, omit_empty, zero in _CONFIG_FIELDS:
        value = config.get(key, zero)
        if omit_empty and value in (None, "", False, [], {}, 0):
            continue
        out[key] = value
    return out


def change_lines(values: Iterable[str] | str | None) -> list[str]:
    """The ``changes`` query values as instructions (the CLI sends one per value)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [line.strip() for value in values for line in value.splitlines() if line.strip()]


def _json_or_shell(rest: str) -> list[str]:
    """An instruction's exec form (a JSON array of strings) or shell form."""
    try:
        parsed = json.loads(rest)
    except ValueError:
        parsed = None
    if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
        return parsed
    return ["/bin/sh", "-c", rest]


def _pairs(keyword: str, rest: str) -> list[tuple[str, str]]:
    """``ENV``/``LABEL`` arguments: ``k=v k2="v 2"``, or the legacy ``k v``."""
    words = shlex.split(rest)
    if not words:
        raise InvalidParameter(f"{keyword} requires at least one argument")
    if "=" not in words[0]:
        key, _, value = rest.strip().partition(" ")
        return [(key, value.strip())]
    pairs: list[tuple[str, str]] = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise InvalidParameter(f"{keyword} names can not be blank")
        pairs.append((key, value))
    return pairs


def apply_changes(config: Mapping[str, Any], changes: Sequence[str]) -> dict[str, Any]:
    """A copy of ``config`` with the instructions applied; 400 as dockerd for others."""
    out: dict[str, Any] = json.loads(json.dumps(dict(config)))  # a deep copy of JSON data
    cmd_set = False
    for line in changes:
        keyword, _, rest = line.strip().partition(" ")
        command = keyword.lower()
        rest = rest.strip()
        if command not in VALID_CHANGE_COMMANDS:
            raise InvalidParameter(f"{command} is not a valid change command")
        if command == "cmd":
            out["Cmd"] = _json_or_shell(rest)
            cmd_set = True
        elif command == "entrypoint":
            out["Entrypoint"] = _json_or_shell(rest)
            if not cmd_set:  # a new entrypoint drops the inherited CMD, as in a Dockerfile
                out["Cmd"] = None
        elif command == "env":
            env = [str(e) for e in out.get("Env") or []]
            for key, value in _pairs("ENV", rest):
                env = [e for e in env if e.partition("=")[0] != key] + [f"{key}={value}"]
            out["Env"] = env
        elif command == "label":
            labels = dict(out.get("Labels") or {})
            labels.update(_pairs("LABEL", rest))
            out["Labels"] = labels
        elif command == "expose":
            ports = dict(out.get("ExposedPorts") or {})
            for port in rest.split():
                ports[port if "/" in port else f"{port}/tcp"] = {}
            out["ExposedPorts"] = ports
        elif command == "volume":
            volumes = dict(out.get("Volumes") or {})
            paths = _json_or_shell(rest) if rest.startswith("[") else rest.split()
            volumes.update({p: {} for p in paths})
            out["Volumes"] = volumes
        elif command == "user":
            out["User"] = rest
        elif command == "workdir":
            out["WorkingDir"] = posixpath.join(str(out.get("WorkingDir") or "/"), rest)
        elif command == "onbuild":
            out["OnBuild"] = [*(out.get("OnBuild") or []), rest]
        elif command == "healthcheck":
            if rest.upper() == "NONE":
                out["Healthcheck"] = {"Test": ["NONE"]}
            else:
                kind, _, probe = rest.partition(" ")
                if kind.upper() != "CMD":
                    raise InvalidParameter("Unknown type for healthcheck")
                test = _json_or_shell(probe.strip())
                out["Healthcheck"] = {"Test": ["CMD", *test] if probe.strip().startswith("[")
                                      else ["CMD-SHELL", probe.strip()]}  # fmt: skip
    return out


def encode_config(config: Mapping[str, Any]) -> bytes:
    """Config bytes as Go's encoder writes them: sorted top-level keys (moby marshals a
    map), compact, with ``<``, ``>``, ``&`` escaped as Go's HTML-safe encoder does."""
    text = json.dumps(dict(sorted(config.items())), separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def import_image(
    store: ImageStore,
    tar_stream: IO[bytes],
    *,
    repo: str = "",
    tag: str = "",
    message: str = "",
    changes: Sequence[str] = (),
    source: str = "-",
    platform_os: str = "linux",
    limits: TarLimits | None = None,
) -> Image:
    """``POST /images/create?fromSrc=-``: the tar becomes a layer; ``import`` event.

    Everything is validated (reference, changes, the archive, held to ``limits``,
    by default the daemon's) before the store changes.
    """
    ref = None
    if repo:
        from mockd.engine.references import parse_normalized

        ref = parse_normalized(repo)
        if ref.digest:
            raise InvalidParameter("cannot import digest reference")
        ref = (ref.with_tag(tag) if tag else ref).with_default_tag()
    config = go_config(apply_changes({}, changes))
    try:
        layer = layer_from_tar(tar_stream, limits)
    except TarSafetyError as exc:
        # dockerd's words; its status is a 500, the mock keeps refused archives a 400.
        raise InvalidParameter(exc.untar_message()) from None
    comment = message or f"Imported from {source}"
    created = rfc3339_nano(store.clock.now_ns())
    image_config = {
        "architecture": host_arch(),
        "comment": comment,
        "config": config,
        "container_config": go_config({}),
        "created": created,
        "docker_version": DOCKER_VERSION,
        "history": [{"created": created, "comment": comment}],
        "os": platform_os,
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
    }
    image = store.add(encode_config(image_config), [layer])
    if ref is not None:  # dockerd tags first, then reports the import
        store.tag(image.id, ref.name, ref.tag)
    store.events.publish("image", "import", image.id, {**image.labels, "name": image.id})
    return image
