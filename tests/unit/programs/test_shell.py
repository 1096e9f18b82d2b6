"""The shell, script by script: our output against busybox ash's (recorded, and live when
/bin/busybox exists)."""

from __future__ import annotations

import pytest

from tests.unit.programs.helpers import HAVE_BUSYBOX, Box, real_busybox

# (script, expected stdout, expected status); expectations recorded from busybox 1.35 ash.
CASES: list[tuple[str, str, int]] = [
    # A signal the shell sends itself acts before kill returns.
    ("kill $$; echo after", "", 143),
    ("trap 'echo trapped' TERM; kill $$; echo after", "trapped\nafter\n", 0),
    ("kill -USR1 $$; echo after", "", 138),
    ("kill -CHLD $$; echo after", "after\n", 0),
    (
        "echo $'a\\tb\\x41\\101\\n'x; echo $'it\\'s' \"$'no'\" $'\\e\\q'",
        "a\tbAA\nx\nit's $'no' \\e\\q\n",
        0,
    ),
    (
        '[[ abc == "a*" ]] && echo g1; [[ abc != a* ]] || echo g2; [[ a = b || c = c ]] && echo or; '
        "[[ abc =~ ^a.c$ ]] && echo re; [[ 1 -eq 1 && 2 -gt 1 ]] && echo and; echo [[ && echo lit",
        "g1\ng2\nor\nre\nand\n[[ && echo lit\n",  # && is a word after [[, as in ash
        0,
    ),
    ("[ abc == a* ]; echo $?; [[ a ]]; echo $?; [[ a =~ '(' ]]; echo $?", "1\n0\n2\n", 0),
    (
        "set -o pipefail; false | true; echo $?; true | (exit 3) | true; echo $?; "
        "! false | true; echo $?; set +o pipefail; false | true; echo $?",
        "1\n3\n0\n0\n",
        0,
    ),
    ("echo $-; set -e -u -o pipefail; echo $-; set -xefuCab; echo $- 2>/dev/null", "c\nuce\nubaCxcfe\n", 0),
    ("set -f; echo /e*; set +f; echo /et*", "/e*\n/etc\n", 0),
    ("set -a; v=1; sh -c 'echo $v'; set +a; w=2; sh -c 'echo [$w]'", "1\n[]\n", 0),
    (
        'while getopts "ab:" o; do echo "$o=${OPTARG-unset} $OPTIND"; done; shift $((OPTIND-1)); '
        'echo "rest=$*"',
        "rest=\n",
        0,
    ),
    (
        'set -- -a -b v1 -cd -bfoo x; while getopts "ab:cd" o; do echo "$o ${OPTARG-} $OPTIND"; '
        "done; echo $? $OPTIND",
        "a  2\nb v1 4\nc  5\nd  5\nb foo 6\n0 6\n",
        0,
    ),
    (
        'set -- -ab -z -b; while getopts ":ab:" o; do echo "$o=${OPTARG-unset} $OPTIND"; done',
        "a= 2\nb=-z 3\n:=b 4\n",
        0,
    ),
    (
        "getopts a o -a -- b; echo $o $OPTIND; getopts a o -a -- b; echo $? $o $OPTIND",
        "a 2\n1 ? 3\n",
        0,
    ),
    ('f(){ getopts a o "$@"; echo $o $OPTIND; }; f -a; OPTIND=1; f -a', "a 2\na 2\n", 0),
    ("let x=5+5 y=x*2; echo $x $y $?; let 0; echo $?", "10 20 0\n1\n", 0),
    (
        "expr substr hello 2 3; expr index hello l; expr match hello 'h.l'; expr substr hi 0 1; "
        "echo $?",
        "ell\n3\n3\n\n1\n",
        0,
    ),
    ("echo hello world", "hello world\n", 0),
    ("echo 'a  b' \"c  d\" e\\ f", "a  b c  d e f\n", 0),
    ("x='a  b'; echo $x; echo \"$x\"", "a b\na  b\n", 0),
    ("echo ${U:-def} ${U-d2} ${E:+alt} ${#HOME}; E=1; echo ${E:+alt}", "def d2 5\nalt\n", 0),
    ("echo ${Z:=zz} $Z", "zz zz\n", 0),
    ("x=a.tar.gz; echo ${x%.*} ${x%%.*} ${x#*.} ${x##*.}", "a.tar a tar.gz gz\n", 0),
    (
        "a=hello; echo ${a:1:3} ${a:1} ${a: -2} ${a:(-2)} ${a:0:-1} ${a:2:1+1} x${b:1:2}x",
        "ell ello lo lo hell ll xx\n",
        0,
    ),
    ("a=hello; b=5; echo ${a:$b-4:2} ${a:9} ${a:1:0}y", "el y\n", 0),
    (
        'a=hello; echo ${a/l/L} ${a//l/L} ${a/l} "${a/l*/ Z}" ${a//[eo]/_} ${a/x/y} ${a/#he/X}',
        "heLlo heLLo helo he Z h_ll_ hello hello\n",
        0,
    ),
    (
        "echo $((3 + 4 * 2)) $((7 / 2)) $((-7 / 2)) $((7 % 3)) $((2 ** 10)) $((1 < 2 && 3))",
        "11 3 -3 1 1024 1\n",
        0,
    ),
    ("i=5; echo $((i += 2)) $i $((i > 6 ? 10 : 20))", "7 7 10\n", 0),
    ('x=$(echo sub); y=`echo back`; echo "[$x] [$y]"', "[sub] [back]\n", 0),
    ("echo $(echo $(echo nested))", "nested\n", 0),
    ("x=$(false); echo $?", "1\n", 0),
    ("true && echo a || echo b; false && echo c || echo d", "a\nd\n", 0),
    ("! false; echo $?; ! true; echo $?", "0\n1\n", 0),
    ("if false; then echo 1; elif true; then echo 2; else echo 3; fi", "2\n", 0),
    ("i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done", "1\n2\n3\n", 0),
    ("i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i", "2\n", 0),
    (
        "i=0; while true; do i=$((i+1)); [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done",
        "1\n3\n",
        0,
    ),
    ("for x in a b c; do echo $x; done", "a\nb\nc\n", 0),
    (
        "for x in 1 2 3 4; do [ $x = 2 ] && continue; [ $x = 4 ] && break; echo $x; done",
        "1\n3\n",
        0,
    ),
    (
        "for i in 1 2; do for j in a b; do [ $j = b ] && continue 2; echo $i$j; done; done",
        "1a\n2a\n",
        0,
    ),
    ("case hello in h*o) echo match;; *) echo no;; esac", "match\n", 0),
    ("case x in a|b) echo ab;; [xyz]) echo xyz;; esac", "xyz\n", 0),
    ('f() { echo "in f: $1 $#"; return 3; }; f a b; echo $?', "in f: a 2\n3\n", 0),
    ("f() { local v=inner; echo $v; }; v=outer; f; echo $v", "inner\nouter\n", 0),
    ('set -- a \'b c\'; for i; do echo "<$i>"; done; echo $# "$*"', "<a>\n<b c>\n2 a b c\n", 0),
    ("set -- 1 2 3; shift; echo $@; shift 2; echo $#", "2 3\n0\n", 0),
    ('(exit 3); echo $?; (x=1); echo "[$x]"', "3\n[]\n", 0),
    ("{ echo a; echo b; } | wc -l", "2\n", 0),
    ("echo one two | (read x y; echo $y)", "two\n", 0),
    ('echo one | read x; echo "[$x]"', "[]\n", 0),
    ("seq 5 | grep -v 3 | sort -r | head -n 2", "5\n4\n", 0),
    ("yes | head -n 3", "y\ny\ny\n", 0),
    ("printf '%s-%d|%5.2f|%x\\n' a 3 2.5 255; printf '%s\\n' a b", "a-3| 2.50|ff\na\nb\n", 0),
    ("echo -n x; echo -e 'a\\tb'", "xa\tb\n", 0),
    ("exit 300", "", 44),
    ("false", "", 1),
    ("set -e; echo a; false; echo b", "a\n", 1),
    ("set -e; false || true; ! true; echo survived", "survived\n", 0),
    ("trap 'echo bye' EXIT; echo hi; exit 4", "hi\nbye\n", 4),
    ("eval 'x=5; echo $x'", "5\n", 0),
    ("A=1 sh -c 'echo $A'; echo \"[$A]\"", "1\n[]\n", 0),
    ("export B=2; sh -c 'echo $B'", "2\n", 0),
    ('read a b <<EOF\n1 2 3\nEOF\necho "$a|$b"', "1|2 3\n", 0),
    ("cat <<-EOF\n\tindented $((1+1))\n\tEOF", "indented 2\n", 0),
    ("echo err >&2; echo out 2>&1", "out\n", 0),
    ("foo; echo $?", "127\n", 0),
    ("[ 1 -eq 1 ] && [ abc != abd ] && test -n x && [ -z '' ]; echo $?", "0\n", 0),
    ("test -d / && test ! -f / && echo dirs", "dirs\n", 0),
    ('unset HOME; echo "[$HOME]"', "[]\n", 0),
    ("echo $#; echo $0", "0\nsh\n", 0),
    ("x=1; f() { x=2; }; f; echo $x", "2\n", 0),
    ("sh -c 'exit 7'; echo $?", "7\n", 0),
    ("expr 3 + 4; expr 2 \\* 5; expr abc : 'a\\(.\\)'", "7\n10\nb\n", 0),
    ("echo a b c | tr a-z A-Z", "A B C\n", 0),
    ("echo hello | sed 's/l/L/g'", "heLLo\n", 0),
    ("printf 'b\\na\\nb\\n' | sort | uniq -c", "      1 a\n      2 b\n", 0),
    ("echo a:b:c | cut -d: -f2,3", "b:c\n", 0),
    ("echo hello | wc -c; printf 'a b\\nc\\n' | wc", "6\n        2         3         6\n", 0),
    ("echo aGVsbG8K | base64 -d", "hello\n", 0),
    ("basename /a/b.txt .txt; dirname /a/b.txt", "b\n/a\n", 0),
]


