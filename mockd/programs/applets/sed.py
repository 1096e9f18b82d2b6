"""``sed`` as busybox 1.35 does it (editors/sed.c), quirks included.

What busybox's sed has: options ``-n -e -f -i[SFX] -r/-E`` (and their long
forms); addresses ``N``, ``$``, ``/re/``, ``\\cREc``, ``A,B``, ``A,+N`` and
``!``; the commands ``{ } s y a i c r w p P d D n N q = g G h H x b t T :`` and
``#`` comments (``#n`` anywhere turns on ``-n``).  What it lacks, the mock
lacks too, with busybox's message: ``first~step``, ``Q``, ``z``, ``-s`` and
``l`` (a silent no-op), and ``0,/re/`` never matches.

Busybox's peculiarities kept on purpose: input lines end at ``\\n`` or NUL;
a last line without a newline is written back without one (and a newline is
slipped in before the next output); a ``-`` operand ends a run of files (line
numbers and ``$`` restart after it); ``q`` leaves the rest of the input for
what follows; errors are ``sed: MESSAGE`` with exit status 1, some only when
the command runs (``unterminated {``, a missing label).

Regexes are POSIX (glibc's), translated to Python's ``re`` on bytes.  POSIX
takes the longest of the alternatives that match at a position, Python the
first: the mock looks for the longest unless the pattern has an anchor that
looks ahead (``$``, ``\\b``, ``\\>``...), where Python's choice stays.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from mockd.programs.api import ProgramContext
from mockd.programs.applets import posixre
from mockd.programs.applets._common import abspath, applet_name, show_usage, strerror
from mockd.programs.applets.posixre import Regex, RegexError
from mockd.programs.opening import open_input, open_output
from mockd.programs.scheduling import checkpoint
from mockd.programs.streams import InputStream, OutputStream

USAGE = (
    "[-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\nor: sed [-i[SFX]] [-nrE] CMD [FILE]..."
)

# Busybox's command separators, and C's isspace() (which skip_whitespace uses).
_SEPARATORS = "; \n\r\t\v"
_SPACE = " \t\n\v\f\r"


class SedError(Exception):
    """A fatal error: busybox prints ``sed: MESSAGE`` and exits 1."""


def compile_regex(source: str, *, extended: bool, icase: bool = False) -> Regex:
    try:
        return posixre.compile_regex(source, extended=extended, icase=icase)
    except RegexError as exc:
        raise SedError(f"bad regex '{source}': {exc}") from None


# -- the script -------------------------------------------------------------------------


class _Eol(enum.Enum):
    """How an input line ended, which is how it is written back."""

    NEWLINE = b"\n"
    NUL = b"\0"
    LAST_NUL = b"\0\0"  # a NUL that was the input's last byte
    NONE = b""  # the input's last line, without a newline


class _Sink:
    """Where output goes (stdout, a file being edited in place, a ``w`` file), with
    busybox's memory of the last character written: after a line written without
    its newline, the next write starts with one."""

    def __init__(self, stream: OutputStream | None) -> None:
        self.stream = stream  # None: kept in ``data`` (``-i``)
        self.data = bytearray()
        self.last = b"\n"

    def puts(self, text: bytes, eol: _Eol) -> None:
        if self.last not in (b"\n", b"\0"):
            self.data += b"\n"
            self.last = b"\n"
        text = text.split(b"\0", 1)[0]  # fputs() stops at a NUL
        self.data += text
        if text:
            self.last = b"x"
        if eol is _Eol.LAST_NUL:
            self.data += b"\0"
            self.last = b"x"
        elif eol is not _Eol.NONE:
            self.data += eol.value
            self.last = eol.value

    async def flush(self) -> None:
        if self.stream is not None and self.data:
            data, self.data = bytes(self.data), bytearray()
            await self.stream.write(data)


Replacement = list[bytes | int]  # literal text, or the number of a group (0: the match)


@dataclass
class Command:
    """One parsed command, with the range state busybox keeps in it while running."""

    name: str
    beg_line: int = 0  # 0: none, -1: "$", -2: a numeric start already used
    beg_match: Regex | None = None
    end_line: int = 0  # 0: none, -1: "$", -2-N: "+N"
    end_match: Regex | None = None
    invert: bool = False
    text: bytes = b""  # a/i/c text, r/w file name
    label: str | None = None  # ":", b, t, T
    # s
    regex: Regex | None = None  # None: the last regex used
    replacement: Replacement = field(default_factory=list)
    which: int = 1  # the match to replace; 0: all (g)
    print_: bool = False
    sink: _Sink | None = None  # s///w and w
    table: bytes = b""  # y, as a bytes.translate() table
    # state while running
    in_match: bool = False
    beg_line_orig: int = 0
    end_line_orig: int = 0
    block_end: int | None = None  # "{": the index of its "}", None if it has none


def _parse_escapes(text: str, old: str, new: str) -> str:
    """Busybox's parse_escapes(): ``\\old`` becomes ``new``; with no ``new``, any
    ``\\c`` becomes ``c``.  Other escapes are copied whole."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\":
            following = text[i + 1 : i + 2]
            if not new or following == old:
                if not following:
                    break
                out.append(new or following)
                i += 2
                continue
            out.append("\\")
            i += 1
            if i >= len(text):
                break
        out.append(text[i])
        i += 1
    return "".join(out)


