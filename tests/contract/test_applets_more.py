"""More busybox applets on both backends: chown/chgrp, tar/gzip, awk and the small ones.

Each test runs one container with many commands, so the whole file stays fast;
the expected text is what busybox 1.35 prints in the real busybox image.
"""

from __future__ import annotations

import pytest
from backends import Backend

import dockersdk
from tests.contract.shell import sh

# The same accounts on both backends (the images' own /etc files differ).
ACCOUNTS = (
    'printf "root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n"'
    " > /etc/passwd; printf 'root:x:0:\\nnobody:x:65534:\\n' > /etc/group; "
)


@pytest.fixture
def client(docker: Backend) -> dockersdk.DockerClient:
    docker.ensure_busybox()
    return docker.client(timeout=60)


def owners(text: str) -> list[str]:
    """``uid gid name`` of each ``ls -ln`` line (dates and sizes left out)."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 9 and fields[0][0] in "-dl":
            rows.append(f"{fields[2]} {fields[3]} {fields[8]}")
        else:
            rows.append(line)
    return rows


def test_chown_and_chgrp(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(
        docker,
        client,
        ACCOUNTS + "cd /tmp; touch f g; mkdir -p d/e; touch d/e/x; ln -s f l; "
        "chown nobody f; ls -ln f; chown nobody:root g; ls -ln g; chown 123:456 f; ls -ln f; "
        "chown :nobody f; ls -ln f; chgrp 77 f; ls -ln f; chown root. f; ls -ln f; "
        "chown nobody: g; ls -ln g; chown 1.2 g; ls -ln g; chown 5: g; ls -ln g; "
        "chown 9 l; ls -ln f; chown -R 5:6 d; ls -lnd d/e d/e/x; chown -R -v 7 d; chown -c 7 d; "
        "echo ==; chown nosuch f; echo $?; chown root:nosuch f; echo $?; chgrp zz f; echo $?; "
        "chown -f 1 nope; echo $?",
    )
    assert status == 0
    assert owners(out) == [
        "65534 0 f", "65534 0 g", "123 456 f", "123 65534 f", "123 77 f", "0 0 f",
        "65534 65534 g", "1 2 g", "5 5 g", "9 0 f",
        "5 6 d/e", "5 6 d/e/x",
        "changed ownership of 'd/e/x' to 7:6",
        "changed ownership of 'd/e' to 7:6",
        "changed ownership of 'd' to 7:6",
        "==", "1", "1", "1", "1",
    ]  # fmt: skip
    assert err.splitlines() == [
        "chown: unknown user nosuch",
        "chown: unknown user/group root:nosuch",
        "chgrp: unknown group zz",
        "chown: nope: No such file or directory",  # -f does not hide it
    ]


def test_tar_and_gzip(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(
        docker,
        client,
        "cd /tmp; mkdir -p src/sub; echo hello > src/a.txt; echo x > src/sub/b; "
        "touch -d @1700000000 src/a.txt src/sub/b src/sub src; "
        "tar -cf t.tar src; echo $?; tar -tf t.tar | sort; tar -tvf t.tar | sort -k6; "
        "tar -czf t.tgz -C /tmp/src a.txt sub; tar -tzf t.tgz | sort; "
        "mkdir out; tar -xvzf t.tgz -C out | sort; cat out/a.txt; ls -ln out/a.txt | tr -s ' ' | cut -d' ' -f5-; "
        "tar -xOf t.tar src/a.txt; tar -czf - src | tar -xzf - -C out; ls out; "
        "tar -xf t.tar -C out zz; echo $?; tar -xf nope.tar; echo $?; "
        "echo ==; echo hello > f; gzip f; echo $?; ls f*; gunzip f.gz; cat f; gzip -k f; ls f*; "
        "gzip f; echo $?; gzip -f f; zcat f.gz; gzip -dc f.gz; echo abc | gzip | gunzip; "
        "gzip nope; echo $?; gunzip /etc/passwd; echo $?; cp /etc/passwd p.gz; gunzip p.gz; echo $?",
    )
    assert status == 0
    assert out.splitlines() == [
        "0",
        "src/", "src/a.txt", "src/sub/", "src/sub/b",
        "drwxr-xr-x root/root         0 2023-11-14 22:13:20 src/",
        "-rw-r--r-- root/root         6 2023-11-14 22:13:20 src/a.txt",
        "drwxr-xr-x root/root         0 2023-11-14 22:13:20 src/sub/",
        "-rw-r--r-- root/root         2 2023-11-14 22:13:20 src/sub/b",
        "a.txt", "sub/", "sub/b",
        "a.txt", "sub/", "sub/b",
        "hello",
        "6 Nov 14 2023 out/a.txt",
        "hello",
        "a.txt", "src", "sub",
        "1", "1",
        "==", "0", "f.gz", "hello", "f", "f.gz", "1", "hello", "hello", "abc",
        "1", "1", "1",
    ]  # fmt: skip
    assert err.splitlines() == [
        "tar: zz: not found in archive",
        "tar: can't open 'nope.tar': No such file or directory",
        "gzip: can't open 'f.gz': File exists",
        "gzip: nope: No such file or directory",
        "gunzip: /etc/passwd: unknown suffix - ignored",
        "gunzip: invalid magic",
    ]


AWK_CASES = [
    # (program, expected stdout); input is "a 1\nb 2 x\nc 3\nzz 4\n"
    ("{ print NR, NF, $NF, $1 }", "1 2 1 a\n2 3 x b\n3 2 3 c\n4 2 4 zz\n"),
    ('NR==2 { print "second:", $0 }', "second: b 2 x\n"),
    ('$1 ~ /^b/ && NF > 2 || /zz/ { print "m", $0 }', "m b 2 x\nm zz 4\n"),
    ("!/a/ { c++ } END { print c+0, NR }", "3 4\n"),
    ('/b/,/c/ { print "r", $0 }', "r b 2 x\nr c 3\n"),
    ("{ s += $2 } END { print s, s/NR }", "10 2.5\n"),
    ('{ $2 = "X"; print; print NF }', "a X\n2\nb X x\n3\nc X\n2\nzz X\n2\n"),
    ("{ a[$1]++ } END { for (k in a) n++; print n }", "4\n"),
    (
        "BEGIN { i = 0; while (i < 3) { i++; if (i == 2) continue; print i }; "
        "do { i-- } while (i > 0); print i; for (j = 0; j < 10; j++) { if (j == 2) break }; print j }",
        "1\n3\n0\n2\n",
    ),
    ("BEGIN { a = 1; a += 2; a *= 3; a -= 1; a /= 2; a %= 3; print a }", "1\n"),
    (
        'BEGIN{printf "%5.2f|%-4d|%s|%c|%x|%e|%5s|%.3s\\n", 3.14159, 42, "s", 65, 255, 1234.5, "ab", "abcdef"}',
        " 3.14|42  |s|A|ff|1.234500e+03|   ab|abc\n",
    ),
    (
        'BEGIN{s="hello world"; n=gsub(/o/,"[&]",s); print n, s; sub("l","L",s); print s; '
        'print toupper("abc") tolower("XyZ"); n=split("a:b:c",arr,":"); print n, arr[3]; '
        'print match("foobar", /ob/), RSTART, RLENGTH}',
        "2 hell[o] w[o]rld\nheLl[o] w[o]rld\nABCxyz\n3 c\n3 3 2\n",
    ),
    (
        'BEGIN{x["a"]=1; x["b"]=2; delete x["a"]; for(k in x) print k, x[k]; print ("a" in x), ("b" in x), length(x)}',
        "b 2\n0 1 1\n",
    ),
    ('BEGIN{print 1==1.0, "10"<"9", 10<9, "a"<"b"; print x+0, x "", length(x)}', "1 1 0 1\n0  0\n"),
    ("function f(a,b){ return a+b } BEGIN{print f(1,2); print f(3)}", "3\n3\n"),
    (
        'BEGIN{ CONVFMT="%.2g"; x=3.14159; y=x ""; print y; OFMT="%.3f"; print x, 17 }',
        "3.1\n3.142 17\n",
    ),
    ('BEGIN { OFS="-"; $0 = "a b c"; $1 = $1; print; print NF }', "a-b-c\n3\n"),
    (
        'BEGIN { print substr("hello", 0), substr("hello", 2), int(-3.7), 7 % 3, 1/3 }',
        "hello ello -3 1 0.333333\n",
    ),
]


def test_awk(docker: Backend, client: dockersdk.DockerClient) -> None:
    script = "printf 'a 1\\nb 2 x\\nc 3\\nzz 4\\n' > /tmp/in; "
    for program, _ in AWK_CASES:
        quoted = program.replace("'", "'\\''")
        script += f"awk '{quoted}' /tmp/in; echo \"==$?\"; "
    script += (
        "echo 'a:b' | awk -F: -v x=1 '{ print x, $2; $3 = \"c\"; print; NF = 1; print }'; "
        'awk \'BEGIN { exit 3 } END { print "end" }\'; echo "==$?"; '
        "awk 'BEGIN { x = }'; echo \"==$?\"; awk 'BEGIN { print 1/0 }'; echo \"==$?\"; "
        'awk 1 /nope; echo "==$?"'
    )
    status, out, err = sh(docker, client, script)
    assert status == 0
    expected = "".join(text + "==0\n" for _, text in AWK_CASES)
    expected += "1 b\na b c\na\nend\n==3\n==1\n==1\n==1\n"
    assert out == expected
    assert err.splitlines() == [
        "awk: cmd. line:1: Unexpected token",
        "awk: cmd. line:1: Division by zero",
        "awk: /nope: No such file or directory",
    ]


def test_small_applets(docker: Backend, client: dockersdk.DockerClient) -> None:
    status, out, err = sh(
        docker,
        client,
        ACCOUNTS + "cd /tmp; timeout 5 true; echo $?; "
        "sh -c 'timeout -s KILL 1 sleep 5; echo $?' 2>/dev/null; "
        "timeout x sleep 1; echo $?; timeout 1 nosuch; echo $?; "
        "ln -s /etc/passwd l; readlink l; readlink -f l; readlink /etc; echo $?; "
        "readlink -f /tmp/../etc/./passwd; readlink -f /nope/x; echo $?; readlink -f /tmp/new; "
        "realpath l /nope/x; echo $?; "
        "printf 'a\\nb\\nc\\n' | tac; printf 'abc\\nxyz' | rev; echo; printf 'a\\n\\nb\\n' | nl; "
        "printf 'a\\n\\nb\\n' | nl -ba; nl -w3 -s: /etc/group; "
        "printf '1\\n2\\n' > n1; printf 'x\\ny\\n' > n2; paste n1 n2; paste -d, n1 n2; "
        "paste -s n1 n2; printf '1\\n2\\n' | paste - -; "
        "cmp n1 n2; echo $?; cmp n1 n1; echo $?; cmp -s n1 n2; echo $?; printf '1\\n2\\n3' > n3; "
        "cmp n1 n3; echo $?; cmp n1 nope; echo $?; "
        "printf 'ab\\001\\n' | od -c; printf abcd | od -x; printf abcd | od -An -tx1; "
        "printf 'hello world\\n' | od; printf 'x\\n' | od -A x -c; printf 'x\\n' | od -A d -x; "
        "printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' | od -c; echo hi | sha512sum; "
        "usleep 1000; echo $?; uptime | grep -c 'up .*load average: '; "
        # A background job is a forked shell until it has exec'd sleep: wait for both.
        "sleep 50 & sleep 50 & i=0; while [ $(pidof sleep | wc -w) -lt 2 ] && [ $i -lt 500 ]; "
        "do usleep 10000; i=$((i+1)); done; pidof sleep | wc -w; pidof nosuch; echo $?; "
        "killall nosuch; echo $?; killall -q nosuch; echo $?; killall -x sleep; echo $?; "
        "killall sleep; echo $?",
    )
    assert status == 0
    assert out == (
        "0\n137\n1\n127\n"
        "/etc/passwd\n/etc/passwd\n1\n/etc/passwd\n1\n/tmp/new\n/etc/passwd\n1\n"
        "c\nb\na\ncba\nzyx\n"
        "     1\ta\n       \n     2\tb\n"
        "     1\ta\n     2\t\n     3\tb\n"
        "  1:root:x:0:\n  2:nobody:x:65534:\n"
        "1\tx\n2\ty\n1,x\n2,y\n1\t2\nx\ty\n1\t2\n"
        "n1 n2 differ: char 1, line 1\n1\n0\n1\n1\n2\n"
        "0000000   a   b 001  \\n\n0000004\n"
        "0000000 6261 6463\n0000004\n"
        " 61 62 63 64\n"
        "0000000 062550 066154 020157 067567 066162 005144\n0000014\n"
        "000000   x  \\n\n000002\n"
        "0000000 0a78\n0000002\n"
        "0000000   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a\n*\n"
        "0000040   a   a   a   a   a\n0000045\n"
        "d78abb0542736865f94704521609c230dac03a2f369d043ac212d6933b91410e"
        "06399e37f9c5cc88436a31737330c1c8eccb2c2f9f374d62f716432a32d50fac  -\n"
        "0\n1\n2\n1\n1\n1\n1\n0\n"
    )
    assert err.splitlines() == [
        "timeout: invalid number 'x'",
        "timeout: can't execute 'nosuch': No such file or directory",
        "realpath: /nope/x: No such file or directory",
        "cmp: EOF on n1",
        "cmp: nope: No such file or directory",
        "killall: nosuch: no process killed",
        "killall: bad signal name 'x'",
    ]
