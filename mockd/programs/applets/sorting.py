"""``sort`` and ``uniq`` as busybox 1.35 has them (Debian's build), quirks included.

The C locale throughout: bytes compare as unsigned chars, and ``isspace``,
``isalnum`` and ``toupper`` know only ASCII.  Where busybox 1.35 differs
from GNU, busybox wins:

* a key with options of its own ignores every global one (``sort -r -k2n``
  sorts ascending), and the whole-line tie-break reverses with ``-r`` only;
* ``-kS,F.C`` ends the key at byte C of the *line*, not of field F;
* ``-s -u`` drops nothing (the stable order makes no two lines equal);
* ``-n`` reads numbers as ``atof`` does (``1e3``, ``0x10``, ``inf``);
* NUL ends a line as a newline does, except with ``-z`` where only NUL does;
* a key that combines sort types (``-k1ng``, ``-n -g``) fails only when two
  lines are compared under it.

There is no ``-h``, ``-R``, ``-C`` (sort) nor ``-D`` (uniq) in 1.35.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mockd.programs.api import ProgramContext
from mockd.programs.applets._common import (
    UsageError,
    abspath,
    chunks,
    error,
    show_usage,
    strerror,
)
from mockd.programs.opening import open_input, open_output
from mockd.programs.streams import InputStream, OutputStream

SORT_USAGE = (
    "[-nrugMcszbdfiokt] [-o FILE] [-k START[.OFS][OPTS][,END[.OFS][OPTS]] [-t CHAR] [FILE]..."
)
UNIQ_USAGE = "[-cduiz] [-f,s,w N] [FILE [OUTFILE]]"

_SPACE = frozenset(b" \t\n\v\f\r")  # C's isspace
_ALNUM = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_INT_MAX = 2**31 - 1


# -- options -------------------------------------------------------------------------------


def getopt(args: list[str], flags: str, with_value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Options in the order given, as GNU getopt permutes them, and the operands.

    Unlike ``parse_flags`` this keeps repeats (``-k`` accumulates, a second
    ``-o`` is an error) and rejects ``-5`` and ``--long`` as getopt does.
    """
    options: list[tuple[str, str]] = []
    operands: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            operands.extend(args[i:])
            break
        if arg.startswith("--"):
            raise UsageError(f"unrecognized option '{arg}'")
        if not arg.startswith("-") or arg == "-":
            operands.append(arg)
            continue
        for j, letter in enumerate(arg[1:], 1):
            if letter in with_value:
                value = arg[j + 1 :]
                if not value:
                    if i >= len(args):
                        raise UsageError(f"option requires an argument -- '{letter}'")
                    value = args[i]
                    i += 1
                options.append((letter, value))
                break
            if letter not in flags:
                raise UsageError(f"invalid option -- '{letter}'")
            options.append((letter, ""))
    return options, operands


class Fatal(Exception):
    """busybox's ``bb_error_msg_and_die``: the message, then the applet's error exit."""


# -- sort keys -------------------------------------------------------------------------------

# Key option letters are looked up in sort's getopt string: a letter found there
# but not allowed in a key is an "unknown sort type", any other an "unknown key option".
_SORT_OPTSTRING = "ngMVucszbrdfimS:T:o:k:*t:"
_KEY_LETTERS = frozenset("ngMbrdfi")
_SORT_TYPES = frozenset("ngMV")
TRAILING_BLANKS = "B"  # busybox's FLAG_bb: ``b`` after the comma, or a global ``-b``


@dataclass(frozen=True)
class SortKey:
    """One ``-k START[.CHAR][OPTS][,END[.CHAR][OPTS]]``; 0 means "not given"."""

    start_field: int = 1
    start_char: int = 0
    end_field: int = 0
    end_char: int = 0  # a byte offset in the line (busybox 1.35), not in the field
    flags: frozenset[str] = frozenset()

    @property
    def whole_line(self) -> bool:
        return (self.start_field, self.start_char, self.end_field, self.end_char) == (1, 0, 0, 0)


