"""sort and uniq (``mockd/programs/applets/sorting.py``) against busybox 1.35.

Every expected string was taken from busybox 1.35 (Debian's build, run on the
host) on the same script and input: stdout, stderr and exit status byte for
byte.  Only the usage banner differs: the mock prints busybox's usage line
without the help text, so for usage errors the line before it is compared.
"""

from __future__ import annotations

import pytest

from tests.unit.programs.helpers import Box

SORT_USAGE = (
    "[-nrugMcszbdfiokt] [-o FILE] [-k START[.OFS][OPTS][,END[.OFS][OPTS]] [-t CHAR] [FILE]..."
)
UNIQ_USAGE = "[-cduiz] [-f,s,w N] [FILE [OUTFILE]]"


def usage(applet: str, line: str) -> str:
    return f"BusyBox v1.36.1 (mockd) multi-call binary.\n\nUsage: {applet} {line}\n"


def box() -> Box:
    b = Box()
    b.fs.symlink("/bin/busybox", "/bin/od")
    b.fs.mkdir("/tmp/w")
    return b


# (script, stdin, stdout, stderr, status)
CASES = [
    pytest.param("sort", "c\nb\na\nb\n", "a\nb\nb\nc\n", "", 0, id="plain"),
    pytest.param("sort -r", "c\nb\na\nb\n", "c\nb\nb\na\n", "", 0, id="reverse"),
    pytest.param("sort -u", "c\nb\na\nb\n", "a\nb\nc\n", "", 0, id="unique"),
    pytest.param(
        "sort -n",
        "10\n9\n-1\n1.5\nabc\n 3\n1e1\n0x10\n",
        "-1\nabc\n1.5\n 3\n9\n10\n1e1\n0x10\n",
        "",
        0,
        id="numeric_atof",
    ),
    pytest.param(
        "sort -rn",
        "10\n9\n-1\n1.5\nabc\n 3\n",
        "10\n9\n 3\n1.5\nabc\n-1\n",
        "",
        0,
        id="numeric_reverse",
    ),
    pytest.param(
        "sort -g",
        "1e3\n0x10\n-inf\nnan\nabc\n+3\n2\n",
        "abc\nnan\n-inf\n2\n+3\n0x10\n1e3\n",
        "",
        0,
        id="general_numeric",
    ),
    pytest.param("sort -f", "b\nB\na\nA\n", "A\na\nB\nb\n", "", 0, id="fold_case"),
    pytest.param(
        "sort -fu", "b\nB\na\nA\n", "A\nB\n", "", 0, id="fold_case_unique_keeps_first_of_sorted"
    ),
    pytest.param("sort -d", "a-c\nab\na.b\n", "a.b\nab\na-c\n", "", 0, id="dictionary"),
    pytest.param("sort -i", "\x01b\na\nc\n", "a\n\x01b\nc\n", "", 0, id="ignore_nonprinting"),
    pytest.param("sort -b", "\t c\n  b\na\n", "a\n  b\n\t c\n", "", 0, id="leading_blanks"),
    pytest.param(
        "sort -M",
        "Mar\nxyz\nfeb\nJANUARY\n dec\n",
        " dec\nxyz\nJANUARY\nfeb\nMar\n",
        "",
        0,
        id="month",
    ),
    pytest.param(
        "sort -bM",
        "Mar\nxyz\nfeb\nJANUARY\n dec\n",
        "xyz\nJANUARY\nfeb\nMar\n dec\n",
        "",
        0,
        id="month_blanks",
    ),
    pytest.param(
        "sort -V",
        "a-1.10\na-1.9\na-1.09\na-01\nb\n1.0\n1\n",
        "1\n1.0\na-01\na-1.09\na-1.9\na-1.10\nb\n",
        "",
        0,
        id="version",
    ),
    pytest.param(
        "sort -V",
        "000\n00\n01\n001\n0\n010\n09\n",
        "000\n001\n00\n01\n010\n09\n0\n",
        "",
        0,
        id="version_zeros",
    ),
    pytest.param(
        "sort -k2", "x b 2\ny a 3\nz b 1\n", "y a 3\nz b 1\nx b 2\n", "", 0, id="key_to_end"
    ),
    pytest.param(
        "sort -k2,2", "x b 2\ny a 3\nz b 1\n", "y a 3\nx b 2\nz b 1\n", "", 0, id="key_one_field"
    ),
    pytest.param(
        "sort -k2,2 -k3n", "x b 20\ny a 3\nz b 3\n", "y a 3\nz b 3\nx b 20\n", "", 0, id="two_keys"
    ),
    pytest.param(
        "sort -k2,2 -k3,3nr",
        "x b 20\ny a 3\nz b 3\n",
        "y a 3\nx b 20\nz b 3\n",
        "",
        0,
        id="two_keys_reverse_second",
    ),
    pytest.param(
        "sort -t: -k3n",
        "a:x:10\nb:y:9\nc:z:100\n",
        "b:y:9\na:x:10\nc:z:100\n",
        "",
        0,
        id="separator_numeric",
    ),
    pytest.param(
        "sort -t' ' -k2r", "3 a\n1 b\n2 c\n", "2 c\n1 b\n3 a\n", "", 0, id="separator_key_reverse"
    ),
    pytest.param(
        "sort -r -k2n", "x 2\ny 1\nz 3\n", "y 1\nx 2\nz 3\n", "", 0, id="key_flags_override_global"
    ),
    pytest.param("sort -k1.2", "ab\nba\naa\n", "aa\nba\nab\n", "", 0, id="start_char"),
    pytest.param(
        "sort -k2,2.2", "a zb\nb ya\n", "a zb\nb ya\n", "", 0, id="end_char_counts_from_line_start"
    ),
    pytest.param("sort -k2,2.3", "a zb\nb ya\n", "b ya\na zb\n", "", 0, id="end_char_three"),
    pytest.param("sort -k2", "a   z\nb y\n", "a   z\nb y\n", "", 0, id="key_keeps_leading_blanks"),
    pytest.param(
        "sort -k2b", "a   z\nb y\n", "b y\na   z\n", "", 0, id="key_b_strips_leading_blanks"
    ),
    pytest.param(
        "sort -s -k1,1", "b 1\na 2\nb 0\na 1\n", "a 2\na 1\nb 1\nb 0\n", "", 0, id="stable"
    ),
    pytest.param(
        "sort -s -k1,1r",
        "b 1\na 2\nb 0\na 1\n",
        "b 0\nb 1\na 1\na 2\n",
        "",
        0,
        id="stable_reversed_key_reverses_ties",
    ),
    pytest.param(
        "sort -s -u -k1,1",
        "b 1\na 2\nb 0\na 1\n",
        "a 2\na 1\nb 1\nb 0\n",
        "",
        0,
        id="stable_unique_drops_nothing",
    ),
    pytest.param("sort -u -k1,1", "b 1\na 2\nb 0\na 1\n", "a 1\nb 0\n", "", 0, id="unique_by_key"),
    pytest.param(
        "sort -ru -k1,1", "b 1\na 2\nb 0\na 1\n", "b 1\na 2\n", "", 0, id="unique_by_key_reverse"
    ),
    pytest.param(
        "sort -k1,1",
        "b 1\na 2\nb 0\na 1\n",
        "a 1\na 2\nb 0\nb 1\n",
        "",
        0,
        id="tie_break_whole_line",
    ),
    pytest.param(
        "sort -z | od -c",
        "b\nx\x00a\nc",
        "0000000   a  \\n   c  \\0   b  \\n   x  \\0\n0000010\n",
        "",
        0,
        id="nul_terminated",
    ),
    pytest.param(
        "sort | od -c",
        "b\x00a\nc\n",
        "0000000   a  \\n   b  \\n   c  \\n\n0000006\n",
        "",
        0,
        id="nul_ends_a_line",
    ),
    pytest.param(
        "printf 'b' > f; printf 'c' > g; sort f g -",
        "a",
        "a\nb\nc\n",
        "",
        0,
        id="files_end_their_lines",
    ),
    pytest.param(
        "printf 'b\\n' > f; sort -o f f -; cat f",
        "a\n",
        "a\nb\n",
        "",
        0,
        id="output_may_be_an_input",
    ),
    pytest.param("sort -c; echo $?", "a\nb\nb\n", "0\n", "", 0, id="check_sorted"),
    pytest.param("sort -c; echo $?", "a\nc\nb\n", "1\n", "Check line 2\n", 0, id="check_disorder"),
    pytest.param("sort -cu; echo $?", "a\nb\nb\n", "1\n", "Check line 2\n", 0, id="check_unique"),
    pytest.param("mkdir d; sort d; echo $?", "a\n", "0\n", "", 0, id="directory_is_empty"),
    pytest.param("sort -m -S 10 -T /tmp", "b\na\n", "a\nb\n", "", 0, id="ignored_gnu_options"),
    pytest.param(
        "sort nofile; echo $?",
        "x\n",
        "2\n",
        "sort: nofile: No such file or directory\n",
        0,
        id="err_missing_file",
    ),
    pytest.param(
        "printf 'b\\n' > f; sort f nofile; echo $?",
        "",
        "2\n",
        "sort: nofile: No such file or directory\n",
        0,
        id="err_missing_second_file",
    ),
    pytest.param("sort -k0", "x\n", "", "sort: bad field specification\n", 2, id="err_zero_field"),
    pytest.param("sort -k1.0", "x\n", "", "sort: bad field specification\n", 2, id="err_zero_char"),
    pytest.param(
        "sort -k1x", "x\n", "", "sort: unknown key option\n", 2, id="err_unknown_key_option"
    ),
    pytest.param("sort -k1V", "x\n", "", "sort: unknown sort type\n", 2, id="err_key_sort_type"),
    pytest.param("sort -k1,2,3", "x\n", "", "sort: unknown key option\n", 2, id="err_two_commas"),
    pytest.param(
        "sort -k2147483648", "x\n", "", "sort: bad field specification\n", 2, id="err_big_field"
    ),
    pytest.param("sort -t ab", "x\n", "", "sort: bad -t parameter\n", 2, id="err_separator"),
    pytest.param("sort -n -g", "x\n", "x\n", "", 0, id="err_two_types_one_line_ok"),
    pytest.param("sort -n -g", "x\ny\n", "", "sort: unknown sort type\n", 2, id="err_two_types"),
    pytest.param(
        "sort -k1,1 -k2ng", "a\nb\n", "a\nb\n", "", 0, id="err_unknown_type_only_when_reached"
    ),
    pytest.param(
        "sort -k1,1 -k2ng",
        "a\na\n",
        "",
        "sort: unknown sort type\n",
        2,
        id="err_unknown_type_reached",
    ),
    pytest.param(
        "sort -o /nonexist/x",
        "a\n",
        "",
        "sort: can't open '/nonexist/x': No such file or directory\n",
        2,
        id="err_output",
    ),
    pytest.param(
        "mkdir d; sort -o d",
        "a\n",
        "",
        "sort: can't open 'd': Is a directory\n",
        2,
        id="err_output_directory",
    ),
    pytest.param("uniq", "a\na\nb\na\n", "a\nb\na\n", "", 0, id="uniq_plain"),
    pytest.param(
        "uniq -c", "a\na\nb\na\n", "      2 a\n      1 b\n      1 a\n", "", 0, id="uniq_count"
    ),
    pytest.param("uniq -d", "a\na\nb\nc\nc\nc\n", "a\nc\n", "", 0, id="uniq_repeated"),
    pytest.param("uniq -u", "a\na\nb\nc\nc\nc\n", "b\n", "", 0, id="uniq_unique"),
    pytest.param("uniq -cd", "a\na\nb\n", "      2 a\n", "", 0, id="uniq_count_repeated"),
    pytest.param(
        "uniq -i -c",
        "A\na\nB\nb\nc\n",
        "      2 A\n      2 B\n      1 c\n",
        "",
        0,
        id="uniq_ignore_case",
    ),
    pytest.param(
        "uniq -f1 -c", "x a\ny a\nz b\n", "      2 x a\n      1 z b\n", "", 0, id="uniq_skip_field"
    ),
    pytest.param(
        "uniq -f1 -c",
        "x  a\ny a\nz b\n",
        "      1 x  a\n      1 y a\n      1 z b\n",
        "",
        0,
        id="uniq_skip_field_keeps_blanks",
    ),
    pytest.param("uniq -s1 -w1", "xa1\nya2\nzb\n", "xa1\nzb\n", "", 0, id="uniq_skip_and_width"),
    pytest.param("uniq -w 0 -c", "a\nb\n", "      2 a\n", "", 0, id="uniq_width_zero"),
    pytest.param(
        "uniq -c -z | od -c",
        "a\na\nb",
        "0000000                           2       a  \\0                        \n0000020   1       b  \\0\n0000024\n",
        "",
        0,
        id="uniq_nul_output",
    ),
    pytest.param(
        "uniq | od -c",
        "a\x00a\nb\n",
        "0000000   a  \\n   b  \\n\n0000004\n",
        "",
        0,
        id="uniq_nul_ends_a_line",
    ),
    pytest.param(
        "printf 'a\\na\\nb\\n' > in; uniq -c in out; cat out",
        "",
        "      2 a\n      1 b\n",
        "",
        0,
        id="uniq_files",
    ),
    pytest.param(
        "printf 'a\\na\\n' > uu; uniq uu uu; od -c uu",
        "",
        "0000000\n",
        "",
        0,
        id="uniq_same_file_truncates",
    ),
    pytest.param(
        "uniq -f x", "a\n", "", "uniq: invalid number 'x'\n", 1, id="uniq_err_invalid_number"
    ),
    pytest.param("uniq -w -1", "a\n", "", "uniq: invalid number '-1'\n", 1, id="uniq_err_negative"),
    pytest.param(
        "uniq -w 2147483648",
        "a\n",
        "",
        "uniq: number 2147483648 is not in 0..2147483647 range\n",
        1,
        id="uniq_err_range",
    ),
    pytest.param(
        "uniq nofile",
        "a\n",
        "",
        "uniq: can't open 'nofile': No such file or directory\n",
        1,
        id="uniq_err_missing_file",
    ),
    pytest.param(
        "uniq - /nodir/out",
        "a\n",
        "",
        "uniq: can't open '/nodir/out': No such file or directory\n",
        1,
        id="uniq_err_output",
    ),
    pytest.param(
        "mkdir d; uniq d; echo $?", "", "1\n", "uniq: d: I/O error\n", 0, id="uniq_err_directory"
    ),
]


