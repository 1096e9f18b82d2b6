"""``docker top``: the table dockerd makes by running the host's ``ps`` with the
client's ``ps_args`` and keeping the container's rows.

The mock has no host ``ps``: it renders the columns ``ps`` would print from its
process table, as text, then cuts that text as dockerd parses ps's output
(``parsePSOutput``), quirks included: fields are split on blanks, the last
column takes the rest of the line, and a table without a ``PID`` title is an
error.  The columns and presets are procps-ng's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from mockd.errors import InvalidParameter, SystemError_


@dataclass(frozen=True)
class PsProcess:
    """One process, as ``ps`` sees it (host PIDs)."""

    pid: int
    ppid: int
    uid: int
    user: str
    argv: list[str]
    tty: bool
    state: str
    start_time: float
    cpu_seconds: float
    rss_kb: int
    now: float

    @property
    def args(self) -> str:
        return " ".join(self.argv)

    @property
    def comm(self) -> str:
        return (self.argv[0].rsplit("/", 1)[-1] if self.argv else "")[:15]


def _clock(seconds: float) -> str:  # 00:00:00, UNIX-style TIME
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _bsd_time(seconds: float) -> str:  # 0:00, BSD-style TIME
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _elapsed(seconds: float) -> str:  # [[dd-]hh:]mm:ss
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    if days or hours:
        text = f"{hours:02d}:{text}"
    return f"{days}-{text}" if days else text


def _hhmm(p: PsProcess) -> str:
    return datetime.fromtimestamp(p.start_time, UTC).strftime("%H:%M")


def _percent_cpu(p: PsProcess) -> str:
    alive = max(p.now - p.start_time, 1e-9)
    return f"{min(100.0 * p.cpu_seconds / alive, 100.0):.1f}"


Column = tuple[str, Callable[[PsProcess], str]]

# procps-ng format specifiers: the title, and the value.
COLUMNS: Final[dict[str, Column]] = {
    "pid": ("PID", lambda p: str(p.pid)),
    "tgid": ("TGID", lambda p: str(p.pid)),
    "ppid": ("PPID", lambda p: str(p.ppid)),
    "pgid": ("PGID", lambda p: str(p.pid)),
    "sid": ("SID", lambda p: str(p.pid)),
    "uid": ("UID", lambda p: str(p.uid)),
    "euid": ("EUID", lambda p: str(p.uid)),
    "ruid": ("RUID", lambda p: str(p.uid)),
    "gid": ("GID", lambda p: "0"),
    "user": ("USER", lambda p: p.user),
    "euser": ("EUSER", lambda p: p.user),
    "ruser": ("RUSER", lambda p: p.user),
    "uname": ("USER", lambda p: p.user),
    "comm": ("COMMAND", lambda p: p.comm),
    "ucomm": ("COMMAND", lambda p: p.comm),
    "ucmd": ("CMD", lambda p: p.comm),
    "fname": ("COMMAND", lambda p: p.comm[:8]),
    "args": ("COMMAND", lambda p: p.args),
    "cmd": ("CMD", lambda p: p.args),
    "command": ("COMMAND", lambda p: p.args),
    "tty": ("TT", lambda p: "pts/0" if p.tty else "?"),
    "tt": ("TT", lambda p: "pts/0" if p.tty else "?"),
    "tname": ("TTY", lambda p: "pts/0" if p.tty else "?"),
    "time": ("TIME", lambda p: _clock(p.cpu_seconds)),
    "cputime": ("TIME", lambda p: _clock(p.cpu_seconds)),
    "etime": ("ELAPSED", lambda p: _elapsed(p.now - p.start_time)),
    "etimes": ("ELAPSED", lambda p: str(int(p.now - p.start_time))),
    "stime": ("STIME", _hhmm),
    "start_time": ("START", _hhmm),
    "start": ("STARTED", lambda p: datetime.fromtimestamp(p.start_time, UTC).strftime("%H:%M:%S")),
    "lstart": ("STARTED", lambda p: datetime.fromtimestamp(p.start_time, UTC).strftime("%c")),
    "stat": ("STAT", lambda p: p.state),
    "s": ("S", lambda p: p.state[:1]),
    "state": ("S", lambda p: p.state[:1]),
    "c": ("C", lambda p: "0"),
    "pcpu": ("%CPU", _percent_cpu),
    "%cpu": ("%CPU", _percent_cpu),
    "pmem": ("%MEM", lambda p: "0.0"),
    "%mem": ("%MEM", lambda p: "0.0"),
    "rss": ("RSS", lambda p: str(p.rss_kb)),
    "rssize": ("RSS", lambda p: str(p.rss_kb)),
    "rsz": ("RSZ", lambda p: str(p.rss_kb)),
    "vsz": ("VSZ", lambda p: str(p.rss_kb + 888)),
    "vsize": ("VSZ", lambda p: str(p.rss_kb + 888)),
    "nlwp": ("NLWP", lambda p: "1"),
    "thcount": ("THCNT", lambda p: "1"),
    "ni": ("NI", lambda p: "0"),
    "nice": ("NI", lambda p: "0"),
    "pri": ("PRI", lambda p: "19"),
    "f": ("F", lambda p: "4"),
    "wchan": ("WCHAN", lambda p: "-"),
}

_FULL: Final = [
    ("UID", COLUMNS["user"][1]), COLUMNS["pid"], COLUMNS["ppid"], COLUMNS["c"], COLUMNS["stime"],
    COLUMNS["tname"], COLUMNS["time"], COLUMNS["cmd"],
]  # fmt: skip
_USER: Final = [
    COLUMNS["user"], COLUMNS["pid"], COLUMNS["%cpu"], COLUMNS["%mem"], COLUMNS["vsz"],
    COLUMNS["rss"], COLUMNS["tname"], COLUMNS["stat"], ("START", _hhmm),
    ("TIME", lambda p: _bsd_time(p.cpu_seconds)), COLUMNS["command"],
]  # fmt: skip
_BSD: Final = [
    COLUMNS["pid"], COLUMNS["tname"], COLUMNS["stat"],
    ("TIME", lambda p: _bsd_time(p.cpu_seconds)), COLUMNS["command"],
]  # fmt: skip
_PLAIN: Final = [COLUMNS["pid"], COLUMNS["tname"], COLUMNS["time"], ("CMD", COLUMNS["comm"][1])]

# dockerd refuses a renamed PID column ("pid=PID" under another name is fine).
_RENAMED_PID: Final = re.compile(r"\s+([^\s]*)=\s*(PID[^\s]*)")


def columns_for(ps_args: str) -> list[Column]:
    """The columns ``ps <ps_args>`` prints (procps-ng's option syntax, the common part)."""
    for key, value in _RENAMED_PID.findall(" " + ps_args):
        if key != "pid":
            raise InvalidParameter(f'specifying "{key}={value}" is not allowed')
    words = ps_args.split()
    chosen: list[Column] = []
    unix_letters, bsd_letters = "", ""
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("-") and "o" in word and not word.startswith("--"):
            # -o LIST, -oLIST, -eo LIST: what follows the o is the list.
            unix_letters += word[1 : word.index("o")]
            rest = word[word.index("o") + 1 :]
            if not rest:
                if index >= len(words):
                    raise SystemError_("ps: error: format specification must follow -o")
                rest = words[index]
                index += 1
            chosen.extend(_format_list(rest))
        elif word.startswith("-"):
            unix_letters += word.lstrip("-")
        else:
            bsd_letters += word
    if chosen:
        return chosen
    if "f" in unix_letters:
        return list(_FULL)
    if "u" in bsd_letters:
        return list(_USER)
    if bsd_letters:
        return list(_BSD)
    return list(_PLAIN)


def _format_list(spec: str) -> list[Column]:
    out: list[Column] = []
    for item in spec.split(","):
        name, sep, header = item.partition("=")
        known = COLUMNS.get(name.lower())
        if known is None:
            raise SystemError_(f'ps: error: unknown user-defined format specifier "{name}"')
        out.append((header if sep else known[0], known[1]))
    return out


def top(ps_args: str, processes: list[PsProcess]) -> dict[str, list[str] | list[list[str]]]:
    """ContainerTop's ``{"Titles", "Processes"}`` for ``ps_args`` (default ``-ef``)."""
    columns = columns_for(ps_args or "-ef")
    header = " ".join(title for title, _ in columns)
    lines = [" ".join(value(p) or "-" for _, value in columns) for p in processes]
    titles = header.split()
    if "PID" not in titles:
        raise SystemError_("Couldn't find PID field in ps output")
    rows: list[list[str]] = []
    for line in lines:
        fields = line.split()
        fields += [""] * (len(titles) - len(fields))
        rows.append([*fields[: len(titles) - 1], " ".join(fields[len(titles) - 1 :])])
    return {"Titles": titles, "Processes": rows}
