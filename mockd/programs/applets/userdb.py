"""The container's user database: ``/etc/passwd``, ``/etc/group`` and ``/etc/shadow`` as
lines of colon-separated fields, read and rewritten in place (what libbb's
``update_passwd`` does for adduser, addgroup, deluser and delgroup).
"""

from __future__ import annotations

from dataclasses import dataclass

from mockd.fs.api import FileSystem

PASSWD = "/etc/passwd"
GROUP = "/etc/group"
SHADOW = "/etc/shadow"
GSHADOW = "/etc/gshadow"


@dataclass
class Table:
    """One database file: its entries in order (each a list of fields)."""

    path: str
    rows: list[list[str]]

    @classmethod
    def read(cls, fs: FileSystem, path: str) -> Table:
        try:
            text = fs.read_file(path).decode(errors="replace")
        except OSError:
            text = ""
        return cls(path, [line.split(":") for line in text.splitlines() if line])

    def find(self, name: str) -> list[str] | None:
        return next((row for row in self.rows if row[0] == name), None)

    def find_id(self, number: int) -> list[str] | None:
        text = str(number)
        return next((row for row in self.rows if len(row) > 2 and row[2] == text), None)

    def write(self, fs: FileSystem) -> None:
        data = "".join(":".join(row) + "\n" for row in self.rows)
        mode = fs.stat(self.path).mode if fs.exists(self.path) else 0o644
        fs.write_file(self.path, data.encode(), mode=mode)


def field(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def members(row: list[str]) -> list[str]:
    """The member list of a group entry."""
    return [m for m in field(row, 3).split(",") if m]


def user_id(fs: FileSystem, spec: str) -> tuple[int, int | None] | None:
    """(uid, login gid) of a user name or number; None when neither (a number need not exist)."""
    row = Table.read(fs, PASSWD).find(spec)
    if row is not None and field(row, 2).isdigit():
        gid = field(row, 3)
        return int(field(row, 2)), int(gid) if gid.isdigit() else None
    if spec.isdigit():
        known = Table.read(fs, PASSWD).find_id(int(spec))
        gid = field(known, 3) if known else ""
        return int(spec), int(gid) if gid.isdigit() else None
    return None


def group_id(fs: FileSystem, spec: str) -> int | None:
    """The gid of a group name or number; None when neither."""
    row = Table.read(fs, GROUP).find(spec)
    if row is not None and field(row, 2).isdigit():
        return int(field(row, 2))
    return int(spec) if spec.isdigit() else None
