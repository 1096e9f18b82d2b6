"""Shell, file and text utilities (``shellutils.py``, ``textutils.py``).

Every expected string was taken from busybox 1.35 (Debian's build, run on the host);
only the usage banner differs: the mock prints busybox's usage line without the help text.
"""

from __future__ import annotations

import pytest

from mockd.programs.api import ProgramClock
from tests.unit.programs.helpers import Box, Result

NEW = [
    "mkfifo",
    "sync",
    "truncate",
    "unlink",
    "link",
    "tty",
    "setsid",
    "groups",
    "logname",
    "hostid",
    "time",
    "run-parts",
    "getopt",
    "shuf",
    "factor",
    "xxd",
    "strings",
    "diff",
    "expand",
    "unexpand",
    "dos2unix",
    "unix2dos",
    "crc32",
    "uuencode",
    "uudecode",
    "od",
    "chmod",
    "cmp",
    "timeout",
    "env",
    "xargs",
]


def box(clock: ProgramClock | None = None) -> Box:
    b = Box(clock=clock)
    for name in NEW:
        if not b.fs.exists("/bin/" + name):
            b.fs.symlink("/bin/busybox", "/bin/" + name)
    b.fs.mkdir("/tmp/w")
    return b


def sh(script: str, stdin: bytes = b"", b: Box | None = None) -> Result:
    return (b or box()).sh("cd /tmp/w && " + script, stdin)


def usage(applet: str, line: str) -> str:
    return f"BusyBox v1.36.1 (mockd) multi-call binary.\n\nUsage: {applet} {line}\n"


# -- files -------------------------------------------------------------------------------


def test_mkfifo() -> None:
    b = box()
    r = sh(
        "mkfifo p; echo $?; ls -l p | cut -c1-10; mkfifo p; echo $?; mkfifo -m 600 q; "
        "ls -l q | cut -c1-10; mkfifo nodir/x; echo $?; mkfifo -m 9 z; echo $?",
        b=b,
    )
    assert r.stdout == "0\nprw-r--r--\n1\nprw-------\n1\n1\n"
    assert r.stderr == (
        "mkfifo: p: File exists\nmkfifo: nodir/x: No such file or directory\n"
        "mkfifo: z: Invalid argument\n"
    )
    assert b.fs.stat("/tmp/w/p").kind == "fifo"
    r = sh("mkfifo")
    assert (r.stderr, r.status) == (usage("mkfifo", "[-m MODE] NAME"), 1)


def test_sync() -> None:
    r = sh("sync; echo $?; sync foo; echo $?")
    assert (r.stdout, r.stderr) == ("0\n1\n", "sync: can't open 'foo': No such file or directory\n")


def test_truncate_sizes() -> None:
    r = sh(
        "truncate -s 10 f; od -c f; truncate -s 5k f; wc -c < f; truncate -s 2KB f; wc -c < f; "
        "truncate -s 1MD f; wc -c < f; echo hello > a; truncate -s 3 a; cat a; echo; "
        "truncate -c -s 5 nof; echo $?; ls nof"
    )
    assert r.stdout == (
        "0000000  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0  \\0\n0000012\n"
        "5120\n2000\n1000000\nhel\n0\n"
    )
    assert r.stderr == "ls: nof: No such file or directory\n"


def test_truncate_errors() -> None:
    # busybox's truncate takes no relative sizes and only the kMG suffixes.
    r = sh(
        "truncate -s +5K f; echo $?; truncate -s 1m f; echo $?; truncate -s 5 nod/x; echo $?; "
        "truncate -s 3 .; echo $?; truncate f; echo $?"
    )
    assert r.stdout == "1\n1\n1\n1\n1\n"
    assert r.stderr == (
        "truncate: invalid number '+5K'\ntruncate: invalid number '1m'\n"
        "truncate: nod/x: open: No such file or directory\ntruncate: .: open: Is a directory\n"
        + usage("truncate", "[-c] -s SIZE FILE...")
    )


