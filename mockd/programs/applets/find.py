"""``find`` as busybox 1.35 does it: the expression is parsed into a tree, then
evaluated on every file of a depth-first walk.

Grammar (``!`` binds tighter than ``-a``, which binds tighter than ``-o``)::

    expr    := and_expr ( -o and_expr )*
    and_expr:= unary ( [-a] unary )*
    unary   := ( ! | -not ) unary | '(' expr ')' | primary

Options such as ``-maxdepth`` may appear anywhere and are always true.  When
the expression has no action (-print, -print0, -exec, -quit), ``-print`` is
appended to it, as ``( EXPR ) -a -print``.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from mockd.fs.api import FileStat
from mockd.programs.api import ExecError, ProgramContext
from mockd.programs.applets._common import error, exec_reason, show_usage, strerror
from mockd.programs.applets.files import apply_mode
from mockd.programs.applets.posixre import RegexError, compile_posix

USAGE = "[-HL] [PATH]... [OPTIONS] [ACTIONS]"
_KINDS = {
    "f": "file",
    "d": "dir",
    "l": "symlink",
    "b": "block",
    "c": "char",
    "p": "fifo",
    "s": "socket",
}
_SIZE_UNITS = {"c": 1, "w": 2, "b": 512, "k": 1024, "": 512}  # busybox: blocks by default
_DAY = 24 * 60 * 60


class FindError(Exception):
    """A bad expression: busybox prints the message (and, if ``usage``, its usage) and exits 1."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


class _Quit(Exception):
    """``-quit``: stop at once, with the status so far (pending ``-exec +`` lists are dropped)."""


@dataclass
class Entry:
    path: str  # in the container's filesystem
    shown: str  # as printed: the root operand joined with the names below it
    st: FileStat
    depth: int


@dataclass
class Walk:
    """The state of one run: where output goes, the exit status, -prune's verdict."""

    ctx: ProgramContext
    status: int = 0
    pruned: bool = False  # set by -prune for the entry being evaluated


# -- the expression tree ----------------------------------------------------------------


class Node:
    is_action = False

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        raise NotImplementedError

    async def finish(self, walk: Walk) -> None:
        """After the walk: ``-exec ... +`` runs its collected names."""


@dataclass
class Test(Node):
    """A primary that only looks at the file."""

    predicate: Callable[[Entry], bool]

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        return self.predicate(entry)


@dataclass
class Not(Node):
    operand: Node

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        return not await self.operand.evaluate(walk, entry)

    async def finish(self, walk: Walk) -> None:
        await self.operand.finish(walk)


@dataclass
class And(Node):
    left: Node
    right: Node

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        return await self.left.evaluate(walk, entry) and await self.right.evaluate(walk, entry)

    async def finish(self, walk: Walk) -> None:
        await self.left.finish(walk)
        await self.right.finish(walk)


@dataclass
class Or(And):
    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        return await self.left.evaluate(walk, entry) or await self.right.evaluate(walk, entry)


class Prune(Node):
    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        walk.pruned = True
        return True


@dataclass
class Print(Node):
    terminator: bytes
    is_action = True

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        await walk.ctx.stdout.write(
            entry.shown.encode("utf-8", "surrogateescape") + self.terminator
        )
        return True


class Quit(Node):
    is_action = True

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        raise _Quit


@dataclass
class Exec(Node):
    """``-exec CMD {} ;`` runs once per file (true when it exits 0); ``-exec CMD {} +``
    collects the names and runs once at the end (a failure makes find exit 1)."""

    template: list[str]
    batch: bool
    names: list[str] = field(default_factory=list)
    is_action = True

    async def evaluate(self, walk: Walk, entry: Entry) -> bool:
        if self.batch:
            self.names.append(entry.shown)
            return True
        return await self._run(walk, [arg.replace("{}", entry.shown) for arg in self.template]) == 0

    async def finish(self, walk: Walk) -> None:
        if not self.batch or not self.names:
            return
        argv: list[str] = []
        for arg in self.template:
            if "{}" in arg:
                argv.extend(arg.replace("{}", name) for name in self.names)
            else:
                argv.append(arg)
        if await self._run(walk, argv) != 0:
            walk.status = 1

    @staticmethod
    async def _run(walk: Walk, argv: list[str]) -> int:
        try:
            child = await walk.ctx.spawn(argv)
        except ExecError as exc:
            await error(walk.ctx, f"{argv[0]}: {exec_reason(exc)}")
            return exc.exit_code
        return await child.wait()


