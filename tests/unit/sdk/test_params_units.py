"""Byte sizes, read as docker's units.RAMInBytes reads them."""

from __future__ import annotations

import pytest

from dockersdk.params import InvalidArgument, parse_bytes

KIB, MIB, GIB, TIB, PIB = 1 << 10, 1 << 20, 1 << 30, 1 << 40, 1 << 50


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100", 100),
        ("0", 0),
        ("32", 32),
        ("32b", 32),
        ("32B", 32),
        ("32k", 32 * KIB),
        ("32K", 32 * KIB),
        ("32kb", 32 * KIB),
        ("32Kb", 32 * KIB),
        ("32KiB", 32 * KIB),
        ("32Mb", 32 * MIB),
        ("32MIB", 32 * MIB),
        ("512m", 536870912),
        ("100k", 102400),
        ("1g", GIB),
        ("1.5g", int(1.5 * GIB)),
        ("1.5G", 1610612736),
        ("0.3m", int(0.3 * MIB)),
        (".5k", 512),
        ("5.k", 5 * KIB),
        ("32 mb", 32 * MIB),
        ("2t", 2 * TIB),
        ("1p", PIB),
        (" 64m ", 64 * MIB),
    ],
)
def test_size_strings(text: str, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "512q",
        "",
        "m",
        "b",
        "-1",
        "1.5.3g",
        "32mm",
        "32kbb",
        "1ib",
        "1 2",
        "1  m",
        "0x10",
        "1e3",
        "ten",
    ],
)
def test_invalid_size_strings(text: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_bytes(text, argument="memory")
    assert caught.value.argument == "memory"
    assert "memory" in str(caught.value)


def test_invalid_size_is_also_a_value_error() -> None:
    with pytest.raises(ValueError, match="512q"):
        parse_bytes("512q")


def test_numbers_are_bytes() -> None:
    assert parse_bytes(4096) == 4096
    assert parse_bytes(1.9) == 1  # truncated, as docker-py's int() conversion


def test_unlimited_only_when_allowed() -> None:
    assert parse_bytes("-1", allow_unlimited=True) == -1
    assert parse_bytes(-1, allow_unlimited=True) == -1
    with pytest.raises(InvalidArgument):
        parse_bytes(-1)
    with pytest.raises(InvalidArgument):
        parse_bytes(-2, allow_unlimited=True)


@pytest.mark.parametrize("value", [True, None, [1], 2**63, "9000000p"])
def test_rejected_types_and_overflow(value: object) -> None:
    with pytest.raises(InvalidArgument):
        parse_bytes(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["512m", "1g", "100k", "1.5g", "100", "1.5m", "7b", "64MB"])
def test_agrees_with_docker_py(text: str) -> None:
    from docker.utils.utils import parse_bytes as docker_py_parse_bytes

    assert parse_bytes(text) == docker_py_parse_bytes(text)
