"""Text and encoding utilities: xxd, strings, diff, expand, unexpand, dos2unix, unix2dos, crc32,
uuencode, uudecode, shuf, factor."""

from __future__ import annotations

import base64
import binascii
import difflib
import math
import posixpath
import random
import re
import zlib
from collections.abc import Callable

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    error,
    inputs,
    parse_flags,
    parse_or_usage,
    read_input,
    show_usage,
    strerror,
)
from mockd.programs.opening import open_input, open_output


def _number(text: str) -> int | None:
    """A non-negative number as busybox's xatou takes it (decimal, 0x hex, 0 octal)."""
    try:
        value = int(text, 0) if not re.fullmatch(r"0[0-7]+", text) else int(text, 8)
    except ValueError:
        return None
    return value if value >= 0 else None


# -- xxd ----------------------------------------------------------------------------------


def _xxd_reverse(text: bytes, plain: bool) -> bytes:
    """busybox's xxd -r: hex digits in pairs, anything else skipped (with the digit before
    it); a pair may span lines.  Without -p the leading address of each line is skipped."""
    out = bytearray()
    lines = text.split(b"\n")
    hexdigits = b"0123456789abcdefABCDEF"
    row = 0
    while row < len(lines):
        line = lines[row]
        pos = 0
        if not plain:
            while pos < len(line) and line[pos] in hexdigits:
                pos += 1
            if line[pos : pos + 1] == b":":
                pos += 1
        high: int | None = None
        while True:
            while pos < len(line) and line[pos : pos + 1].isspace():
                pos += 1
            if pos >= len(line):
                if high is None:
                    break
                row += 1  # a half byte joins the next line's first digit
                if row >= len(lines):
                    break
                line, pos = lines[row], 0
                continue
            char = line[pos : pos + 1]
            pos += 1
            if char not in hexdigits or not char:
                high = None
                continue
            if high is None:
                high = int(char, 16)
            else:
                out.append(high << 4 | int(char, 16))
                high = None
        row += 1
    return bytes(out)


