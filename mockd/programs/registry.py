"""Which program a file in a container runs, decided by what the file is.

* Our catalogue images' executables hold a marker, ``#!mockd-program NAME``,
  bound to a registered Python program.
* A real busybox binary (found by its content: an ELF holding ``BusyBox v``
  and the applet-name table) runs the applet named by ``argv[0]``, or by
  ``argv[1]`` in the ``busybox APPLET ...`` form.
* A ``#!`` script runs its interpreter, resolved in the same filesystem, with
  the script's path as an argument (so ``#!/bin/sh`` reaches the shell).
* Anything else cannot run: ``ExecFormatError``.

Classifying a file is cached by the identity of its bytes (the filesystem
hands out the same ``bytes`` object for an unchanged file), so the 2 MB
busybox is scanned once, not on every exec.
"""

from __future__ import annotations

import functools
import posixpath
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mockd.fs.api import FileSystem
from mockd.programs.api import (
    DEFAULT_PATH,
    AnyProgram,
    CommandNotFound,
    ExecFormatError,
    NoSuchFile,
    PermissionDenied,
)

MARKER_PREFIX = b"#!mockd-program "
ELF_MAGIC = b"\x7fELF"
BUSYBOX_SIGNATURE = b"BusyBox v"
_MAX_INTERPRETER_DEPTH = 4  # Linux allows a few levels of #! interpreters


def marker(name: str) -> bytes:
    """The content of an executable bound to the registered program ``name``."""
    return MARKER_PREFIX + name.encode() + b"\n"


@dataclass(frozen=True)
class FileKind:
    """What an executable file is."""

    kind: Literal["marker", "busybox", "script", "elf", "unknown"]
    name: str = ""  # marker: the program name
    interpreter: str = ""  # script: the #! path
    interpreter_arg: str = ""  # script: the one optional #! argument
    applets: frozenset[str] = frozenset()  # busybox: the names in its applet table


@dataclass(frozen=True)
class Resolved:
    program: AnyProgram
    argv: list[str]
    path: str  # the file that was executed


def classify(data: bytes) -> FileKind:
    """Look at a file's content (uncached; see ``ProgramRegistry.kind_of``)."""
    if data.startswith(MARKER_PREFIX):
        line = data[len(MARKER_PREFIX) :].split(b"\n", 1)[0]
        return FileKind("marker", name=line.decode(errors="replace").strip())
    if data.startswith(b"#!"):
        text = data[2:].split(b"\n", 1)[0].decode(errors="replace").strip()
        interpreter, _, arg = text.partition(" ")
        return FileKind("script", interpreter=interpreter, interpreter_arg=arg.strip())
    if data.startswith(ELF_MAGIC):
        if BUSYBOX_SIGNATURE in data:
            return FileKind("busybox", applets=_busybox_applets(data))
        return FileKind("elf")
    return FileKind("unknown")


def _busybox_applets(data: bytes) -> frozenset[str]:
    # The applet names are one NUL-separated, sorted string table that starts
    # with "[" and "[[" in every build that has test(1).
    start = data.find(b"[\x00[[\x00")
    if start < 0:
        return frozenset()
    names: list[str] = []
    for raw in data[start:].split(b"\x00"):
        if not raw or not raw.isascii() or len(raw) > 32:
            break
        names.append(raw.decode())
    return frozenset(names)


def probe(fs: FileSystem, path: str) -> tuple[str, int] | None:
    """(kind, permission bits) of what ``path`` names, or ``None`` when nothing is.

    Through the filesystem's own ``probe`` when it has one (the mount table and
    the layered filesystems do): a ``$PATH`` search misses in most of its
    directories, and a miss then costs no exception.
    """
    fast = getattr(fs, "probe", None)
    if fast is not None:
        found: tuple[str, int] | None = fast(path)
        return found
    try:
        st = fs.stat(path)
    except OSError:
        return None
    return st.kind, st.mode


@functools.lru_cache(maxsize=64)
def _search_dirs(search_path: str, cwd: str) -> tuple[str, ...]:
    """``$PATH``'s directories as absolute prefixes ending in ``/`` (an empty entry is ``.``)."""
    out: list[str] = []
    for directory in search_path.split(":"):
        prefix = posixpath.join(directory or ".", "")
        out.append(prefix if prefix.startswith("/") else posixpath.join(cwd, prefix))
    return tuple(out)


