"""The shell's builtin commands."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

from mockd.programs import limits
from mockd.programs.applets import formatting
from mockd.programs.shell import options as shell_options
from mockd.programs.shell.interpreter import (
    ExitShell,
    LoopControl,
    ReturnFromFunction,
    Shell,
    ShellError,
    format_trap,
)
from mockd.programs.shell.io import FdTable
from mockd.programs.signals import signal_name, signal_number

Builtin = Callable[[Shell, list[str], FdTable], Awaitable[int]]
BUILTINS: dict[str, Builtin] = {}


def builtin(*names: str) -> Callable[[Builtin], Builtin]:
    def register(fn: Builtin) -> Builtin:
        for name in names:
            BUILTINS[name] = fn
        return fn

    return register


async def _report(shell: Shell, io: FdTable, name: str, outcome: formatting.Outcome) -> int:
    if outcome.out:
        await io.stdout.write(outcome.out)
    for message in outcome.err:
        await io.stderr.write(f"{shell.applet_name}: {name}: {message}\n".encode())
    return outcome.status


@builtin(":", "true")
async def _true(shell: Shell, argv: list[str], io: FdTable) -> int:
    return 0


@builtin("false")
async def _false(shell: Shell, argv: list[str], io: FdTable) -> int:
    return 1


@builtin("echo")
async def _echo(shell: Shell, argv: list[str], io: FdTable) -> int:
    await io.stdout.write(formatting.echo(argv[1:]).out)
    return 0


@builtin("printf")
async def _printf(shell: Shell, argv: list[str], io: FdTable) -> int:
    return await _report(shell, io, "printf", formatting.printf(argv[1:]))


@builtin("test", "[", "[[")
async def _test(shell: Shell, argv: list[str], io: FdTable) -> int:
    outcome = formatting.test(
        argv[1:], shell.ctx.fs, shell.cwd, bracket=argv[0] == "[", double=argv[0] == "[["
    )
    for message in outcome.err:
        await io.stderr.write(f"{shell.applet_name}: {message}\n".encode())
    return outcome.status


@builtin("pwd")
async def _pwd(shell: Shell, argv: list[str], io: FdTable) -> int:
    await io.stdout.write((shell.cwd + "\n").encode())
    return 0


@builtin("cd")
async def _cd(shell: Shell, argv: list[str], io: FdTable) -> int:
    args = [a for a in argv[1:] if a not in ("-L", "-P")]
    if not args:
        target = shell.vars.get("HOME", shell.ctx.user.home)
    elif args[0] == "-":
        target = shell.vars.get("OLDPWD", shell.cwd)
        await io.stdout.write((target + "\n").encode())
    else:
        target = args[0]
    path = shell.abspath(target)
    try:
        st = shell.ctx.fs.stat(path)
    except OSError:
        raise ShellError(f"can't cd to {target}: No such file or directory", builtin="cd") from None
    if st.kind != "dir":
        raise ShellError(f"can't cd to {target}: Not a directory", builtin="cd")
    shell.vars["OLDPWD"] = shell.cwd
    shell.cwd = path
    shell.vars["PWD"] = path
    return 0


@builtin("export", "readonly")
async def _export(shell: Shell, argv: list[str], io: FdTable) -> int:
    names = [a for a in argv[1:] if not a.startswith("-")]
    if not names:
        lines = [
            f"export {k}='{shell.vars[k]}'\n" for k in sorted(shell.exported) if k in shell.vars
        ]
        await io.stdout.write("".join(lines).encode())
        return 0
    for item in names:
        name, eq, value = item.partition("=")
        if eq:
            shell.set_var(name, value)
        if argv[0] == "export":
            shell.exported.add(name)
    return 0


@builtin("unset")
async def _unset(shell: Shell, argv: list[str], io: FdTable) -> int:
    functions = "-f" in argv[1:]
    for name in argv[1:]:
        if name.startswith("-"):
            continue
        if functions:
            shell.functions.pop(name, None)
        else:
            shell.unset_var(name)
    return 0


@builtin("local")
async def _local(shell: Shell, argv: list[str], io: FdTable) -> int:
    if not shell.local_frames:
        raise ShellError("not in a function", builtin="local")
    frame = shell.local_frames[-1]
    for item in argv[1:]:
        name, eq, value = item.partition("=")
        if name not in frame:
            frame[name] = shell.vars.get(name)
        if eq:
            shell.set_var(name, value)
    return 0


@builtin("set")
async def _set(shell: Shell, argv: list[str], io: FdTable) -> int:
    args = argv[1:]
    if not args:
        lines = [f"{k}='{v}'\n" for k, v in sorted(shell.vars.items())]
        await io.stdout.write("".join(lines).encode())
        return 0
    while args:
        arg = args[0]
        if arg == "--":
            args = args[1:]
            shell.positional = list(args)
            return 0
        if arg[:1] in "-+" and len(arg) > 1:
            on = arg[0] == "-"
            if arg[1:] == "o":
                if len(args) == 1:  # set -o lists the options, set +o as commands
                    listed = shell_options.listing if on else shell_options.as_commands
                    await io.stdout.write(listed(shell.options).encode())
                    return 0
                option = args[1]
                if option not in shell_options.NAMES:
                    # ash reports it and goes on, unlike an unknown letter.
                    await shell.err(f"illegal option {arg} {option}", io, builtin="set")
                    return 1
                shell.set_option(option, on)
                args = args[2:]
                continue
            for letter in arg[1:]:
                name = shell_options.BY_LETTER.get(letter)
                if name is None:
                    raise ShellError(f"illegal option {arg[0]}{letter}", builtin="set")
                shell.set_option(name, on)
            args = args[1:]
            continue
        shell.positional = list(args)
        return 0
    return 0


@builtin("shift")
async def _shift(shell: Shell, argv: list[str], io: FdTable) -> int:
    count = _int_arg(argv, 1, "shift")
    if count > len(shell.positional):
        return 1
    shell.positional = shell.positional[count:]
    return 0


def _int_arg(argv: list[str], default: int, name: str) -> int:
    if len(argv) < 2:
        return default
    try:
        return int(argv[1])
    except ValueError:
        raise ShellError(f"Illegal number: {argv[1]}", builtin=name) from None


@builtin("getopts")
async def _getopts(shell: Shell, argv: list[str], io: FdTable) -> int:
    """ash's getopts: one option per call; OPTIND and OPTARG as ash sets them (its
    messages without the shell's prefix, or none when OPTSTRING starts with ``:``)."""
    if len(argv) < 3:
        raise ShellError("usage: getopts optstring var [arg]", builtin="getopts")
    spec, name = argv[1], argv[2]
    words = argv[3:] if len(argv) > 3 else shell.positional
    silent = spec.startswith(":")
    optind_text = shell.get_var("OPTIND") or "1"
    seen, offset = shell.getopts_place
    if optind_text != seen:
        offset = 0  # the script set OPTIND itself: start that word afresh
    index = int(optind_text) if optind_text.isdigit() and int(optind_text) > 0 else 1
    if offset:
        index -= 1  # inside a bundle (-abc), OPTIND already names the next word

    def finish(letter: str, next_index: int, next_offset: int, optarg: str | None) -> None:
        shell.set_var(name, letter)
        if optarg is None:
            shell.unset_var("OPTARG")
        else:
            shell.set_var("OPTARG", optarg)
        shell.set_var("OPTIND", str(next_index))
        shell.getopts_place = (str(next_index), next_offset)

    word = words[index - 1] if index - 1 < len(words) else ""
    if offset == 0:
        if not word.startswith("-") or word == "-":
            finish("?", index, 0, None)
            return 1
        if word == "--":
            finish("?", index + 1, 0, None)
            return 1
        offset = 1
    letter = word[offset]
    offset += 1
    at_end = offset >= len(word)
    after = (index + 1, 0 if at_end else offset)
    where = spec.find(letter) if letter != ":" else -1
    if where < 0:
        if silent:
            finish("?", *after, letter)
        else:
            await io.stderr.write(f"Illegal option -{letter}\n".encode())
            finish("?", *after, None)
        return 0
    if where + 1 < len(spec) and spec[where + 1] == ":":
        if not at_end:
            finish(letter, index + 1, 0, word[offset:])
        elif index < len(words):
            finish(letter, index + 2, 0, words[index])
        elif silent:
            finish(":", index + 1, 0, letter)
        else:
            await io.stderr.write(f"No arg for -{letter} option\n".encode())
            finish("?", index + 1, 0, None)
        return 0
    finish(letter, *after, "")
    return 0