async def xxd(ctx: ProgramContext) -> int:
    usage = "[-pri] [-g N] [-c N] [-n LEN] [-s OFS] [-o OFS] [FILE]"
    parsed = await parse_or_usage(ctx, usage, "pri", "gclso")
    if parsed is None:
        return 1
    flags, values, args = parsed
    if len(args) > 1:
        return await show_usage(ctx, usage)
    numbers: dict[str, int] = {}
    for letter, text in values.items():
        number = _number(text)
        if number is None:
            await error(ctx, f"invalid number '{text}'")
            return 1
        numbers[letter] = number
    name = args[0] if args else "-"
    data = await read_input(ctx, name)
    if data is None:
        return 1
    if "r" in flags:
        await ctx.stdout.write(_xxd_reverse(data, "p" in flags))
        return 0
    start = numbers.get("s", 0)
    data = data[start:]
    if "l" in numbers:
        data = data[: numbers["l"]]
    if "p" in flags:
        cols = numbers.get("c", 30) or len(data) or 1
        text = "".join(data[i : i + cols].hex() + "\n" for i in range(0, len(data), cols))
    elif "i" in flags:
        cols = numbers.get("c", 12) or 12
        rows = [data[i : i + cols] for i in range(0, len(data), cols)]
        text = "".join("  " + ", ".join(f"0x{b:02x}" for b in row) + ",\n" for row in rows)
        if args:
            var = re.sub(r"[^A-Za-z0-9]", "_", name)
            text = f"unsigned char {var}[] = {{\n{text}}};\nunsigned int {var}_len = {len(data)};\n"
    else:
        cols = numbers.get("c", 16) or 16
        group = numbers.get("g", 2) or cols
        width = cols * 2 + -(-cols // group) - 1
        lines: list[str] = []
        for i in range(0, len(data), cols):
            row = data[i : i + cols]
            hexed = " ".join(row[j : j + group].hex() for j in range(0, len(row), group))
            shown = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
            lines.append(f"{start + numbers.get('o', 0) + i:08x}: {hexed:<{width}}  {shown}\n")
        text = "".join(lines)
    await ctx.stdout.write(text.encode())
    return 0


# -- strings --------------------------------------------------------------------------------

_PRINTABLE = re.compile(rb"[\t\x20-\x7e]+")


async def strings(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-fo] [-t o|d|x] [-n LEN] [FILE]...", "afo", "nt")
    if parsed is None:
        return 1
    flags, values, files = parsed
    minimum = 4
    if "n" in values:
        text = values["n"]
        if not text.isdigit():
            await error(ctx, f"invalid number '{text}'")
            return 1
        minimum = int(text)
        if not 1 <= minimum <= 2147483647:
            await error(ctx, f"number {text} is not in 1..2147483647 range")
            return 1
    radix = values.get("t", "o" if "o" in flags else "")
    offset_format = {"o": "{:7o} ", "d": "{:7d} ", "x": "{:7x} ", "": ""}.get(radix)
    if offset_format is None:
        await error(ctx, f"invalid number '{radix}'")
        return 1
    status = 0
    for name, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        shown = "{standard input}" if name == "-" else name
        out: list[bytes] = []
        for match in _PRINTABLE.finditer(data):
            if len(match.group()) >= minimum:
                head = f"{shown}: " if "f" in flags else ""
                head += offset_format.format(match.start())
                out.append(head.encode() + match.group() + b"\n")
        await ctx.stdout.write(b"".join(out))
    return status


# -- diff -----------------------------------------------------------------------------------

_DIFF_USAGE = "[-abBdiNqrTstw] [-L LABEL] [-S FILE] [-U LINES] FILE1 FILE2"


def _diff_key(flags: set[str]) -> Callable[[bytes], bytes]:
    def key(line: bytes) -> bytes:
        if "i" in flags:
            line = line.lower()
        if "w" in flags:
            return re.sub(rb"\s+", b"", line)
        if "b" in flags:
            return re.sub(rb"[ \t]+", b" ", line).rstrip(b" \t\n")
        return line

    return key


def _range(start: int, length: int) -> str:
    """A hunk's range as diff writes it: ``3``, ``3,2``, or ``2,0`` before line 3."""
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def _diff_line(mark: bytes, line: bytes) -> bytes:
    if line.endswith(b"\n"):
        return mark + line
    return mark + line + b"\n\\ No newline at end of file\n"


async def _diff_side(ctx: ProgramContext, name: str, absent_ok: bool) -> bytes | None:
    if name == "-":
        return await ctx.stdin.read()
    path = abspath(ctx, name)
    if not ctx.fs.exists(path):
        if absent_ok:
            return b""
        await error(ctx, f"can't stat '{name}': No such file or directory")
        return None
    try:
        return await open_input(ctx, path).read()
    except OSError as exc:
        await error(ctx, f"{name}: {strerror(exc)}")
        return None


async def diff(ctx: ProgramContext) -> int:
    try:
        flags, values, args = parse_flags(ctx.argv[1:], "abBdiNqrTstuw", "LSU", repeatable="L")
    except UsageError as exc:
        await error(ctx, str(exc))
        return await show_usage(ctx, _DIFF_USAGE)
    if len(args) != 2:
        return await show_usage(ctx, _DIFF_USAGE)
    context = 3
    if "U" in values:
        if not values["U"].isdigit():
            await error(ctx, f"invalid number '{values['U']}'")
            return 1
        context = int(values["U"])
    names = list(args)
    joined = False
    for i in (0, 1):
        other = names[1 - i]
        if names[i] != "-" and ctx.fs.is_dir(abspath(ctx, names[i])) and other != "-":
            if ctx.fs.is_dir(abspath(ctx, other)):
                await error(ctx, f"{names[i]}: Is a directory")  # no -r in the mock
                return 2
            names[i] = posixpath.join(names[i], posixpath.basename(other))
            joined = True
    first = await _diff_side(ctx, names[0], "N" in flags)
    second = await _diff_side(ctx, names[1], "N" in flags) if first is not None else None
    if first is None or second is None:
        return 1 if joined else 2  # busybox's status when a directory held no such file
    if first == second:
        if "s" in flags:
            await ctx.stdout.write(f"Files {names[0]} and {names[1]} are identical\n".encode())
        return 0
    if "q" in flags or ("a" not in flags and (b"\0" in first or b"\0" in second)):
        await ctx.stdout.write(f"Files {names[0]} and {names[1]} differ\n".encode())
        return 1
    a, b = first.splitlines(keepends=True), second.splitlines(keepends=True)
    key = _diff_key(flags)
    matcher = difflib.SequenceMatcher(None, [key(x) for x in a], [key(y) for y in b], False)
    groups = list(matcher.get_grouped_opcodes(context))
    if not groups or all(tag == "equal" for g in groups for tag, *_ in g):
        return 0  # equal but for what -i/-b/-w ignore
    labels = (values["L"].split("\n") if "L" in values else []) + names
    out = [f"--- {labels[0]}\n+++ {labels[1]}\n".encode()]
    for group in groups:
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_range(i1, i2 - i1)} +{_range(j1, j2 - j1)} @@\n".encode())
        for tag, s1, s2, t1, t2 in group:
            if tag == "equal":
                out += [_diff_line(b" ", line) for line in a[s1:s2]]
                continue
            out += [_diff_line(b"-", line) for line in a[s1:s2]]
            out += [_diff_line(b"+", line) for line in b[t1:t2]]
    await ctx.stdout.write(b"".join(out))
    return 1


