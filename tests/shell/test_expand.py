"""Expansion and quoting, compared byte for byte with real bash where it is installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.shell.conftest import make_world

from pagerdrill.shell import Shell

BASH = shutil.which("bash")
PRELUDE = "A='x  y'; B=; C='p*q'; D=/var/log/syslog.1.gz; "
needs_bash = pytest.mark.skipif(BASH is None, reason="needs /bin/bash")


def real_bash(line: str) -> bytes:
    assert BASH is not None
    with tempfile.TemporaryDirectory() as empty:
        proc = subprocess.run(
            [BASH, "--norc", "-c", line],
            capture_output=True,
            cwd=empty,
            timeout=10,
            env={"PATH": "/usr/bin:/bin", "HOME": "/root"},
        )
    return proc.stdout


def ours(line: str) -> bytes:
    world = make_world()
    shell = Shell(world, world.hosts["web-01"], "root", strict=True)
    shell.run("cd /tmp")
    return shell.run(line).output


HAND_PICKED = [
    "printf '<%s>\\n' $A \"$A\" '$A' \\$A ${A}z \"${B:-dflt}\" ${B-unset} ${Z-unset}",
    "printf '<%s>\\n' ${#A} ${D##*/} ${D%.*} ${D%%.*} ${D#*/} \"${C}\" $C",
    "printf '<%s>\\n' \"a\"'b'c\\ d \"\" '' \"$B\" $B end",
    "printf '<%s>\\n' $(echo '  two   words ') \"$(echo ' kept  ')\" `echo back`",
    "printf '<%s>\\n' $((2 + 3 * 4)) $((7 / 2)) $((-7 % 3)) $((1 << 4)) $(( (1+2) * 3 ))",
    "IFS=:; x=a:b::c; printf '<%s>\\n' $x \"$x\"",
    "set -- one 'two three' four; printf '<%s>\\n' \"$@\" $# \"$*\"",
    "set --; printf '<%s>\\n' start \"$@\" end",
    "printf '<%s>\\n' ~ ~/x \"~\" x~ ~root",
    "x=5; x+=1; printf '<%s>\\n' $x ${y:=assigned} $y",
    "printf '<%s>\\n' \"$(printf 'a\\n\\n\\n')\" $'tab\\there' $'\\x41\\101'",
    "echo -e 'a\\tb\\nc' ; echo -n x; echo -E 'a\\tb'; echo -ne '\\x41\\c' never",
    "printf '%5s|%-5s|%05d|%x|%X|%o|%.2f|%e|%c|%%\\n' ab cd 42 255 255 8 3.14159 1234.5 xyz",
    "printf '%s-%s\\n' a b c; printf '%q\\n' 'a b' \"it's\"; printf '%b\\n' 'x\\ty'",
    "printf '%d\\n' 0x1f 010 \"'A\"; printf 'no newline'",
    "echo $? ; false; echo $?; ! true; echo $?",
    'echo \'single \\\\ kept\' "double \\\\ \\$ \\" \\a"',
    'a=*; echo "$a"; b=\'[x]\'; echo "$b"',
]


@needs_bash
@pytest.mark.parametrize("line", HAND_PICKED)
def test_matches_bash(line: str) -> None:
    assert ours(PRELUDE + line) == real_bash(PRELUDE + line)


_literal = st.text("abc-_.=,/:@%+", min_size=1, max_size=4)
_single = st.text('ab $"*\\ ~', max_size=5).map(lambda s: f"'{s}'")
_dq_piece = st.sampled_from(["a", " ", "$A", "${B:-d}", "\\$", '\\"', "'", "${#A}", "$C", "\\\\"])
_double = st.lists(_dq_piece, max_size=4).map(lambda p: '"' + "".join(p) + '"')
_escape = st.sampled_from(["\\a", "\\ ", "\\$", "\\'", '\\"', "\\*", "\\\\"])
_param = st.sampled_from(
    [
        "$A",
        "$B",
        "${A}",
        "${#A}",
        "${C:-x y}",
        "${A%% *}",
        "$?",
        "${B:+alt}",
        "$(echo hi)",
        "$((1+2))",
        "$D",
        "${D##*/}",
    ]
)
_segment = st.one_of(_literal, _single, _double, _escape, _param)
_word = st.lists(_segment, min_size=1, max_size=4).map("".join)


@needs_bash
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_word, min_size=1, max_size=4))
def test_generated_words_match_bash(words: list[str]) -> None:
    line = PRELUDE + "printf '<%s>\\n' " + " ".join(words)
    assert ours(line) == real_bash(line)


def test_glob_expands_sorted_and_skips_hidden(run: Callable[[str], str]) -> None:
    assert run("echo /var/log/*") == (
        "/var/log/nginx /var/log/syslog /var/log/syslog.1.gz /var/log/syslog.2.gz\n"
    )
    assert run("echo /var/log/.h*") == "/var/log/.hidden\n"


def test_glob_forms(run: Callable[[str], str]) -> None:
    assert run("cd /var/log; echo syslog.?.gz") == "syslog.1.gz syslog.2.gz\n"
    assert run("echo syslog.[2-9].gz syslog.[^2].gz") == "syslog.2.gz syslog.1.gz\n"
    assert run("echo */") == "nginx/\n"
    assert run("echo /var/*/nginx/*.log") == "/var/log/nginx/access.log\n"


def test_unmatched_or_quoted_glob_stays_literal(run: Callable[[str], str]) -> None:
    assert run("echo /var/log/*.nothing '/var/log/*' /var/log/\\*") == (
        "/var/log/*.nothing /var/log/* /var/log/*\n"
    )


def test_glob_from_unquoted_variable(run: Callable[[str], str]) -> None:
    assert run("p='/var/log/*.gz'; echo $p; echo \"$p\"") == (
        "/var/log/syslog.1.gz /var/log/syslog.2.gz\n/var/log/*.gz\n"
    )


def test_tilde_for_other_users(run: Callable[[str], str]) -> None:
    assert run("echo ~alice ~nobody_here") == "/home/alice ~nobody_here\n"


def test_bad_substitution_aborts_the_line(run: Callable[[str], str]) -> None:
    assert run("echo ${x y}; echo after") == "bash: ${x y}: bad substitution\n"


def test_unset_error_operator(run: Callable[[str], str]) -> None:
    assert run("echo ${nope:?is required}; echo after") == "bash: nope: is required\n"


def test_arithmetic_errors(run: Callable[[str], str]) -> None:
    assert run("echo $((1/0))") == 'bash: 1/0: division by 0 (error token is "0")\n'