def _unescape(text: str, delimiter: str = "") -> str:
    """copy_parsing_escapes(): ``\\n``, ``\\t``, ``\\r`` and an escaped delimiter."""
    for old, new in (("n", "\n"), ("t", "\t"), ("r", "\r")):
        text = _parse_escapes(text, old, new)
    if delimiter:
        text = _parse_escapes(text, delimiter, delimiter)
    return text


def _find_delimiter(text: str, start: int, delimiter: str, *, brackets: bool = True) -> int:
    """The index of the next unescaped ``delimiter``; one inside ``[...]`` does not count
    in a regex (``brackets``)."""
    bracket = -1
    escaped = False
    for idx in range(start, len(text)):
        ch = text[idx]
        if bracket >= 0:
            if ch == "]" and not (
                bracket == idx - 1 or (bracket == idx - 2 and text[idx - 1] == "^")
            ):
                bracket = -1
        elif escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif brackets and ch == "[":
            bracket = idx
        elif ch == delimiter:
            return idx
    raise SedError(f"unmatched '{delimiter}'")


def _parse_replacement(text: str) -> Replacement:
    """The right side of s///: ``&`` and ``\\0``-``\\9`` are groups, ``\\c`` is ``c``."""
    parts: Replacement = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        c, following = text[i], text[i + 1 : i + 2]
        group = 0 if c == "&" else int(following) if c == "\\" and following.isdigit() else None
        if group is not None:
            if literal:
                parts.append("".join(literal).encode("latin-1"))
                literal.clear()
            parts.append(group)
        elif c == "\\":
            literal.append(following)  # a lone trailing backslash: busybox writes nothing
        else:
            literal.append(c)
        i += 2 if c == "\\" else 1
    if literal:
        parts.append("".join(literal).encode("latin-1"))
    return parts