# -- expand, unexpand -------------------------------------------------------------------------


async def _tab_size(ctx: ProgramContext, values: dict[str, str]) -> int | None:
    text = values.get("t", "8")
    if not text.isdigit():
        await error(ctx, f"invalid number '{text}'")
        return None
    if not 1 <= int(text) <= 4294967295:
        await error(ctx, f"number {text} is not in 1..4294967295 range")
        return None
    return int(text)


def _expand_line(line: str, size: int, initial: bool) -> str:
    out: list[str] = []
    column = 0
    for i, char in enumerate(line):
        if initial and char not in " \t":
            out.append(line[i:])
            break
        if char == "\t":
            out.append(" " * (size - column % size))
            column += size - column % size
        else:
            out.append(char)
            column += 1
    return "".join(out)


def _unexpand_line(line: str, size: int, everywhere: bool) -> str:
    """busybox's unexpand, step for step (its columns are kept modulo the tab size)."""
    out: list[str] = []
    pos, column = 0, 0
    while pos < len(line):
        blanks = len(line) - pos - len(line[pos:].lstrip(" "))
        pos += blanks
        column += blanks
        if line[pos : pos + 1] == "\t":
            column += size - column % size
            pos += 1
            continue
        tabs = column // size
        if tabs:
            blanks = column = column % size
            out.append("\t" * tabs)
        if not everywhere and pos != 0:  # -f: only the line's leading blanks
            out.append(" " * blanks + line[pos:])
            break
        word = next((k for k, c in enumerate(line[pos:]) if c in " \t"), len(line) - pos)
        out.append(" " * blanks + line[pos : pos + word])
        pos += word
        column = (column + word) % size
    return "".join(out)


async def _tabs(
    ctx: ProgramContext,
    flags: set[str],
    values: dict[str, str],
    files: list[str],
    *,
    expanding: bool,
) -> int:
    size = await _tab_size(ctx, values)
    if size is None:
        return 1
    status = 0
    for _, data in await inputs(ctx, files):
        if data is None:
            status = 1
            continue
        text = data.decode("utf-8", "surrogateescape")
        if expanding:
            lines = [_expand_line(x, size, "i" in flags) for x in text.splitlines(keepends=True)]
        else:
            everywhere = "a" in flags or "t" in values
            lines = [_unexpand_line(x, size, everywhere) for x in text.splitlines(keepends=True)]
        await ctx.stdout.write("".join(lines).encode("utf-8", "surrogateescape"))
    return status


async def expand(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-i] [-t N] [FILE]...", "i", "t")
    if parsed is None:
        return 1
    return await _tabs(ctx, parsed[0], parsed[1], parsed[2], expanding=True)


async def unexpand(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "[-fa][-t N] [FILE]...", "fa", "t")
    if parsed is None:
        return 1
    return await _tabs(ctx, parsed[0], parsed[1], parsed[2], expanding=False)


# -- dos2unix, unix2dos ----------------------------------------------------------------------


