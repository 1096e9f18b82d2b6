"""``sh``: the shell as a program (``sh -c CMD``, ``sh SCRIPT``, or commands from stdin)."""

from __future__ import annotations

from mockd.programs.api import ProgramContext
from mockd.programs.shell.interpreter import ExitShell, Shell, ShellError, parse_cached
from mockd.programs.shell.lexer import ShellSyntaxError
from mockd.programs.shell.options import BY_LETTER


async def sh_main(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    command: str | None = None
    options: list[str] = []
    interactive_flag = False
    while args and args[0].startswith(("-", "+")) and len(args[0]) > 1:
        flag = args.pop(0)
        if flag == "--":
            break
        if flag == "-c":
            if not args:
                await ctx.stderr.write(b"sh: -c requires an argument\n")
                return 2
            command = args.pop(0)
            continue
        for letter in flag[1:]:
            if letter == "c":
                if not args:
                    await ctx.stderr.write(b"sh: -c requires an argument\n")
                    return 2
                command = args.pop(0)
            elif letter == "i":
                interactive_flag = True
            elif letter in BY_LETTER:
                options.append(letter)
    # $0 and the prefix of errors: argv[0] as given ("/bin/sh: x: not found"), as ash.
    arg0 = ctx.argv[0] if ctx.argv else "sh"
    if command is not None:
        shell = Shell(ctx, arg0=args[0] if args else arg0, args=args[1:])
        shell.command_name = args[0] if args else ""
        shell.started_with = "c"
        _apply_options(shell, options)
        return await _run_source(shell, command)
    if args:
        script = args[0]
        try:
            data = ctx.fs.read_file(shell_path(ctx, script))
        except OSError:
            await ctx.stderr.write(
                f"sh: can't open '{script}': No such file or directory\n".encode()
            )
            return 2
        shell = Shell(ctx, arg0=script, args=args[1:])
        shell.script_name = shell.command_name = script
        _apply_options(shell, options)
        return await _run_source(shell, data.decode("utf-8", "surrogateescape"))
    shell = Shell(ctx, arg0=arg0)
    shell.started_with = "s"
    shell.interactive = ctx.tty or interactive_flag
    _apply_options(shell, options)
    return await _run_stdin(shell)


def shell_path(ctx: ProgramContext, path: str) -> str:
    import posixpath

    return posixpath.normpath(posixpath.join(ctx.cwd, path))


def _apply_options(shell: Shell, options: list[str]) -> None:
    for letter in options:
        shell.set_option(BY_LETTER[letter], True)


async def _run_source(shell: Shell, source: str) -> int:
    try:
        node = parse_cached(source)
    except ShellSyntaxError as exc:
        await shell.err(f"syntax error: {exc.message}")
        return 2
    try:
        try:
            await shell.run_list(node, shell.io)
            await shell.run_pending_traps()
        except ExitShell as exc:
            shell.status = exc.status
        await shell.run_exit_trap()
    except ExitShell as exc:
        shell.status = exc.status
    return shell.status


def _prompt(shell: Shell, continuation: bool) -> bytes:
    if continuation:
        return shell.vars.get("PS2", "> ").encode()
    ps1 = shell.vars.get("PS1", "\\w \\$ ")
    home = shell.vars.get("HOME", "")
    cwd = shell.cwd
    if home and home != "/" and (cwd == home or cwd.startswith(home + "/")):
        cwd = "~" + cwd[len(home) :]
    text = (
        ps1.replace("\\w", cwd)
        .replace("\\$", "#" if shell.ctx.user.uid == 0 else "$")
        .replace("\\h", shell.ctx.hostname)
        .replace("\\u", shell.ctx.user.name)
    )
    return text.encode()


async def _run_stdin(shell: Shell) -> int:
    """Read commands line by line and run each complete one (a prompt when on a terminal)."""
    buffer = ""
    try:
        try:
            while True:
                if shell.interactive:
                    await shell.io.stdout.write(_prompt(shell, continuation=bool(buffer)))
                line = await shell.io.stdin.readline()
                if not line:
                    if buffer.strip():
                        await _run_chunk(shell, buffer, final=True)
                    break
                buffer += line.decode("utf-8", "surrogateescape")
                if await _run_chunk(shell, buffer, final=False):
                    buffer = ""
            await shell.run_pending_traps()
        except ExitShell as exc:
            shell.status = exc.status
        await shell.run_exit_trap()
    except ExitShell as exc:
        shell.status = exc.status
    return shell.status


async def _run_chunk(shell: Shell, source: str, *, final: bool) -> bool:
    """Run ``source`` when it parses; False when it is still incomplete."""
    try:
        node = parse_cached(source)
    except ShellSyntaxError as exc:
        if exc.eof and not final:
            return False
        await shell.err(f"syntax error: {exc.message}")
        shell.status = 2
        if not shell.interactive:
            raise ExitShell(2) from None
        return True
    try:
        await shell.run_list(node, shell.io)
    except ShellError as exc:  # pragma: no cover - run() reports these itself
        await shell.err(exc.message)
    return True
