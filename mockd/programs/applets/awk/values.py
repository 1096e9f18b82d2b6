"""awk's values: numbers, strings, and strings from input that look numeric (strnums).

A strnum (a field, a ``-v`` value, an uninitialized variable) compares as a
number against a number when it looks like one, and as a string otherwise.
"""

from __future__ import annotations

import math
import re

_NUMERIC = re.compile(r"\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)\s*")
_PREFIX = re.compile(r"\s*[-+]?(0[xX][0-9a-fA-F]+|\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)")


class StrNum(str):
    """Input text; ``num`` is its value when the whole text looks numeric."""

    num: float | None

    def __new__(cls, text: str) -> StrNum:
        value = super().__new__(cls, text)
        value.num = float(text) if _NUMERIC.fullmatch(text) else None
        return value


class Uninit(StrNum):
    """A variable never assigned: "" as a string, 0 as a number."""

    def __new__(cls) -> Uninit:
        value = str.__new__(cls, "")
        value.num = 0.0
        return value


UNINIT = Uninit()
Value = float | str


def to_num(value: Value) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, StrNum) and value.num is not None:
        return value.num
    match = _PREFIX.match(value)
    if match is None:
        return 0.0
    text = match.group(0).strip()
    body = text.lstrip("+-")
    if body[:2].lower() == "0x":  # busybox's strtod reads hex
        number = float(int(body, 16))
        return -number if text.startswith("-") else number
    return float(text)


def format_number(number: float, fmt: str) -> str:
    if math.isinf(number) or math.isnan(number):
        return ("-" if number < 0 else "") + ("inf" if math.isinf(number) else "nan")
    if number == int(number) and abs(number) < 1e16:
        return str(int(number))
    try:
        return fmt % number
    except (TypeError, ValueError):
        return f"{number:.6g}"


def to_str(value: Value, convfmt: str = "%.6g") -> str:
    if isinstance(value, float):
        return format_number(value, convfmt)
    return str(value)


def is_numeric(value: Value) -> bool:
    return isinstance(value, float) or (isinstance(value, StrNum) and value.num is not None)


def truth(value: Value) -> bool:
    if isinstance(value, float):
        return value != 0
    if isinstance(value, StrNum) and value.num is not None:
        return value.num != 0
    return value != ""


def compare(left: Value, right: Value, convfmt: str) -> int:
    """-1, 0 or 1: numerically when both are numbers, else as strings."""
    if is_numeric(left) and is_numeric(right):
        a, b = to_num(left), to_num(right)
    else:
        a, b = to_str(left, convfmt), to_str(right, convfmt)  # type: ignore[assignment]
    return (a > b) - (a < b)