@builtin("let")
async def _let(shell: Shell, argv: list[str], io: FdTable) -> int:
    """Each argument is an arithmetic expression; 1 when the last one is 0."""
    if len(argv) < 2:
        raise ShellError("expression expected", builtin="let")
    value = 0
    for expr in argv[1:]:
        value = shell.arithmetic(expr)
    return 0 if value else 1


@builtin("exit")
async def _exit(shell: Shell, argv: list[str], io: FdTable) -> int:
    raise ExitShell(_int_arg(argv, shell.status, "exit") & 0xFF)


@builtin("return")
async def _return(shell: Shell, argv: list[str], io: FdTable) -> int:
    status = _int_arg(argv, shell.status, "return") & 0xFF
    if not shell.local_frames and not shell.script_name:
        raise ExitShell(status)  # ash: "return" outside a function ends the shell
    raise ReturnFromFunction(status)


@builtin("break", "continue")
async def _loop_control(shell: Shell, argv: list[str], io: FdTable) -> int:
    levels = _int_arg(argv, 1, argv[0])
    if shell.loop_depth == 0:
        return 0
    raise LoopControl(argv[0], max(1, min(levels, shell.loop_depth)))


@builtin("eval")
async def _eval(shell: Shell, argv: list[str], io: FdTable) -> int:
    source = " ".join(argv[1:])
    if not source.strip():
        return 0
    return await shell.eval_source(source, io)