@pytest.mark.parametrize(("script", "stdout", "status"), CASES)
def test_script(script: str, stdout: str, status: int) -> None:
    result = Box().sh(script)
    assert (result.stdout, result.status) == (stdout, status), result.stderr


@pytest.mark.skipif(not HAVE_BUSYBOX, reason="needs /bin/busybox")
@pytest.mark.parametrize(("script", "stdout", "status"), CASES)
def test_script_matches_real_busybox(script: str, stdout: str, status: int) -> None:
    ours = Box().sh(script)
    theirs = real_busybox(script)
    assert (ours.stdout, ours.status) == (theirs.stdout, theirs.status)


# Error messages people read: the same text as busybox.
ERROR_CASES = [
    "foo",
    "cat /nonexist",
    "cd /nonexist",
    "exit foo",
    "echo > /nonexist/x",
    "cat < /nonexist",
    "echo ${x:?unset var}",
    "echo $((1/0))",
    "if",
    "echo ${x",
    "ls /nonexist",
    "/bin/nonexist",
    "/etc/passwd",
    "mkdir /tmp/x/y/z",
    "rm /nonexist",
    "busybox nosuchapplet",
    "set -x; echo 'a b' c; x=$(echo 1)",
    # A regular builtin's error sets $? (2); a special one's (local, .) ends the shell.
    "cd /nope; echo rc=$?; cd /nope || echo failed",
    "umask zzz; echo rc=$?",
    "local x; echo rc=$?",
    ". /nope; echo rc=$?",
    "getopts; echo rc=$?",
    "set -- -z -b; getopts ab: o; echo $o ${OPTARG-unset}; getopts ab: o; echo $o $OPTIND",
    "let; echo rc=$?",
    "[[ a; echo rc=$?",
    "tr -d a <<< hello",
    "cat > >x",
    "set -u; echo ${x-d}; echo ${#y}; echo after",
    "set -u; echo $zz; echo after",
    "cd /tmp; rm -f nc; set -C; echo a > nc; echo b > nc; echo rc=$?; echo c >| nc; cat nc; rm nc",
    "set -Z; echo rc=$?",
    "set -o nope; echo rc=$?",
    "set -o | grep -E '^(errexit|pipefail|nounset)'; set -eu; set +o | grep -E 'errexit|pipefail'",
]


