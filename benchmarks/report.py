"""What a run found: tables of figures, notes, and targets met or not."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([cell if isinstance(cell, str) else fmt(cell) for cell in cells])


@dataclass(frozen=True)
class Target:
    name: str
    met: bool | None  # None: could not be measured in this run
    detail: str


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def table(self, title: str, headers: list[str]) -> Table:
        table = Table(title, headers)
        self.tables.append(table)
        return table

    def target(self, name: str, met: bool | None, detail: str) -> None:
        self.targets.append(Target(name, met, detail))

    def skip(self, what: str) -> None:
        self.skipped.append(what)


def fmt(value: object) -> str:
    """Numbers with three significant digits; everything else as text."""
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(table: Table, out: TextIO) -> None:
    widths = [len(h) for h in table.headers]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    out.write(f"\n## {table.title}\n\n")
    out.write(
        "| " + " | ".join(h.ljust(w) for h, w in zip(table.headers, widths, strict=True)) + " |\n"
    )
    out.write("|" + "|".join("-" * (w + 2) for w in widths) + "|\n")
    for row in table.rows:
        out.write("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |\n")
    for note in table.notes:
        out.write(f"\n{note}\n")


def render(report: Report, out: TextIO = sys.stdout) -> None:
    for table in report.tables:
        render_table(table, out)
    if report.skipped:
        out.write("\n## Skipped\n\n")
        for what in report.skipped:
            out.write(f"- {what}\n")
    out.write("\n## Targets\n\n")
    for target in report.targets:
        verdict = {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[target.met]
        out.write(f"- [{verdict}] {target.name}: {target.detail}\n")
    out.flush()
