"""busybox ``sed`` (``mockd/programs/applets/sed.py``).

Every expected string was taken from busybox 1.35 (Debian's build, run on the host) on
the same files and input.  Busybox 1.35's sed lacks ``first~step``, ``Q``, ``z``, ``-s``
and ``0,/re/``, and its ``l`` does nothing: those cases expect what busybox does.
Only the usage banner differs (the mock prints busybox's usage line without the help
text): ``<usage>`` in an expected stderr stands for it.
"""

from __future__ import annotations

import pytest

from tests.unit.programs.helpers import Box, Result

FILES = {"f1": b"a\nb\n", "f2": b"c\nd", "f3": b"x\ny\nz\n", "s6": b"1\n2\n3\n4\n5\n6\n"}
EXTRA_APPLETS = ["od", "cp", "ls", "stat", "chmod", "yes", "printf"]
USAGE = (
    "Usage: sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\n"
    "or: sed [-i[SFX]] [-nrE] CMD [FILE]...\n"
)


def box() -> Box:
    b = Box()
    for name in EXTRA_APPLETS:
        if not b.fs.exists("/bin/" + name):
            b.fs.symlink("/bin/busybox", "/bin/" + name)
    b.fs.mkdir("/tmp/w")
    for name, data in FILES.items():
        b.fs.write_file("/tmp/w/" + name, data)
    return b


def sh(script: str, stdin: bytes = b"", b: Box | None = None) -> Result:
    return (b or box()).sh("cd /tmp/w && " + script, stdin)