async def _convert(ctx: ProgramContext, to_dos: bool) -> int:
    parsed = await parse_or_usage(ctx, "[-ud] [FILE]", "ud")
    if parsed is None:
        return 1
    flags, _, files = parsed
    if "u" in flags or "d" in flags:
        to_dos = "d" in flags

    def convert(data: bytes) -> bytes:
        data = data.replace(b"\r", b"")  # every CR goes, as busybox does
        return data.replace(b"\n", b"\r\n") if to_dos else data

    if not files:
        await ctx.stdout.write(convert(await ctx.stdin.read()))
        return 0
    for name in files:
        path = abspath(ctx, name)
        try:
            ctx.fs.write_file(path, convert(ctx.fs.read_file(path)))
        except OSError as exc:
            await error(ctx, f"can't open '{name}': {strerror(exc)}")
            return 1  # busybox dies at the first file it cannot open
    return 0


async def dos2unix(ctx: ProgramContext) -> int:
    return await _convert(ctx, to_dos=False)


async def unix2dos(ctx: ProgramContext) -> int:
    return await _convert(ctx, to_dos=True)


# -- crc32, uuencode, uudecode -----------------------------------------------------------------


async def crc32(ctx: ProgramContext) -> int:
    parsed = await parse_or_usage(ctx, "FILE...", "")
    if parsed is None:
        return 1
    status = 0
    files = parsed[2]
    for name in files or ["-"]:
        data = await _open_message(ctx, name)
        if data is None:
            status = 1
            continue
        shown = f" {name}" if files else ""
        await ctx.stdout.write(f"{zlib.crc32(data):08x}{shown}\n".encode())
    return status


async def _open_message(ctx: ProgramContext, name: str) -> bytes | None:
    return await read_input(ctx, name, message="can't open '{name}': {error}")


async def uuencode(ctx: ProgramContext) -> int:
    usage = "[-m] [FILE] STORED_FILENAME"
    parsed = await parse_or_usage(ctx, usage, "m", "")
    if parsed is None:
        return 1
    flags, _, args = parsed
    if len(args) not in (1, 2):
        return await show_usage(ctx, usage)
    if len(args) == 2:
        path = abspath(ctx, args[0])
        try:
            data = ctx.fs.read_file(path)
            mode = ctx.fs.stat(path).mode & 0o777
        except OSError as exc:
            await error(ctx, f"can't open '{args[0]}': {strerror(exc)}")
            return 1
    else:
        data, mode = await ctx.stdin.read(), 0o666 & ~ctx.umask
    stored = args[-1]
    if "m" in flags:
        body = b"".join(base64.b64encode(data[i : i + 57]) + b"\n" for i in range(0, len(data), 57))
        text = f"begin-base64 {mode:o} {stored}\n".encode() + body + b"====\n"
    else:
        body = b"".join(
            binascii.b2a_uu(data[i : i + 45], backtick=True) for i in range(0, len(data), 45)
        )
        text = f"begin {mode:o} {stored}\n".encode() + body + b"`\nend\n"
    await ctx.stdout.write(text)
    return 0


_BEGIN = re.compile(rb"begin(-base64)? ([0-7]+) (.*)")


async def uudecode(ctx: ProgramContext) -> int:
    usage = "[-o OUTFILE] [INFILE]"
    parsed = await parse_or_usage(ctx, usage, "", "o")
    if parsed is None:
        return 1
    _, values, args = parsed
    if len(args) > 1:
        return await show_usage(ctx, usage)
    data = await read_input(ctx, args[0] if args else "-")
    if data is None:
        return 1
    lines = data.split(b"\n")
    found = ((i, _BEGIN.fullmatch(line.rstrip(b"\r"))) for i, line in enumerate(lines))
    index, begin = next(((i, m) for i, m in found if m is not None), (0, None))
    if begin is None:
        await error(ctx, "no 'begin' line")
        return 1
    is_base64, mode = begin.group(1) is not None, int(begin.group(2), 8)
    target = values.get("o", begin.group(3).decode(errors="surrogateescape"))
    decoded: list[bytes] = []
    ended = False
    for line in lines[index + 1 :]:
        line = line.rstrip(b"\r")
        if not line:  # the end of the input, or of what busybox reads
            break
        if (is_base64 and line == b"====") or (not is_base64 and line == b"end"):
            ended = True
            break
        try:
            decoded.append(base64.b64decode(line) if is_base64 else binascii.a2b_uu(line))
        except (binascii.Error, ValueError):
            break
    output = b"".join(decoded)
    if target in ("-", "/dev/stdout"):
        await ctx.stdout.write(output)
    else:
        path = abspath(ctx, target)
        try:
            out = open_output(ctx, path)
            await out.write(output)
            if ctx.fs.stat(path).kind == "file":
                ctx.fs.chmod(path, mode & 0o777)
        except OSError as exc:
            await error(ctx, f"can't open '{target}': {strerror(exc)}")
            return 1
    if not ended:
        await error(ctx, "short file")
        return 1
    return 0


