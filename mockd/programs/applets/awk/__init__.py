"""busybox's awk: a lexer (``lexer``), a parser to a syntax tree (``syntax``), and an
interpreter (``interp``, with ``values`` and ``builtins``).

The program is parsed before anything runs (a syntax error is busybox's
``awk: cmd. line:N: ...``, exit 1); it then runs in a worker thread (see
``mockd.programs.sync``) so that a long loop never holds the event loop.
What is not supported (getline, output to pipes, system()) is refused with
a clear message rather than misread.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import abspath, error, show_usage, strerror
from mockd.programs.applets.awk.interp import AwkRuntimeError, Interpreter, Source
from mockd.programs.applets.awk.lexer import AwkSyntaxError
from mockd.programs.applets.awk.syntax import Program, parse
from mockd.programs.applets.awk.values import StrNum
from mockd.programs.sync import SyncContext, run_sync

_USAGE = "[OPTIONS] [AWK_PROGRAM] [FILE]..."
_FLUSH_AT = 1 << 16


def _unescape(text: str) -> str:
    """``-v`` values and command-line assignments take escapes as string literals do."""
    from mockd.programs.applets.awk.lexer import tokenize

    try:
        tokens = tokenize('"' + text.replace('"', '\\"') + '"')
    except AwkSyntaxError:
        return text
    return tokens[0].value if tokens and tokens[0].kind == "string" else text


class _Options:
    def __init__(self) -> None:
        self.fs: str | None = None
        self.assignments: list[tuple[str, str]] = []
        self.program_files: list[str] = []
        self.program_text: str | None = None
        self.operands: list[str] = []


def _parse_args(args: list[str]) -> _Options | str:
    """The options, or busybox's complaint."""
    options = _Options()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        letter, value = arg[1], arg[2:]
        if letter not in "Fvfe":
            return f"invalid option -- '{letter}'"
        if not value:
            i += 1
            if i >= len(args):
                return f"option requires an argument -- '{letter}'"
            value = args[i]
        if letter == "F":
            options.fs = "\t" if value == "t" else _unescape(value)
        elif letter == "v":
            name, eq, text = value.partition("=")
            if not eq:
                return "bad -v"
            options.assignments.append((name, text))
        elif letter == "f":
            options.program_files.append(value)
        else:
            options.program_text = (options.program_text or "") + value + "\n"
        i += 1
    rest = args[i:]
    if options.program_text is None and not options.program_files:
        if not rest:
            return ""
        options.program_text, rest = rest[0], rest[1:]
    options.operands = rest
    return options


class _Run:
    """The interpreter's I/O in the worker thread: buffered stdout, files, inputs."""

    def __init__(self, sctx: SyncContext, operands: list[str]) -> None:
        self.sctx = sctx
        self.operands = operands
        self.buffer: list[str] = []
        self.size = 0
        self.opened: set[str] = set()
        self.failed_input = ""

    def flush(self) -> None:
        if self.buffer:
            self.sctx.stdout.write("".join(self.buffer).encode("utf-8", "surrogateescape"))
            self.buffer, self.size = [], 0

    def output(self, text: str, redirect: str, dest: str) -> None:
        if not redirect or dest in ("/dev/stdout", "-"):
            self.buffer.append(text)
            self.size += len(text)
            if self.size >= _FLUSH_AT:
                self.flush()
            return
        if dest == "/dev/stderr":
            self.flush()
            self.sctx.stderr.write(text.encode("utf-8", "surrogateescape"))
            return
        path = posixpath.normpath(posixpath.join(self.sctx.cwd, dest))
        append = redirect == ">>" or path in self.opened
        try:
            self.sctx.fs.write_file(path, text.encode("utf-8", "surrogateescape"), append=append)
        except OSError as exc:
            raise AwkRuntimeError(f"can't open '{dest}': {strerror(exc)}") from None
        self.opened.add(path)

    def stdin_lines(self) -> Iterator[str]:
        pending = b""
        while True:
            self.flush()  # what came before this record is out before we wait for more
            line = self.sctx.stdin.readline()
            if not line:
                break
            pending += line
            if pending.endswith(b"\n"):
                yield pending[:-1].decode("utf-8", "surrogateescape")
                pending = b""
        if pending:
            yield pending.decode("utf-8", "surrogateescape")

    def sources(self, vm: Interpreter) -> Iterator[Source]:
        files = [o for o in self.operands if not _is_assignment(o)]
        if not files:
            for operand in self.operands:
                _assign(vm, operand)
            yield Source("", self.stdin_lines())
            return
        for operand in self.operands:
            if _is_assignment(operand):
                _assign(vm, operand)
            elif operand in ("-", "/dev/stdin"):
                yield Source(operand, self.stdin_lines())
            else:
                try:
                    data = self.sctx.fs.read_file(
                        posixpath.normpath(posixpath.join(self.sctx.cwd, operand))
                    )
                except OSError as exc:
                    raise AwkRuntimeError(f"{operand}: {strerror(exc)}") from None
                text = data.decode("utf-8", "surrogateescape")
                lines = text.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                yield Source(operand, iter(lines))


def _is_assignment(operand: str) -> bool:
    name, eq, _ = operand.partition("=")
    return bool(eq) and name.isidentifier()


def _assign(vm: Interpreter, operand: str) -> None:
    name, _, value = operand.partition("=")
    vm.set_var(name, StrNum(_unescape(value)))


def _run_program(sctx: SyncContext, program: Program, options: _Options) -> int:
    run = _Run(sctx, options.operands)
    vm = Interpreter(program, run.output, sctx.env)
    if options.fs is not None:
        vm.set_var("FS", options.fs)
    for name, value in options.assignments:
        vm.set_var(name, StrNum(_unescape(value)))
    try:
        code = vm.run(lambda: run.sources(vm))
    except AwkRuntimeError as exc:
        run.flush()
        message = str(exc)
        prefix = "" if message.endswith(("No such file or directory", "Is a directory")) else (
            "cmd. line:1: "
        )  # fmt: skip
        sctx.stderr.write(f"awk: {prefix}{message}\n".encode())
        return 1
    except RecursionError:
        run.flush()
        sctx.stderr.write(b"awk: cmd. line:1: Recursion too deep\n")
        return 1
    run.flush()
    return code


async def awk(ctx: ProgramContext) -> int:
    options = _parse_args(ctx.argv[1:])
    if isinstance(options, str):
        if options:
            await error(ctx, options)
        return await show_usage(ctx, _USAGE)
    text = options.program_text or ""
    for name in options.program_files:
        try:
            text += ctx.fs.read_file(abspath(ctx, name)).decode("utf-8", "surrogateescape") + "\n"
        except OSError as exc:
            await error(ctx, f"can't open '{name}': {strerror(exc)}")
            return 1
    try:
        program = parse(text)
    except AwkSyntaxError as exc:
        await error(ctx, f"cmd. line:{exc.line}: {exc}")
        return 1
    except RecursionError:
        await error(ctx, "cmd. line:1: Expression too deep")
        return 1

    def body(sctx: SyncContext) -> int:
        return _run_program(sctx, program, options)

    return await run_sync(body, ctx)


__all__ = ["awk", "parse"]