@builtin(".", "source")
async def _source(shell: Shell, argv: list[str], io: FdTable) -> int:
    if len(argv) < 2:
        return 0
    path = argv[1]
    try:
        data = shell.ctx.fs.read_file(shell.abspath(path))
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise ShellError(f"can't open '{path}': {reason}", status=2, builtin=".") from None
    return await shell.eval_source(data.decode("utf-8", "surrogateescape"), io)


@builtin("exec")
async def _exec(shell: Shell, argv: list[str], io: FdTable) -> int:
    if len(argv) == 1:
        return 0  # "exec >file": run_simple applied the redirections to the shell's own table
    status = await shell.run_external(argv[1:], {}, io)
    raise ExitShell(status)


@builtin("wait")
async def _wait(shell: Shell, argv: list[str], io: FdTable) -> int:
    pids: list[int] | None = None
    if len(argv) > 1:
        pids = []
        for arg in argv[1:]:
            try:
                pids.append(int(arg))
            except ValueError:
                raise ShellError(f"Illegal number: {arg}", builtin="wait") from None
    return await shell.wait_for_jobs(pids)


@builtin("trap")
async def _trap(shell: Shell, argv: list[str], io: FdTable) -> int:
    args = argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        lines = [
            format_trap(s, a) + "\n"
            for s, a in sorted(
                shell.traps.items(), key=lambda x: signal_name(x[0]) if x[0] else "EXIT"
            )
        ]
        await io.stdout.write("".join(lines).encode())
        return 0
    if len(args) == 1 or (args[0].isdigit() and all(a.isdigit() for a in args)):
        action, names = "-", args
    else:
        action, names = args[0], args[1:]
    status = 0
    for name in names:
        try:
            signum = 0 if name.upper() in ("EXIT", "0") else signal_number(name)
        except ValueError:
            await io.stderr.write(
                f"{shell.applet_name}: trap: {name}: invalid signal specification\n".encode()
            )
            status = 1
            continue
        if action == "-":
            shell.traps.pop(signum, None)
            if signum:
                shell.ctx.signals.set_handler(signum, "default")
        else:
            shell.traps[signum] = action
            if signum:
                shell.ctx.signals.set_handler(signum, "ignore" if action == "" else shell.on_signal)
    return status


@builtin("read")
async def _read(shell: Shell, argv: list[str], io: FdTable) -> int:
    args = argv[1:]
    raw = False
    prompt = ""
    while args and args[0].startswith("-") and len(args[0]) > 1:
        flag = args.pop(0)
        if flag == "-r":
            raw = True
        elif flag == "-p" and args:
            prompt = args.pop(0)
    if prompt:
        await io.stderr.write(prompt.encode())
    names = args or ["REPLY"]
    line = b""
    stream = io.stdin
    while True:
        chunk = await stream.readline()
        if not chunk:
            break
        line += chunk
        if not raw and line.endswith(b"\\\n"):
            line = line[:-2]
            continue
        break
    at_eof = not line.endswith(b"\n")
    text = line.decode("utf-8", "surrogateescape").removesuffix("\n")
    if not raw:
        text = _unbackslash(text)
    ifs = shell.vars.get("IFS", " \t\n")
    values = _split_for_read(text, ifs, len(names))
    for index, name in enumerate(names):
        shell.set_var(name, values[index] if index < len(values) else "")
    return 1 if at_eof else 0


