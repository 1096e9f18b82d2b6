"""Text applets: echo, printf, cat, head, tail, wc, grep, sed, tr, cut, sort, uniq, ..."""

from __future__ import annotations

import base64 as _base64
import hashlib
import re
from collections.abc import Mapping

from mockd.programs.api import ProgramContext
from mockd.programs.applets import formatting
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    chunks,
    error,
    inputs,
    open_operand,
    parse_flags,
    read_exactly,
    read_input,
    strerror,
)
from mockd.programs.streams import InputStream


async def echo(ctx: ProgramContext) -> int:
    await ctx.stdout.write(formatting.echo(ctx.argv[1:]).out)
    return 0


async def printf(ctx: ProgramContext) -> int:
    outcome = formatting.printf(ctx.argv[1:])
    await ctx.stdout.write(outcome.out)
    for message in outcome.err:
        await error(ctx, message)
    return outcome.status


async def cat(ctx: ProgramContext) -> int:
    _, _, files = parse_flags(ctx.argv[1:], "uvetAn")
    status = 0
    for name in files or ["-"]:
        if name != "-" and ctx.fs.is_dir(abspath(ctx, name)):
            await error(ctx, "read error: Is a directory")  # open(2) works, read(2) fails
            status = 1
            continue
        stream = await open_operand(ctx, name, message="can't open '{name}': {error}")
        if stream is None:
            status = 1
            continue
        async for chunk in chunks(stream):
            await ctx.stdout.write(chunk)
    return status


def _count_option(args: list[str]) -> list[str]:
    """``head -5`` is ``head -n 5``."""
    return [("-n" + a[1:]) if re.fullmatch(r"-\d+", a) else a for a in args]


async def head(ctx: ProgramContext) -> int:
    return await _head_tail(ctx, tail=False)


async def tail(ctx: ProgramContext) -> int:
    return await _head_tail(ctx, tail=True)


async def _head_tail(ctx: ProgramContext, *, tail: bool) -> int:
    flags, values, files = parse_flags(_count_option(ctx.argv[1:]), "qvfF", "nc")
    count_text = values.get("n", values.get("c", "10"))
    by_bytes = "c" in values
    from_start = count_text.startswith("+")
    try:
        count = int(count_text.lstrip("+-"))
    except ValueError:
        await error(ctx, f"invalid number '{count_text}'")
        return 1
    if not tail:
        # Stream and stop early: "yes | head" and "head -c 10 /dev/urandom" must end.
        return await _head(ctx, files, count, by_bytes=by_bytes, quiet="q" in flags)
    status = 0
    if files:
        opening = "can't open '{name}': {error}"
        operands = [(n, await read_input(ctx, n, message=opening)) for n in files]
        if all(data is None for _, data in operands):
            await error(ctx, "no files")
            return 1
    else:
        operands = await inputs(ctx, files)
    for index, (name, data) in enumerate(operands):
        if data is None:
            status = 1
            continue
        if len(operands) > 1 and "q" not in flags:
            await ctx.stdout.write(f"{'' if index == 0 else chr(10)}==> {name} <==\n".encode())
        if by_bytes:
            if tail:
                out = data[count - 1 :] if from_start else (data[-count:] if count else b"")
            else:
                out = data[:count]
        else:
            lines = data.splitlines(keepends=True)
            if tail:
                out = b"".join(
                    lines[count - 1 :] if from_start else (lines[-count:] if count else [])
                )
            else:
                out = b"".join(lines[:count])
        await ctx.stdout.write(out)
        if tail and flags & {"f", "F"} and name != "-":
            await _follow(ctx, name, len(data))
    return status


async def _head(
    ctx: ProgramContext, files: list[str], count: int, *, by_bytes: bool, quiet: bool
) -> int:
    status = 0
    for index, name in enumerate(files or ["-"]):
        stream = await open_operand(ctx, name)
        if stream is None:
            status = 1
            continue
        if len(files) > 1 and not quiet:
            await ctx.stdout.write(f"{'' if index == 0 else chr(10)}==> {name} <==\n".encode())
        await _head_stream(ctx, stream, count, by_bytes=by_bytes)
    return status


async def _head_stream(
    ctx: ProgramContext, stream: InputStream, count: int, *, by_bytes: bool
) -> None:
    remaining = count
    while remaining > 0:
        chunk = await (stream.read(min(remaining, 65536)) if by_bytes else stream.readline())
        if not chunk:
            break
        await ctx.stdout.write(chunk)
        remaining -= len(chunk) if by_bytes else 1