def test_unlink() -> None:
    r = sh(
        "touch a; mkdir d; unlink nope; echo $?; unlink d; echo $?; unlink a; echo $?; ls a; "
        "unlink a b; echo $?"
    )
    assert r.stdout == "1\n1\n0\n1\n"
    assert r.stderr == (
        "unlink: can't remove file 'nope': No such file or directory\n"
        "unlink: can't remove file 'd': Is a directory\n"
        "ls: a: No such file or directory\n" + usage("unlink", "FILE")
    )


def test_link() -> None:
    b = box()
    r = sh(
        "echo x > a; mkdir d; link a b; echo $?; link a b; echo $?; link nope c; echo $?; "
        "link d e; echo $?; link a; echo $?",
        b=b,
    )
    assert r.stdout == "0\n1\n1\n1\n1\n"
    assert r.stderr == (
        "link: can't create hardlink 'b' to 'a': File exists\n"
        "link: can't create hardlink 'c' to 'nope': No such file or directory\n"
        "link: can't create hardlink 'e' to 'd': Operation not permitted\n"
        + usage("link", "FILE LINK")
    )
    assert b.fs.read_file("/tmp/w/b") == b"x\n"


# -- sessions, users, the machine ------------------------------------------------------------


def test_tty() -> None:
    r = sh("tty; echo $?; tty -s; echo $?; tty x; echo $?")
    assert (r.stdout, r.stderr) == (
        "not a tty\n1\n1\nnot a tty\n1\n",
        "tty: ignoring all arguments\n",
    )
    r = box().run(["tty"], tty=True)
    assert (r.stdout, r.status) == ("/dev/pts/0\n", 0)


def test_setsid_runs_its_command() -> None:
    r = sh("setsid echo hi; echo $?; setsid nosuch; echo $?; setsid sh -c 'exit 3'; echo $?")
    assert r.stdout == "hi\n0\n127\n3\n"
    assert r.stderr == "setsid: can't execute 'nosuch': No such file or directory\n"
    r = sh("setsid /etc/passwd; echo $?; setsid")
    assert r.stdout == "126\n"
    assert r.stderr == (
        "setsid: can't execute '/etc/passwd': Permission denied\n"
        + usage("setsid", "[-c] PROG ARGS")
    )


def test_groups_and_logname() -> None:
    b = box()
    b.fs.write_file("/etc/group", b"root:x:0:\nnogroup:x:65534:\nwheel:x:10:root,x\n")
    r = sh("groups; groups root; groups nosuch; echo $?; logname; echo $?", b=b)
    assert r.stdout == "root\nroot wheel\n1\n1\n"
    # glibc's getlogin() where no login uid is set, as in a container.
    assert r.stderr == (
        "groups: unknown user nosuch\nlogname: getlogin: No such device or address\n"
    )


def test_hostid() -> None:
    b = box()
    # busybox with "vm" at 127.0.0.1 in /etc/hosts prints 007f0100.
    b.fs.write_file("/etc/hosts", b"127.0.0.1 localhost\n127.0.0.1 box\n")
    assert sh("hostid", b=b).stdout == "007f0100\n"
    # A container's address, as glibc's gethostid() turns it around.
    b.fs.write_file("/etc/hosts", b"172.17.0.2 box\n")
    assert sh("hostid", b=b).stdout == "11ac0200\n"
    assert sh("hostid x").stderr == usage("hostid", "")


def test_time() -> None:
    r = sh(
        "time true; echo $?; time sh -c 'exit 4'; echo $?; time nosuch; echo $?; time -p true; "
        "time -o out true; cat out; time -f '%e %x %C' sh -c 'exit 2'"
    )
    assert r.stdout == "0\n4\n127\nreal\t0m 0.00s\nuser\t0m 0.00s\nsys\t0m 0.00s\n"
    times = "real\t0m 0.00s\nuser\t0m 0.00s\nsys\t0m 0.00s\n"
    assert r.stderr == (
        times
        + "Command exited with non-zero status 4\n"
        + times
        + "time: can't execute 'nosuch': No such file or directory\n"
        + "Command exited with non-zero status 127\n"
        + times
        + "real 0.00\nuser 0.00\nsys 0.00\n"
        + "Command exited with non-zero status 2\n0.00 2 sh -c exit 2\n"
    )
    r = sh("time")
    assert (r.stderr, r.status) == (usage("time", "[-vpa] [-o FILE] PROG ARGS"), 1)