def _field_number(spec: str, pos: int) -> tuple[int, int]:
    """The number at ``pos`` (strtoul after an isdigit check) and the position after it."""
    digits = re.match(r"[0-9]+", spec[pos:])
    if digits is None:
        raise Fatal("bad field specification")
    number = int(digits.group())
    if not 0 < number <= _INT_MAX:
        raise Fatal("bad field specification")
    return number, pos + digits.end()


def parse_key(spec: str) -> SortKey:
    """busybox's key parser: the start, at most one comma, then the end."""
    ranges = [0, 0, 0, 0]
    flags: set[str] = set()
    part = 0  # 0 before the comma, 1 after it
    pos = 0
    while pos < len(spec):
        ranges[2 * part], pos = _field_number(spec, pos)
        if spec[pos : pos + 1] == ".":
            ranges[2 * part + 1], pos = _field_number(spec, pos + 1)
        while pos < len(spec):
            letter = spec[pos]
            pos += 1
            if letter == "," and part == 0:
                part = 1
                break
            if letter not in _SORT_OPTSTRING:
                raise Fatal("unknown key option")
            if letter not in _KEY_LETTERS:
                raise Fatal("unknown sort type")
            # "b" after the comma strips the end's trailing blanks instead.
            flags.add(TRAILING_BLANKS if part and letter == "b" else letter)
    start_field, start_char, end_field, end_char = ranges
    return SortKey(start_field, start_char, end_field, end_char, frozenset(flags))


@dataclass(frozen=True)
class SortOptions:
    flags: frozenset[str]  # the global letters (``b`` brings TRAILING_BLANKS along)
    keys: tuple[SortKey, ...]
    separator: int | None = None
    output: str | None = None
    files: list[str] = field(default_factory=list)

    def key_flags(self, key: SortKey) -> frozenset[str]:
        return key.flags or self.flags


def parse_sort_args(args: list[str]) -> SortOptions:
    """Raises UsageError (getopt's complaint and the usage) or Fatal (busybox's message)."""
    options, files = getopt(args, "ngMVucszbrdfim", "STokt")
    letters = [letter for letter, _ in options]
    if letters.count("o") > 1 or letters.count("t") > 1:
        raise UsageError("")  # getopt32's "o--o:t--t": only the usage text
    values = {letter: value for letter, value in options}
    flags = {letter for letter in letters if letter not in "STokt"}
    if "b" in flags:
        flags.add(TRAILING_BLANKS)
    separator = None
    if "t" in values:
        raw = values["t"].encode(errors="surrogateescape")
        if len(raw) != 1:
            raise Fatal("bad -t parameter")
        separator = raw[0]
    keys = tuple(parse_key(value) for letter, value in options if letter == "k")
    return SortOptions(
        flags=frozenset(flags),
        keys=keys or (SortKey(),),
        separator=separator,
        output=values.get("o"),
        files=files,
    )


# -- extracting and comparing keys -------------------------------------------------------------


def _skip_fields(line: bytes, count: int, separator: int | None) -> tuple[int, bool]:
    """The offset after ``count`` fields, and whether a separator was the last byte passed.

    Without ``-t`` a field is its leading blanks and the non-blanks after them,
    so a key keeps the blanks before it unless ``b`` strips them.
    """
    pos, after_separator = 0, False
    for _ in range(count):
        if separator is not None:
            found = line.find(separator, pos)
            after_separator = found >= 0
            pos = found + 1 if after_separator else len(line)
        else:
            while pos < len(line) and line[pos] in _SPACE:
                pos += 1
            while pos < len(line) and line[pos] not in _SPACE:
                pos += 1
    return pos, after_separator


