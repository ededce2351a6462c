from __future__ import annotations

from .helpers import make_host, sh

DU = b"4096 /var/log/app\n1024 /var/log/nginx\n2048 /var/lib\n"


def test_awk_fields_and_sums() -> None:
    host = make_host()
    assert sh(host, "awk", "{ print $2 }", stdin=DU).out.splitlines()[0] == "/var/log/app"
    assert sh(host, "awk", "{ s += $1 } END { print s, NR }", stdin=DU).out == "7168 3\n"
    assert sh(host, "awk", "-F/", "{ print $NF }", stdin=DU).out == "app\nnginx\nlib\n"


def test_awk_patterns_arrays_and_printf() -> None:
    program = "$1 > 2000 { n[$2] = $1 } END { for (k in n) printf \"%-15s %5d\\n\", k, n[k] }"
    assert sh(make_host(), "awk", program, stdin=DU).out == (
        "/var/log/app     4096\n/var/lib         2048\n")


def test_awk_number_formatting() -> None:
    out = sh(make_host(), "awk", "BEGIN { print 1/3, 2^53, 0.1 + 0.2, 1e6 }").out
    assert out == "0.333333 9007199254740992 0.3 1000000\n"


def test_awk_builtins_and_variables() -> None:
    program = ("BEGIN { s = \"a-b-c\"; n = gsub(/-/, \"+\", s); print n, s, length(s), "
               "toupper(substr(s, 3)), index(s, \"c\") }")
    assert sh(make_host(), "awk", "-v", "x=1", program).out == "2 a+b+c 5 B+C 5\n"


def test_awk_infinite_loop_is_bounded() -> None:
    result = sh(make_host(), "awk", "BEGIN { while (1); }")
    assert result.status == 2
    assert "loop ran more than" in result.err


def test_awk_syntax_error() -> None:
    result = sh(make_host(), "awk", "BEGIN {")
    assert result.err == ("awk: cmd. line:1: BEGIN {\n"
                          "awk: cmd. line:1:        ^ unexpected newline or end of string\n")
    assert result.status == 1