# (script, stdin, stdout, stderr, status)
CASES = [
    ("sed -n 2p s6", b"", "2\n", "", 0),
    ("sed -e 's/a/A/' -e 's/b/B/' f1", b"", "A\nB\n", "", 0),
    ("sed -n -e 1p -e '$p' s6", b"", "1\n6\n", "", 0),
    ("printf '1d\\n$d\\n' > script; sed -f script s6", b"", "2\n3\n4\n5\n", "", 0),
    ("printf 's/a/X/\\n' > one; sed -e 's/b/Y/' -f one f1", b"", "X\nY\n", "", 0),
    ("sed -E 's/(a|b)/<\\1>/' f1", b"", "<a>\n<b>\n", "", 0),
    ("sed -r -n 's/^([0-9])$/[\\1]/p' s6", b"", "[1]\n[2]\n[3]\n[4]\n[5]\n[6]\n", "", 0),
    ("sed --quiet --expression=3p s6", b"", "3\n", "", 0),
    ("cp f3 g; sed -i 's/y/Y/' g; cat g", b"", "x\nY\nz\n", "", 0),
    (
        "cp f3 g; chmod 640 g; sed -i.bak 's/y/Y/' g; cat g g.bak; stat -c %a g",
        b"",
        "x\nY\nz\nx\ny\nz\n640\n",
        "",
        0,
    ),
    ("cp f3 g; sed -ie 2d g; ls g*; cat g", b"", "g\nge\nx\nz\n", "", 0),
    ("cp f1 g; cp f3 h; sed -i -n '$p' g h; cat g h", b"", "b\nz\n", "", 0),
    (
        "cp f1 g; sed -i p g missing; echo $?; cat g",
        b"",
        "1\na\na\nb\nb\n",
        "sed: missing: No such file or directory\n",
        0,
    ),
    ("sed -n '$p' f1 f2 f3", b"", "z\n", "", 0),
    ("sed -n '$=' s6 - f1", b"x\ny\n", "8\n2\n", "", 0),
    (
        "sed p missing f1; echo $?",
        b"",
        "a\na\nb\nb\n1\n",
        "sed: missing: No such file or directory\n",
        0,
    ),
    ("sed -n '$p' s6", b"", "6\n", "", 0),
    ("sed -n '/3/,/5/p' s6", b"", "3\n4\n5\n", "", 0),
    ("sed -n '\\%4%,$p' s6", b"", "4\n5\n6\n", "", 0),
    ("sed -n '2,+2p' s6", b"", "2\n3\n4\n", "", 0),
    ("sed -n '5,2p' s6", b"", "5\n", "", 0),
    ("sed '2,5!d' s6", b"", "2\n3\n4\n5\n", "", 0),
    ("sed -n '/2/,/[24]/p' s6", b"", "2\n3\n4\n", "", 0),
    ("sed -n '0p' f1", b"", "a\nb\n", "", 0),
    ("sed -n '0,/2/p' s6", b"", "", "", 0),
    ("sed -n '1~2p' s6", b"", "", "sed: unsupported command ~\n", 1),
    ("sed -n '2,4{/3/!p}' s6", b"", "2\n4\n", "", 0),
    ("sed -n '/2/{n;{p;p}}' s6", b"", "3\n3\n", "", 0),
    ("sed -n 'H;${x;s/\\n/,/g;p}' s6", b"", ",1,2,3,4,5,6\n", "", 0),
    ("sed '1!G;h;$!d' f3", b"", "z\ny\nx\n", "", 0),
    ("sed '$!N;s/\\n/+/' s6", b"", "1+2\n3+4\n5+6\n", "", 0),
    ("sed '$!N;P;D' f3", b"", "x\ny\nz\n", "", 0),
    ("sed 'n;d' s6", b"", "1\n3\n5\n", "", 0),
    ("sed x f1", b"", "\na\n", "", 0),
    ("sed g f1", b"", "\n\n", "", 0),
    ("echo 'hello world' | sed 's/o/0/g'", b"", "hell0 w0rld\n", "", 0),
    ("echo 'hello world' | sed 's/o/0/2'", b"", "hello w0rld\n", "", 0),
    ("echo 'hello world' | sed 's/l/L/2g'", b"", "heLLo worLd\n", "", 0),
    ("echo 'hello world' | sed -n 's/WORLD/there/Ip'", b"", "hello there\n", "", 0),
    (
        "echo 'hello world' | sed 's/\\(hello\\) \\(world\\)/\\2 \\1 [&] \\&/'",
        b"",
        "world hello [hello world] &\n",
        "",
        0,
    ),
    ("echo 'a/b/c' | sed 's|/|\\\\|g; s,\\\\,\\,,'", b"", "a,b\\c\n", "", 0),
    ("echo 'a b' | sed 's/ /\\n/'", b"", "a\nb\n", "", 0),
    ("echo 'cccd' | sed 's/c*/R/g'", b"", "RdR\n", "", 0),
    ("echo 'abc' | sed 's/x*/-/g'", b"", "-a-b-c-\n", "", 0),
    ("echo 'abc' | sed 's/\\<./X/g'", b"", "XXX\n", "", 0),
    ("echo foobar | sed 's/\\(foo\\|foobar\\)/[\\1]/'", b"", "[foobar]\n", "", 0),
    ("echo 'a1b2' | sed 's/[[:digit:]]\\+/#/g'", b"", "a#b#\n", "", 0),
    ("echo 'x' | sed 's/x/a\\\nb/'", b"", "a\nb\n", "", 0),
    ("echo 'ab' | sed 's/b/B/w out'; cat out", b"", "aB\naB\n", "", 0),
    ("echo 'abc' | sed -n '/b/{s//X/p}'", b"", "aXc\n", "", 0),
    ("echo 'abc' | sed 's/a/A/;s//Z/'", b"", "Abc\n", "", 0),
    ("echo 'a.b' | sed 's.a\\.b.X.'", b"", "X\n", "", 0),
    ("echo hello | sed 'y/elo/ELO/'", b"", "hELLO\n", "", 0),
    ("echo 'a/b' | sed 'y,/\\,,|;,'", b"", "a|b\n", "", 0),
    ("sed '2a added' f1", b"", "a\nb\nadded\n", "", 0),
    ("sed '1i\\\n  first\\\nsecond' f1", b"", "  first\nsecond\na\nb\n", "", 0),
    ("sed '/b/c\\changed' f1", b"", "a\nchanged\n", "", 0),
    ("sed '2,4c gone' s6", b"", "1\ngone\n5\n6\n", "", 0),
    ("sed -e '1a\\' -e 'next' f1", b"", "a\nnext\nb\n", "", 0),
    ("sed '1r f2' f1", b"", "a\nc\nd\nb\n", "", 0),
    ("sed 'r missing' f1", b"", "a\nb\n", "", 0),
    ("sed -n '/[ab]/w out' f1 f3; cat out", b"", "a\nb\n", "", 0),
    ("sed = f1", b"", "1\na\n2\nb\n", "", 0),
    ("sed l f1", b"", "a\nb\n", "", 0),
    (
        "sed 'p;p' f2 | od -c",
        b"",
        "0000000   c  \\n   c  \\n   c  \\n   d  \\n   d  \\n   d\n0000013\n",
        "",
        0,
    ),
    (
        "sed '$a end' f2 | od -c",
        b"",
        "0000000   c  \\n   d  \\n   e   n   d  \\n\n0000010\n",
        "",
        0,
    ),
    ("sed G f2 | od -c", b"", "0000000   c  \\n  \\n   d  \\n  \\n\n0000006\n", "", 0),
    (
        "printf 'a\\0b' | sed 's/^/>/' | od -c",
        b"",
        "0000000   >   a  \\0   >   b\n0000005\n",
        "",
        0,
    ),
    ("echo x | sed ':a;s/x/xx/;/xxxx/!ba'", b"", "xxxx\n", "", 0),
    ("echo hi | sed 's/h/H/;t;s/i/I/'", b"", "Hi\n", "", 0),
    ("echo hi | sed 's/h/H/;T;s/i/I/'", b"", "HI\n", "", 0),
    ("echo hi | sed 's/x/X/;T;s/i/I/'", b"", "hi\n", "", 0),
    ("echo hi | sed -n 'bend;p;:end;p'", b"", "hi\n", "", 0),
    ("sed 3q s6", b"", "1\n2\n3\n", "", 0),
    ("sed -n '2{p;q}' s6", b"", "2\n", "", 0),
    ("sed 1q - f1", b"x\ny\nz\n", "x\nz\na\nb\n", "", 0),
    ("sed 3Q s6", b"", "", "sed: unsupported command Q\n", 1),
    ("sed 2z s6", b"", "", "sed: unsupported command z\n", 1),
    ("yes | sed 3q", b"", "y\ny\ny\n", "", 0),
    ("sed -n '# print the first\n1p ; # and the last\n$p' s6", b"", "1\n6\n", "", 0),
    ("sed '#n\n2p' s6", b"", "2\n", "", 0),
    ("sed 's/1/one/ # comment' s6", b"", "one\n2\n3\n4\n5\n6\n", "", 0),
    ("sed k f1", b"", "", "sed: unsupported command k\n", 1),
    ("sed 's/a/b' f1", b"", "", "sed: unmatched '/'\n", 1),
    ("sed 's/a/b/x' f1", b"", "", "sed: bad option in substitution expression\n", 1),
    ("sed '/a' f1", b"", "", "sed: unmatched '/'\n", 1),
    ("sed 1 f1", b"", "", "sed: missing command\n", 1),
    ("sed '1,p' f1", b"", "", "sed: no address after comma\n", 1),
    ("sed '1,2a x' f1", b"", "", "sed: command 'a' uses only one address\n", 1),
    ("sed 'b nowhere' f1", b"", "", "sed: can't find label for jump to 'nowhere'\n", 1),
    ("sed -n '/a/{p' f1", b"", "a\n", "sed: unterminated {\n", 1),
    ("sed 's//x/' f1", b"", "", "sed: no previous regexp\n", 1),
    ("sed 's/\\(a/x/' f1", b"", "", "sed: bad regex '\\(a': Unmatched ( or \\(\n", 1),
    ("sed -E 's/a{1/x/' f1", b"", "", "sed: bad regex 'a{1': Unmatched \\{\n", 1),
    ("sed 's/[b-a]/x/' f1", b"", "", "sed: bad regex '[b-a]': Invalid range end\n", 1),
    ("sed 'w' f1", b"", "", "sed: empty filename\n", 1),
    ("sed -i p", b"", "", "sed: -i requires an argument\n", 1),
    ("sed -f missing f1", b"", "", "sed: missing: No such file or directory\n", 1),
    ("sed -x p f1", b"", "", "sed: invalid option -- 'x'\n<usage>", 1),
    ("sed -s p f1", b"", "", "sed: invalid option -- 's'\n<usage>", 1),
    ("sed", b"", "", "<usage>", 1),
    ("sed --version", b"", "This is not GNU sed version 4.0\n", "", 0),
]