def extract_key(line: bytes, key: SortKey, flags: frozenset[str], separator: int | None) -> bytes:
    """busybox's ``get_key``: the bytes of ``line`` that ``key`` compares."""
    if key.whole_line and not flags & {"b", "d", "f", "i", TRAILING_BLANKS}:
        return line
    size = len(line)
    start = _skip_fields(line, key.start_field - 1, separator)[0] if key.start_field else size
    end = size
    if key.end_field:
        end, after_separator = _skip_fields(line, key.end_field, separator)
        if after_separator:  # "a:b:" ends the key before its last separator
            end -= 1
    if "b" in flags:
        while start < size and line[start] in _SPACE:
            start += 1
    if TRAILING_BLANKS in flags:
        while end > start and line[end - 1] in _SPACE:
            end -= 1
    if key.end_char:
        end = min(key.end_char, size)
    if key.start_char:
        start = min(start + key.start_char - 1, size)
    text = line[start : max(start, end)]
    if "d" in flags:
        text = bytes(b for b in text if b in _SPACE or b in _ALNUM)
    if "i" in flags:
        text = bytes(b for b in text if 0x20 <= b < 0x7F)
    if "f" in flags:
        text = text.upper()  # bytes.upper() changes ASCII letters only, as toupper in C
    return text


_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:"
    rb"(?P<hex>0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    rb"|(?P<dec>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    rb"|(?P<inf>inf(?:inity)?)|(?P<nan>nan(?:\([0-9A-Za-z_]*\))?))",
    re.IGNORECASE,
)


def strtod(text: bytes) -> float | None:
    """C's strtod on the start of ``text``; None when it converts nothing."""
    match = _STRTOD.match(text)
    if match is None:
        return None
    negative = match.group().lstrip(bytes(_SPACE)).startswith(b"-")
    if match.group("hex"):
        value = float.fromhex(match.group("hex").decode())
    elif match.group("dec"):
        value = float(match.group("dec"))
    elif match.group("inf"):
        value = float("inf")
    else:
        value = float("nan")
    return -value if negative else value


_MONTHS = b"JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


def month(text: bytes) -> int | None:
    """strptime's ``%b`` in the C locale: a month's name or abbreviation, any case.

    No leading blanks are skipped: ``-M`` without ``b`` sees " feb" as no month.
    """
    prefix = text[:3].upper()
    return _MONTHS.index(prefix) if prefix in _MONTHS else None


def _digit_class(c: int) -> int:
    """strverscmp's classes: 0 other, 1 a digit 1-9, 2 the digit 0."""
    return (c == 0x30) + (0x30 <= c <= 0x39)


# strverscmp's states (S_N normal, S_I integer, S_F fraction, S_Z leading zeros), as glibc's tables.
_S_N, _S_I, _S_F, _S_Z = 0, 3, 6, 9
_CMP, _LEN = 2, 3
_NEXT_STATE = [_S_N, _S_I, _S_Z, _S_N, _S_I, _S_I, _S_N, _S_F, _S_F, _S_N, _S_F, _S_Z]
_RESULT_TYPE = [
    _CMP, _CMP, _CMP, _CMP, _LEN, _CMP, _CMP, _CMP, _CMP,
    _CMP, -1, -1, +1, _LEN, _LEN, +1, _LEN, _LEN,
    _CMP, _CMP, _CMP, _CMP, _CMP, _CMP, _CMP, _CMP, _CMP,
    _CMP, +1, +1, -1, _CMP, _CMP, -1, _CMP, _CMP,
]  # fmt: skip


