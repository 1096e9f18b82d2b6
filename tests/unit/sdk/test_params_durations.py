"""Go durations, healthcheck nanoseconds and since/until timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dockersdk.params import InvalidArgument, parse_duration, to_nanoseconds, to_timestamp

SECOND = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("10m", 600 * SECOND),
        ("1h30m", 5400 * SECOND),
        ("500ms", SECOND // 2),
        ("1.5h", 5400 * SECOND),
        ("30s", 30 * SECOND),
        ("2us", 2_000),
        ("2\u00b5s", 2_000),
        ("7ns", 7),
        ("1h1m1s1ms", 3661 * SECOND + 1_000_000),
        ("-5s", -5 * SECOND),
        ("+5s", 5 * SECOND),
        (".5s", SECOND // 2),
    ],
)
def test_go_durations(text: str, expected: int) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "1x", "s", "1h 30m", "--1s", "1.2.3s", "h1"])
def test_invalid_go_durations(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, 30 * SECOND),
        (0.5, SECOND // 2),
        ("30s", 30 * SECOND),
        ("30", 30 * SECOND),
        ("1m30s", 90 * SECOND),
        (timedelta(minutes=1, milliseconds=5), 60 * SECOND + 5_000_000),
        (0, 0),
    ],
)
def test_to_nanoseconds(value: object, expected: int) -> None:
    assert to_nanoseconds(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, "-1s", True, 10**10, [1]])
def test_to_nanoseconds_rejects(value: object) -> None:
    with pytest.raises(InvalidArgument):
        to_nanoseconds(value)  # type: ignore[arg-type]


NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOW, f"{int(NOW.timestamp())}.000000000"),
        (
            datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
            f"{int(NOW.timestamp())}.000000000",
        ),
        (1714564800, "1714564800.000000000"),
        (1714564800.25, "1714564800.250000000"),
        ("1714564800.5", "1714564800.500000000"),
        ("10m", f"{int(NOW.timestamp()) - 600}.000000000"),
        ("1h30m", f"{int(NOW.timestamp()) - 5400}.000000000"),
        ("500ms", f"{int(NOW.timestamp()) - 1}.500000000"),
        ("2024-05-01T12:00:00Z", f"{int(NOW.timestamp())}.000000000"),
        (datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC), f"{int(NOW.timestamp())}.123456000"),
    ],
)
def test_timestamps(value: object, expected: str) -> None:
    assert to_timestamp(value, now=lambda: NOW) == expected  # type: ignore[arg-type]


def test_naive_datetime_is_local_time() -> None:
    naive = datetime(2024, 5, 1, 12, 0, 0)
    assert to_timestamp(naive) == f"{int(naive.timestamp())}.000000000"


@pytest.mark.parametrize("value", ["yesterday", -5, True, None])
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(InvalidArgument):
        to_timestamp(value, argument="until", now=lambda: NOW)  # type: ignore[arg-type]