@pytest.mark.parametrize(("script", "stdin", "stdout", "stderr", "status"), CASES)
def test_like_busybox(script: str, stdin: str, stdout: str, stderr: str, status: int) -> None:
    r = box().sh("cd /tmp/w && " + script, stdin.encode("latin-1"))
    assert (r.stdout, r.stderr, r.status) == (stdout, stderr, status)


# (script, stdin, message before the usage text, status)
USAGE_CASES = [
    pytest.param("sort -h", "x\n", "sort: invalid option -- 'h'\n", 2, id="err_no_h"),
    pytest.param("sort -C", "x\n", "sort: invalid option -- 'C'\n", 2, id="err_no_C"),
    pytest.param(
        "sort --reverse", "x\n", "sort: unrecognized option '--reverse'\n", 2, id="err_long"
    ),
    pytest.param(
        "sort -k", "x\n", "sort: option requires an argument -- 'k'\n", 2, id="err_k_needs_argument"
    ),
    pytest.param("sort -o a -o b", "x\n", "", 2, id="err_two_outputs"),
    pytest.param("uniq -D", "a\n", "uniq: invalid option -- 'D'\n", 1, id="uniq_err_no_D"),
    pytest.param("touch a; uniq a b c", "a\n", "", 1, id="uniq_err_three_operands"),
]


@pytest.mark.parametrize(("script", "stdin", "message", "status"), USAGE_CASES)
def test_usage_errors(script: str, stdin: str, message: str, status: int) -> None:
    r = box().sh("cd /tmp/w && " + script, stdin.encode())
    applet, line = ("sort", SORT_USAGE) if "sort" in script else ("uniq", UNIQ_USAGE)
    assert (r.stdout, r.stderr, r.status) == ("", message + usage(applet, line), status)


def test_sort_output_file_is_written_only_after_reading() -> None:
    # busybox opens -o after reading every input: sorting a file onto itself works.
    b = box()
    b.fs.write_file("/tmp/w/f", b"c\na\nb\n")
    r = b.sh("cd /tmp/w && sort -r -o f f", b"")
    assert (r.stdout, r.stderr, r.status) == ("", "", 0)
    assert b.fs.read_file("/tmp/w/f") == b"c\nb\na\n"


def test_sort_check_writes_no_output_file() -> None:
    b = box()
    r = b.sh("cd /tmp/w && sort -c -o out; echo $?", b"b\na\n")
    assert (r.stdout, r.stderr) == ("1\n", "Check line 1\n")
    assert not b.fs.exists("/tmp/w/out")
