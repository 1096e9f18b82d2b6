"""What runs inside a mock container: the program model, the shell, the applets.

The engine starts a container's command with ``run_program`` (or
``start_program`` to see exec errors at start), giving it a
``ProgramContext``; users add programs for their images with
``ProgramRegistry.register`` and the marker ``registry.marker(NAME)``.
"""

from mockd.programs.api import (
    CommandNotFound,
    ExecError,
    ExecFormatError,
    NoSuchFile,
    PermissionDenied,
    Program,
    ProgramClock,
    ProgramContext,
    Usage,
    User,
)
from mockd.programs.process import ProcessInfo, ProcessTable
from mockd.programs.registry import (
    ProgramRegistry,
    default_registry,
    marker,
    new_registry,
)
from mockd.programs.runner import Process, run_program, start_callable, start_program
from mockd.programs.signals import Signals
from mockd.programs.streams import (
    BufferOutput,
    BytesInput,
    CallbackOutput,
    EmptyInput,
    InputStream,
    NullOutput,
    OutputStream,
    Pipe,
)

__all__ = [
    "BufferOutput",
    "BytesInput",
    "CallbackOutput",
    "CommandNotFound",
    "EmptyInput",
    "ExecError",
    "ExecFormatError",
    "InputStream",
    "NoSuchFile",
    "NullOutput",
    "OutputStream",
    "PermissionDenied",
    "Pipe",
    "Process",
    "ProcessInfo",
    "ProcessTable",
    "Program",
    "ProgramClock",
    "ProgramContext",
    "ProgramRegistry",
    "Signals",
    "Usage",
    "User",
    "default_registry",
    "marker",
    "new_registry",
    "run_program",
    "start_callable",
    "start_program",
]