def strverscmp(a: bytes, b: bytes) -> int:
    """glibc's strverscmp (``-V``): digit runs compare as numbers, leading zeros as fractions."""
    a, b = a + b"\0", b + b"\0"
    i = 0
    state = _S_N + _digit_class(a[0])
    while a[i] == b[i]:
        if a[i] == 0:
            return 0
        state = _NEXT_STATE[state]
        i += 1
        state += _digit_class(a[i])
    diff = a[i] - b[i]
    result = _RESULT_TYPE[state * 3 + _digit_class(b[i])]
    if result == _CMP:
        return diff
    if result != _LEN:
        return result
    j = i + 1
    while 0x30 <= a[j] <= 0x39:
        if not 0x30 <= b[j] <= 0x39:
            return 1
        j += 1
    return -1 if 0x30 <= b[j] <= 0x39 else diff


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def general_number(text: bytes) -> tuple[int, float]:
    """``-g``'s order: not numbers < NaN < -infinity < numbers < +infinity."""
    value = strtod(text)
    if value is None:
        return 0, 0.0
    if value != value:
        return 1, 0.0
    return 2, value


def compare_as(sort_type: str, a: bytes, b: bytes) -> int:
    """Two keys compared as one sort type ("" is plain bytes)."""
    if sort_type == "n":
        # atof: nothing converted is 0; a NaN compares equal to everything.
        return _cmp(strtod(a) or 0.0, strtod(b) or 0.0)
    if sort_type == "g":
        return _cmp(general_number(a), general_number(b))
    if sort_type == "M":
        ma, mb = month(a), month(b)
        if ma is None or mb is None:
            return (mb is None) - (ma is None)
        return ma - mb
    if sort_type == "V":
        return strverscmp(a, b)
    return _cmp(a, b)


def sort_type(flags: frozenset[str]) -> str | None:
    """The one sort type among ``flags`` ("" for none); None when they name several."""
    types = flags & _SORT_TYPES
    if len(types) > 1:
        return None
    return next(iter(types), "")


@dataclass
class Line:
    text: bytes
    index: int  # its place in the input, for -s
    keys: dict[int, bytes] = field(default_factory=dict)  # extracted keys, by key number


class Comparator:
    """busybox's ``compare_keys``: the keys in turn, then the whole line unless -s."""

    def __init__(self, options: SortOptions) -> None:
        self.options = options
        # Each key with the flags it uses and its sort type (None: several, an error).
        self.keys = [
            (key, options.key_flags(key), sort_type(options.key_flags(key))) for key in options.keys
        ]
        self.tie_break = True  # off while -u looks for lines with equal keys

    def key(self, line: Line, number: int, key: SortKey, flags: frozenset[str]) -> bytes:
        if number not in line.keys:
            line.keys[number] = extract_key(line.text, key, flags, self.options.separator)
        return line.keys[number]

    def __call__(self, a: Line, b: Line) -> int:
        flags = self.options.flags
        result = 0
        for number, (key, flags, kind) in enumerate(self.keys):
            if kind is None:
                raise Fatal("unknown sort type")
            result = compare_as(
                kind, self.key(a, number, key, flags), self.key(b, number, key, flags)
            )
            if result:
                break
        if not result:
            if "s" in self.options.flags:
                # The deciding key's "r" still applies: -s -k1,1r lists ties last to first.
                result = 1 if a.index > b.index else -1
            elif self.tie_break:
                flags = self.options.flags
                result = _cmp(a.text, b.text)
        return -result if "r" in flags else result


# -- sort ------------------------------------------------------------------------------------


def split_records(data: bytes, *, nul_only: bool) -> list[bytes]:
    """Lines as busybox reads them: a newline or a NUL ends one (only NUL with -z)."""
    records = re.split(b"\0" if nul_only else b"[\n\0]", data)
    if records[-1] == b"":
        records.pop()
    return records


async def _read_sort_records(
    ctx: ProgramContext, files: list[str], *, nul_only: bool
) -> list[bytes]:
    """The lines of every input in turn; Fatal at the first that cannot be opened."""
    lines: list[bytes] = []
    for name in files or ["-"]:
        if name == "-":
            data = await ctx.stdin.read()
        else:
            try:
                data = await open_input(ctx, abspath(ctx, name)).read()
            except IsADirectoryError:
                data = b""  # busybox's fopen takes a directory; reading it gives nothing
            except OSError as exc:
                raise Fatal(f"{name}: {strerror(exc)}") from None
        lines.extend(split_records(data, nul_only=nul_only))
    return lines