async def _follow(ctx: ProgramContext, name: str, offset: int) -> None:
    """``tail -f``: poll the file through the container's clock, forever (until killed)."""
    path = abspath(ctx, name)
    while True:
        await ctx.clock.sleep(1.0)
        try:
            data = ctx.fs.read_file(path)
        except OSError:
            continue
        if len(data) < offset:
            offset = 0  # truncated
        if len(data) > offset:
            await ctx.stdout.write(data[offset:])
            offset = len(data)


async def wc(ctx: ProgramContext) -> int:
    flags, _, files = parse_flags(ctx.argv[1:], "lwcmL")
    wanted = [f for f in "lwc" if f in flags] or ["l", "w", "c"]
    status = 0
    totals = {"l": 0, "w": 0, "c": 0}
    rows: list[tuple[dict[str, int], str]] = []
    for name in files or ["-"]:
        stream = await open_operand(ctx, name)
        if stream is None:
            status = 1
            continue
        counts = await _count(stream)
        for key in totals:
            totals[key] += counts[key]
        rows.append((counts, "" if name == "-" and not files else name))
    if len(rows) > 1:
        rows.append((totals, "total"))
    single = len(wanted) == 1
    for counts, name in rows:
        cells = [str(counts[k]) if single else f"{counts[k]:9d}" for k in wanted]
        line = " ".join(cells)
        if name:
            line += " " + name
        await ctx.stdout.write((line + "\n").encode())
    return status


async def _count(stream: InputStream) -> dict[str, int]:
    """Lines, words and bytes, a buffer at a time (``wc -c /dev/zero`` counts until killed)."""
    lines = words = size = 0
    in_word = False
    async for chunk in chunks(stream):
        lines += chunk.count(b"\n")
        size += len(chunk)
        pieces = chunk.split()
        words += len(pieces)
        if pieces and in_word and not chunk[:1].isspace():
            words -= 1  # a word split across two buffers
        in_word = not chunk[-1:].isspace()
    return {"l": lines, "w": words, "c": size}


async def grep(ctx: ProgramContext) -> int:
    try:
        flags, values, rest = parse_flags(ctx.argv[1:], "vicqlnhHEFwxso", "e")
    except UsageError as exc:
        await error(ctx, str(exc))
        return 2
    if "e" in values:
        pattern = values["e"]
    elif rest:
        pattern, rest = rest[0], rest[1:]
    else:
        await ctx.stderr.write(
            b"BusyBox v1.36.1 multi-call binary.\n\nUsage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...\n"
        )
        return 2
    if "F" in flags:
        source = re.escape(pattern)
    elif "E" in flags:
        source = pattern
    else:
        source = _basic_to_python(pattern)
    if "w" in flags:
        source = rf"\b(?:{source})\b"
    if "x" in flags:
        source = rf"(?:{source})\Z"
    try:
        regex = re.compile(
            source.encode("utf-8", "surrogateescape"), re.IGNORECASE if "i" in flags else 0
        )
    except re.error:
        await error(ctx, f"bad regex '{pattern}'")
        return 2
    show_names = ("H" in flags or len(rest) > 1) and "h" not in flags
    matched_any = False
    status_error = False
    for name, data in await inputs(ctx, rest):
        if data is None:
            status_error = True
            continue
        label = "(standard input)" if name == "-" else name
        count = 0
        for number, line in enumerate(data.splitlines(), 1):
            found = regex.search(line) if "x" not in flags else regex.match(line)
            if bool(found) == ("v" in flags):
                continue
            count += 1
            matched_any = True
            if "q" in flags:
                return 0
            if "c" in flags or "l" in flags:
                continue
            prefix = (label + ":" if show_names else "") + (f"{number}:" if "n" in flags else "")
            if "o" in flags and found:
                for m in regex.finditer(line):
                    await ctx.stdout.write(prefix.encode() + m.group(0) + b"\n")
            else:
                await ctx.stdout.write(prefix.encode() + line + b"\n")
        if "c" in flags:
            await ctx.stdout.write(((label + ":" if show_names else "") + f"{count}\n").encode())
        elif "l" in flags and count:
            await ctx.stdout.write((label + "\n").encode())
    if status_error and "s" not in flags:
        return 2
    return 0 if matched_any else 1


