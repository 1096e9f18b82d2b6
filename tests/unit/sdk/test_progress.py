"""The progress display: what a terminal shows, and what a log file gets."""

from __future__ import annotations

import io
import re

import pytest
import responses

from dockersdk import DockerClient
from dockersdk.models import BuildInfo, CreateImageInfo, ErrorDetail, ProgressDetail
from dockersdk.progress import ProgressDisplay, human_size, progress_bar, wants_display

_CONTROL = re.compile(r"\x1b\[(\d*)([ABK])|\r|\n|[^\x1b\r\n]+")


def screen(output: str) -> list[str]:
    """What a terminal shows after ``output``: a tiny VT100 (cursor up/down,
    clear line, carriage return, newline), enough to check the layer lines."""
    lines = [""]
    row = col = 0
    for match in _CONTROL.finditer(output):
        text = match.group(0)
        if match.group(2) == "A":
            row = max(row - int(match.group(1) or 1), 0)
        elif match.group(2) == "B":
            row += int(match.group(1) or 1)
        elif match.group(2) == "K":
            lines[row] = ""
        elif text == "\r":
            col = 0
        elif text == "\n":
            row, col = row + 1, 0
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + text + line[col + len(text) :]
            col += len(text)
        while len(lines) <= row:
            lines.append("")
    return [line.rstrip() for line in lines if line.strip()]


def pull_messages() -> list[CreateImageInfo]:
    def msg(
        id: str | None, status: str, cur: int | None = None, tot: int | None = None
    ) -> CreateImageInfo:
        detail = ProgressDetail(current=cur, total=tot) if cur is not None else None
        return CreateImageInfo(id=id, status=status, progress_detail=detail)

    return [
        msg("latest", "Pulling from library/app"),
        msg("aaa", "Pulling fs layer"),
        msg("bbb", "Pulling fs layer"),
        msg("aaa", "Downloading", 500, 1000),
        msg("bbb", "Downloading", 10, 2000),
        msg("aaa", "Download complete"),
        msg("bbb", "Downloading", 2000, 2000),
        msg("bbb", "Pull complete"),
        msg(None, "Digest: sha256:123"),
        msg(None, "Status: Downloaded newer image for app:latest"),
    ]


def test_terminal_shows_one_line_per_layer_rewritten_in_place() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, tty=True)
    for message in pull_messages()[:5]:
        display.show(message)
    assert screen(out.getvalue()) == [
        "latest: Pulling from library/app",
        "aaa: Downloading " + progress_bar(500, 1000),
        "bbb: Downloading " + progress_bar(10, 2000),
    ]
    for message in pull_messages()[5:]:
        display.show(message)
    assert screen(out.getvalue()) == [
        "latest: Pulling from library/app",
        "aaa: Download complete",
        "bbb: Pull complete",
        "Digest: sha256:123",
        "Status: Downloaded newer image for app:latest",
    ]
    assert "\x1b[" in out.getvalue()


def test_plain_output_is_one_line_per_change_without_escapes() -> None:
    out = io.StringIO()
    consumed = list(ProgressDisplay(out, tty=False).follow(pull_messages()))
    assert consumed == pull_messages()  # follow() passes every message on
    assert out.getvalue().splitlines() == [
        "latest: Pulling from library/app",
        "aaa: Pulling fs layer",
        "bbb: Pulling fs layer",
        "aaa: Downloading",
        "bbb: Downloading",  # its second "Downloading" is a repeat, left out
        "aaa: Download complete",
        "bbb: Pull complete",
        "Digest: sha256:123",
        "Status: Downloaded newer image for app:latest",
    ]
    assert "\x1b" not in out.getvalue()


def test_build_output_and_errors() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, tty=True)
    display.show(BuildInfo(stream="Step 1/2 : FROM busybox\n"))
    display.show(
        BuildInfo(
            id="ccc", status="Downloading", progress_detail=ProgressDetail(current=1, total=4)
        )
    )
    display.show(BuildInfo(stream=" ---> 123\n"))
    display.show({"errorDetail": {"message": "boom"}, "error": "boom"})
    display.show(BuildInfo(error_detail=ErrorDetail(message="typed boom")))
    assert screen(out.getvalue()) == [
        "Step 1/2 : FROM busybox",
        "ccc: Downloading " + progress_bar(1, 4),
        " ---> 123",
        "ERROR: boom",
        "ERROR: typed boom",
    ]


def test_bar_and_sizes() -> None:
    assert progress_bar(0, 100, width=10) == "[>         ]      0B/100B"
    assert progress_bar(50, 100, width=10) == "[=====>    ]     50B/100B"
    assert progress_bar(100, 100, width=10) == "[==========]    100B/100B"
    assert progress_bar(1500, 0) == "1.5kB"
    assert human_size(2_500_000) == "2.5MB"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_wants_display() -> None:
    assert wants_display(True, io.StringIO()) is True
    assert wants_display(False, FakeTTY()) is False
    assert wants_display(None, FakeTTY()) is True
    assert wants_display(None, io.StringIO()) is False
    assert ProgressDisplay(FakeTTY()).tty is True


BASE = "http://docker.test:2375"
PULL_BODY = (
    b'{"status":"Pulling from library/busybox","id":"latest"}\n'
    b'{"status":"Pull complete","id":"abc"}\n'
    b'{"status":"Status: Downloaded newer image for busybox:latest"}\n'
)


@pytest.mark.parametrize(("progress", "shown"), [(True, True), (False, False), (None, False)])
def test_pull_progress_goes_to_stdout(
    progress: bool | None, shown: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/_ping", body="OK", headers={"API-Version": "1.45"})
        rsps.post(f"{BASE}/v1.45/images/create", body=PULL_BODY)
        messages = DockerClient("tcp://docker.test:2375").images.api.pull(
            "busybox", "latest", progress=progress
        )
    assert len(messages) == 3
    out = capsys.readouterr().out
    if shown:  # captured stdout is not a terminal: plain lines
        assert out.splitlines() == [
            "latest: Pulling from library/busybox",
            "abc: Pull complete",
            "Status: Downloaded newer image for busybox:latest",
        ]
    else:
        assert out == ""