def check_order(lines: list[Line], compare: Comparator, options: SortOptions) -> int | None:
    """-c: the 1-based number of the first line out of order (with -u, also equal), if any."""
    limit = -1 if "u" in options.flags else 0
    for i in range(1, len(lines)):
        if compare(lines[i - 1], lines[i]) > limit:
            return i
    return None


def drop_equal(lines: list[Line], compare: Comparator) -> list[Line]:
    """-u: keep the first of each run of lines whose keys compare equal.

    busybox 1.35 leaves -s on here, so with -s no two lines are ever equal.
    """
    compare.tie_break = False
    kept = lines[:1]
    for line in lines[1:]:
        if compare(kept[-1], line) != 0:
            kept.append(line)
    return kept


async def _write_sorted(ctx: ProgramContext, options: SortOptions, lines: list[Line]) -> None:
    terminator = b"\0" if "z" in options.flags else b"\n"
    out: OutputStream = ctx.stdout
    if options.output is not None:
        # Opened only now, after every input was read: -o may name one of them.
        try:
            out = open_output(ctx, abspath(ctx, options.output))
        except OSError as exc:
            raise Fatal(f"can't open '{options.output}': {strerror(exc)}") from None
    await out.write(b"".join(line.text + terminator for line in lines))


async def _sort(ctx: ProgramContext, options: SortOptions) -> int:
    records = await _read_sort_records(ctx, options.files, nul_only="z" in options.flags)
    lines = [Line(text, index) for index, text in enumerate(records)]
    compare = Comparator(options)
    if "c" in options.flags:
        disorder = check_order(lines, compare, options)
        if disorder is None:
            return 0
        await ctx.stderr.write(f"Check line {disorder}\n".encode())
        return 1
    lines.sort(key=functools.cmp_to_key(compare))
    if "u" in options.flags:
        lines = drop_equal(lines, compare)
    await _write_sorted(ctx, options, lines)
    return 0


async def sort(ctx: ProgramContext) -> int:
    # busybox's sort exits 2 on every error (xfunc_error_retval = 2), 1 only for -c.
    try:
        options = parse_sort_args(ctx.argv[1:])
        return await _sort(ctx, options)
    except UsageError as exc:
        if str(exc):
            await error(ctx, str(exc))
        await show_usage(ctx, SORT_USAGE)
    except Fatal as exc:
        await error(ctx, str(exc))
    return 2


# -- uniq ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UniqOptions:
    count: bool = False  # -c
    only_repeated: bool = False  # -d
    only_unique: bool = False  # -u
    ignore_case: bool = False  # -i
    nul_output: bool = False  # -z
    skip_fields: int = 0  # -f
    skip_chars: int = 0  # -s
    max_chars: int = _INT_MAX  # -w

    def compared(self, line: bytes) -> bytes:
        """The part of ``line`` that decides whether it repeats the one before."""
        pos = 0
        for _ in range(self.skip_fields):
            while pos < len(line) and line[pos] in _SPACE:
                pos += 1
            while pos < len(line) and line[pos] not in _SPACE:
                pos += 1
        part = line[pos + self.skip_chars :][: self.max_chars]
        return part.lower() if self.ignore_case else part

    def shows(self, occurrences: int) -> bool:
        return not (self.only_unique if occurrences > 1 else self.only_repeated)


def uniq_number(text: str) -> int:
    """getopt32's ``+``: a decimal in 0..INT_MAX, no sign or blanks (Fatal otherwise)."""
    # bb_strtou fails (ERANGE) beyond UINT_MAX; only then does the range check apply.
    if not re.fullmatch(r"[0-9]+", text) or int(text) > 2**32 - 1:
        raise Fatal(f"invalid number '{text}'")
    if int(text) > _INT_MAX:
        raise Fatal(f"number {text} is not in 0..{_INT_MAX} range")
    return int(text)