@pytest.mark.skipif(not HAVE_BUSYBOX, reason="needs /bin/busybox")
@pytest.mark.parametrize("script", ERROR_CASES)
def test_errors_match_real_busybox(script: str) -> None:
    ours = Box().sh(script)
    theirs = real_busybox(script)
    assert (ours.stdout, ours.stderr, ours.status) == (theirs.stdout, theirs.stderr, theirs.status)


def test_script_file_and_line_numbers() -> None:
    box = Box()
    box.fs.write_file("/tmp/t.sh", b"echo a\nfoo\ncd /nope\necho never\n")
    result = box.run(["sh", "/tmp/t.sh"])
    assert result.stdout == "a\nnever\n"  # cd is a regular builtin: its error does not exit
    assert result.stderr == (
        "/tmp/t.sh: line 2: foo: not found\n"
        "/tmp/t.sh: cd: line 3: can't cd to /nope: No such file or directory\n"
    )
    assert result.status == 0  # the last command's


def test_commands_from_stdin_without_tty() -> None:
    result = Box().run(["sh"], stdin=b"echo one\nfor i in 1 2\ndo echo $i\ndone\nexit 3\necho no\n")
    assert (result.stdout, result.status) == ("one\n1\n2\n", 3)


def test_interactive_prompt_with_tty() -> None:
    result = Box().run(["sh"], stdin=b"echo hi\ncd /tmp\n", tty=True)
    assert result.stdout == "/ # hi\n/ # /tmp # "


