"""Text applets: echo, printf, cat, head, tail, wc, tr, cut, fold, tee, base64, digests, seq, ..."""

from __future__ import annotations

import base64 as _base64
import hashlib
import re
from collections.abc import Mapping

from mockd.programs.api import ProgramContext
from mockd.programs.applets import formatting
from mockd.programs.applets._common import (
    abspath,
    chunks,
    error,
    inputs,
    open_operand,
    parse_flags,
    parse_or_usage,
    read_exactly,
    read_input,
    show_usage,
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
    parsed = await parse_or_usage(ctx, "[-nbvteA] [FILE]...", "uvetAnb")
    if parsed is None:
        return 1
    flags, _, files = parsed
    if "A" in flags:
        flags |= {"v", "t", "e"}
    if flags & {"t", "e"}:
        flags.add("v")  # -t and -e imply -v, as in busybox
    numbered = [0]  # the line number, which runs on across files
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
        if not flags & {"n", "b", "v"}:
            async for chunk in chunks(stream):
                await ctx.stdout.write(chunk)
            continue
        data = await stream.read()
        if "v" in flags:
            data = _visible(data, tabs="t" in flags, ends="e" in flags)
        if flags & {"n", "b"}:
            data = _numbered(data, numbered, skip_empty="b" in flags)
        await ctx.stdout.write(data)
    return status


def _visible(data: bytes, *, tabs: bool, ends: bool) -> bytes:
    """cat -v: control characters as ^X, bytes above 127 as M-X; -t shows tabs, -e ends."""
    out = bytearray()
    for byte in data:
        prefix = b""
        if byte >= 128:
            prefix, byte = b"M-", byte - 128
        if byte == 0x0A and not prefix:
            out += b"$\n" if ends else b"\n"
        elif byte == 0x09 and not prefix and not tabs:
            out.append(byte)
        elif byte < 32:
            out += prefix + b"^" + bytes([byte + 64])
        elif byte == 127:
            out += prefix + b"^?"
        else:
            out += prefix + bytes([byte])
    return bytes(out)


def _numbered(data: bytes, counter: list[int], *, skip_empty: bool) -> bytes:
    """cat -n/-b: busybox numbers whole lines, so a last line gets a newline too."""
    out: list[bytes] = []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for line in lines:
        if skip_empty and not line:
            out.append(b"\n")
            continue
        counter[0] += 1
        out.append(b"%6d\t%s\n" % (counter[0], line))
    return b"".join(out)


def _count_option(args: list[str]) -> list[str]:
    """``head -5`` is ``head -n 5``, ``tail +8`` is ``tail -n +8`` (not after -n or -c,
    whose value ``-2`` is a count: ``head -n -2``)."""
    out: list[str] = []
    for arg in args:
        if out[-1:] not in (["-n"], ["-c"]) and re.fullmatch(r"[-+]\d+", arg):
            arg = "-n" + arg.removeprefix("-")
        out.append(arg)
    return out


_COUNT_SUFFIXES = {"": 1, "b": 512, "k": 1024, "m": 1024 * 1024}


def _parse_count(text: str) -> int | None:
    """N[bkm] without its sign; None if busybox would call it an invalid number."""
    m = re.fullmatch(r"[-+]?(\d+)([bkm]?)", text)
    return int(m.group(1)) * _COUNT_SUFFIXES[m.group(2)] if m else None


async def head(ctx: ProgramContext) -> int:
    return await _head_tail(ctx, tail=False)


async def tail(ctx: ProgramContext) -> int:
    return await _head_tail(ctx, tail=True)


async def _head_tail(ctx: ProgramContext, *, tail: bool) -> int:
    flags, values, files = parse_flags(_count_option(ctx.argv[1:]), "qvfF", "nc")
    count_text = values.get("n", values.get("c", "10"))
    by_bytes = "c" in values
    from_start = count_text.startswith("+")
    all_but_last = not tail and count_text.startswith("-")  # head -n -N: all but N
    parsed_count = _parse_count(count_text)
    if parsed_count is None or (from_start and not tail):
        await error(ctx, f"invalid number '{count_text}'")
        return 1
    count = parsed_count
    if not tail and not all_but_last:
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
                out = data[max(count - 1, 0) if from_start else max(len(data) - count, 0) :]
            else:
                out = data[: max(len(data) - count, 0)] if all_but_last else data[:count]
        else:
            lines = data.splitlines(keepends=True)
            if tail:
                start = max(count - 1, 0) if from_start else max(len(lines) - count, 0)
            else:
                start = 0
            end = max(len(lines) - count, 0) if all_but_last else len(lines)
            out = b"".join(lines[start:end] if tail or all_but_last else lines[:count])
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


# -- small filters -------------------------------------------------------------------------


def _tr_set(spec: str) -> str:
    classes = {
        "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
        "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:digit:]": "0123456789",
        "[:space:]": " \t\n\r\f\v",
        "[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:alnum:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "[:xdigit:]": "0123456789ABCDEFabcdef",
        "[:blank:]": " \t",
        "[:punct:]": "".join(c for c in map(chr, range(33, 127)) if not c.isalnum()),
        "[:cntrl:]": "".join(map(chr, range(32))) + "\x7f",
        "[:print:]": "".join(map(chr, range(32, 127))),
        "[:graph:]": "".join(map(chr, range(33, 127))),
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
    parsed = await parse_or_usage(ctx, "[-cds] STRING1 [STRING2]", "dscC")
    if parsed is None:
        return 1
    flags, _, sets = parsed
    if not sets:
        return await show_usage(ctx, "[-cds] STRING1 [STRING2]")
    first = _tr_set(sets[0])
    complement = "c" in flags or "C" in flags
    if complement and "d" not in flags:
        # What is not in STRING1, in byte order, is what gets translated (or squeezed).
        first = "".join(chr(b) for b in range(256) if chr(b) not in set(first))
    table: Mapping[int, int | None] = {}
    if "d" in flags:
        remove = set(first)
        # As a byte table, so that "tr -dc a-z < /dev/urandom" keeps up with its reader.
        table = {b: None for b in range(256) if (chr(b) in remove) != complement}
    elif len(sets) > 1:
        second = _tr_set(sets[1])
        second = second + second[-1:] * max(0, len(first) - len(second))
        table = str.maketrans(first, second[: len(first)])
    # -s squeezes the characters of the last set given (STRING2 when translating).
    squeeze = set(_tr_set(sets[1]) if len(sets) > 1 else first) if "s" in flags else set()
    # One class with a back-reference: each listed character's runs, "aabb" -> "ab".
    listed = "".join(map(re.escape, sorted(squeeze)))
    squeezer = re.compile(f"([{listed}])\\1+" if squeeze else "(?!)")
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


_SEQ_USAGE = "[-w] [-s SEP] [FIRST [INC]] LAST"


async def seq(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, _SEQ_USAGE, "w", "s")
    if parsed is None:
        return 1
    flags, values, args = parsed
    try:
        numbers = [float(a) for a in args]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 3:
        return await show_usage(ctx, _SEQ_USAGE)  # busybox gives no other message
    first, step, last = 1.0, 1.0, numbers[-1]
    if len(numbers) > 1:
        first = numbers[0]
    if len(numbers) == 3:
        step = numbers[1]
    # Every number has as many decimals as the operand with the most; -w pads them all
    # with zeros to the width of FIRST or LAST, whichever is wider.
    decimals = max((len(a.partition(".")[2]) for a in args), default=0)
    width = max(len(f"{first:.{decimals}f}"), len(f"{last:.{decimals}f}")) if "w" in flags else 0
    separator = values.get("s", "\n")
    items: list[str] = []
    written = False
    index = 0
    value = first
    while (step >= 0 and value <= last) or (step < 0 and value >= last):
        items.append(f"{value:0{width}.{decimals}f}")
        index += 1
        value = first + index * step  # not a running sum: no drift in "seq 0 0.1 1"
        if len(items) == 4096:  # "seq 0 0 1" never ends: write as it goes
            text = separator.join(items)
            await ctx.stdout.write(((separator if written else "") + text).encode())
            items, written = [], True
    if items:
        await ctx.stdout.write(((separator if written else "") + separator.join(items)).encode())
        written = True
    if written:
        await ctx.stdout.write(b"\n")
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