class ProgramRegistry:
    """Registered programs, and resolution of ``argv[0]`` to a program."""

    CACHE_SIZE = 512

    def __init__(self) -> None:
        self._programs: dict[str, AnyProgram] = {}
        self._kinds: OrderedDict[int, tuple[bytes, FileKind]] = OrderedDict()
        self.busybox_program: AnyProgram | None = None  # runs a busybox binary

    # -- registration ---------------------------------------------------------

    def register(self, name: str, program: AnyProgram) -> None:
        self._programs[name] = program

    def program(self, name: str) -> Callable[[AnyProgram], AnyProgram]:
        """Decorator form of ``register``."""

        def decorate(program: AnyProgram) -> AnyProgram:
            self.register(name, program)
            return program

        return decorate

    def get(self, name: str) -> AnyProgram | None:
        return self._programs.get(name)

    def names(self) -> list[str]:
        return sorted(self._programs)

    # -- classification ---------------------------------------------------------

    def kind_of(self, data: bytes) -> FileKind:
        key = id(data)
        hit = self._kinds.get(key)
        # The cache keeps ``data`` alive, so its id cannot be reused by other bytes.
        if hit is not None and hit[0] is data:
            self._kinds.move_to_end(key)
            return hit[1]
        kind = classify(data)
        self._kinds[key] = (data, kind)
        if len(self._kinds) > self.CACHE_SIZE:
            self._kinds.popitem(last=False)
        return kind

    # -- resolution -------------------------------------------------------------

    def find_executable(self, fs: FileSystem, name: str, *, env: dict[str, str], cwd: str) -> str:
        """The path ``name`` refers to: as is when it has a ``/``, else searched in ``$PATH``."""
        if "/" in name:
            path = posixpath.normpath(posixpath.join(cwd, name))
            found = probe(fs, path)
            if found is None:
                raise NoSuchFile(name)
            if found[0] == "dir" or not found[1] & 0o111:
                raise PermissionDenied(name)
            return path
        for directory in _search_dirs(env.get("PATH", DEFAULT_PATH), cwd):
            path = directory + name
            found = probe(fs, path)
            if found is not None and found[0] != "dir" and found[1] & 0o111:
                return posixpath.normpath(path)
        raise CommandNotFound(name)

    def resolve(
        self, fs: FileSystem, argv: list[str], *, env: dict[str, str], cwd: str
    ) -> Resolved:
        """Find ``argv[0]`` and decide what runs it; raises an ``ExecError`` when nothing can."""
        if not argv:
            raise NoSuchFile("")
        path = self.find_executable(fs, argv[0], env=env, cwd=cwd)
        return self._bind(fs, path, list(argv), depth=0)

    def _bind(self, fs: FileSystem, path: str, argv: list[str], *, depth: int) -> Resolved:
        try:
            data = fs.read_file(path)
        except OSError:
            raise PermissionDenied(argv[0]) from None
        kind = self.kind_of(data)
        if kind.kind == "marker":
            program = self._programs.get(kind.name)
            if program is None:
                raise ExecFormatError(argv[0], f"no program registered as {kind.name!r}")
            return Resolved(program, argv, path)
        if kind.kind == "busybox" and self.busybox_program is not None:
            return Resolved(self.busybox_program, argv, path)
        if kind.kind == "script" and depth < _MAX_INTERPRETER_DEPTH:
            interpreter = kind.interpreter
            found = probe(fs, interpreter)
            if found is None:
                raise NoSuchFile(interpreter)
            if found[0] == "dir" or not found[1] & 0o111:
                raise PermissionDenied(interpreter)
            script_argv = [interpreter]
            if kind.interpreter_arg:
                script_argv.append(kind.interpreter_arg)
            script_argv += [path, *argv[1:]]
            return self._bind(fs, interpreter, script_argv, depth=depth + 1)
        raise ExecFormatError(argv[0])


_DEFAULT: ProgramRegistry | None = None


def default_registry() -> ProgramRegistry:
    """A registry with the shell, busybox and every applet registered (made once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = new_registry()
    return _DEFAULT


def new_registry() -> ProgramRegistry:
    """A fresh registry with the built-in programs (tests and users may add to it)."""
    from mockd.programs.applets import APPLETS, busybox_main
    from mockd.programs.shell.program import sh_main

    registry = ProgramRegistry()
    for name, applet in APPLETS.items():
        registry.register(name, applet)
    registry.register("sh", sh_main)
    registry.register("ash", sh_main)
    registry.register("busybox", busybox_main)
    registry.busybox_program = busybox_main
    return registry
