"""The classic builder (``POST /build`` without BuildKit): Dockerfile parsing and execution."""

from mockd.builder.executor import Build, BuildOptions, StepFailed, build_stream, prepare
from mockd.builder.parser import DockerfileParseError, Instruction, parse_dockerfile

__all__ = [
    "Build",
    "BuildOptions",
    "DockerfileParseError",
    "Instruction",
    "StepFailed",
    "build_stream",
    "parse_dockerfile",
    "prepare",
]
