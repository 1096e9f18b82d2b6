"""Decoding answers: typed msgspec Structs (our SDK) against ``json.loads``
(what docker-py's ``response.json()`` does), on bodies recorded from the real
engine (``tests/fixtures/real/``).  No daemon involved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from benchmarks.compare import compare
from benchmarks.context import Context
from benchmarks.harness import Timing
from dockersdk import models

NAME = "decode"
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real"
LIST_COPIES = 100  # list bodies are repeated to this many entries, as on a busy host

BODIES: list[tuple[str, str, Any, bool]] = [
    # (label, fixture, model, is a list to widen)
    ("version", "version.json", models.SystemVersion, False),
    ("info", "info.json", models.SystemInfo, False),
    ("container inspect", "container-inspect.json", models.ContainerInspectResponse, False),
    ("image inspect", "image-inspect-busybox.json", models.ImageInspect, False),
    ("container list x100", "containers-list.json", list[models.ContainerSummary], True),
    ("image list x100", "images-list.json", list[models.ImageSummary], True),
    ("event", "events.jsonl", models.EventMessage, False),  # the first line
]


def _body(fixture: str, widen: bool) -> bytes:
    raw = (FIXTURES / fixture).read_bytes()
    if fixture.endswith(".jsonl"):
        return raw.splitlines()[0]
    if widen:
        items = json.loads(raw)
        return json.dumps((items * LIST_COPIES)[:LIST_COPIES]).encode()
    return raw


def _time_decoders(body: bytes, model: Any, repeat: int) -> dict[str, Timing]:
    return compare(
        {"typed": lambda: msgspec.json.decode(body, type=model),
         "json": lambda: json.loads(body),
         "untyped": lambda: msgspec.json.decode(body)},
        repeat,
    )  # fmt: skip


def run(ctx: Context) -> None:
    table = ctx.report.table(
        "Decoding recorded bodies (µs, median): typed Structs vs json.loads",
        ["body", "bytes", "msgspec typed", "json.loads", "msgspec untyped", "typed / json.loads"],
    )
    slower = []
    for label, fixture, model, widen in BODIES:
        body = _body(fixture, widen)
        timings = _time_decoders(body, model, ctx.repeat * 10)
        typed, loads, untyped = timings["typed"], timings["json"], timings["untyped"]
        ratio = typed.median_ns / loads.median_ns
        table.add(label, len(body), typed.median_us, loads.median_us, untyped.median_us,
                  f"{ratio:.2f}")  # fmt: skip
        if ratio > 1:
            slower.append(f"{label} {ratio:.2f}x")
    ctx.report.target(
        "typed decoding no slower than json.loads",
        not slower,
        "every body faster" if not slower else "slower on " + ", ".join(slower),
    )