def _unbackslash(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _split_for_read(text: str, ifs: str, count: int) -> list[str]:
    white = "".join(c for c in ifs if c in " \t\n")
    text = text.strip(white) if white else text
    values: list[str] = []
    while len(values) < count - 1 and text:
        index = next((i for i, c in enumerate(text) if c in ifs), -1)
        if index < 0:
            break
        values.append(text[:index])
        text = text[index + 1 :].lstrip(white) if white else text[index + 1 :]
    values.append(text.rstrip(white) if white else text)
    return values


@builtin("command")
async def _command(shell: Shell, argv: list[str], io: FdTable) -> int:
    args = argv[1:]
    if args[:1] in (["-v"], ["-V"]):
        status = 0
        for name in args[1:]:
            found = _describe(shell, name)
            if found is None:
                status = 1
            else:
                await io.stdout.write((found + "\n").encode())
        return status
    if not args:
        return 0
    builtin_fn = shell.builtins.get(args[0])
    if builtin_fn is not None:
        return await builtin_fn(shell, args, io)
    return await shell.run_external(args, {}, io)


@builtin("type")
async def _type(shell: Shell, argv: list[str], io: FdTable) -> int:
    status = 0
    for name in argv[1:]:
        found = _describe(shell, name)
        if found is None:
            await io.stdout.write(f"{name}: not found\n".encode())
            status = 127
        elif found == name:
            kind = "a function" if name in shell.functions else "a shell builtin"
            await io.stdout.write(f"{name} is {kind}\n".encode())
        else:
            await io.stdout.write(f"{name} is {found}\n".encode())
    return status


def _describe(shell: Shell, name: str) -> str | None:
    if name in shell.functions or name in shell.builtins:
        return name
    try:
        return shell.ctx.registry.find_executable(
            shell.ctx.fs, name, env=shell.environment(), cwd=shell.cwd
        )
    except Exception:
        return None


@builtin("umask")
async def _umask(shell: Shell, argv: list[str], io: FdTable) -> int:
    if len(argv) < 2:
        await io.stdout.write(f"{shell.ctx.umask:04o}\n".encode())
        return 0
    try:
        shell.ctx.umask = int(argv[1], 8)
    except ValueError:
        raise ShellError(f"illegal mode: {argv[1]}", builtin="umask") from None
    return 0


@builtin("ulimit")
async def _ulimit(shell: Shell, argv: list[str], io: FdTable) -> int:
    """ash's ulimit: show or set this shell's limits (-H hard, -S soft, both by default
    when setting); raising a hard limit fails, as it does without CAP_SYS_RESOURCE."""
    letters: list[str] = []
    hard = soft = show_all = False
    args = argv[1:]
    while args and args[0].startswith("-") and len(args[0]) > 1:
        for option in args.pop(0)[1:]:
            if option == "H":
                hard = True
            elif option == "S":
                soft = True
            elif option == "a":
                show_all = True
            elif option in limits.BY_LETTER:
                letters.append(option)
            else:
                await io.stderr.write(f"ulimit: invalid option -- '{option}'\n".encode())
                return 1
    resources = list(limits.RESOURCES) if show_all else [limits.BY_LETTER[x] for x in letters]
    resources = resources or [limits.BY_LETTER["f"]]
    current = shell.ctx.limits
    if args and not show_all:
        if args[0] != "unlimited" and not args[0].isdigit():
            await io.stderr.write(f"{shell.applet_name}: invalid number '{args[0]}'\n".encode())
            return 1
        wanted = None if args[0] == "unlimited" else int(args[0]) << resources[-1].shift
        old_soft, old_hard = current[resources[-1].letter]
        new_soft = wanted if soft or not hard else old_soft
        new_hard = wanted if hard or not soft else old_hard
        if _above(new_hard, old_hard) or _above(new_soft, new_hard):
            message = f"{shell.applet_name}: error setting limit: Operation not permitted\n"
            await io.stderr.write(message.encode())
            return 1
        shell.ctx.limits = {**current, resources[-1].letter: (new_soft, new_hard)}
        return 0
    lines = []
    for resource in resources:
        value = current[resource.letter][1 if hard and not soft else 0]
        shown = "unlimited" if value is None else str(value >> resource.shift)
        if len(resources) == 1:
            lines.append(shown)
        else:
            lines.append(f"{resource.description:<32}(-{resource.letter}) {shown}")
    await io.stdout.write(("\n".join(lines) + "\n").encode())
    return 0


def _above(value: int | None, limit: int | None) -> bool:
    return limit is not None and (value is None or value > limit)


@builtin("kill")
async def _kill(shell: Shell, argv: list[str], io: FdTable) -> int:
    from mockd.programs.applets.process import kill_command

    outcome = kill_command(argv[1:], shell.ctx.processes)
    # A signal the shell sent itself (kill $$) is delivered before kill(2) returns: let
    # its default action (the task's cancellation) or its trap happen now.
    await asyncio.sleep(0)
    await io.stdout.write(outcome.out)
    for message in outcome.err:  # ash's builtin kill names only the shell
        await io.stderr.write(f"{shell.applet_name}: {message}\n".encode())
    return outcome.status


@builtin("jobs")
async def _jobs(shell: Shell, argv: list[str], io: FdTable) -> int:
    for index, (pid, process) in enumerate(shell.jobs.items(), 1):
        state = "Done" if process.done else "Running"
        await io.stdout.write(f"[{index}]  {state} {pid}\n".encode())
    return 0
