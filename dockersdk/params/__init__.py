"""Typed, validated parameters: readable arguments in, Engine API JSON out.

Pure functions (no HTTP) used by the containers, images and system APIs.
"""

from dockersdk.params.container_config import build_create_body, environment, labels
from dockersdk.params.durations import parse_duration, to_nanoseconds, to_timestamp
from dockersdk.params.errors import InvalidArgument, UnexpectedArgument
from dockersdk.params.mounts import (
    Mount,
    build_mounts,
    build_tmpfs,
    build_volumes,
    parse_volume_spec,
)
from dockersdk.params.policies import Healthcheck, healthcheck, log_config, restart_policy
from dockersdk.params.ports import PortConfig, build_ports
from dockersdk.params.units import parse_bytes

__all__ = [
    "Healthcheck",
    "InvalidArgument",
    "Mount",
    "PortConfig",
    "UnexpectedArgument",
    "build_create_body",
    "build_mounts",
    "build_ports",
    "build_tmpfs",
    "build_volumes",
    "environment",
    "healthcheck",
    "labels",
    "log_config",
    "parse_bytes",
    "parse_duration",
    "parse_volume_spec",
    "restart_policy",
    "to_nanoseconds",
    "to_timestamp",
]
