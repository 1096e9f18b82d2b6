"""awk: the parser's tree, the interpreter's semantics, and busybox's answers."""

from __future__ import annotations

import pytest

from mockd.programs.applets.awk import syntax as ast
from mockd.programs.applets.awk.interp import Interpreter, Source
from mockd.programs.applets.awk.lexer import AwkSyntaxError, tokenize
from mockd.programs.applets.awk.syntax import parse
from tests.unit.programs.helpers import HAVE_BUSYBOX, Box, real_busybox


def run(program: str, lines: list[str] | None = None) -> tuple[str, int]:
    out: list[str] = []
    vm = Interpreter(parse(program), lambda text, _r, _d: out.append(text), {"HOME": "/root"})
    code = vm.run(lambda: iter([Source("-", iter(lines or []))]))
    return "".join(out), code


def test_slash_is_a_regex_where_an_operand_starts_and_division_after_one() -> None:
    kinds = [(t.kind, t.value) for t in tokenize("a / 2 ~ /x\\/y/")]
    assert kinds[:3] == [("name", "a"), ("op", "/"), ("number", "2")]
    assert kinds[4] == ("regex", "x/y")


def test_precedence_in_the_tree() -> None:
    program = parse("BEGIN { x = 1 + 2 * 3 ^ 2 ^ 1; y = a b > c }")
    first = program.begin[0].body[0]
    assert isinstance(first, ast.ExprStmt) and isinstance(first.expr, ast.Assign)
    total = first.expr.value
    assert isinstance(total, ast.Binary) and total.op == "+"
    product = total.right
    assert isinstance(product, ast.Binary) and product.op == "*"
    power = product.right
    assert isinstance(power, ast.Binary) and power.op == "^"
    assert isinstance(power.right, ast.Binary) and power.right.op == "^"  # right-associative
    second = program.begin[0].body[1]
    assert isinstance(second, ast.ExprStmt) and isinstance(second.expr, ast.Assign)
    comparison = second.expr.value
    assert isinstance(comparison, ast.Binary) and comparison.op == ">"
    assert isinstance(comparison.left, ast.Binary) and comparison.left.op == "concat"


def test_print_redirection_and_grouping() -> None:
    stmt = parse('{ print a, (b > c) > "out" }').rules[0].action
    assert stmt is not None
    printed = stmt.body[0]
    assert isinstance(printed, ast.Print)
    assert printed.redirect == ">" and isinstance(printed.dest, ast.Str)
    assert len(printed.args) == 2


@pytest.mark.parametrize(
    ("program", "line"),
    [("BEGIN { x = }", 1), ("BEGIN {\n print 1\n", 3), ("BEGIN { getline }", 1)],
)
def test_syntax_errors_name_the_line(program: str, line: int) -> None:
    with pytest.raises(AwkSyntaxError) as caught:
        parse(program)
    assert caught.value.line == line


def test_fields_records_and_counters() -> None:
    out, code = run('{ n += NF; $3 = "z"; print; print NF } END { print NR, n }', ["a b", "c  d e"])
    assert (out, code) == ("a b z\n3\nc d z\n3\n2 5\n", 0)


def test_strnum_comparisons_and_uninitialized_values() -> None:
    out, _ = run('{ print ($1 < $2), ($1 < "9"), (u == 0), (u == "") }', ["10 9"])
    assert out == "0 1 1 1\n"


def test_arrays_functions_and_control_flow() -> None:
    program = """
    function fill(arr, n,   i) { for (i = 1; i <= n; i++) arr[i] = i * i; return n }
    BEGIN {
        fill(sq, 4); delete sq[2]
        for (k = 1; k <= 4; k++) if (k in sq) s = s sq[k] ","; else s = s "-,"
        while (1) { if (++w > 3) break }
        print s, w, length(sq), (2 in sq)
        exit 4
    }
    END { print "end" }"""
    assert run(program) == ("1,-,9,16, 4 3 0\nend\n", 4)


def test_builtins_and_printf() -> None:
    out, _ = run(
        'BEGIN { s = "foo.bar"; n = gsub(/o/, "0", s); split("a,b", p, ","); '
        'printf "%s %d %-3s| %05.1f %c %x\\n", s, n, p[2], 3.14159, "hi", 255; '
        'print substr("hello", 2, 3), index("abc", "c"), toupper("q"), int("42abc"), '
        'sprintf("%3d", 7), length("four") }'
    )
    assert out == "f00.bar 2 b  | 003.1 h ff\nell 3 Q 42   7 4\n"


def test_range_patterns_and_next() -> None:
    out, _ = run('/b/,/c/ { print; next } { print "-" $0 }', ["a", "b", "x", "c", "d"])
    assert out == "-a\nb\nx\nc\n-d\n"


def test_runtime_errors_exit_1_with_busybox_wording() -> None:
    result = Box().run(["busybox", "awk", "BEGIN { print 1/0 }"])
    assert (result.status, result.stderr) == (1, "awk: cmd. line:1: Division by zero\n")
    result = Box().run(["busybox", "awk", "BEGIN { x = }"])
    assert (result.status, result.stderr) == (1, "awk: cmd. line:1: Unexpected token\n")


def test_the_applet_reads_files_assignments_and_options() -> None:
    box = Box()
    box.fs.write_file("/tmp/in", b"a:1\nb:2\n")
    result = box.run(
        ["busybox", "awk", "-F:", "-v", "p=>", '{ print p $2 q > "/tmp/out" } END { print NR }',
         "q=!", "/tmp/in"]
    )  # fmt: skip
    assert (result.stdout, result.status) == ("2\n", 0)
    assert box.fs.read_file("/tmp/out") == b">1!\n>2!\n"


CASES = [
    "{ print NR, NF, $NF, $1 }",
    '$1 ~ /^b/ && NF > 2 || /zz/ { print "m", $0 }',
    '{ $2 = "X"; print; print NF }',
    'BEGIN { printf "%5.2f|%-4d|%c|%x|%e|%.3s\\n", 3.14159, 42, 65, 255, 1234.5, "abcdef" }',
    'BEGIN { CONVFMT = "%.2g"; x = 3.14159; y = x ""; print y; OFMT = "%.3f"; print x, 17 }',
    'BEGIN { print -"3x", +" 12 ", 1 " " 2, 1 - 1, substr("hello", -1, 3), index("a", "") }',
    'BEGIN { s = "aaa"; print gsub("a", "\\\\&", s), s }',
    "{ s += $2 } END { print s, s / NR, s % 3 }",
]


@pytest.mark.skipif(not HAVE_BUSYBOX, reason="no /bin/busybox on this host")
@pytest.mark.parametrize("program", CASES)
def test_same_as_busybox(program: str) -> None:
    data = b"a 1\nb 2 x\nc 3\nzz 4\n"
    quoted = program.replace("'", "'\\''")
    real = real_busybox(f"/bin/busybox awk '{quoted}'", data)
    mock = Box().run(["busybox", "awk", program], data)
    assert (mock.stdout, mock.status, mock.stderr) == (real.stdout, real.status, real.stderr)