def _basic_to_python(pattern: str) -> str:
    """A POSIX basic regex as a Python one: \\( \\) \\{ \\} \\| \\+ \\? are the operators,
    bare ( ) { } | + ? are literal."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}|+?" else "\\" + nxt)
            i += 2
            continue
        if c in "(){}|+?":
            out.append("\\" + c)
        elif c == "*" and (not out or out[-1] in ("^", "(")):
            out.append("\\*")
        else:
            out.append(c)
        i += 1
    return "".join(out)


# -- sed --------------------------------------------------------------------------------


class _SedCommand:
    def __init__(
        self,
        address: re.Pattern[bytes] | int | None,
        cmd: str,
        arg: tuple[re.Pattern[bytes], bytes, bool, bool] | bytes | None,
    ) -> None:
        self.address, self.cmd, self.arg = address, cmd, arg


def _parse_sed(script: str, extended: bool) -> list[_SedCommand]:
    commands: list[_SedCommand] = []
    i = 0
    script = script.strip()
    while i < len(script):
        while i < len(script) and script[i] in " \t\n;":
            i += 1
        if i >= len(script):
            break
        address: re.Pattern[bytes] | int | None = None
        if script[i].isdigit():
            j = i
            while j < len(script) and script[j].isdigit():
                j += 1
            address = int(script[i:j])
            i = j
        elif script[i] == "$":
            address = -1
            i += 1
        elif script[i] == "/":
            j = script.index("/", i + 1)
            body = script[i + 1 : j]
            address = re.compile((body if extended else _basic_to_python(body)).encode())
            i = j + 1
        cmd = script[i]
        i += 1
        if cmd == "s":
            delim = script[i]
            pieces: list[str] = []
            j = i + 1
            current: list[str] = []
            while len(pieces) < 2:
                if j >= len(script):
                    raise ValueError("unterminated `s' command")
                ch = script[j]
                if ch == "\\" and j + 1 < len(script):
                    current.append(script[j : j + 2] if script[j + 1] != delim else delim)
                    j += 2
                    continue
                if ch == delim:
                    pieces.append("".join(current))
                    current = []
                else:
                    current.append(ch)
                j += 1
            flag_start = j
            while j < len(script) and script[j] not in ";\n}":
                j += 1
            sflags = script[flag_start:j].strip()
            pattern = pieces[0] if extended else _basic_to_python(pieces[0])
            regex = re.compile(
                pattern.encode(), re.IGNORECASE if "I" in sflags or "i" in sflags else 0
            )
            replacement = re.sub(
                r"\\(\d)", r"\\g<\1>", pieces[1].replace("&", "\\g<0>").replace("\\\\g<0>", "&")
            )
            commands.append(
                _SedCommand(
                    address, "s", (regex, replacement.encode(), "g" in sflags, "p" in sflags)
                )
            )
            i = j
        elif cmd in "pdq=":
            commands.append(_SedCommand(address, cmd, None))
        elif cmd in "aic":
            text = script[i:].lstrip()
            text = text.removeprefix("\\").lstrip("\n")
            end = text.find("\n")
            body = text if end < 0 else text[:end]
            commands.append(_SedCommand(address, cmd, body.encode()))
            i = len(script) if end < 0 else script.index(body, i) + len(body)
        else:
            raise ValueError(f"unsupported command {cmd}")
    return commands


async def sed(ctx: ProgramContext) -> int:
    try:
        flags, values, rest = parse_flags(ctx.argv[1:], "nirEs", "e", repeatable="e")
    except UsageError as exc:
        await error(ctx, str(exc))
        return 1
    if "e" in values:
        script = values["e"]
    elif rest:
        script, rest = rest[0], rest[1:]
    else:
        await error(ctx, "no script specified")
        return 1
    try:
        commands = _parse_sed(script, "E" in flags or "r" in flags)
    except (ValueError, re.error) as exc:
        await error(ctx, f"-e expression #1: {exc}")
        return 1
    status = 0
    for name, data in await inputs(ctx, rest):
        if data is None:
            status = 1
            continue
        out = _run_sed(commands, data, quiet="n" in flags)
        if "i" in flags and name != "-":
            ctx.fs.write_file(abspath(ctx, name), out)
        else:
            await ctx.stdout.write(out)
    return status


def _run_sed(commands: list[_SedCommand], data: bytes, *, quiet: bool) -> bytes:
    lines = data.split(b"\n")
    trailing_newline = data.endswith(b"\n")
    if trailing_newline:
        lines.pop()
    out: list[bytes] = []
    for number, line in enumerate(lines, 1):
        last = number == len(lines)
        deleted = False
        append: list[bytes] = []
        for command in commands:
            address = command.address
            if isinstance(address, int) and not ((address == -1 and last) or address == number):
                continue
            if isinstance(address, re.Pattern) and not address.search(line):
                continue
            if command.cmd == "s":
                assert isinstance(command.arg, tuple)
                regex, replacement, every, printed = command.arg
                new, n = regex.subn(replacement, line, count=0 if every else 1)
                line = new
                if n and printed:
                    out.append(line)
            elif command.cmd == "p":
                out.append(line)
            elif command.cmd == "d":
                deleted = True
                break
            elif command.cmd == "=":
                out.append(str(number).encode())
            elif command.cmd == "a":
                assert isinstance(command.arg, bytes)
                append.append(command.arg)
            elif command.cmd == "i":
                assert isinstance(command.arg, bytes)
                out.append(command.arg)
            elif command.cmd == "c":
                assert isinstance(command.arg, bytes)
                out.append(command.arg)
                deleted = True
                break
            elif command.cmd == "q":
                if not quiet:
                    out.append(line)
                return b"\n".join(out) + b"\n"
        if not deleted and not quiet:
            out.append(line)
        out.extend(append)
    if not out:
        return b""
    return b"\n".join(out) + b"\n"


# -- small filters -------------------------------------------------------------------------


def _tr_set(spec: str) -> str:
    classes = {
        "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
        "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:digit:]": "0123456789",
        "[:space:]": " \t\n\r\f\v",
        "[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:alnum:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    }
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    spec, _ = formatting.unescape(spec, echo=False)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


async def tr(ctx: ProgramContext) -> int:
    flags, _, sets = parse_flags(ctx.argv[1:], "dscC")
    if not sets:
        await error(ctx, "missing operand")
        return 1
    first = _tr_set(sets[0])
    table: Mapping[int, int | None] = {}
    if "d" in flags:
        remove = set(first)
        complement = "c" in flags or "C" in flags
        # As a byte table, so that "tr -dc a-z < /dev/urandom" keeps up with its reader.
        table = {b: None for b in range(256) if (chr(b) in remove) != complement}
    elif len(sets) > 1:
        second = _tr_set(sets[1])
        second = second + second[-1:] * max(0, len(first) - len(second))
        table = str.maketrans(first, second[: len(first)])
    squeeze = set(_tr_set(sets[-1])) if "s" in flags else set()
    squeezer = re.compile("|".join(f"({re.escape(c)})\\1+" for c in squeeze) or "(?!)")
    last = ""  # the previous buffer's last character, for squeezing across buffers
    async for chunk in chunks(ctx.stdin):
        data = chunk.decode("latin-1").translate(table)
        if squeeze:
            data = squeezer.sub(lambda m: m.group(0)[0], data)
            if last and last in squeeze:
                data = data.lstrip(last)
            last = data[-1:] or last
        if data:
            await ctx.stdout.write(data.encode("latin-1"))
    return 0


async def cut(ctx: ProgramContext) -> int:
    flags, values, files = parse_flags(ctx.argv[1:], "s", "dfcb")
    delimiter = values.get("d", "\t").encode()
    spec = values.get("f") or values.get("c") or values.get("b")
    if spec is None:
        await error(ctx, "expected a list of bytes, characters, or fields")
        return 1
    wanted = _ranges(spec)
    status = 0
    for _, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        for line in data.splitlines():
            if "f" in values:
                if delimiter not in line:
                    if "s" not in flags:
                        await ctx.stdout.write(line + b"\n")
                    continue
                fields = line.split(delimiter)
                picked = [f for i, f in enumerate(fields, 1) if wanted(i)]
                await ctx.stdout.write(delimiter.join(picked) + b"\n")
            else:
                await ctx.stdout.write(bytes(b for i, b in enumerate(line, 1) if wanted(i)) + b"\n")
    return status


def _ranges(spec: str):  # type: ignore[no-untyped-def]
    parts: list[tuple[int, int]] = []
    for item in spec.split(","):
        lo, dash, hi = item.partition("-")
        start = int(lo) if lo else 1
        end = (int(hi) if hi else 1 << 30) if dash else start
        parts.append((start, end))
    return lambda i: any(a <= i <= b for a, b in parts)


async def sort(ctx: ProgramContext) -> int:
    flags, values, files = parse_flags(ctx.argv[1:], "nrufbs", "kto")
    lines: list[bytes] = []
    status = 0
    for _, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        lines.extend(data.splitlines())
    separator = values.get("t", "").encode() or None
    key_field = int(values["k"].split(",")[0].split(".")[0]) if "k" in values else 0

    def key_text(line: bytes) -> bytes:
        if not key_field:
            return line
        fields = line.split(separator) if separator else line.split()
        return fields[key_field - 1] if key_field <= len(fields) else b""

    def number(line: bytes) -> float:
        m = re.match(rb"\s*(-?\d+(?:\.\d*)?)", key_text(line))
        return float(m.group(1)) if m else 0.0

    if "n" in flags:
        lines.sort(key=lambda ln: (number(ln), ln), reverse="r" in flags)
    elif "f" in flags:
        lines.sort(key=lambda ln: key_text(ln).lower(), reverse="r" in flags)
    else:
        lines.sort(key=key_text, reverse="r" in flags)
    if "u" in flags:
        unique: list[bytes] = []
        for line in lines:
            if not unique or key_text(unique[-1]) != key_text(line):
                unique.append(line)
        lines = unique
    out = b"".join(line + b"\n" for line in lines)
    if "o" in values:
        ctx.fs.write_file(abspath(ctx, values["o"]), out)
    else:
        await ctx.stdout.write(out)
    return status


async def uniq(ctx: ProgramContext) -> int:
    flags, _, files = parse_flags(ctx.argv[1:], "cdui")
    data = await read_input(ctx, files[0]) if files else await ctx.stdin.read()
    if data is None:
        return 1
    groups: list[list[bytes]] = []
    for line in data.splitlines():
        same = groups and (
            groups[-1][0].lower() == line.lower() if "i" in flags else groups[-1][0] == line
        )
        if same:
            groups[-1].append(line)
        else:
            groups.append([line])
    out: list[bytes] = []
    for group in groups:
        if ("d" in flags and len(group) < 2) or ("u" in flags and len(group) > 1):
            continue
        out.append((f"{len(group):7d} ".encode() if "c" in flags else b"") + group[0] + b"\n")
    await ctx.stdout.write(b"".join(out))
    return 0


async def fold(ctx: ProgramContext) -> int:
    flags, values, files = parse_flags(ctx.argv[1:], "bs", "w")
    width = int(values.get("w", "80"))
    status = 0
    for _, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        out: list[bytes] = []
        for line in data.split(b"\n"):
            while len(line) > width:
                cut_at = width
                if "s" in flags:
                    space = line.rfind(b" ", 0, width)
                    if space >= 0:
                        cut_at = space + 1
                out.append(line[:cut_at])
                line = line[cut_at:]
            out.append(line)
        await ctx.stdout.write(b"\n".join(out))
    return status


async def tee(ctx: ProgramContext) -> int:
    flags, _, files = parse_flags(ctx.argv[1:], "ai")
    paths = [abspath(ctx, f) for f in files]
    status = 0
    for path, name in zip(paths, files, strict=True):
        if "a" not in flags:
            try:
                ctx.fs.write_file(path, b"")
            except OSError as exc:
                await error(ctx, f"{name}: {strerror(exc)}")
                status = 1
    while chunk := await ctx.stdin.read(65536):
        await ctx.stdout.write(chunk)
        for path in paths:
            try:
                ctx.fs.write_file(path, chunk, append=True)
            except OSError:
                status = 1
    return status


async def base64(ctx: ProgramContext) -> int:
    flags, values, files = parse_flags(ctx.argv[1:], "d", "w")
    data = await read_input(ctx, files[0]) if files else await ctx.stdin.read()
    if data is None:
        return 1
    if "d" in flags:
        try:
            await ctx.stdout.write(_base64.b64decode(b"".join(data.split())))
        except ValueError:
            await error(ctx, "invalid input")
            return 1
        return 0
    encoded = _base64.b64encode(data)
    width = int(values.get("w", "76"))
    if width:
        encoded = b"\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    await ctx.stdout.write(encoded + b"\n")
    return 0


async def _digest(ctx: ProgramContext, algorithm: str) -> int:
    _flags, _, files = parse_flags(ctx.argv[1:], "cbts")
    status = 0
    for name in files or ["-"]:
        stream = await open_operand(ctx, name, message="can't open '{name}': {error}")
        if stream is None:
            status = 1
            continue
        hasher = hashlib.new(algorithm)
        async for chunk in chunks(stream):
            hasher.update(chunk)
        await ctx.stdout.write(f"{hasher.hexdigest()}  {name}\n".encode())
    return status


async def md5sum(ctx: ProgramContext) -> int:
    return await _digest(ctx, "md5")


async def sha1sum(ctx: ProgramContext) -> int:
    return await _digest(ctx, "sha1")


async def sha256sum(ctx: ProgramContext) -> int:
    return await _digest(ctx, "sha256")


async def hexdump(ctx: ProgramContext) -> int:
    flags, values, files = parse_flags(ctx.argv[1:], "Cbcdox", "n")
    limit = int(values["n"]) if "n" in values else -1
    status = 0
    parts: list[bytes] = []
    for name in files or ["-"]:
        stream = await open_operand(ctx, name)
        if stream is None:
            status = 1
            continue
        # With -n, read only that much: "hexdump -n 4 /dev/urandom" ends.
        parts.append(await (read_exactly(stream, limit) if limit >= 0 else stream.read()))
        limit -= len(parts[-1]) if limit >= 0 else 0
        if limit == 0:
            break
    if not parts and status:
        return status  # nothing could be read: no offsets either
    data = b"".join(parts)
    out: list[str] = []
    if "C" in flags:
        for offset in range(0, len(data), 16):
            row = data[offset : offset + 16]
            hex_left = " ".join(f"{b:02x}" for b in row[:8])
            hex_right = " ".join(f"{b:02x}" for b in row[8:])
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
            out.append(f"{offset:08x}  {hex_left:<23}  {hex_right:<23}  |{text}|")
        out.append(f"{len(data):08x}")
    else:
        for offset in range(0, len(data), 16):
            row = data[offset : offset + 16]
            words = [
                int.from_bytes(row[i : i + 2].ljust(2, b"\0"), "little")
                for i in range(0, len(row), 2)
            ]
            out.append(f"{offset:07x} " + " ".join(f"{w:04x}" for w in words))
        out.append(f"{len(data):07x}")
    await ctx.stdout.write(("\n".join(out) + "\n").encode())
    return status


async def seq(ctx: ProgramContext) -> int:
    _flags, values, args = parse_flags(ctx.argv[1:], "w", "s")
    try:
        numbers = [float(a) if "." in a else int(a) for a in args]
    except ValueError:
        bad = next(a for a in args if not re.fullmatch(r"-?\d+(\.\d*)?", a))
        await error(ctx, f"invalid number '{bad}'")
        return 1
    if not 1 <= len(numbers) <= 3:
        await error(ctx, "usage: seq [-w] [-s SEP] [FIRST [INC]] LAST")
        return 1
    first: float = 1
    step: float = 1
    if len(numbers) == 1:
        last = numbers[0]
    elif len(numbers) == 2:
        first, last = numbers
    else:
        first, step, last = numbers
    separator = values.get("s", "\n")
    items: list[str] = []
    value = first
    while (step > 0 and value <= last) or (step < 0 and value >= last):
        items.append(str(value))
        value += step
        if len(items) % 4096 == 0:
            await ctx.stdout.write((separator.join(items) + separator).encode())
            items = []
    if items:
        await ctx.stdout.write((separator.join(items) + "\n").encode())
    return 0


async def yes(ctx: ProgramContext) -> int:
    line = (" ".join(ctx.argv[1:]) or "y").encode() + b"\n"
    block = line * max(1, 4096 // len(line))
    while True:
        await ctx.stdout.write(block)  # ends with BrokenPipeError (SIGPIPE) when the reader goes


async def expr(ctx: ProgramContext) -> int:
    from mockd.programs.applets.expr import ExprError, evaluate

    try:
        value = evaluate(ctx.argv[1:])
    except ExprError as exc:
        await error(ctx, str(exc))
        return 2
    await ctx.stdout.write(f"{value}\n".encode())
    return 1 if value in ("", "0") else 0