@pytest.mark.parametrize(("script", "stdin", "stdout", "stderr", "status"), CASES)
def test_sed_matches_busybox(
    script: str, stdin: bytes, stdout: str, stderr: str, status: int
) -> None:
    result = sh(script, stdin)
    assert (result.stdout, result.status) == (stdout, status)
    if stderr.endswith("<usage>"):
        assert result.stderr.startswith(stderr.removesuffix("<usage>"))
        assert result.stderr.endswith(USAGE)
    else:
        assert result.stderr == stderr


def test_in_place_keeps_mode_and_replaces_a_link_with_a_file() -> None:
    b = box()
    b.fs.write_file("/tmp/w/g", b"a\nb\n", mode=0o600)
    b.fs.symlink("g", "/tmp/w/lnk")
    result = sh("sed -i 's/a/A/' g; sed -i 's/b/B/' lnk; cat g; cat lnk", b=b)
    assert result.stdout == "A\nb\nA\nB\n"  # busybox 1.35: the link became a file
    assert b.fs.stat("/tmp/w/g").mode == 0o600
    assert b.fs.stat("/tmp/w/lnk", follow_symlinks=False).kind == "file"


def test_w_to_dev_stdout() -> None:
    # Busybox writes the w file's buffer out before stdout's, at exit.
    b = box()
    b.fs.mkdir("/dev")
    b.fs.symlink("/proc/self/fd/1", "/dev/stdout")
    result = sh(
        "printf '1\\n2\\n' | sed -n '2w /dev/stdout'; printf '1\\n2\\n' | sed 'w /dev/stdout'", b=b
    )
    assert (result.stdout, result.stderr, result.status) == ("2\n1\n2\n1\n2\n", "", 0)