class Parser:
    """Busybox's add_cmd(): script lines in, commands out.

    A line that ends in an odd number of backslashes continues on the next one
    (``a\\``, a replacement with a newline in it), across ``-e`` arguments too.
    """

    def __init__(self, ctx: ProgramContext, *, extended: bool) -> None:
        self.ctx = ctx
        self.extended = extended
        self.commands: list[Command] = []
        self.quiet = 0  # "#n" lines
        self.previous: Regex | None = None  # for "//" in an address
        self.sinks: dict[str, _Sink] = {}
        self._pending: str | None = None

    def add_block(self, script: str) -> None:
        """A script given on the command line: each line a line of script."""
        for line in script.split("\n"):
            self.add_line(line)

    def finish(self) -> list[Command]:
        self.add_line("")
        self._link_blocks()
        return self.commands

    def add_line(self, line: str) -> None:
        if self._pending is not None:
            line = self._pending + "\n" + line
            self._pending = None
        if (len(line) - len(line.rstrip("\\"))) % 2:
            self._pending = line[:-1]
            return
        pos = 0
        while pos < len(line):
            while pos < len(line) and line[pos] in _SEPARATORS:
                pos += 1
            if pos >= len(line):
                break
            if line[pos] == "#":
                self.quiet += line.startswith("#n", pos)
                ends = [e for e in (line.find("\n", pos), line.find("\r", pos)) if e >= 0]
                if not ends:
                    break
                pos = min(ends)
                continue
            pos = self._command(line, pos)

    def _link_blocks(self) -> None:
        opened: list[Command] = []
        for index, command in enumerate(self.commands):
            if command.name == "{":
                opened.append(command)
            elif command.name == "}" and opened:
                opened.pop().block_end = index

    # -- one command: [addr[,addr]][!]cmd[args] --

    def _command(self, line: str, pos: int) -> int:
        command = Command("")
        pos, command.beg_line, command.beg_match = self._address(line, pos)
        command.beg_line_orig = command.beg_line
        if line.startswith(",", pos):
            pos = self._end_address(command, line, pos + 1)
        pos = _skip_space(line, pos)
        if line.startswith("!", pos):
            command.invert = True
            pos = _skip_space(line, pos + 1)
        if pos >= len(line):
            raise SedError("missing command")
        command.name = line[pos]
        pos = self._arguments(command, line, pos + 1)
        self.commands.append(command)
        return pos

    def _address(self, line: str, pos: int) -> tuple[int, int, Regex | None]:
        """(position after it, line number, regex) of an address, if one starts at ``pos``."""
        match = re.match(r"\d+", line[pos:])
        if match:
            return pos + match.end(), int(match[0]), None
        if line.startswith("$", pos):
            return pos + 1, -1, None
        if not line.startswith(("/", "\\"), pos):
            return pos, 0, None
        delimiter = "/"
        if line[pos] == "\\":
            pos += 1
            delimiter = line[pos : pos + 1]
        end = _find_delimiter(line, pos + 1, delimiter)
        if end == pos + 1:
            # "//" is the last regex compiled so far (busybox decides it here, not when run)
            if self.previous is None:
                raise SedError("no previous regexp")
            return end + 1, 0, self.previous
        source = _unescape(line[pos + 1 : end])
        self.previous = compile_regex(source, extended=self.extended)
        return end + 1, 0, self.previous

    def _end_address(self, command: Command, line: str, pos: int) -> int:
        plus = re.match(r"\+(\d+)", line[pos:])
        if plus:
            command.end_line = -2 - int(plus[1])
            pos += plus.end()
        else:
            after, command.end_line, command.end_match = self._address(line, pos)
            if after == pos:
                raise SedError("no address after comma")
            pos = after
        command.end_line_orig = command.end_line
        return pos

    def _arguments(self, command: Command, line: str, pos: int) -> int:
        name = command.name
        if name == "s":
            return self._substitute(command, line, pos)
        if name in "air" and (command.end_line or command.end_match is not None):
            raise SedError(f"command '{name}' uses only one address")
        if name in "aic":
            return self._text(command, line, pos)
        if name in "rw":
            filename, pos = _filename(line, pos)
            command.text = filename.encode("latin-1")
            if name == "w":
                command.sink = self._sink(filename)
            return pos
        if name in ":btT":
            pos = _skip_space(line, pos)
            end = pos
            while end < len(line) and line[end] not in _SEPARATORS:
                end += 1
            command.label = line[pos:end] or None
            return end
        if name == "y":
            return self._transliterate(command, line, pos)
        if name not in "dDgGhHlnNpPqx={}":
            raise SedError(f"unsupported command {name}")
        return pos

    def _text(self, command: Command, line: str, pos: int) -> int:
        """a/i/c: ``a text`` (leading blanks dropped), ``a\\text``, ``a\\<newline>text``."""
        while pos < len(line):
            if line[pos] in "\n\\":
                pos += 1
                break
            if line[pos] not in _SPACE:
                break
            pos += 1
        command.text = _parse_escapes(_unescape(line[pos:]), "", "").encode("latin-1")
        return len(line)

    def _regex_pair(self, line: str, pos: int) -> tuple[str, str, int]:
        """parse_regex_delim(): the two parts of s/A/B/ or y/A/B/, and the index of the
        third delimiter."""
        if pos >= len(line):
            raise SedError("bad format in substitution expression")
        delimiter = line[pos]
        middle = _find_delimiter(line, pos + 1, delimiter)
        end = _find_delimiter(line, middle + 1, delimiter, brackets=False)
        match = _unescape(line[pos + 1 : middle], delimiter)
        # GNU sed keeps "\&" in s&a&\&& as an escaped "&"; busybox does too
        replace = _unescape(line[middle + 1 : end], "" if delimiter == "&" else delimiter)
        return match, replace, end

    def _substitute(self, command: Command, line: str, pos: int) -> int:
        match, replace, idx = self._regex_pair(line, pos)
        command.replacement = _parse_replacement(replace)
        icase = False
        while True:
            idx += 1
            if idx >= len(line):
                break
            flag = line[idx]
            if flag.isdigit():
                # busybox ignores a count after a "^" regex (only one match is possible)
                if not match.startswith("^"):
                    digits = re.match(r"\d+", line[idx:])
                    assert digits is not None
                    command.which = int(digits[0])
                    idx += digits.end() - 1
                continue
            if flag in _SPACE:
                continue
            if flag == "g":
                command.which = 0
            elif flag == "p":
                command.print_ = True
            elif flag == "w":
                filename, end = _filename(line, idx + 1)
                command.sink = self._sink(filename)
                idx = end - 1
            elif flag in "iI":
                icase = True
            elif flag == "#":
                idx = len(line)
                break
            elif flag in ";}":
                break
            else:
                raise SedError("bad option in substitution expression")
        if match:
            command.regex = compile_regex(match, extended=self.extended, icase=icase)
        return idx

    def _transliterate(self, command: Command, line: str, pos: int) -> int:
        delimiter = line[pos : pos + 1]
        source, target, end = self._regex_pair(line, pos)
        source = _parse_escapes(source, delimiter, delimiter)
        target = _parse_escapes(target, delimiter, delimiter)
        table = list(range(256))
        seen: set[str] = set()
        # Strings of different lengths are cut to the shorter; the first pair for a char wins.
        for old, new in zip(source, target, strict=False):
            if old not in seen:
                seen.add(old)
                table[ord(old)] = ord(new)
        command.table = bytes(table)
        return end + 1

    def _sink(self, filename: str) -> _Sink:
        """A ``w`` file, opened (truncated) when the script is read, once per name."""
        if filename not in self.sinks:
            path = abspath(self.ctx, filename.encode("latin-1").decode("utf-8", "surrogateescape"))
            try:
                self.sinks[filename] = _Sink(open_output(self.ctx, path))
            except OSError as exc:
                raise SedError(f"can't open '{filename}': {strerror(exc)}") from None
        return self.sinks[filename]