class JumpClock:
    """A clock whose sleeps end at once, moving it on (``time sleep`` then measures them)."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_time_counts_the_clock() -> None:
    # busybox prints "real\t0m 1.50s" after "sleep 1.5"; from an hour up its time.c
    # prints "%uh %um %02us".
    r = sh("time sleep 61.5; time sleep 3665", b=box(JumpClock()))
    assert r.stderr == (
        "real\t1m 1.50s\nuser\t0m 0.00s\nsys\t0m 0.00s\n"
        "real\t1h 1m 05s\nuser\t0m 0.00s\nsys\t0m 0.00s\n"
    )


RUN_PARTS = (
    "mkdir rp; printf '#!/bin/sh\\necho b \"$@\"\\n' > rp/b; "
    "printf '#!/bin/sh\\necho a \"$@\"\\nexit 3\\n' > rp/a; printf '#!/bin/sh\\necho x\\n' > rp/c.sh; "
    "printf 'x' > rp/noexec; printf '#!/bin/sh\\necho no\\n' > rp/.hid; cp rp/.hid 'rp/a~'; "
    "mkdir rp/sub; chmod +x rp/a rp/b rp/c.sh rp/sub rp/.hid 'rp/a~'; "
)


def test_run_parts() -> None:
    r = sh(
        RUN_PARTS + "run-parts rp; echo $?; run-parts --test rp; run-parts -a 1 -a 2 rp; "
        "run-parts --exit-on-error rp; echo $?; run-parts --reverse --test rp; "
        "run-parts nope; echo $?"
    )
    assert r.stdout == (
        "a\nb\nx\n1\nrp/a\nrp/b\nrp/c.sh\na 1 2\nb 1 2\nx\na\n1\nrp/c.sh\nrp/b\nrp/a\n0\n"
    )
    assert r.stderr == (
        "run-parts: rp/a: exit status 3\n" * 3 + "run-parts: nope: No such file or directory\n"
    )


def test_run_parts_list_and_usage() -> None:
    # --list is FEATURE_RUN_PARTS_FANCY's (not in Debian's build): every valid name.
    r = sh(RUN_PARTS + "run-parts --list rp; run-parts --bogus rp; echo $?; run-parts rp rp")
    assert r.stdout == "rp/a\nrp/b\nrp/c.sh\nrp/noexec\n1\n"
    line = "[-a ARG]... [-u UMASK] [--reverse] [--test] [--exit-on-error] [--list] DIRECTORY"
    assert r.stderr == (
        "run-parts: unrecognized option '--bogus'\n"
        + usage("run-parts", line)
        + usage("run-parts", line)
    )


# -- getopt ---------------------------------------------------------------------------------

GETOPT = [
    ("getopt -o ab:c:: -- -a -b x -cfoo y z", " -a -b 'x' -c 'foo' -- 'y' 'z'\n", "", 0),
    (
        "getopt -o ab:c:: -l long,req:,opt:: -- -a --long --req=1 --req 2 --opt --opt=3 -c "
        '-b "it\'s" "a b"',
        " -a --long --req '1' --req '2' --opt '' --opt '3' -c '' -b 'it'\\''s' -- 'a b'\n",
        "",
        0,
    ),
    ("getopt -o a -- -x y", " -- 'y'\n", "getopt: invalid option -- 'x'\n", 1),
    ("getopt -o b: -- -b", " --\n", "getopt: option requires an argument -- 'b'\n", 1),
    ("getopt -n prog -o a -- -x", " --\n", "prog: invalid option -- 'x'\n", 1),
    ("getopt -o a -l lo -- --nope", " --\n", "getopt: unrecognized option '--nope'\n", 1),
    (
        "getopt -o a -l long,longer -- --long=x",
        " --\n",
        "getopt: option '--long' doesn't allow an argument\n",
        1,
    ),
    ("getopt -o a -l long,longer -- --lon", " --long --\n", "", 0),
    ("getopt -a -o a -l long -- -long", " --long --\n", "", 0),
    ("getopt", "", "getopt: missing optstring argument\n", 1),
    ("getopt ab -a", " -a --\n", "", 0),
    ("getopt -T", "", "", 4),
    ("getopt -q -o a -- -x", " --\n", "", 1),
    ("getopt -Q -o a -- -x y", "", "getopt: invalid option -- 'x'\n", 1),
    ("getopt -u -o ab: -- -a -b 'x y' z", " -a -b x y -- z\n", "", 0),
    ("getopt -o +a -- x -a", " -- 'x' '-a'\n", "", 0),
    ("getopt -o a -- x -a", " -a -- 'x'\n", "", 0),
    ('getopt -s csh -o a -- "a\'b!"', " -- 'a'\\''b'\\!''\n", "", 0),
    ("getopt -s zsh -o a -- x", " -- 'x'\n", "getopt: unknown shell 'zsh', assuming bash\n", 0),
    ("getopt -o a -l 'long req:' -- --req x", " --req 'x' --\n", "", 0),
    ("getopt --options=a -- -a -- -a", " -a -- '-a'\n", "", 0),
    ("getopt -o a: -- -a -x", " -a '-x' --\n", "", 0),
]


@pytest.mark.parametrize(("script", "out", "err", "status"), GETOPT)
def test_getopt(script: str, out: str, err: str, status: int) -> None:
    r = sh(script)
    assert (r.stdout, r.stderr, r.status) == (out, err, status)


# -- shuf, factor -------------------------------------------------------------------------------


def test_shuf() -> None:
    r = sh(
        "shuf -i 1-5 | sort; shuf -e b a | sort; printf 'x\\ny' | shuf | sort; shuf -n 0 -e a b; "
        "shuf -n 1 -i 7-7; shuf -o out -e q; cat out; shuf -z -e a | od -c; shuf -n 2 -i 1-9 | wc -l"
    )
    assert r.stdout == "1\n2\n3\n4\n5\na\nb\nx\ny\n7\nq\n0000000   a  \\0\n0000002\n2\n"
    r = sh(
        "shuf -i 5-3; shuf -i x; shuf -i 3-x; shuf -n x -e a; shuf nope; shuf -n -1 -e a; "
        "shuf a b; echo $?"
    )
    assert r.stdout == "1\n"
    assert r.stderr == (
        "shuf: bad range '5-3'\nshuf: bad range 'x'\nshuf: invalid number 'x'\n"
        "shuf: invalid number 'x'\nshuf: nope: No such file or directory\n"
        "shuf: invalid number '-1'\n"
        + usage("shuf", "[-n NUM] [-o FILE] [-z] [FILE | -e [ARG...] | -i L-H]")
    )


def test_factor() -> None:
    r = sh(
        "factor 12 1 0 97 1000000007 600851475143 18446744073709551615 18446744073709551557; "
        "echo '6 8' | factor; factor x; echo $?"
    )
    assert r.stdout == (
        "12: 2 2 3\n1:\n0:\n97: 97\n1000000007: 1000000007\n"
        "600851475143: 71 839 1471 6857\n"
        "18446744073709551615: 3 5 17 257 641 65537 6700417\n"
        "18446744073709551557: 18446744073709551557\n6: 2 3\n8: 2 2 2\n1\n"
    )
    assert r.stderr == usage("factor", "[NUMBER]...")


# -- xxd, strings ------------------------------------------------------------------------------

BIN = "printf 'hello world\\000\\001abc\\n1234\\n' > bin; "


def test_xxd_dumps() -> None:
    r = sh(
        BIN + "xxd bin; xxd -p bin; xxd -l 5 bin; xxd -c 4 bin; xxd -s 3 -l 2 -c 8 bin; "
        "xxd -g 1 -c 8 bin; xxd -i bin; printf abc | xxd -o 16; xxd -c 0 -p bin"
    )
    assert r.stdout == (
        "00000000: 6865 6c6c 6f20 776f 726c 6400 0161 6263  hello world..abc\n"
        "00000010: 0a31 3233 340a                           .1234.\n"
        "68656c6c6f20776f726c6400016162630a313233340a\n"
        "00000000: 6865 6c6c 6f                             hello\n"
        "00000000: 6865 6c6c  hell\n00000004: 6f20 776f  o wo\n00000008: 726c 6400  rld.\n"
        "0000000c: 0161 6263  .abc\n00000010: 0a31 3233  .123\n00000014: 340a       4.\n"
        "00000003: 6c6f                 lo\n"
        "00000000: 68 65 6c 6c 6f 20 77 6f  hello wo\n"
        "00000008: 72 6c 64 00 01 61 62 63  rld..abc\n"
        "00000010: 0a 31 32 33 34 0a        .1234.\n"
        "unsigned char bin[] = {\n"
        "  0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x00,\n"
        "  0x01, 0x61, 0x62, 0x63, 0x0a, 0x31, 0x32, 0x33, 0x34, 0x0a,\n"
        "};\nunsigned int bin_len = 22;\n"
        "00000010: 6162 63                                  abc\n"
        "68656c6c6f20776f726c6400016162630a313233340a\n"
    )


def test_xxd_reverse_and_errors() -> None:
    r = sh(
        BIN + "xxd -p bin | xxd -r -p | od -c; printf '31 3\\n2 0a' | xxd -r -p | od -c; "
        "xxd bin | xxd -r | od -c; xxd nope; echo $?; xxd -s -1 bin; echo $?"
    )
    assert r.stdout == (
        "0000000   h   e   l   l   o       w   o   r   l   d  \\0 001   a   b   c\n"
        "0000020  \\n   1   2   3   4  \\n\n0000026\n"
        "0000000   1   2  \\n\n0000003\n"
        # busybox's -r without -p reads the text column too (its own quirk).
        "0000000   h   e   l   l   o       w   o   r   l   d  \\0 001   a   b   c\n"
        "0000020 253 300  \\0  \\0 001  \\n   1   2   3   4  \\n 022   4\n0000035\n"
        "1\n1\n"
    )
    assert r.stderr == "xxd: nope: No such file or directory\nxxd: invalid number '-1'\n"


def test_strings() -> None:
    r = sh(
        "printf 'ab\\000abcd\\000hello world\\n\\tfoo\\001bar123' > s; strings s; strings -n 3 s; "
        "strings -f -o s; strings -t x s; printf 'abcd\\n' | strings -f; strings nope s; echo $?; "
        "strings -n 0 s; echo $?"
    )
    assert r.stdout == (
        "abcd\nhello world\n\tfoo\nbar123\n"
        "abcd\nhello world\n\tfoo\nbar123\n"
        "s:       3 abcd\ns:      10 hello world\ns:      24 \tfoo\ns:      31 bar123\n"
        "      3 abcd\n      8 hello world\n     14 \tfoo\n     19 bar123\n"
        "{standard input}: abcd\n"
        "abcd\nhello world\n\tfoo\nbar123\n1\n1\n"
    )
    assert r.stderr == (
        "strings: nope: No such file or directory\n"
        "strings: number 0 is not in 1..2147483647 range\n"
    )


# -- diff ---------------------------------------------------------------------------------------

FILES = "printf 'a\\nb\\nc\\n' > d1; printf 'a\\nB\\nc\\nd\\n' > d2; "


def test_diff_unified() -> None:
    r = sh(
        FILES + "diff d1 d2; echo $?; diff -U 0 d1 d2; diff -L A -L B d1 d2 | head -2; "
        "diff - d2 < d1 | head -2; diff -u d1 d1; echo $?"
    )
    hunk = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n"
    assert r.stdout == (
        f"--- d1\n+++ d2\n{hunk}1\n"
        "--- d1\n+++ d2\n@@ -2 +2 @@\n-b\n+B\n@@ -3,0 +4 @@\n+d\n"
        "--- A\n+++ B\n--- -\n+++ d2\n0\n"
    )


def test_diff_hunks_and_newlines() -> None:
    r = sh(
        "seq 1 20 > s1; seq 1 20 | sed 's/^10$/X/;s/^2$/Y/' > s2; diff -U1 s1 s2; "
        "printf 'a\\nb' > n1; printf 'a\\nb\\n' > n3; diff n1 n3"
    )
    assert r.stdout == (
        "--- s1\n+++ s2\n@@ -1,3 +1,3 @@\n 1\n-2\n+Y\n 3\n@@ -9,3 +9,3 @@\n 9\n-10\n+X\n 11\n"
        "--- n1\n+++ n3\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
    )


def test_diff_quiet_binary_missing() -> None:
    r = sh(
        FILES + "diff -q d1 d2; echo $?; cp d1 d1c; diff -s d1 d1c; printf '\\000x' > b1; "
        "printf '\\000y' > b2; diff b1 b2; echo $?; diff d1 nope; echo $?; diff -N d1 nope; "
        "echo $?; mkdir dd; diff d1 dd; echo $?; diff d1; echo $?"
    )
    assert r.stdout == (
        "Files d1 and d2 differ\n1\nFiles d1 and d1c are identical\nFiles b1 and b2 differ\n1\n"
        "2\n--- d1\n+++ nope\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n1\n1\n1\n"
    )
    assert r.stderr == (
        "diff: can't stat 'nope': No such file or directory\n"
        "diff: can't stat 'dd/d1': No such file or directory\n"
        + usage("diff", "[-abBdiNqrTstw] [-L LABEL] [-S FILE] [-U LINES] FILE1 FILE2")
    )


# -- expand, unexpand, dos2unix, unix2dos -----------------------------------------------------------


def test_expand() -> None:
    r = sh(
        "printf 'a\\tb\\t\\tc\\n\\tx  y\\n' > tabs; expand tabs; expand -t 4 tabs; expand -i tabs; "
        "printf 'ab\\bc\\td\\n' | expand; expand nope; expand -t 0 tabs; expand -t 4,8 tabs; echo $?"
    )
    assert r.stdout == (
        "a       b               c\n        x  y\n"
        "a   b       c\n    x  y\n"
        "a\tb\t\tc\n        x  y\n"
        "ab\bc    d\n1\n"
    )
    assert r.stderr == (
        "expand: nope: No such file or directory\n"
        "expand: number 0 is not in 1..4294967295 range\nexpand: invalid number '4,8'\n"
    )


def test_unexpand() -> None:
    r = sh(
        "printf '        a       b  c\\n    x\\n' > sp; unexpand sp; unexpand -a sp; "
        "unexpand -t 4 sp; printf 'abcdefg h\\n' | unexpand -a; printf ' \\t x\\n' | unexpand; "
        "printf '   \\tx  \\t y\\n' | unexpand -a; printf '         \\n' | unexpand; unexpand nope"
    )
    assert r.stdout == (
        "\ta       b  c\n    x\n"
        "\ta\tb  c\n    x\n"
        "\t\ta\t\tb  c\n\tx\n"
        "abcdefg\th\n\t x\n\tx\t y\n\t \n"
    )
    assert r.stderr == "unexpand: nope: No such file or directory\n"


def test_dos2unix_and_unix2dos() -> None:
    b = box()
    r = sh(
        "printf 'a\\r\\nb\\nc\\r\\r\\n' > w; cp w w2; dos2unix w2; od -c w2; unix2dos w2; "
        "od -c w2; printf 'a\\r\\nb\\n' | unix2dos | od -c; printf 'a\\r\\nb\\n' | dos2unix -d | od -c; "
        "printf 'a\\rb\\n' | dos2unix | od -c; dos2unix w nope w2; echo $?",
        b=b,
    )
    assert r.stdout == (
        "0000000   a  \\n   b  \\n   c  \\n\n0000006\n"
        "0000000   a  \\r  \\n   b  \\r  \\n   c  \\r  \\n\n0000011\n"
        "0000000   a  \\r  \\n   b  \\r  \\n\n0000006\n"
        "0000000   a  \\r  \\n   b  \\r  \\n\n0000006\n"
        "0000000   a   b  \\n\n0000003\n1\n"
    )
    assert r.stderr == "dos2unix: can't open 'nope': No such file or directory\n"
    assert b.fs.read_file("/tmp/w/w") == b"a\nb\nc\n"  # done before the missing one
    assert b.fs.read_file("/tmp/w/w2") == b"a\r\nb\r\nc\r\n"  # never reached


# -- crc32, uuencode, uudecode ------------------------------------------------------------------


def test_crc32() -> None:
    r = sh(FILES + "crc32 d1 d2; echo hello | crc32; printf '' | crc32; crc32 nope d1; echo $?")
    assert r.stdout == "0a670ed9 d1\n10730942 d2\n363a3020\n00000000\n0a670ed9 d1\n1\n"
    assert r.stderr == "crc32: can't open 'nope': No such file or directory\n"


def test_uuencode() -> None:
    r = sh(
        FILES + "echo hello | uuencode x; chmod 600 d1; uuencode d1 name; uuencode -m d1 name; "
        "uuencode nope n; echo $?; uuencode; echo $?"
    )
    assert r.stdout == (
        "begin 644 x\n&:&5L;&\\*\n`\nend\n"
        'begin 600 name\n&80IB"F,*\n`\nend\n'
        "begin-base64 600 name\nYQpiCmMK\n====\n1\n1\n"
    )
    assert r.stderr == (
        "uuencode: can't open 'nope': No such file or directory\n"
        + usage("uuencode", "[-m] [FILE] STORED_FILENAME")
    )


def test_uudecode() -> None:
    b = box()
    r = sh(
        "seq 50 | uuencode f > u.txt; uudecode u.txt; echo $?; seq 50 | cmp - f && echo same; "
        "printf 'begin 600 q\\n#86)C\\n`\\nend\\n' | uudecode; ls -l q | cut -c1-10; "
        "printf 'a\\n' | uuencode -m x | uudecode -o -; uudecode nope; echo $?; "
        "echo garbage | uudecode; echo $?; printf 'begin 644 z\\n#86)C\\n' | uudecode -o -; echo $?",
        b=b,
    )
    assert r.stdout == "0\nsame\n-rw-------\na\n1\n1\nabc1\n"
    assert r.stderr == (
        "uudecode: nope: No such file or directory\nuudecode: no 'begin' line\n"
        "uudecode: short file\n"
    )
    assert b.fs.read_file("/tmp/w/q") == b"abc"


# -- applets that run a command: options end at the command, errors say why --------------


def test_timeout_leaves_the_commands_options_to_it() -> None:
    got = sh("timeout 5 echo -s hi")
    assert (got.stdout, got.stderr, got.status) == ("-s hi\n", "", 0)


@pytest.mark.parametrize(
    ("script", "stderr", "status"),
    [
        ("timeout 5 /nonexist", "timeout: can't execute '/nonexist': No such file or directory\n", 127),
        ("timeout 5 /etc/passwd", "timeout: can't execute '/etc/passwd': Permission denied\n", 126),
        ("env /etc/passwd", "env: can't execute '/etc/passwd': Permission denied\n", 126),
        ("echo a | xargs /etc/passwd", "xargs: /etc/passwd: Permission denied\n", 126),
        ("echo a | xargs /nonex", "xargs: /nonex: No such file or directory\n", 127),
    ],
)  # fmt: skip
def test_a_command_that_cannot_start_is_named_with_its_reason(
    script: str, stderr: str, status: int
) -> None:
    got = sh(script)
    assert (got.stderr, got.status) == (stderr, status)