def test_redirections_write_the_container_fs() -> None:
    box = Box()
    result = box.sh(
        "echo a > /tmp/f; echo b >> /tmp/f; ls /nope 2>/tmp/err; cat /tmp/f nope 2>&1 >/tmp/g; "
        "exec 3>/tmp/h; echo three >&3; echo hidden >/dev/null"
    )
    assert result.stdout == "cat: can't open 'nope': No such file or directory\n"
    assert box.fs.read_file("/tmp/f") == b"a\nb\n"
    assert box.fs.read_file("/tmp/err") == b"ls: /nope: No such file or directory\n"
    assert box.fs.read_file("/tmp/g") == b"a\nb\n"
    assert box.fs.read_file("/tmp/h") == b"three\n"


def test_globbing_against_the_fs() -> None:
    box = Box()
    for name in ("a1", "a2", "b1", ".hidden"):
        box.fs.write_file("/tmp/" + name, b"")
    result = box.sh("cd /tmp; echo a*; echo ?1; echo [ab]2; echo *.none; echo '*'; echo /tmp/.h*")
    assert result.stdout == "a1 a2\na1 b1\na2\n*.none\n*\n/tmp/.hidden\n"


def test_background_jobs_and_wait() -> None:
    box = Box()
    result = box.sh("(exit 3) & p=$!; wait $p; echo status $?; sleep 0 & wait; echo done")
    assert result.stdout == "status 3\ndone\n"


def test_text_script_without_shebang_runs_in_the_shell() -> None:
    box = Box()
    box.fs.write_file("/tmp/noshebang", b"echo hi from $0 $1\n", mode=0o755)
    assert box.sh("/tmp/noshebang x").stdout == "hi from /tmp/noshebang x\n"


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        (["/bin/sh", "-c", "nosuch; cd /x; echo $0 >&2"],
         "/bin/sh: nosuch: not found\n/bin/sh: cd: line 0: can't cd to /x: No such file or "
         "directory\n/bin/sh\n"),
        (["sh", "-c", "nosuch; cd /x", "myname"],
         "myname: line 0: nosuch: not found\nmyname: cd: line 0: can't cd to /x: No such file "
         "or directory\n"),
    ],
)  # fmt: skip
def test_errors_start_with_argv0_as_given(argv: list[str], stderr: str) -> None:
    """ash prefixes $0 (a path stays a path: Docker runs ``/bin/sh -c``), and with a
    NAME after the command, the line too (from busybox 1.35)."""
    assert Box().run(argv).stderr == stderr