def _skip_space(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in _SPACE:
        pos += 1
    return pos


def _filename(line: str, pos: int) -> tuple[str, int]:
    """A file name runs from the first non-blank to the end of the line (";" included)."""
    start = _skip_space(line, pos)
    eol = line.find("\n", start)
    if eol < 0:
        eol = len(line)
    if eol == start:
        raise SedError("empty filename")
    name = line[start:eol]
    if eol < len(line):
        name += "\\"  # busybox puts back the backslash of lines glued together
    return name, eol


# -- running ----------------------------------------------------------------------------


class _Flow(enum.Enum):
    NEXT = "next"  # on to the next command
    RESTART = "restart"  # D: the script again on what is left, without reading
    END = "end"  # end of cycle: print the pattern space (unless -n)
    DELETE = "delete"  # end of cycle without printing


_STDIN = None  # an input operand that is standard input


class _Reader:
    """The input files as one stream of lines, as busybox's get_next_line() reads them.

    Its position outlives a run of the script: ``q`` leaves the rest of the
    current file to whatever runs next.
    """

    def __init__(self, sed: Sed, names: list[str | None]) -> None:
        self.sed = sed
        self.names = names
        self.current = 0
        self.last = len(names) - 1  # the last file of the run in progress
        self.stream: InputStream | None = None
        self.buffer = b""

    async def next_line(self) -> tuple[bytes, _Eol] | None:
        while self.current <= self.last:
            if self.stream is None and not await self._open():
                self.current += 1
                continue
            line = await self._chunk()
            if line is not None:
                return line
            self.stream, self.buffer = None, b""
            self.current += 1
        return None

    async def _open(self) -> bool:
        ctx = self.sed.ctx
        name = self.names[self.current]
        if name is None:  # _STDIN
            self.stream = ctx.stdin
            return True
        try:
            self.stream = open_input(ctx, abspath(ctx, name))
        except IsADirectoryError:
            return False  # fopen() takes a directory; reading it fails, silently
        except OSError as exc:
            await self.sed.warn(f"{name}: {strerror(exc)}")
            self.sed.exitcode = 1
            return False
        return True

    async def _chunk(self) -> tuple[bytes, _Eol] | None:
        """A line up to a newline or a NUL, or to the end of the file."""
        assert self.stream is not None
        while True:
            found = re.search(b"[\n\0]", self.buffer)
            if found:
                cut = found.start()
                line, self.buffer = self.buffer[:cut], self.buffer[cut + 1 :]
                if found[0] == b"\n":
                    return line, _Eol.NEWLINE
                if not self.buffer:
                    self.buffer = await self.stream.readline()
                return line, _Eol.NUL if self.buffer else _Eol.LAST_NUL
            more = await self.stream.readline()
            if not more:
                line, self.buffer = self.buffer, b""
                return (line, _Eol.NONE) if line else None
            self.buffer += more


class Sed:
    """The running script: pattern and hold space, the cycle, the output."""

    def __init__(self, ctx: ProgramContext, commands: list[Command], *, quiet: bool) -> None:
        self.ctx = ctx
        self.commands = commands
        self.labels: dict[str, int] = {}
        for index, command in enumerate(commands):
            if command.name == ":" and command.label is not None:
                self.labels.setdefault(command.label, index)
        self.quiet = quiet
        self.stdout = _Sink(ctx.stdout)
        self.out = self.stdout
        self.previous: Regex | None = None  # the last regex used, for "s//.../"
        self.hold: bytes | None = None
        self.appended: list[bytes] = []  # a, r: written at the end of the cycle
        self.exitcode = 0
        self.reader = _Reader(self, [])
        # the cycle
        self.pattern = b""
        self.eol = _Eol.NEWLINE
        self.next_line: tuple[bytes, _Eol] | None = None
        self.linenum = 0
        self.substituted = False

    async def warn(self, message: str) -> None:
        await self.ctx.stderr.write(f"{applet_name(self.ctx)}: {message}\n".encode())

    async def run_files(self) -> None:
        """process_files(): the script over the reader's current run of files."""
        self.out.last = b"\n"
        self.linenum = 0
        self.next_line = await self._read()
        while self.next_line is not None:
            self.pattern, self.eol = self.next_line
            self.next_line = await self._read()
            self.linenum += 1
            self.substituted = False
            if await self._cycle() is _Flow.END and not self.quiet:
                self.out.puts(self.pattern, self.eol)
            self._flush_appended()
            if self.ctx.tty or len(self.out.data) >= 4096:
                await self.out.flush()

    async def _read(self) -> tuple[bytes, _Eol] | None:
        self._flush_appended()
        return await self.reader.next_line()

    def _flush_appended(self) -> None:
        # Appended text always ends with a newline, even after an unterminated last line.
        for text in self.appended:
            self.out.puts(text, _Eol.NEWLINE)
        self.appended.clear()

    async def _cycle(self) -> _Flow:
        index = 0
        while index < len(self.commands):
            command = self.commands[index]
            selected = self._selected(command)
            if command.name == "{":
                if not selected:
                    if command.block_end is None:
                        raise SedError("unterminated {")
                    index = command.block_end
                index += 1
                continue
            index += 1
            if not selected:
                continue
            if command.beg_match is not None:
                self.previous = command.beg_match
            flow = await self._execute(command)
            if flow is _Flow.RESTART:
                index = 0
            elif isinstance(flow, int):
                index = flow
                await checkpoint()  # a loop of branches must not keep the event loop
            elif flow is not _Flow.NEXT:
                return flow
        return _Flow.END

    def _selected(self, command: Command) -> bool:
        """Whether the command applies to this line, advancing its range (busybox's logic,
        oddities included: "2,1p" prints line 2, "0p" every line)."""
        was_in = command.in_match
        if not was_in:
            command.end_line = command.end_line_orig
        unaddressed = not (
            command.beg_line or command.end_line or command.beg_match or command.end_match
        )
        is_range = bool(command.end_line or command.end_match)
        command.in_match = (
            was_in
            or unaddressed
            or (
                command.beg_line > 0
                and (
                    command.beg_line <= self.linenum
                    if is_range
                    else command.beg_line == self.linenum
                )
            )
            or self._begins(command)
            or (command.beg_line == -1 and self.next_line is None)
        )
        matched = command.in_match
        if matched:
            if command.end_line <= -2:
                command.end_line = self.linenum - command.end_line - 2
            if command.beg_line > 0:
                command.beg_line = -2  # a numeric start is used up once matched
            command.in_match = not (self._range_ends(command) or self._end_matches(command, was_in))
        return matched != command.invert

    def _begins(self, command: Command) -> bool:
        if command.beg_match is None or not command.beg_match.search(self.pattern):
            return False
        self.previous = command.beg_match
        return True

    def _range_ends(self, command: Command) -> bool:
        if command.end_line == 0:
            return command.end_match is None  # a single address: over at once
        if command.end_line == -1:
            return self.next_line is None
        return command.end_line <= self.linenum

    def _end_matches(self, command: Command, was_in: bool) -> bool:
        # The end regex is not tried on the line that starts the range.
        return bool(command.end_match and was_in and command.end_match.search(self.pattern))

    async def _execute(self, command: Command) -> _Flow | int:
        name = command.name
        if name in "sy=aicwpPdDgGhHx":
            return self._edit(command)
        if name == "n":
            if not self.quiet:
                self.out.puts(self.pattern, self.eol)
            if self.next_line is None:
                return _Flow.DELETE
            self.pattern, self.eol = self.next_line
            self.next_line = await self._read()
            self.substituted = False
            self.linenum += 1
        elif name == "N":
            if self.next_line is None:
                return _Flow.END  # GNU's choice: the last line is still printed
            self.pattern += b"\n" + self.next_line[0]
            self.eol = self.next_line[1]
            self.next_line = await self._read()
            self.linenum += 1
        elif name == "r":
            await self._read_file(command.text)
        elif name == "q":
            self.next_line = None
            return _Flow.END
        elif name in "btT":
            return self._branch(command)
        return _Flow.NEXT  # l, :, } and the rest do nothing

    def _edit(self, command: Command) -> _Flow:
        """The commands that work on the spaces and the output alone."""
        name = command.name
        if name == "s":
            self._substitute(command)
        elif name == "y":
            self.pattern = self.pattern.translate(command.table)
        elif name == "=":
            self.out.data += b"%d\n" % self.linenum  # fprintf(): not the newline bookkeeping
        elif name == "a":
            self.appended.append(command.text)
        elif name == "i":
            self.out.puts(command.text, _Eol.NEWLINE)
        elif name == "c":
            if not command.in_match:  # a range is changed at its last line
                self.out.puts(command.text, _Eol.NEWLINE)
            return _Flow.DELETE
        elif name == "w":
            assert command.sink is not None
            command.sink.puts(self.pattern, self.eol)
        elif name in "pP":
            first = self.pattern.split(b"\n", 1)[0] if name == "P" else self.pattern
            self.out.puts(first, _Eol.NEWLINE)
        elif name in "dD":
            if name == "D" and b"\n" in self.pattern:
                self.pattern = self.pattern.split(b"\n", 1)[1]
                return _Flow.RESTART
            return _Flow.DELETE
        else:
            self._exchange(name)
        return _Flow.NEXT

    def _exchange(self, name: str) -> None:
        """g G h H x.  G and x make the line end with a newline, even the last one."""
        if name == "g":
            self.pattern = self.hold or b""
        elif name == "G":
            self.pattern += b"\n" + (self.hold or b"")
            self.eol = _Eol.NEWLINE
        elif name == "h":
            self.hold = self.pattern
        elif name == "H":
            self.hold = (self.hold or b"") + b"\n" + self.pattern
        else:
            self.pattern, self.hold = self.hold or b"", self.pattern
            self.eol = _Eol.NEWLINE

    def _branch(self, command: Command) -> _Flow | int:
        if command.name == "t":
            if not self.substituted:
                return _Flow.NEXT
            self.substituted = False
        elif command.name == "T" and self.substituted:
            return _Flow.NEXT
        if command.label is None:
            return _Flow.END
        if command.label not in self.labels:
            raise SedError(f"can't find label for jump to '{command.label}'")
        return self.labels[command.label] + 1

    async def _read_file(self, name: bytes) -> None:
        """r: the file's lines are appended; a file that cannot be read is no error."""
        path = abspath(self.ctx, name.decode("utf-8", "surrogateescape"))
        try:
            data = await open_input(self.ctx, path).read()
        except OSError:
            return
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        self.appended.extend(lines)

    def _substitute(self, command: Command) -> None:
        regex = command.regex or self.previous
        if regex is None:
            raise SedError("no previous regexp")
        self.previous = regex
        result = _replace(regex, command, self.pattern)
        if result is None:
            return
        self.pattern = result
        self.substituted = True
        if command.print_:
            self.out.puts(self.pattern, self.eol)
        if command.sink is not None:
            command.sink.puts(self.pattern, self.eol)


def _replace(regex: Regex, command: Command, line: bytes) -> bytes | None:
    """do_subst_command(): the line with the chosen matches replaced, None if nothing was.

    Like busybox, each further match is sought in the rest of the line as a new
    string (REG_NOTBOL), and an empty match right after a match is not replaced.
    """
    found = regex.search(line)
    if found is None:
        return None
    out = bytearray()
    count = 0
    altered = False
    prev_empty = True
    tried_at_eol = False
    while found is not None:
        start, end = found.span()
        count += 1
        if command.which and command.which != count:
            # not this one: copy it and go on (one more char after an empty match)
            if start == end and end < len(line):
                end += 1
            out += line[:end]
            line = line[end:]
        else:
            out += line[:start]
            if prev_empty or start != 0 or start != end:
                out += _expand(command.replacement, found)
                altered = True
            prev_empty = start == end
            if prev_empty:
                if end == len(line):
                    tried_at_eol = True
                else:
                    out += line[end : end + 1]
                    end += 1
            line = line[end:]
            if command.which != 0:
                break
        if not line:
            if tried_at_eol:
                break
            tried_at_eol = True
        found = regex.search(line, notbol=True)
    out += line
    return bytes(out) if altered else None


def _expand(replacement: Replacement, found: re.Match[bytes]) -> bytes:
    out = bytearray()
    for part in replacement:
        if isinstance(part, bytes):
            out += part
        elif part <= (found.re.groups or 0) and found.start(part) >= 0:
            out += found[part]
    return bytes(out)


# -- the command line -------------------------------------------------------------------


@dataclass
class Options:
    quiet: int = 0
    extended: bool = False
    in_place: bool = False
    suffix: str = ""
    expressions: list[str] = field(default_factory=list)
    script_files: list[str] = field(default_factory=list)
    operands: list[str] = field(default_factory=list)


class _UsageError(Exception):
    pass


_LONG = {
    "in-place": "i",
    "regexp-extended": "r",
    "quiet": "n",
    "silent": "n",
    "expression": "e",
    "file": "f",
}


def parse_options(args: list[str]) -> Options:
    """getopt32("i::rEne:*f:*") with its long options; options and operands may mix."""
    options = Options()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            options.operands.extend(args[i:])
            break
        if arg.startswith("--"):
            i = _long_option(options, arg, args, i)
        elif arg.startswith("-") and arg != "-":
            i = _short_options(options, arg, args, i)
        else:
            options.operands.append(arg)
    return options


def _long_option(options: Options, arg: str, args: list[str], i: int) -> int:
    name, has_value, value = arg[2:].partition("=")
    matches = [long for long in _LONG if long.startswith(name)] if name else []
    letters = {_LONG[m] for m in matches}
    if len(letters) != 1:
        raise _UsageError(f"unrecognized option '{arg}'")
    letter = letters.pop()
    full = name if name in _LONG else matches[0]
    if letter in "ef" and not has_value:
        if i >= len(args):
            raise _UsageError(f"option '--{full}' requires an argument")
        value, i = args[i], i + 1
    elif letter in "rn" and has_value:
        raise _UsageError(f"option '--{full}' doesn't allow an argument")
    _set_option(options, letter, value)
    return i


def _short_options(options: Options, arg: str, args: list[str], i: int) -> int:
    for j in range(1, len(arg)):
        letter = arg[j]
        if letter not in "irEnef":
            raise _UsageError(f"invalid option -- '{letter}'")
        if letter == "i":  # an optional value: only when stuck to the letter
            _set_option(options, letter, arg[j + 1 :])
            break
        if letter in "ef":
            value = arg[j + 1 :]
            if not value:
                if i >= len(args):
                    raise _UsageError(f"option requires an argument -- '{letter}'")
                value, i = args[i], i + 1
            _set_option(options, letter, value)
            break
        _set_option(options, letter, "")
    return i


def _set_option(options: Options, letter: str, value: str) -> None:
    if letter == "i":
        options.in_place, options.suffix = True, value
    elif letter in "rE":
        options.extended = True
    elif letter == "n":
        options.quiet += 1
    elif letter == "e":
        options.expressions.append(value)
    else:
        options.script_files.append(value)


def _latin1(text: str) -> str:
    """An argument as busybox sees it: one char per byte."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


async def sed(ctx: ProgramContext) -> int:
    args = ctx.argv[1:]
    if args[:1] == ["--version"]:
        await ctx.stdout.write(b"This is not GNU sed version 4.0\n")
        return 0
    try:
        options = parse_options(args)
    except _UsageError as exc:
        await ctx.stderr.write(f"{applet_name(ctx)}: {exc}\n".encode())
        return await show_usage(ctx, USAGE)
    if not (options.expressions or options.script_files or options.operands):
        return await show_usage(ctx, USAGE)
    runner: Sed | None = None
    parser = Parser(ctx, extended=options.extended)
    try:
        commands = await _read_script(ctx, parser, options)
        if options.in_place and not options.operands:
            raise SedError("-i requires an argument")
        runner = Sed(ctx, commands, quiet=bool(options.quiet + parser.quiet))
        runner.previous = parser.previous
        await _run(runner, options)
    except SedError as exc:
        await ctx.stderr.write(
            f"{applet_name(ctx)}: ".encode() + str(exc).encode("latin-1") + b"\n"
        )
        return 1
    finally:
        # As at exit(): the w files' buffers reach their files, then stdout's.
        for sink in parser.sinks.values():
            await sink.flush()
        if runner is not None:
            await runner.stdout.flush()
    assert runner is not None
    return runner.exitcode


async def _read_script(ctx: ProgramContext, parser: Parser, options: Options) -> list[Command]:
    """Busybox reads every -e, then every -f, and the first operand only without either."""
    for expression in options.expressions:
        parser.add_block(_latin1(expression))
    for name in options.script_files:
        if name == "-":
            data = await ctx.stdin.read()
        else:
            try:
                data = await open_input(ctx, abspath(ctx, name)).read()
            except OSError as exc:
                raise SedError(f"{name}: {strerror(exc)}") from None
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        for line in lines:
            parser.add_line(line.decode("latin-1"))
    if not (options.expressions or options.script_files):
        parser.add_block(_latin1(options.operands.pop(0)))
    return parser.finish()


async def _run(runner: Sed, options: Options) -> None:
    """sed_main()'s loop over the operands.

    Without -i the files are one stream, except that a "-" operand ends a run
    (busybox processes the files up to it at once).  With -i each file is a run
    of its own, written back when it ends.
    """
    names = options.operands
    if not names:
        runner.reader = _Reader(runner, [_STDIN])
        await runner.run_files()
        return
    entries: list[str | None] = list(names)
    if not options.in_place:
        entries = [_STDIN if name == "-" else name for name in names]
    runner.reader = _Reader(runner, entries)
    for index, name in enumerate(names):
        runner.reader.last = index
        if not options.in_place:
            if name == "-":
                await runner.run_files()
            continue
        await _edit_in_place(runner, name, options.suffix)
    runner.reader.last = len(names) - 1
    await runner.run_files()


async def _edit_in_place(runner: Sed, name: str, suffix: str) -> None:
    ctx = runner.ctx
    path = abspath(ctx, name)
    try:
        st = ctx.fs.stat(path)
    except OSError as exc:
        await runner.warn(f"{name}: {strerror(exc)}")
        runner.exitcode = 1
        runner.reader.current += 1
        return
    runner.out = _Sink(None)
    try:
        await runner.run_files()
    finally:
        edited, runner.out = bytes(runner.out.data), runner.stdout
    if suffix:
        ctx.fs.rename(path, path + suffix)
    elif ctx.fs.stat(path, follow_symlinks=False).kind == "symlink":
        ctx.fs.remove(path)  # busybox renames its temporary file over the link
    ctx.fs.write_file(path, edited, mode=st.mode)
    try:
        ctx.fs.chown(path, st.uid, st.gid)
    except OSError:
        pass
    # A new file starts its ranges afresh ("1,3p" again, "+N" recomputed).
    for command in runner.commands:
        command.beg_line = command.beg_line_orig
        command.end_line = command.end_line_orig
