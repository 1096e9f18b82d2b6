"""Instructions that only change the image config (ENV, LABEL, CMD, ...), and the stage state.

Each ``apply_*`` function changes a :class:`Stage`'s runtime config and
returns the text dockerd writes after ``#(nop)`` in the history
(``ENV A=1``, ``CMD ["sh"]``, ``VOLUME [/v]``: Go's ``%q`` and ``%v``
formatting of the values, as the classic builder prints them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockd.builder.parser import Instruction, parse_json_array, split_words
from mockd.builder.words import expand
from mockd.fs import paths
from mockd.fs.layer import Layer

DEFAULT_SHELL = ["/bin/sh", "-c"]
# Build args every build accepts without an ARG (moby's builtinAllowedBuildArgs).
PREDEFINED_ARGS = frozenset({
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
})  # fmt: skip


class InstructionError(ValueError):
    """A step that cannot be applied (reported in the stream as the step's error)."""


@dataclass
class Stage:
    """What a build stage has so far: its image, config, layers, history and args."""

    name: str  # the ``AS`` name, lower-case, or ""
    index: int
    image_id: str  # "" while a ``FROM scratch`` stage has no step yet
    config: dict[str, Any]
    layers: list[Layer]
    history: list[dict[str, Any]]
    args: dict[str, str | None] = field(default_factory=dict)  # ARGs declared in the stage
    cmd_set: bool = False
    # The ARGs before the first FROM: an ``ARG NAME`` without a default takes its value.
    meta_args: dict[str, str | None] = field(default_factory=dict)

    @property
    def shell(self) -> list[str]:
        return list(self.config.get("Shell") or DEFAULT_SHELL)

    @property
    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for entry in self.config.get("Env") or []:
            key, _, value = str(entry).partition("=")
            out[key] = value
        return out

    def arg_values(self) -> dict[str, str]:
        """Declared args with a value that ENV does not override (moby's FilterAllowed)."""
        env = self.env
        return {k: v for k, v in self.args.items() if v is not None and k not in env}

    def expansion_env(self) -> dict[str, str]:
        return {**self.arg_values(), **self.env}

    def set_env(self, key: str, value: str) -> None:
        env = list(self.config.get("Env") or [])
        entry = f"{key}={value}"
        for i, existing in enumerate(env):
            if str(existing).partition("=")[0] == key:
                env[i] = entry
                break
        else:
            env.append(entry)
        self.config["Env"] = env


# -- Go formatting of values in history lines ----------------------------------


def go_quote_list(values: list[str]) -> str:
    """Go's ``%q`` of a []string: ``["a" "b"]``."""
    return "[" + " ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def go_list(values: list[str]) -> str:
    """Go's ``%v`` of a []string: ``[a b]``."""
    return "[" + " ".join(values) + "]"


def go_duration(nanos: int) -> str:
    """time.Duration.String for the whole-unit values healthchecks use."""
    if nanos == 0:
        return "0s"
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos % size == 0 or unit == "ns":
                return f"{nanos // size}{unit}" if nanos % size == 0 else f"{nanos}ns"
    seconds = nanos / 1e9
    hours, rem = divmod(seconds, 3600)
    minutes, secs = divmod(rem, 60)
    sec_text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{sec_text}"
    if minutes:
        return f"{int(minutes)}m{sec_text}"
    return sec_text


def _go_rune(value: int) -> str:
    return f"'{chr(value)}'" if 32 <= value < 127 else f"'\\x{value:02x}'"


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
            "m": 60_000_000_000, "h": 3_600_000_000_000}  # fmt: skip


def parse_duration(text: str, flag: str) -> int:
    if not text or not re.fullmatch(rf"(?:{_DURATION.pattern})+", text):
        raise InstructionError(f'time: invalid duration "{text}"')
    total = sum(int(float(n) * _UNIT_NS[u]) for n, u in _DURATION.findall(text))
    if 0 < total < 1_000_000:
        raise InstructionError(f"Interval {flag} cannot be less than 1ms")
    return total


