"""Applets: output formats and error messages as busybox prints them."""

from __future__ import annotations

import pytest

from tests.unit.programs.helpers import HAVE_BUSYBOX, Box, real_busybox


def test_ls_long_format() -> None:
    box = Box()
    box.fs.write_file("/tmp/f", b"123456", mode=0o640)
    box.fs.utime("/tmp/f", box.clock.now() - 3600)
    box.fs.symlink("/tmp/f", "/tmp/link")
    box.fs.mkdir("/tmp/d")
    result = box.sh("ls -l /tmp/f /tmp/link; ls /tmp; ls -a /tmp/d; ls -1 /nope")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("-rw-r-----    1 root     root             6 ")
    assert lines[0].endswith(" /tmp/f")
    assert lines[1].startswith("lrwxrwxrwx    1 root     root             6 ")
    assert lines[1].endswith(" /tmp/link -> /tmp/f")
    assert lines[2:] == ["d", "f", "link", ".", ".."]
    assert result.stderr == "ls: /nope: No such file or directory\n"
    assert result.status == 1


def test_file_applets_change_the_fs() -> None:
    box = Box()
    result = box.sh(
        "mkdir -p /tmp/a/b && touch /tmp/a/b/x && cp -r /tmp/a /tmp/c && mv /tmp/c/b/x /tmp/c/y "
        "&& ln -s /tmp/c/y /tmp/l && chmod 700 /tmp/c/y && rm -r /tmp/a && find /tmp -type f"
    )
    assert (result.stdout, result.status) == ("/tmp/c/y\n", 0)
    assert not box.fs.exists("/tmp/a")
    assert box.fs.readlink("/tmp/l") == "/tmp/c/y"
    assert box.fs.stat("/tmp/c/y").mode == 0o700


def test_text_applets_on_files() -> None:
    box = Box()
    box.fs.write_file("/tmp/t", b"one\ntwo\nthree\nfour\n")
    result = box.sh(
        "head -n 2 /tmp/t; tail -n 1 /tmp/t; tail -2 /tmp/t; grep -n o /tmp/t; grep -c -i T /tmp/t; "
        "sed -n 2p /tmp/t; sed -i 's/one/ONE/' /tmp/t; head -1 /tmp/t; wc -l /tmp/t; "
        "grep -q five /tmp/t; echo $?; grep -E 't(wo|hree)' /tmp/t | tee /tmp/u | wc -l; cat /tmp/u"
    )
    assert result.stdout == (
        "one\ntwo\nfour\nthree\nfour\n1:one\n2:two\n4:four\n2\ntwo\nONE\n4 /tmp/t\n1\n2\ntwo\nthree\n"
    )


def test_sleep_validation_and_env() -> None:
    box = Box()
    result = box.sh("sleep x; echo $?; A=1 env | grep '^A='; printenv HOME")
    assert result.stdout == "1\nA=1\n/root\n"
    assert result.stderr == "sleep: invalid number 'x'\n"


def test_system_information() -> None:
    result = Box().sh("id; whoami; hostname; uname; uname -n; date -u +%Y; date -d @0 +%s")
    assert result.stdout.splitlines()[:5] == [
        "uid=0(root) gid=0(root) groups=0(root)",  # as busybox prints it under runc
        "root",
        "box",
        "Linux",
        "box",
    ]
    assert result.stdout.splitlines()[6] == "0"


def test_kill_errors() -> None:
    result = Box().sh("kill 999999; kill -l 15")
    assert result.stderr == "sh: can't kill pid 999999: No such process\n"  # the shell's builtin
    assert result.stdout == "TERM\n"


def test_digests_and_encoding() -> None:
    box = Box()
    box.fs.write_file("/tmp/f1", b"a b\nc\n")
    result = box.sh("md5sum /tmp/f1; echo hello | base64; echo hello | sha256sum")
    assert result.stdout == (
        "fdd10b3cb73391a9fc37eae64dac9702  /tmp/f1\naGVsbG8K\n"
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n"
    )


COMPARED = [
    "seq 3 | sort -r | uniq -c",
    "expr 3 \\< 2; echo $?",
    "printf 'a b\\nc\\n' | wc -l",
    "echo 'x y z' | cut -d' ' -f2-",
    "printf 'c\\nb\\na\\n' | sort | head -n 2",
    "seq 2 10 | tail -n 3",
    "echo abc | tr -d b",
    "basename /a/b/; dirname a",
    "echo hello | sed -e 's/\\(l*\\)o/[\\1]/'",
    "echo abc | sed -e 's/b/X/' -e 's/$/!/'; seq 3 | sed -n -e 1p -e3p",
    "printf 'a b\\n' | grep -o 'b'",
    "seq 1 3 10",
    "echo 1 2 3 | xargs -n 1 echo",
]


@pytest.mark.skipif(not HAVE_BUSYBOX, reason="needs /bin/busybox")
@pytest.mark.parametrize("script", COMPARED)
def test_applets_match_real_busybox(script: str) -> None:
    ours = Box().sh(script)
    theirs = real_busybox(script)
    assert (ours.stdout, ours.stderr, ours.status) == (theirs.stdout, theirs.stderr, theirs.status)


def test_ps_columns_as_busybox_lays_them_out() -> None:
    # Widths, alignment and the "=" headers as busybox's ps prints them (its out_spec).
    result = Box().sh(
        "ps -o pid,comm; ps -o pid=PROC,comm=NAME; ps -o user=,pid=; ps -o stat,pid,tty,nice,args"
    )
    assert result.stdout.splitlines() == [
        "PID   COMMAND",
        "    1 sh",
        "    2 ps",
        "PROC NAME",
        "   1 sh",
        "   3 ps",
        "root         1",
        "root         4",
        "STAT PID   TT     NI    COMMAND",
        "S        1 ?          0 sh -c ps -o pid,comm; ps -o pid=PROC,comm=NAME; "
        "ps -o user=,pid=; ps -o stat,pid,tty,nice,args",
        "S        5 ?          0 ps -o stat,pid,tty,nice,args",
    ]


def test_ps_refuses_an_unknown_column() -> None:
    result = Box().sh("ps -o pid,nosuch")
    assert (result.status, result.stdout) == (1, "")
    assert result.stderr == (
        "ps: bad -o argument 'nosuch', supported arguments: user,group,comm,args,pid,ppid,pgid,"
        "etime,nice,rgroup,ruser,time,tty,vsz,sid,stat,rss\n"
    )