# -- shuf, factor -----------------------------------------------------------------------------


async def shuf(ctx: ProgramContext) -> int:
    usage = "[-n NUM] [-o FILE] [-z] [FILE | -e [ARG...] | -i L-H]"
    parsed = await parse_or_usage(ctx, usage, "ez", "nio")
    if parsed is None:
        return 1
    flags, values, args = parsed
    count = None
    if "n" in values:
        if not values["n"].isdigit():
            await error(ctx, f"invalid number '{values['n']}'")
            return 1
        count = int(values["n"])
    if "e" in flags:
        lines = [arg.encode(errors="surrogateescape") for arg in args]
    elif "i" in values:
        if args:
            return await show_usage(ctx, usage)
        low, dash, high = values["i"].partition("-")
        if not dash:
            await error(ctx, f"bad range '{values['i']}'")
            return 1
        for number in (low, high):
            if not number.isdigit():
                await error(ctx, f"invalid number '{number}'")
                return 1
        if int(low) > int(high):
            await error(ctx, f"bad range '{values['i']}'")
            return 1
        lines = [str(n).encode() for n in range(int(low), int(high) + 1)]
    else:
        if len(args) > 1:
            return await show_usage(ctx, usage)
        data = await read_input(ctx, args[0] if args else "-")
        if data is None:
            return 1
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
    random.shuffle(lines)  # the context has no random source of its own
    if count is not None:
        lines = lines[:count]
    end = b"\0" if "z" in flags else b"\n"
    out = ctx.stdout
    if "o" in values:
        try:
            out = open_output(ctx, abspath(ctx, values["o"]))
        except OSError as exc:
            await error(ctx, f"can't open '{values['o']}': {strerror(exc)}")
            return 1
    await out.write(b"".join(line + end for line in lines))
    return 0


def _is_prime(n: int) -> bool:
    """Miller-Rabin with the bases that are exact below 2**64."""
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _divisor(n: int) -> int:
    """A non-trivial divisor of a composite ``n`` (Pollard's rho, Brent's variant)."""
    if n % 2 == 0:
        return 2
    c = 1
    while True:
        x = y = 2
        d = 1
        while d == 1:
            x = (x * x + c) % n
            y = (y * y + c) % n
            y = (y * y + c) % n
            d = math.gcd(abs(x - y), n)
        if d != n:
            return d
        c += 1


def _factors(n: int) -> list[int]:
    found: list[int] = []
    for p in (2, 3, 5, 7):
        while n % p == 0 and n > 1:
            found.append(p)
            n //= p
    pending = [n] if n > 1 else []
    while pending:
        m = pending.pop()
        if _is_prime(m):
            found.append(m)
        else:
            d = _divisor(m)
            pending += [d, m // d]
    return sorted(found)


async def factor(ctx: ProgramContext) -> int:
    usage = "[NUMBER]..."
    parsed = await parse_or_usage(ctx, usage, "")
    if parsed is None:
        return 1
    words = parsed[2]
    if not words:
        words = (await ctx.stdin.read()).decode(errors="replace").split()
    for word in words:
        if not word.isdigit() or int(word) >= 2**64:
            return await show_usage(ctx, usage)
        n = int(word)
        listed = "".join(f" {p}" for p in _factors(n)) if n > 1 else ""
        await ctx.stdout.write(f"{n}:{listed}\n".encode())
    return 0
