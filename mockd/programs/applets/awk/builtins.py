"""awk's built-in functions."""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING

from mockd.programs.applets.awk import syntax as ast
from mockd.programs.applets.awk.values import UNINIT, StrNum, Value, to_num

if TYPE_CHECKING:
    from mockd.programs.applets.awk.interp import Interpreter

_MATH = {"sin": math.sin, "cos": math.cos, "exp": math.exp, "log": math.log, "sqrt": math.sqrt}


def _replacement(template: str, matched: str) -> str:
    r"""sub/gsub's replacement: ``&`` is the match, ``\&`` a literal ``&``, ``\\`` a backslash."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "\\" and i + 1 < len(template) and template[i + 1] in "&\\":
            out.append(template[i + 1])
            i += 2
            continue
        out.append(matched if ch == "&" else ch)
        i += 1
    return "".join(out)


def _substitute(vm: Interpreter, args: list[ast.Expr], *, global_: bool) -> Value:
    from mockd.programs.applets.awk.interp import AwkRuntimeError

    if len(args) not in (2, 3):
        raise AwkRuntimeError("Too few arguments for builtin")
    pattern = vm._pattern(args[0])
    template = vm.string(vm.eval(args[1]))
    target = args[2] if len(args) == 3 else ast.Field(ast.Num(0.0))
    text = vm.string(vm.eval(target))
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return _replacement(template, match.group(0))

    result = pattern.sub(replace, text, count=0 if global_ else 1)
    if count:
        vm.assign(target, result)
    return float(count)


def call_builtin(vm: Interpreter, name: str, args: list[ast.Expr]) -> Value:
    from mockd.programs.applets.awk.interp import AwkRuntimeError

    if name in ("sub", "gsub"):
        return _substitute(vm, args, global_=name == "gsub")
    if name == "split":
        if len(args) not in (2, 3) or not isinstance(args[1], ast.Var):
            raise AwkRuntimeError("Too few arguments for builtin")
        text = vm.string(vm.eval(args[0]))
        if len(args) == 3:
            fs = args[2].source if isinstance(args[2], ast.Regex) else vm.string(vm.eval(args[2]))
        else:
            fs = vm.string(vm.get_var("FS"))
        array = vm.array(args[1].name)
        array.clear()
        parts = vm.split_text(text, fs)
        for i, part in enumerate(parts, 1):
            array[str(i)] = StrNum(part)
        return float(len(parts))
    if name == "length":
        if not args:
            return float(len(vm.record))
        if isinstance(args[0], ast.Var) and isinstance(
            vm._scope(args[0].name).get(args[0].name), dict
        ):
            return float(len(vm.array(args[0].name)))
        return float(len(vm.string(vm.eval(args[0]))))
    values = [vm.eval(a) for a in args]
    if name == "substr":
        if len(values) not in (2, 3):
            raise AwkRuntimeError("Too few arguments for builtin")
        text = vm.string(values[0])
        # busybox clamps the start and keeps the length: substr("hello", -1, 3) is "hel".
        start = min(max(int(to_num(values[1])) - 1, 0), len(text))
        count = int(to_num(values[2])) if len(values) == 3 else len(text) - start
        return text[start : start + max(count, 0)]
    if name == "index":
        needle = vm.string(values[1])
        return float(vm.string(values[0]).find(needle) + 1) if needle else 0.0
    if name == "match":
        found = vm._pattern(args[1]).search(vm.string(values[0]))
        start, length = (found.start() + 1, len(found.group(0))) if found else (0, -1)
        vm.globals["RSTART"], vm.globals["RLENGTH"] = float(start), float(length)
        return float(start)
    if name == "sprintf":
        if not values:
            raise AwkRuntimeError("Too few arguments for builtin")
        return vm.sprintf(vm.string(values[0]), values[1:])
    if name == "int":
        return float(math.trunc(to_num(values[0]))) if values else 0.0
    if name == "toupper":
        return vm.string(values[0]).upper()
    if name == "tolower":
        return vm.string(values[0]).lower()
    if name in _MATH:
        try:
            return float(_MATH[name](to_num(values[0])))
        except (ValueError, OverflowError):
            return math.nan
    if name == "atan2":
        return math.atan2(to_num(values[0]), to_num(values[1]))
    if name == "rand":
        return vm.random.random()
    if name == "srand":
        seed = int(to_num(values[0])) if values else int(time.time())
        vm.random.seed(seed)
        return 0.0
    if name in ("close", "fflush"):
        return 0.0
    raise AwkRuntimeError(f"{name}() is not supported")


__all__ = ["UNINIT", "call_builtin"]