# -- key=value arguments -----------------------------------------------------------


def key_values(inst: Instruction, env: Mapping[str, str]) -> list[tuple[str, str]]:
    """ENV and LABEL pairs (moby's parseNameVal), expanded; the old ``ENV k v`` form too."""
    words = split_words(inst.rest, inst.escape)
    if not words:
        raise InstructionError(f"{inst.keyword.upper()} requires at least one argument")
    if "=" not in words[0]:
        if inst.keyword == "label" or len(words) < 2:
            raise InstructionError(
                f"{inst.keyword.upper()} must have two arguments"
                if inst.keyword == "env" else
                f'Syntax error - can\'t find = in "{words[0]}". Must be of the form: name=value'
            )  # fmt: skip
        value = inst.rest.strip()[len(words[0]) :].strip()
        return [(expand(words[0], env, inst.escape), expand(value, env, inst.escape))]
    pairs: list[tuple[str, str]] = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise InstructionError(
                f'Syntax error - can\'t find = in "{word}". Must be of the form: name=value'
            )
        pairs.append((expand(key, env, inst.escape), expand(value, env, inst.escape)))
    return pairs


# -- the instructions ------------------------------------------------------------------


def apply_env(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    pairs = key_values(inst, stage.expansion_env())
    for key, value in pairs:
        stage.set_env(key, value)
    return "ENV " + " ".join(f"{k}={v}" for k, v in pairs)


def apply_label(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    pairs = key_values(inst, stage.expansion_env())
    labels = dict(stage.config.get("Labels") or {})
    labels.update(pairs)
    stage.config["Labels"] = labels
    return "LABEL " + " ".join(f"{k}={v}" for k, v in pairs)


def _exposed(spec: str) -> list[str]:
    port, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    low, dash, high = port.partition("-")
    if not low.isdigit() or (dash and not high.isdigit()):
        raise InstructionError(f"Invalid containerPort: {port}")
    return [f"{p}/{proto}" for p in range(int(low), int(high or low) + 1)]


def apply_expose(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    env = stage.expansion_env()
    ports = [expand(w, env, inst.escape) for w in split_words(inst.rest, inst.escape)]
    exposed = dict(stage.config.get("ExposedPorts") or {})
    for spec in ports:
        for port in _exposed(spec):
            exposed[port] = {}
    stage.config["ExposedPorts"] = exposed
    return "EXPOSE " + " ".join(sorted(ports))  # dockerd sorts them: a stable cache key


def apply_volume(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    env = stage.expansion_env()
    words = list(inst.json_args) if inst.json_args is not None else split_words(inst.rest)
    volumes_list = [expand(w, env, inst.escape) if inst.json_args is None else w for w in words]
    volumes = dict(stage.config.get("Volumes") or {})
    for volume in volumes_list:
        if not volume.strip():
            raise InstructionError("VOLUME specified can not be an empty string")
        volumes[volume.strip()] = {}
    stage.config["Volumes"] = volumes
    return "VOLUME " + go_list(volumes_list)


def command_args(inst: Instruction, stage: Stage) -> list[str]:
    """CMD / ENTRYPOINT / RUN arguments: the JSON list, or the shell with the line."""
    if inst.json_args is not None:
        return list(inst.json_args)
    return [*stage.shell, inst.rest]


def apply_cmd(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    cmd = command_args(inst, stage)
    stage.config["Cmd"] = cmd
    stage.cmd_set = True
    return "CMD " + go_quote_list(cmd)


def apply_entrypoint(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    entrypoint = command_args(inst, stage)
    stage.config["Entrypoint"] = entrypoint
    if not stage.cmd_set:
        stage.config["Cmd"] = None  # an inherited CMD does not survive a new ENTRYPOINT
    return "ENTRYPOINT " + go_quote_list(entrypoint)


def apply_user(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    user = expand(inst.rest, stage.expansion_env(), inst.escape)
    stage.config["User"] = user
    return "USER " + user


def apply_stopsignal(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    signal = expand(inst.rest, stage.expansion_env(), inst.escape)
    stage.config["StopSignal"] = signal
    return "STOPSIGNAL " + signal


def apply_shell(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    if inst.json_args is None:
        raise InstructionError("SHELL requires the arguments to be in JSON form")
    if not inst.json_args:
        raise InstructionError("SHELL requires at least one argument")
    stage.config["Shell"] = list(inst.json_args)
    return "SHELL " + go_list(list(inst.json_args))


def apply_healthcheck(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    words = inst.rest.split(None, 1)
    kind = words[0].upper() if words else ""
    health: dict[str, Any]
    if kind == "NONE":
        if len(words) > 1:
            raise InstructionError("HEALTHCHECK NONE takes no arguments")
        health = {"Test": ["NONE"]}
    elif kind == "CMD":
        rest = words[1] if len(words) > 1 else ""
        as_json = parse_json_array(rest)
        test = ["CMD", *as_json] if as_json is not None else ["CMD-SHELL", rest]
        health = {"Test": test}
        for flag, key in (("interval", "Interval"), ("timeout", "Timeout"),
                          ("start-period", "StartPeriod")):  # fmt: skip
            if flag in inst.flags:
                health[key] = parse_duration(inst.flags[flag], flag)
        if "retries" in inst.flags:
            retries = int(inst.flags["retries"]) if inst.flags["retries"].isdigit() else -1
            if retries < 1:
                raise InstructionError(f"--retries must be at least 1 (not {retries})")
            health["Retries"] = retries
    else:
        raise InstructionError(f'Unknown type "{kind}" in HEALTHCHECK (try CMD)')
    stage.config["Healthcheck"] = health
    durations = " ".join(
        f'"{go_duration(int(health.get(k, 0)))}"' for k in ("Interval", "Timeout", "StartPeriod")
    )
    return (
        f"HEALTHCHECK &{{{go_quote_list(health['Test'])} {durations} "
        f"{_go_rune(int(health.get('Retries', 0)))}}}"
    )


def apply_onbuild(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    triggers = list(stage.config.get("OnBuild") or [])
    triggers.append(inst.rest)
    stage.config["OnBuild"] = triggers
    return "ONBUILD " + inst.rest


def apply_maintainer(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    return "MAINTAINER " + expand(inst.rest, stage.expansion_env(), inst.escape)


def parse_arg(inst: Instruction, env: Mapping[str, str]) -> tuple[str, str | None]:
    """``ARG name[=default]``: the name and the (expanded) default."""
    name, sep, default = inst.rest.strip().partition("=")
    if not name:
        raise InstructionError("ARG requires exactly one argument")
    return name, expand(default, env, inst.escape) if sep else None


def apply_arg(inst: Instruction, stage: Stage, build_args: Mapping[str, str | None]) -> str:
    name, default = parse_arg(inst, stage.expansion_env())
    given = build_args.get(name)
    if given is None:
        given = default if default is not None else stage.meta_args.get(name)
    stage.args[name] = given
    return "ARG " + name + (f"={default}" if default is not None else "")


ConfigStep = Callable[[Instruction, Stage, Mapping[str, str | None]], str]

CONFIG_STEPS: dict[str, ConfigStep] = {
    "env": apply_env, "label": apply_label, "expose": apply_expose, "volume": apply_volume,
    "cmd": apply_cmd, "entrypoint": apply_entrypoint, "user": apply_user,
    "stopsignal": apply_stopsignal, "shell": apply_shell, "healthcheck": apply_healthcheck,
    "onbuild": apply_onbuild, "maintainer": apply_maintainer, "arg": apply_arg,
}  # fmt: skip


def workdir_path(inst: Instruction, stage: Stage) -> str:
    """WORKDIR's target: expanded, relative to the current one."""
    value = expand(inst.rest, stage.expansion_env(), inst.escape)
    current = str(stage.config.get("WorkingDir") or "/")
    return paths.clean(value if value.startswith("/") else f"{current}/{value}")
