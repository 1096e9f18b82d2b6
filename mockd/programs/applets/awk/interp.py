"""Running an awk program: records, fields, variables, arrays, functions, output.

The interpreter is synchronous; it reads records through ``Input`` objects
and writes through an ``Output`` callback, so the applet can run it in a
worker thread (a ``while (1)`` loop must not hold the daemon's event loop).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mockd.programs.applets.awk import syntax as ast
from mockd.programs.applets.awk.values import (
    UNINIT,
    StrNum,
    Value,
    compare,
    format_number,
    to_num,
    to_str,
    truth,
)

Array = dict[str, Value]


class AwkRuntimeError(Exception):
    """A fatal error while running: ``awk: cmd. line:1: MESSAGE``, exit 1."""


class _Next(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class Source:
    """One input: its name (FILENAME) and its lines."""

    name: str
    lines: Iterator[str]


Output = Callable[[str, str, str], None]  # (text, redirect ("" / ">" / ">>"), destination)

_FORMAT = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([a-zA-Z%])")


def _regex(source: str) -> re.Pattern[str]:
    # POSIX bracket classes and an unescaped "{" that is not a bound are the main
    # differences from Python's syntax.
    text = (
        source.replace("[:alpha:]", "a-zA-Z")
        .replace("[:digit:]", "0-9")
        .replace("[:alnum:]", "a-zA-Z0-9")
        .replace("[:space:]", r" \t\n\r\f\v")
        .replace("[:upper:]", "A-Z")
        .replace("[:lower:]", "a-z")
        .replace("[:punct:]", r"!-/:-@\[-`{-~")
        .replace("[:blank:]", r" \t")
        .replace("[:xdigit:]", "0-9A-Fa-f")
    )
    try:
        return re.compile(text)
    except re.error:
        try:
            return re.compile(re.escape(source))
        except re.error as exc:  # pragma: no cover - escape always compiles
            raise AwkRuntimeError(f"bad regex '{source}'") from exc


class Interpreter:
    def __init__(self, program: ast.Program, output: Output, environ: dict[str, str]) -> None:
        self.program = program
        self.output = output
        self.globals: dict[str, Value | Array] = {
            "FS": " ", "OFS": " ", "ORS": "\n", "RS": "\n", "NR": 0.0, "FNR": 0.0,
            "SUBSEP": "\x1c", "CONVFMT": "%.6g", "OFMT": "%.6g", "RSTART": 0.0,
            "RLENGTH": -1.0, "FILENAME": "",
            "ENVIRON": {k: StrNum(v) for k, v in environ.items()},
        }  # fmt: skip
        self.frames: list[dict[str, Value | Array]] = []
        self.record = ""
        self.fields: list[str] | None = []
        self.nf = 0
        self.regexes: dict[str, re.Pattern[str]] = {}
        self.ranges: dict[int, bool] = {}
        self.random = random.Random(0)
        self.depth = 0

    # -- variables
    def _scope(self, name: str) -> dict[str, Value | Array]:
        if self.frames and name in self.frames[-1]:
            return self.frames[-1]
        return self.globals

    def get_var(self, name: str) -> Value:
        if name == "NF":
            self._split()
            return float(self.nf)
        value = self._scope(name).get(name, UNINIT)
        if isinstance(value, dict):
            raise AwkRuntimeError("Can't use array as scalar")  # busybox's wording is close
        return value

    def set_var(self, name: str, value: Value) -> None:
        if name == "NF":
            self._split()
            assert self.fields is not None
            count = max(0, int(to_num(value)))
            self.fields = (self.fields + [""] * count)[:count]
            self.nf = count
            self._rebuild()
            return
        scope = self._scope(name)
        if isinstance(scope.get(name), dict):
            raise AwkRuntimeError("Can't use array as scalar")
        scope[name] = value

    def array(self, name: str) -> Array:
        scope = self._scope(name)
        value = scope.get(name)
        if isinstance(value, dict):
            return value
        if value is not None and value is not UNINIT:
            raise AwkRuntimeError("Can't use scalar as array")
        array: Array = {}
        scope[name] = array
        return array

    @property
    def convfmt(self) -> str:
        return to_str(self.get_var("CONVFMT"))

    def string(self, value: Value) -> str:
        return to_str(value, self.convfmt)

    # -- records and fields
    def set_record(self, text: str) -> None:
        self.record = text
        self.fields = None

    def _split(self) -> None:
        if self.fields is not None:
            return
        self.fields = self.split_text(self.record, self.string(self.get_var("FS")))
        self.nf = len(self.fields)

    def split_text(self, text: str, fs: str) -> list[str]:
        if fs == " ":
            return text.split()
        if text == "":
            return []
        if len(fs) == 1 and fs != "\\":
            return text.split(fs)
        return self.regex(fs).split(text)

    def _rebuild(self) -> None:
        assert self.fields is not None
        self.record = self.string(self.get_var("OFS")).join(self.fields)

    def get_field(self, index: int) -> Value:
        if index < 0:
            raise AwkRuntimeError("Access to negative field")
        if index == 0:
            return StrNum(self.record)
        self._split()
        assert self.fields is not None
        return StrNum(self.fields[index - 1]) if index <= self.nf else UNINIT

    def set_field(self, index: int, value: Value) -> None:
        if index < 0:
            raise AwkRuntimeError("Access to negative field")
        if index == 0:
            self.set_record(self.string(value))
            return
        self._split()
        assert self.fields is not None
        if index > self.nf:
            self.fields.extend([""] * (index - self.nf))
            self.nf = index
        self.fields[index - 1] = self.string(value)
        self._rebuild()

    def regex(self, source: str) -> re.Pattern[str]:
        compiled = self.regexes.get(source)
        if compiled is None:
            compiled = self.regexes[source] = _regex(source)
        return compiled

    def _pattern(self, expr: ast.Expr) -> re.Pattern[str]:
        if isinstance(expr, ast.Regex):
            return self.regex(expr.source)
        return self.regex(self.string(self.eval(expr)))

    # -- running
    def run(self, sources: Callable[[], Iterator[Source]]) -> int:
        """Run BEGIN, the records of every source, END; the exit status."""
        code = 0
        try:
            for block in self.program.begin:
                self.execute(block)
            if self.program.rules or self.program.end:
                self._records(sources())
        except _Exit as exc:
            code = exc.code
        try:
            for block in self.program.end:
                self.execute(block)
        except _Exit as exc:
            code = exc.code
        return code

    def _records(self, sources: Iterator[Source]) -> None:
        for source in sources:
            self.globals["FILENAME"] = source.name
            self.globals["FNR"] = 0.0
            for line in source.lines:
                self.globals["NR"] = to_num(self.get_var("NR")) + 1
                self.globals["FNR"] = to_num(self.get_var("FNR")) + 1
                self.set_record(line)
                try:
                    self._rules()
                except _Next:
                    continue

    def _rules(self) -> None:
        for number, rule in enumerate(self.program.rules):
            if rule.pattern is None:
                matched = True
            elif rule.end_pattern is None:
                matched = truth(self.eval(rule.pattern))
            else:
                active = self.ranges.get(number, False)
                if not active and truth(self.eval(rule.pattern)):
                    active = True
                matched = active
                if active and truth(self.eval(rule.end_pattern)):
                    active = False
                self.ranges[number] = active
            if not matched:
                continue
            if rule.action is None:
                self._print([], "", None)
            else:
                self.execute(rule.action)

    # -- statements
    def execute(self, stmt: ast.Stmt) -> None:
        if isinstance(stmt, ast.Block):
            for inner in stmt.body:
                self.execute(inner)
        elif isinstance(stmt, ast.ExprStmt):
            self.eval(stmt.expr)
        elif isinstance(stmt, ast.Print):
            if stmt.formatted:
                if not stmt.args:
                    raise AwkRuntimeError("Too few arguments for builtin")
                values = [self.eval(a) for a in stmt.args]
                text = self.sprintf(self.string(values[0]), values[1:])
                self._emit(text, stmt.redirect, stmt.dest)
            else:
                self._print(stmt.args, stmt.redirect, stmt.dest)
        elif isinstance(stmt, ast.If):
            if truth(self.eval(stmt.test)):
                self.execute(stmt.then)
            elif stmt.otherwise is not None:
                self.execute(stmt.otherwise)
        elif isinstance(stmt, ast.While):
            self._while(stmt)
        elif isinstance(stmt, ast.For):
            self._for(stmt)
        elif isinstance(stmt, ast.ForIn):
            for key in list(self.array(stmt.name)):
                self.assign(stmt.var, StrNum(key))
                try:
                    self.execute(stmt.body)
                except _Break:
                    break
                except _Continue:
                    continue
        elif isinstance(stmt, ast.Jump):
            self._jump(stmt)
        elif isinstance(stmt, ast.Delete):
            array = self.array(stmt.name)
            if stmt.subscripts is None:
                array.clear()
            else:
                array.pop(self._key(stmt.subscripts), None)

    def _jump(self, stmt: ast.Jump) -> None:
        if stmt.kind == "next":
            raise _Next
        if stmt.kind == "break":
            raise _Break
        if stmt.kind == "continue":
            raise _Continue
        value = self.eval(stmt.value) if stmt.value is not None else None
        if stmt.kind == "exit":
            raise _Exit(int(to_num(value)) & 0xFF if value is not None else 0)
        raise _Return(value if value is not None else UNINIT)

    def _while(self, stmt: ast.While) -> None:
        first = stmt.do
        while first or truth(self.eval(stmt.test)):
            first = False
            try:
                self.execute(stmt.body)
            except _Break:
                break
            except _Continue:
                continue

    def _for(self, stmt: ast.For) -> None:
        if stmt.init is not None:
            self.eval(stmt.init)
        while stmt.test is None or truth(self.eval(stmt.test)):
            try:
                self.execute(stmt.body)
            except _Break:
                break
            except _Continue:
                pass
            if stmt.step is not None:
                self.eval(stmt.step)

    def _print(self, args: list[ast.Expr], redirect: str, dest: ast.Expr | None) -> None:
        if not args:
            text = self.record
        else:
            ofmt = to_str(self.get_var("OFMT"))
            parts = []
            for arg in args:
                value = self.eval(arg)
                parts.append(format_number(value, ofmt) if isinstance(value, float) else value)
            text = self.string(self.get_var("OFS")).join(parts)
        self._emit(text + self.string(self.get_var("ORS")), redirect, dest)

    def _emit(self, text: str, redirect: str, dest: ast.Expr | None) -> None:
        self.output(text, redirect, self.string(self.eval(dest)) if dest is not None else "")

    # -- expressions
    def _key(self, subscripts: list[ast.Expr]) -> str:
        sep = self.string(self.get_var("SUBSEP"))
        return sep.join(self.string(self.eval(s)) for s in subscripts)

    def assign(self, target: ast.Expr, value: Value) -> Value:
        if isinstance(value, StrNum) and type(value) is not StrNum:
            value = StrNum(str(value))  # an uninitialized value copied stays a strnum ""
        if isinstance(target, ast.Var):
            self.set_var(target.name, value)
        elif isinstance(target, ast.Field):
            self.set_field(int(to_num(self.eval(target.index))), value)
        elif isinstance(target, ast.Index):
            self.array(target.name)[self._key(target.subscripts)] = value
        elif isinstance(target, ast.Grouping) and len(target.items) == 1:
            return self.assign(target.items[0], value)
        else:
            raise AwkRuntimeError("Unexpected token")
        return value

    def eval(self, expr: ast.Expr) -> Value:
        if isinstance(expr, ast.Num):
            return expr.value
        if isinstance(expr, ast.Str):
            return expr.value
        if isinstance(expr, ast.Regex):
            return 1.0 if self.regex(expr.source).search(self.record) else 0.0
        if isinstance(expr, ast.Var):
            return self.get_var(expr.name)
        if isinstance(expr, ast.Field):
            return self.get_field(int(to_num(self.eval(expr.index))))
        if isinstance(expr, ast.Index):
            return self.array(expr.name).setdefault(self._key(expr.subscripts), UNINIT)
        if isinstance(expr, ast.Grouping):
            if len(expr.items) != 1:
                raise AwkRuntimeError("Unexpected token")
            return self.eval(expr.items[0])
        if isinstance(expr, ast.Assign):
            return self._assign(expr)
        if isinstance(expr, ast.Cond):
            return self.eval(expr.then if truth(self.eval(expr.test)) else expr.otherwise)
        if isinstance(expr, ast.Binary):
            return self._binary(expr)
        if isinstance(expr, ast.Unary):
            value = self.eval(expr.operand)
            if expr.op == "!":
                return 0.0 if truth(value) else 1.0
            return -to_num(value) if expr.op == "-" else to_num(value)
        if isinstance(expr, ast.IncDec):
            old = to_num(self.eval(expr.target))
            new = old + (1 if expr.op == "++" else -1)
            self.assign(expr.target, new)
            return new if expr.prefix else old
        if isinstance(expr, ast.In):
            return 1.0 if self._key(expr.subscripts) in self.array(expr.name) else 0.0
        if isinstance(expr, ast.Call):
            if expr.builtin:
                from mockd.programs.applets.awk.builtins import call_builtin

                return call_builtin(self, expr.name, expr.args)
            return self._call(expr)
        raise AwkRuntimeError("Unexpected token")

    def _assign(self, expr: ast.Assign) -> Value:
        if expr.op == "=":
            return self.assign(expr.target, self.eval(expr.value))
        right = to_num(self.eval(expr.value))
        left = to_num(self.eval(expr.target))
        return self.assign(expr.target, self.arithmetic(expr.op[0], left, right))

    def arithmetic(self, op: str, left: float, right: float) -> float:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "^":
            try:
                return float(left**right)
            except (OverflowError, ZeroDivisionError):
                return math.inf
        if right == 0:
            raise AwkRuntimeError("Division by zero")
        if op == "/":
            return left / right
        return math.fmod(left, right)

    def _binary(self, expr: ast.Binary) -> Value:
        op = expr.op
        if op == "&&":
            return 1.0 if truth(self.eval(expr.left)) and truth(self.eval(expr.right)) else 0.0
        if op == "||":
            return 1.0 if truth(self.eval(expr.left)) or truth(self.eval(expr.right)) else 0.0
        if op in ("~", "!~"):
            text = self.string(self.eval(expr.left))
            found = self._pattern(expr.right).search(text) is not None
            return 1.0 if found == (op == "~") else 0.0
        left = self.eval(expr.left)
        right = self.eval(expr.right)
        if op == "concat":
            return self.string(left) + self.string(right)
        if op in ("<", "<=", "==", "!=", ">", ">="):
            order = compare(left, right, self.convfmt)
            result = {
                "<": order < 0, "<=": order <= 0, "==": order == 0,
                "!=": order != 0, ">": order > 0, ">=": order >= 0,
            }[op]  # fmt: skip
            return 1.0 if result else 0.0
        return self.arithmetic(op, to_num(left), to_num(right))

    def _call(self, expr: ast.Call) -> Value:
        function = self.program.functions.get(expr.name)
        if function is None:
            raise AwkRuntimeError("Call to undefined function")
        if len(expr.args) > len(function.params):
            raise AwkRuntimeError("Too many arguments")
        frame: dict[str, Value | Array] = {}
        for param, arg in zip(function.params, expr.args, strict=False):
            if isinstance(arg, ast.Var) and isinstance(self._scope(arg.name).get(arg.name), dict):
                frame[param] = self.array(arg.name)  # arrays by reference
            elif isinstance(arg, ast.Var) and arg.name not in self._scope(arg.name):
                # An unset variable may become an array inside: share a new one lazily.
                frame[param] = self.array(arg.name)
            else:
                frame[param] = self.eval(arg)
        for param in function.params[len(expr.args) :]:
            frame[param] = UNINIT
        if self.depth > 1000:
            raise AwkRuntimeError("Recursion too deep")
        self.frames.append(frame)
        self.depth += 1
        try:
            self.execute(function.body)
        except _Return as ret:
            return ret.value
        finally:
            self.frames.pop()
            self.depth -= 1
        return UNINIT

    # -- printf
    def sprintf(self, fmt: str, values: list[Value]) -> str:
        out: list[str] = []
        index = 0
        pos = 0
        for match in _FORMAT.finditer(fmt):
            out.append(fmt[pos : match.start()])
            pos = match.end()
            flags, width, precision, conv = match.groups()
            if conv == "%":
                out.append("%" if match.group(0) == "%%" else match.group(0))
                continue

            def take() -> Value:
                nonlocal index
                value = values[index] if index < len(values) else UNINIT
                index += 1
                return value

            if width == "*":
                width = str(int(to_num(take())))
            if precision == "*":
                precision = str(int(to_num(take())))
            spec = "%" + flags + (width or "") + ("." + precision if precision is not None else "")
            value = take()
            out.append(self._convert(spec, conv, value))
        out.append(fmt[pos:])
        return "".join(out)

    def _convert(self, spec: str, conv: str, value: Value) -> str:
        if conv in "di":
            return (spec + "d") % int(to_num(value))
        if conv in "oxXu":
            number = int(to_num(value))
            if number < 0:
                number &= 0xFFFFFFFF
            return (spec + ("d" if conv == "u" else conv)) % number
        if conv in "eEfFgG":
            return (spec + conv) % to_num(value)
        if conv == "c":
            if isinstance(value, float) or (isinstance(value, StrNum) and value.num is not None):
                text = chr(int(to_num(value)) % 0x110000) if to_num(value) else ""
            else:
                text = self.string(value)[:1]
            return (spec + "s") % text
        if conv == "s":
            return (spec + "s") % self.string(value)
        return spec + conv
