"""Our text tools against the real GNU binaries (LC_ALL=C), byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .realtool import both

FILES = {
    "c1": b"a\nb",
    "c2": b"c\n\n\n\nd\n",
    "ctx": b"1\n2\nx3\n4\n5\n6\nx7\n8\n9\n10\n11\nx12\n",
    "s1": b"10 b\n9 a\n1K c\n2M d\n-3 e\n 5 f\n1.5G g\n512 h\n0 i\n",
    "u1": b"a\na\nb\nA\nA\nc c\nd c\nd c\n",
    "p.txt": b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
             b"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnodelim\n",
    "log": b"2024-03-01 ERROR disk full on /var\n2024-03-01 INFO ok\n"
           b"2024-03-02 error: No space left on device\n2024-03-02 WARN retry 3\n"
           b"\ttabbed line\x01\x7f\xe9\n",
    "bin1": b"abc\0def\nxyz\n",
    "rt/a": b"dog\n",
    "rt/sub/b": b"dig\ncat\n",
    "du.txt": b"4.0K\t./a\n1.2G\t./logs\n512M\t./cache\n16K\t./etc\n2.5T\t./data\n0\t./empty\n",
}

CASES = [
    ["cat", "-n", "c1", "c2"], ["cat", "-b", "c1", "c2"], ["cat", "-s", "c2"],
    ["cat", "-A", "log"], ["cat", "-vET", "log"], ["cat", "c1", "/nope", "rt"],
    ["cat", "-z"], ["cat", "--bogus"], ["cat", "-e", "bin1"],
    ["head", "-n", "2", "ctx"], ["head", "-3", "ctx"], ["head", "-c", "5", "ctx"],
    ["head", "-n", "-3", "ctx"], ["head", "-c", "-4", "ctx"], ["head", "c1", "c2"],
    ["head", "-q", "-n1", "c1", "c2"], ["head", "-v", "c1"], ["head", "/nope", "c1", "rt", "c2"],
    ["head", "-n", "x", "c1"], ["head", "-n"], ["head", "-c", "1k", "ctx"],
    ["tail", "-n", "2", "ctx"], ["tail", "-3", "ctx"], ["tail", "-c", "5", "ctx"],
    ["tail", "-n", "+10", "ctx"], ["tail", "+11", "ctx"], ["tail", "c1", "c2"],
    ["tail", "-n", "1", "c1"], ["tail", "/nope", "c1", "rt"], ["tail", "-c", "+3", "c2"],
    ["tail", "-n", "0", "ctx"], ["tail", "-n", "q", "ctx"],
    ["wc", "c1"], ["wc", "-l", "c1", "c2"], ["wc", "-w", "log"], ["wc", "-L", "log"],
    ["wc", "-lwcmL", "log", "ctx"], ["wc", "-c", "c1", "/nope"], ["wc", "-l", "rt", "c1"],
    ["wc", "-x"],
    ["sort", "s1"], ["sort", "-n", "s1"], ["sort", "-h", "s1"], ["sort", "-rn", "s1"],
    ["sort", "-k2,2", "s1"], ["sort", "-k2r", "s1"], ["sort", "-t:", "-k3,3n", "p.txt"],
    ["sort", "-t:", "-k3", "-n", "p.txt"], ["sort", "-u", "u1"], ["sort", "-fu", "u1"],
    ["sort", "-f", "u1"], ["sort", "-hr", "du.txt"], ["sort", "-k1.2", "s1"],
    ["sort", "-b", "-k2", "s1"], ["sort", "-V", "s1"], ["sort", "-nu", "s1"],
    ["sort", "-c", "ctx"], ["sort", "-t", "ab", "c1"], ["sort", "-k0", "c1"],
    ["sort", "-nh", "c1"], ["sort", "/nope"], ["sort", "-s", "-k1,1", "u1"],
    ["sort", "-g", "s1"], ["sort", "-M", "c1"], ["sort", "-d", "log"], ["sort", "-i", "log"],
    ["uniq", "u1"], ["uniq", "-c", "u1"], ["uniq", "-d", "u1"], ["uniq", "-u", "u1"],
    ["uniq", "-ic", "u1"], ["uniq", "-f1", "u1"], ["uniq", "-s1", "u1"], ["uniq", "-D", "u1"],
    ["uniq", "-w1", "u1"], ["uniq", "a", "b", "c"], ["uniq", "-f", "x", "u1"],
    ["uniq", "/nope"],
    ["cut", "-d:", "-f1,3", "p.txt"], ["cut", "-d:", "-f2-", "p.txt"],
    ["cut", "-d:", "-s", "-f1", "p.txt"], ["cut", "-c2-4,6", "p.txt"],
    ["cut", "-c-2", "--complement", "p.txt"], ["cut", "-d:", "-f1,7",
                                                "--output-delimiter= | ", "p.txt"],
    ["cut", "-f1", "log"], ["cut", "-f", "x", "c1"], ["cut", "-f0", "c1"],
    ["cut", "-c3-2", "c1"], ["cut", "c1"], ["cut", "-d", "ab", "-f1", "c1"],
    ["cut", "-f1", "-c1", "c1"], ["cut", "-d:", "-c1", "c1"], ["cut", "-s", "-c1", "c1"],
    ["cut", "-b", "1-", "c1"], ["cut", "-f-"], ["cut", "-f2", "/nope", "c1"],
    ["grep", "x", "ctx"], ["grep", "-n", "-C1", "x", "ctx", "c1"], ["grep", "-A1", "-m2", "x",
                                                                    "ctx"],
    ["grep", "-c", "x", "ctx", "c1", "/nope"], ["grep", "-q", "3", "/nope", "ctx"],
    ["grep", "-L", "x", "ctx", "c1", "c2"], ["grep", "-l", "x", "ctx", "c1"],
    ["grep", "d", "bin1"], ["grep", "-c", "d", "bin1"], ["grep", "-a", "d", "bin1"],
    ["grep", "d", "rt"], ["grep", "-i", "error", "log"], ["grep", "-v", "error", "log"],
    ["grep", "-w", "ok", "log"], ["grep", "-x", "x3", "ctx"], ["grep", "-o", "[0-9]*", "log"],
    ["grep", "-oE", "[0-9]+", "log"], ["grep", "-E", "ERROR|WARN", "log"],
    ["grep", "ERROR\\|WARN", "log"], ["grep", "-F", "[0-9]", "log"], ["grep", "-e", "x3",
                                                                      "-e", "12", "ctx"],
    ["grep", "-h", "x", "ctx", "c2"], ["grep", "-H", "x3", "ctx"], ["grep", "-5", "x3", "ctx"],
    ["grep", "-B2", "x7", "ctx"], ["grep", "-nA1", "x", "ctx"], ["grep", "-E", "a(", "c1"],
    ["grep", "a\\(", "c1"], ["grep", "[a", "c1"], ["grep", "[[:digit:]]\\{2\\}", "ctx"],
    ["grep", "-E", "^x[0-9]{2}$", "ctx"], ["grep", "\\(x\\)1\\1*", "ctx"], ["grep", "-P", "x\\d",
                                                                            "ctx"],
    ["grep"], ["grep", "-Q", "x"], ["grep", "-m", "x", "y"], ["grep", "-c", "", "c2"],
    ["grep", "-v", "-c", "x", "ctx"], ["grep", "--color=always", "-n", "-H", "-C1", "x3", "ctx"],
    ["grep", "--color=always", "x", "ctx"], ["grep", "--color=never", "x", "ctx"],
    ["grep", "-s", "x", "/nope", "ctx"], ["grep", "-r", "d", "rt"], ["grep", "-rl", "d", "rt"],
    ["grep", "-rc", "d", "rt"], ["grep", "-r", "--include=a", "d", "rt"],
    ["grep", "-r", "--exclude-dir=sub", "d", "rt"], ["grep", "-ow", "[a-z]*", "log"],
    ["grep", "-n", "^$", "c2"], ["grep", "-e", "", "c1"], ["grep", "-E", "a{1", "c1"],
    ["grep", "*a", "c1"], ["grep", "-E", "x(1|3)|12$", "ctx"], ["grep", "\\<ok\\>", "log"],
    ["grep", "-x", "-F", "nodelim", "p.txt"], ["grep", "-y", "ERROR", "log"],
    ["grep", "-c", "-m", "1", "x", "ctx"], ["grep", "-ob", "x", "ctx"],
]


CASES += [
    ["sed", "s/a/b/", "c1"], ["sed", "-n", "2p", "ctx"], ["sed", "-n", "$p", "ctx"],
    ["sed", "2,4d", "ctx"], ["sed", "/x/d", "ctx"], ["sed", "-n", "/x3/,/x7/p", "ctx"],
    ["sed", "-n", "3,+2p", "ctx"], ["sed", "1~3d", "ctx"], ["sed", "0,/x/d", "ctx"],
    ["sed", "-e", "s/x/X/", "-e", "s/1/one/g", "ctx"], ["sed", "s/x*/-/g", "log"],
    ["sed", "-E", "s/([0-9]+)-([0-9]+)/\\2.\\1/", "log"],
    ["sed", "s/\\(E\\)\\(R\\)/\\2\\1/g", "log"],
    ["sed", "s/o/0/2", "log"], ["sed", "-n", "s/error/ERR/Ip", "log"], ["sed", "y/abc/xyz/", "log"],
    ["sed", "=", "c1"], ["sed", "-n", "$=", "ctx"], ["sed", "3q", "ctx"], ["sed", "3q5", "ctx"],
    ["sed", "3Q", "ctx"], ["sed", "2a added", "c1"], ["sed", "1i\\  ins", "c2"],
    ["sed", "2,3c changed", "ctx"], ["sed", "$!d", "ctx"], ["sed", "p", "c1"],
    ["sed", "-n", "/x/{p;p}", "ctx"], ["sed", "s/\\(l\\+\\)/[\\U\\1]/", "log"],
    ["sed", "N;s/\\n/+/", "ctx"], ["sed", "-n", "h;n;G;p", "ctx"], ["sed", "$!N;P;D", "c2"],
    ["sed", ":a;s/x//;ta", "ctx"], ["sed", "-s", "-n", "$p", "c1", "c2"], ["sed", "-n", "$p", "c1",
                                                                          "c2"],
    ["sed", "s/a/b", "c1"], ["sed", "k", "c1"], ["sed", "s/a/b/q", "c1"], ["sed", "/x", "c1"],
    ["sed", "p;}", "c1"], ["sed", "{p", "c1"], ["sed", "s/\\(a\\)/\\2/", "c1"],
    ["sed", "y/ab/c/", "c1"], ["sed", "p x", "c1"], ["sed", "1,2q", "c1"], ["sed", "b foo", "c1"],
    ["sed", "2,p", "c1"], ["sed", "s/[/x/", "c1"], ["sed", "p", "/nope", "c1"], ["sed"],
    ["sed", "-n", "/ERROR/I=", "log"], ["sed", "s|/|_|g", "p.txt"], ["sed", "s/:.*//", "p.txt"],
    ["tr", "a-z", "A-Z"], ["tr", "-d", "aA"], ["tr", "-s", "a"], ["tr", "-c", "a", "x"],
    ["tr", "-cd", "a\\n"], ["tr", "[:lower:]", "[:upper:]"], ["tr", "ab", "x"],
    ["tr", "-t", "ab", "x"], ["tr"], ["tr", "a"], ["tr", "a", "b", "c"], ["tr", "z-a", "x"],
    ["tr", "-d", "a", "b"], ["tr", "a", "[:upper:]"], ["tr", "-ds", "a", "b"],
    ["tr", "\\n", " "], ["tr", "-x"],
    ["rev", "c1", "c2"], ["rev", "/nope"], ["nl", "c2"], ["nl", "-ba", "c2"],
    ["nl", "-v5", "-w3", "-s:", "-ba", "c2"], ["column", "-t", "s1"], ["column", "-t", "-s:",
                                                                       "p.txt"],
    ["xargs", "-n1", "echo", "x"], ["xargs", "-I{}", "echo", "[{}]"], ["xargs", "echo"],
    ["xargs"], ["xargs", "-n"],
]
AWK_CASES = [
    ["{ print $1 }", "s1"], ["-F:", "{ print $1, $NF }", "p.txt"],
    ["{ print NR\": \"$2, NF }", "log"],
    ["NR==2", "ctx"], ["/x3/,/x7/ { print \"r\", $0 }", "ctx"], ["{ $2 = \"X\"; print; print NF }",
                                                                 "s1"],
    ["{ s += $1 } END { print s, NR, s / NR }", "s1"],
    ["{ a[$2]++ } END { for (k in a) n++; print n }", "u1"],
    ["-v", "x=5", "BEGIN { print x * 2, x \"\" 1 }"],
    ["BEGIN { printf \"%d %5.2f %s %c|%-4s|%x\\n\", "
     "\"3abc\", 3.14159, 1e6, 65, \"ab\", 255 }"],
    ["BEGIN { print 1e6, 0.1 + 0.2, 100000000000000000000, -0, 1/3, 2^10, 7 % 3, -7 % 3 }"],
    ["BEGIN { print substr(\"hello\", 0, 2), substr(\"hello\", -1), substr(\"hello\", 2) }"],
    ["BEGIN { n = split(\"a:b:c\", arr, \":\"); print n, arr[3]; s = \"aaa\"; "
     "print gsub(/a/, \"[&]\", s), s }"],
    ["BEGIN { print match(\"xxabc\", /ab+/), RSTART, RLENGTH, index(\"abc\", \"c\") }"],
    ["BEGIN { print toupper(\"abc\") tolower(\"DEF\"), int(-3.7), int(\"4x\"), "
     "\"10\" < \"9\", 10 < 9 }"],
    ["$1 > 5", "s1"], ["$1 > \"5\"", "s1"], ["$2 ~ /^[ab]$/", "s1"], ["!/x/", "ctx"],
    ["{ for (i = NF; i > 0; i--) printf \"%s%s\", $i, (i > 1 ? OFS : ORS) }", "log"],
    ["function f(x) { return x * 2 } { print f(NF) }", "log"],
    ["BEGIN { while (i < 3) { i++; if (i == 2) continue; print i } }"],
    ["BEGIN { OFS = \"-\" } { $1 = $1; print }", "s1"], ["{ print length() }", "log"],
    ["END { print $0, NF }", "s1"], ["BEGIN { x; print x + 0, x \"\", length(x) }"],
    ["{ sub(/[0-9]+/, \"N\"); print }", "log"], ["NR % 2 == 0 { next } { print }", "ctx"],
    ["BEGIN { exit 3 } END { print \"end\" }"], ["{ print $1 > \"/dev/stderr\" }", "c1"],
    ["BEGIN {"], ["BEGIN { printf \"%5s|%-5d|%05.1f|%e\\n\", \"ab\", 42, 3.14159, 12345.678 }"],
]
CASES += [["awk", *c] for c in AWK_CASES]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c) for c in CASES])
def test_matches_gnu(tmp_path: Path, argv: list[str]) -> None:
    real_argv = ["gawk", "--posix", *argv[1:]] if argv[0] == "awk" else None
    real, ours = both(tmp_path, argv, FILES, stdin=b"a\nB\nb\nA\n", real_argv=real_argv)
    if argv[0] == "awk":  # invoked as gawk, it names itself so
        real = (real[0], real[1].replace(b"gawk: ", b"awk: "), real[2])
    if argv[0] == "grep" and "-r" in " ".join(argv):
        # GNU walks directories in readdir order; we walk in name order.
        real = (b"".join(sorted(real[0].splitlines(True))), *real[1:])
        ours = (b"".join(sorted(ours[0].splitlines(True))), *ours[1:])
    assert ours == real


STDIN_CASES = [
    ["cat", "-n"], ["head", "-n", "2"], ["tail", "-n", "2"], ["tail", "-c", "3"], ["wc"],
    ["wc", "-l"], ["sort"], ["uniq", "-c"], ["cut", "-c1"], ["grep", "b"], ["grep", "-c", "a"],
    ["head", "-n", "-1"], ["tail", "-n", "+2"], ["wc", "c1", "-"], ["grep", "-H", "a"],
    ["grep", "--label=foo", "-H", "a"], ["tail", "-n2", "c1", "-"],
]


@pytest.mark.parametrize("argv", STDIN_CASES, ids=[" ".join(c) for c in STDIN_CASES])
def test_stdin_matches_gnu(tmp_path: Path, argv: list[str]) -> None:
    real, ours = both(tmp_path, argv, FILES, stdin=b"a\nB\nb\nA\na\na")
    assert ours == real


_LINES = st.lists(st.text(alphabet="ab AB12:\t-x.", max_size=8), max_size=8)
_TEXT = _LINES.map(lambda ls: "".join(line + "\n" for line in ls).encode())
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(data=_TEXT, flags=st.lists(st.sampled_from(["-n", "-r", "-u", "-f", "-b", "-h", "-s",
                                                   "-k2", "-k1,1", "-t:", "-V", "-d"]),
                                  max_size=3, unique=True))
def test_sort_generated(tmp_path: Path, data: bytes, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["sort", *flags, "f"], {"f": data})
    assert ours == real


@_SETTINGS
@given(data=_TEXT, flags=st.lists(st.sampled_from(["-c", "-d", "-u", "-i", "-f1", "-s1",
                                                   "-w2"]), max_size=3, unique=True))
def test_uniq_generated(tmp_path: Path, data: bytes, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["uniq", *flags, "f"], {"f": data})
    assert ours == real


@_SETTINGS
@given(data=_TEXT, flags=st.lists(st.sampled_from(["-l", "-w", "-c", "-m", "-L"]),
                                  max_size=3, unique=True))
def test_wc_generated(tmp_path: Path, data: bytes, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["wc", *flags, "f"], {"f": data})
    assert ours == real


@_SETTINGS
@given(data=_TEXT, pattern=st.sampled_from(["a", "^a", "b$", "[AB]", "a*b", "x\\|1", "\\(a\\)\\1",
                                            "[[:digit:]]", "a\\{2\\}", ".", "-", "\\."]),
       flags=st.lists(st.sampled_from(["-i", "-v", "-c", "-n", "-o", "-w", "-x", "-C1", "-m1",
                                       "-h", "-l"]), max_size=3, unique=True))
# Found by Hypothesis: under -o, GNU grep prints the matches of context lines too.
@example(data=b"\na\n", pattern="a", flags=["-o", "-C1", "-v"])
@example(data=b"a\nx\ny\nz\na\n", pattern="a", flags=["-o", "-C1", "-n"])
def test_grep_generated(tmp_path: Path, data: bytes, pattern: str, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["grep", *flags, "-e", pattern, "f"], {"f": data})
    assert ours == real


@pytest.mark.parametrize("flags", [["--color=always", "-v", "-C1"],
                                   ["--color=always", "-o", "-v", "-C1", "-n"]])
def test_grep_colours_the_matches_of_context_lines(tmp_path: Path, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["grep", *flags, "x", "f"], {"f": b"a\nx\na\nb\nc\nx\n"})
    assert ours == real


@_SETTINGS
@given(data=_TEXT, spec=st.sampled_from(["-f1", "-f2", "-f1,3", "-f2-", "-c1-3", "-c2",
                                         "-b-2,4", "-f1 -s", "-c1 --complement"]),
       delim=st.sampled_from(["", "-d:", "-d ", "-da"]))
def test_cut_generated(tmp_path: Path, data: bytes, spec: str, delim: str) -> None:
    argv = ["cut", *spec.split(), *([delim] if delim and "-f" in spec else []), "f"]
    real, ours = both(tmp_path, argv, {"f": data})
    assert ours == real


@_SETTINGS
@given(data=_TEXT, tool=st.sampled_from(["head", "tail"]),
       count=st.sampled_from(["-n1", "-n3", "-n0", "-n-2", "-c4", "-c-3", "-n+2", "-c+2"]))
def test_head_tail_generated(tmp_path: Path, data: bytes, tool: str, count: str) -> None:
    if tool == "head" and "+" in count:
        count = count.replace("+", "")
    if tool == "tail" and "-" in count[2:]:
        count = count.replace("-", "", 2).replace("n", "-n").replace("c", "-c")
    real, ours = both(tmp_path, [tool, count, "f"], {"f": data})
    assert ours == real


def test_real_tools_present() -> None:
    for name in ("cat", "grep", "sort", "sed", "gawk"):
        assert shutil.which(name), name