def parse_uniq_args(args: list[str]) -> tuple[UniqOptions, list[str]]:
    options, operands = getopt(args, "cduiz", "fsw")
    letters = {letter for letter, _ in options}
    numbers = {letter: uniq_number(value) for letter, value in options if letter in "fsw"}
    parsed = UniqOptions(
        count="c" in letters,
        only_repeated="d" in letters,
        only_unique="u" in letters,
        ignore_case="i" in letters,
        nul_output="z" in letters,
        skip_fields=numbers.get("f", 0),
        skip_chars=numbers.get("s", 0),
        max_chars=numbers.get("w", _INT_MAX),
    )
    return parsed, operands


async def records(stream: InputStream) -> AsyncIterator[bytes]:
    """The lines of a stream as they come (a newline or a NUL ends one)."""
    pending = b""
    async for chunk in chunks(stream):
        pieces = re.split(b"[\n\0]", pending + chunk)
        pending = pieces.pop()
        for piece in pieces:
            yield piece
    if pending:
        yield pending


def _uniq_line(options: UniqOptions, line: bytes, occurrences: int) -> bytes:
    prefix = b"%7d " % occurrences if options.count else b""
    return prefix + line + (b"\0" if options.nul_output else b"\n")


async def _uniq(options: UniqOptions, stream: InputStream, out: OutputStream) -> None:
    current: bytes | None = None
    current_key = b""
    occurrences = 0
    async for line in records(stream):
        key = options.compared(line)
        if current is not None and key == current_key:
            occurrences += 1
            continue
        if current is not None and options.shows(occurrences):
            await out.write(_uniq_line(options, current, occurrences))
        current, current_key, occurrences = line, key, 1
    if current is not None and options.shows(occurrences):
        await out.write(_uniq_line(options, current, occurrences))


async def _open_uniq_files(
    ctx: ProgramContext, operands: list[str]
) -> tuple[InputStream | None, OutputStream] | None:
    """The input and output operands opened in busybox's order; None: too many operands.

    The input is None for a directory (opened fine, unreadable).  The output is
    created (and truncated) before the input is read, so ``uniq f f`` leaves
    ``f`` empty as busybox does: the input is opened again after it.
    """
    name = operands[0] if operands else "-"
    if name != "-":
        _open_uniq_input(ctx, name)
    if len(operands) > 2:
        return None
    out: OutputStream = ctx.stdout
    if len(operands) == 2 and operands[1] != "-":
        try:
            out = open_output(ctx, abspath(ctx, operands[1]))
        except OSError as exc:
            raise Fatal(f"can't open '{operands[1]}': {strerror(exc)}") from None
    stream = ctx.stdin if name == "-" else _open_uniq_input(ctx, name)
    return stream, out


def _open_uniq_input(ctx: ProgramContext, name: str) -> InputStream | None:
    try:
        return open_input(ctx, abspath(ctx, name))
    except IsADirectoryError:
        return None
    except OSError as exc:
        raise Fatal(f"can't open '{name}': {strerror(exc)}") from None


async def uniq(ctx: ProgramContext) -> int:
    try:
        options, operands = parse_uniq_args(ctx.argv[1:])
        opened = await _open_uniq_files(ctx, operands)
        if opened is None:
            return await show_usage(ctx, UNIQ_USAGE)
        stream, out = opened
        if stream is None:  # read(2) on a directory fails: busybox's die_if_ferror
            raise Fatal(f"{operands[0]}: I/O error")
        await _uniq(options, stream, out)
        return 0
    except UsageError as exc:
        await error(ctx, str(exc))
        return await show_usage(ctx, UNIQ_USAGE)
    except Fatal as exc:
        await error(ctx, str(exc))
        return 1


__all__ = ["sort", "uniq"]