# -- parsing ----------------------------------------------------------------------------


@dataclass
class Options:
    maxdepth: int | None = None
    mindepth: int = 0
    depth_first: bool = False  # -depth: a directory after its contents
    follow: bool = False  # -L / -follow


def _number(text: str) -> int:
    if not text.isdigit():
        raise FindError(f"invalid number '{text}'")
    return int(text)


def _signed(text: str) -> tuple[str, int]:
    """``+N``, ``-N`` or ``N``: the sign (``""`` for exactly) and N."""
    sign = text[:1] if text[:1] in ("+", "-") else ""
    return sign, _number(text[len(sign) :])


def _compare(sign: str, value: int, limit: int) -> bool:
    if sign == "+":
        return value > limit
    if sign == "-":
        return value < limit
    return value == limit


def _age_test(sign: str, amount: int, unit: int, now: float) -> Callable[[Entry], bool]:
    """-mtime/-mmin as busybox counts: whole units of age, +N meaning more than N units."""

    def test(entry: Entry) -> bool:
        age = int(now - entry.st.mtime)
        if sign == "+":
            return age >= (amount + 1) * unit
        if sign == "-":
            return age < amount * unit
        return amount * unit <= age < (amount + 1) * unit

    return test


def _owner_id(ctx: ProgramContext, text: str, database: str, what: str) -> int:
    if text.isdigit():
        return int(text)
    try:
        lines = ctx.fs.read_file(database).decode(errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        fields = line.split(":")
        if len(fields) > 2 and fields[0] == text and fields[2].isdigit():
            return int(fields[2])
    raise FindError(f"unknown {what} {text}")


def _is_empty(ctx: ProgramContext, entry: Entry) -> bool:
    if entry.st.kind == "dir":
        return not ctx.fs.listdir(entry.path)
    return entry.st.kind == "file" and entry.st.size == 0


def _name(entry: Entry) -> str:
    return posixpath.basename(entry.shown.rstrip("/")) or "/"


class Parser:
    def __init__(self, ctx: ProgramContext, tokens: list[str], options: Options) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self.pos = 0
        self.options = options
        self.has_action = False

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self._or()
        if self.pos < len(self.tokens):
            raise FindError(f"unrecognized: {self.tokens[self.pos]}", usage=True)
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def _argument(self, primary: str) -> str:
        if self.pos >= len(self.tokens):
            raise FindError(f"{primary} requires an argument")
        return self._take()

    def _or(self) -> Node:
        node = self._and()
        while self._peek() in ("-o", "-or"):
            self._take()
            node = Or(node, self._and())
        return node

    def _and(self) -> Node:
        node = self._unary()
        while (token := self._peek()) is not None and token not in ("-o", "-or", ")"):
            if token in ("-a", "-and"):
                self._take()
            node = And(node, self._unary())
        return node

    def _unary(self) -> Node:
        token = self._peek()
        if token is None:
            return Test(lambda entry: True)  # "find . -name f -a": nothing after -a
        if token in ("!", "-not"):
            self._take()
            return Not(self._unary())
        if token == "(":
            self._take()
            node = self._or()
            if self._peek() != ")":
                raise FindError("unpaired '('")
            self._take()
            return node
        return self._primary(self._take())

    def _primary(self, token: str) -> Node:
        handler = _PRIMARIES.get(token)
        if handler is None:
            raise FindError(f"unrecognized: {token}", usage=True)
        node = handler(self, token)
        self.has_action |= node.is_action
        return node

    # The primaries; each takes its arguments from the token list.

    def glob(self, token: str) -> Node:
        pattern = self._argument(token)
        fold = token.startswith("-i")
        if fold:
            pattern = pattern.lower()
        on_path = token.endswith("path")

        def test(entry: Entry) -> bool:
            subject = entry.shown if on_path else _name(entry)
            return fnmatch.fnmatchcase(subject.lower() if fold else subject, pattern)

        return Test(test)

    def regex(self, token: str) -> Node:
        pattern = self._argument(token)
        try:
            compiled = compile_posix(pattern, extended=False)
        except RegexError as exc:
            raise FindError(f"bad regex '{pattern}'") from exc
        # The whole path must match, as regexec's match offsets are checked by busybox.
        return Test(
            lambda e: compiled.fullmatch(e.shown.encode("utf-8", "surrogateescape")) is not None
        )

    def type_(self, token: str) -> Node:
        letter = self._argument(token)
        if letter not in _KINDS:
            raise FindError(f"invalid argument '{letter}' to '-type'")
        return Test(lambda e: e.st.kind == _KINDS[letter])

    def depth_option(self, token: str) -> Node:
        value = _number(self._argument(token))
        if token == "-maxdepth":
            self.options.maxdepth = value
        else:
            self.options.mindepth = value
        return Test(lambda entry: True)

    def flag_option(self, token: str) -> Node:
        if token == "-depth":
            self.options.depth_first = True
        elif token == "-follow":
            self.options.follow = True
        return Test(lambda entry: True)  # -xdev: one filesystem is all there is

    def newer(self, token: str) -> Node:
        name = self._argument(token)
        try:
            reference = self.ctx.fs.stat(posixpath.join(self.ctx.cwd, name)).mtime
        except OSError as exc:
            raise FindError(f"can't stat '{name}': {strerror(exc)}") from exc
        return Test(lambda e: e.st.mtime > reference)

    def age(self, token: str) -> Node:
        sign, amount = _signed(self._argument(token))
        unit = _DAY if token == "-mtime" else 60
        return Test(_age_test(sign, amount, unit, self.ctx.clock.now()))

    def size(self, token: str) -> Node:
        text = self._argument(token)
        sign = text[:1] if text[:1] in ("+", "-") else ""
        body = text[len(sign) :]
        suffix = body[-1:] if body[-1:].isalpha() else ""
        if suffix not in _SIZE_UNITS or not body[: len(body) - len(suffix)].isdigit():
            raise FindError(f"invalid number '{body}'")
        limit = int(body[: len(body) - len(suffix)]) * _SIZE_UNITS[suffix]
        # Bytes against bytes: busybox does not round up to blocks as GNU does.
        return Test(lambda e: _compare(sign, e.st.size, limit))

    def perm(self, token: str) -> Node:
        text = self._argument(token)
        sign = text[:1] if text[:1] in ("+", "-", "/") else ""
        try:
            mask = apply_mode(text[len(sign) :], 0) & 0o7777
        except ValueError as exc:
            raise FindError(f"invalid mode '{text[len(sign) :]}'") from exc
        if sign in ("+", "/"):
            return Test(lambda e: e.st.mode & mask != 0)
        if sign == "-":
            return Test(lambda e: e.st.mode & mask == mask)
        return Test(lambda e: e.st.mode & 0o7777 == mask)

    def owner(self, token: str) -> Node:
        text = self._argument(token)
        if token == "-user":
            uid = _owner_id(self.ctx, text, "/etc/passwd", "user")
            return Test(lambda e: e.st.uid == uid)
        gid = _owner_id(self.ctx, text, "/etc/group", "group")
        return Test(lambda e: e.st.gid == gid)

    def links(self, token: str) -> Node:
        sign, count = _signed(self._argument(token))
        return Test(lambda e: _compare(sign, e.st.nlink, count))

    def empty(self, token: str) -> Node:
        ctx = self.ctx
        return Test(lambda e: _is_empty(ctx, e))

    def prune(self, token: str) -> Node:
        return Prune()

    def print_(self, token: str) -> Node:
        return Print(b"\0" if token == "-print0" else b"\n")

    def quit(self, token: str) -> Node:
        return Quit()

    def exec_(self, token: str) -> Node:
        template: list[str] = []
        while True:
            if self.pos >= len(self.tokens):
                raise FindError(f"{token} requires an argument")
            arg = self._take()
            if arg in (";", "+"):
                break
            template.append(arg)
        if not template:
            raise FindError(f"{token} requires an argument")
        batch = arg == "+"
        if batch and sum(a.count("{}") for a in template) != 1:
            raise FindError("only one '{}' allowed for -exec +")
        return Exec(template, batch)


_PRIMARIES: dict[str, Callable[[Parser, str], Node]] = {
    "-name": Parser.glob,
    "-iname": Parser.glob,
    "-path": Parser.glob,
    "-ipath": Parser.glob,
    "-regex": Parser.regex,
    "-type": Parser.type_,
    "-maxdepth": Parser.depth_option,
    "-mindepth": Parser.depth_option,
    "-depth": Parser.flag_option,
    "-xdev": Parser.flag_option,
    "-follow": Parser.flag_option,
    "-newer": Parser.newer,
    "-mtime": Parser.age,
    "-mmin": Parser.age,
    "-size": Parser.size,
    "-perm": Parser.perm,
    "-user": Parser.owner,
    "-group": Parser.owner,
    "-links": Parser.links,
    "-empty": Parser.empty,
    "-prune": Parser.prune,
    "-print": Parser.print_,
    "-print0": Parser.print_,
    "-quit": Parser.quit,
    "-exec": Parser.exec_,
}


# -- the walk ---------------------------------------------------------------------------


def _split_roots(args: list[str], options: Options) -> tuple[list[str], list[str]]:
    """Leading -L/-H, then the paths (up to the first word that starts an expression)."""
    while args and args[0] in ("-L", "-H"):
        options.follow = options.follow or args.pop(0) == "-L"
    roots: list[str] = []
    while args and not args[0].startswith("-") and args[0] not in ("!", "("):
        roots.append(args.pop(0))
    if args[:1] == ["--"]:
        args = args[1:]
    return roots, args


def _child_shown(shown: str, name: str) -> str:
    """As busybox's concat_path_file: no slash added after one that is there ("d/" + "x")."""
    return shown + name if shown.endswith("/") else f"{shown}/{name}"


async def _visit(walk: Walk, expression: Node, options: Options, entry: Entry) -> None:
    within = options.maxdepth is None or entry.depth <= options.maxdepth
    act = within and entry.depth >= options.mindepth
    walk.pruned = False
    if act and not options.depth_first:
        await expression.evaluate(walk, entry)
    descend = (
        entry.st.kind == "dir"
        and not walk.pruned
        and (options.maxdepth is None or entry.depth < options.maxdepth)
    )
    if descend:
        for name in walk.ctx.fs.listdir(entry.path):
            path = posixpath.join(entry.path, name)
            try:
                st = walk.ctx.fs.stat(path, follow_symlinks=options.follow)
            except OSError:
                continue
            child = Entry(path, _child_shown(entry.shown, name), st, entry.depth + 1)
            await _visit(walk, expression, options, child)
    if act and options.depth_first:
        await expression.evaluate(walk, entry)


async def _walk_root(walk: Walk, expression: Node, options: Options, root: str) -> None:
    path = posixpath.normpath(posixpath.join(walk.ctx.cwd, root))
    try:
        st = walk.ctx.fs.stat(path, follow_symlinks=options.follow)
    except OSError as exc:
        await error(walk.ctx, f"{root}: {strerror(exc)}")
        walk.status = 1
        return
    await _visit(walk, expression, options, Entry(path, root, st, 0))


async def find(ctx: ProgramContext) -> int:
    options = Options()
    roots, tokens = _split_roots(ctx.argv[1:], options)
    parser = Parser(ctx, tokens, options)
    try:
        expression = parser.parse()
    except FindError as exc:
        await error(ctx, str(exc))
        if exc.usage:
            await show_usage(ctx, USAGE)
        return 1
    if expression is None:
        expression = Print(b"\n")
    elif not parser.has_action:
        expression = And(expression, Print(b"\n"))
    walk = Walk(ctx)
    try:
        for root in roots or ["."]:
            await _walk_root(walk, expression, options, root)
        await expression.finish(walk)
    except _Quit:
        pass
    return walk.status
