"""Byte-for-byte comparisons with GNU coreutils 9.1 / findutils 4.9 on real trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.files.fidelity import Node, Tree, compare, compare_steps, run_real

pytestmark = pytest.mark.skipif(shutil.which("ls") is None, reason="needs GNU coreutils")

DAY = 86400
# Ages kept away from every boundary the tools test (whole days and minutes from
# now, six months for ls), so the moments between the two runs cannot matter.
AGES = [1800 + 30, 3 * 3600 + 30, 2 * DAY + 1830, 9 * DAY + 1830, 40 * DAY + 30,
        150 * DAY + 30, 200 * DAY + 30, 800 * DAY + 30]

TREE = Tree([
    Node("a", size=10, age_s=AGES[1]),
    Node("b", "d", age_s=AGES[2]),
    Node("b/c", size=5000, age_s=AGES[6]),
    Node("b/e", "d", mode=0o700, age_s=AGES[3]),
    Node("b/e/deep.log", size=70000, mode=0o600, age_s=AGES[0]),
    Node("l", "l", target="a", age_s=AGES[4]),
    Node("dangling", "l", target="nowhere", age_s=AGES[4]),
    Node("run.sh", size=30, mode=0o755, age_s=AGES[5]),
    Node(".hidden", size=1, age_s=AGES[7]),
    Node("empty", "d", age_s=AGES[3]),
    Node("zero", size=0, age_s=AGES[2]),
    Node("Upper", size=2048, mode=0o640, age_s=AGES[1]),
    Node("old.gz", size=4097, mode=0o444, age_s=AGES[7]),
])

LS_CASES = [
    "ls", "ls -a", "ls -A", "ls -l", "ls -la", "ls -lA", "ls -lh", "ls -lS", "ls -lt",
    "ls -ltr", "ls -lR", "ls -R", "ls -d b", "ls -ld b empty", "ls -1", "ls -n", "ls -F",
    "ls -p", "ls -lF", "ls --full-time", "ls -l --time-style=long-iso",
    "ls -l --time-style=iso", "ls -s", "ls -sh", "ls -C", "ls -x", "ls -m", "ls -Cs",
    "ls -g", "ls -o", "ls -lG", "ls -r", "ls -S", "ls -t", "ls -X", "ls -l b b/e",
    "ls a b nope", "ls nope", "ls -l l dangling", "ls l", "ls -L l", "ls --color=never",
    "ls -z", "ls --sort=bogus", "ls -lh --si", "ls -w 30 -C", "ls -I *.gz", "ls -B",
    "ls --group-directories-first", "ls -l -c -t --time=mtime", "ls -l --time-style=bogus",
    "ls -w x",
]
DU_CASES = [
    "du", "du -a", "du -s", "du -sh", "du -ah", "du -b", "du -ab", "du --apparent-size -h",
    "du -k", "du -m", "du -c a b", "du -sc a b", "du -d 1", "du --max-depth=0",
    "du --inodes", "du -S", "du -sh nope", "du -s -d 1 .", "du --si -s", "du -h b/e/deep.log",
    "du -x -s", "du --exclude=*.log", "du -0 a",
]
FIND_CASES = [
    "find", "find .", "find b", "find . -type f", "find . -type d", "find . -type l",
    "find . -name *.gz", "find . -iname upper", "find . -path ./b/*", "find . -size +4k",
    "find . -size -1k", "find . -size 1", "find . -size +1M", "find . -size -2c",
    "find . -empty", "find . -mtime +7", "find . -mtime -1", "find . -mtime 2",
    "find . -mmin -60", "find . -mmin +100", "find . -maxdepth 1", "find . -mindepth 2",
    "find . -newer a", "find . -perm 644", "find . -perm -u+x", "find . -perm /o+w",
    "find . -user root", "find . ! -type d", "find . -type f -o -type l",
    "find . ( -name a -o -name b ) -print", "find . -name b -prune -o -print",
    "find . -print0", "find . -type f -printf %p:%s:%m:%u:%g:%y:%d:%f:%P:%k\\n",
    "find nope", "find . -foo", "find . -name", "find . -type q", "find . -size 3q",
    "find . -mtime x", "find . -empty -type d", "find . -links 1 -type f",
    "find . -maxdepth x", "find a b/c", "find . -exec ls -d {} ;", "find . -type f -exec ls {} +",
    "find . -user nosuchuser", "find . -newer nope", "find ./ -maxdepth 1", "find . ( -name x",
]
STAT_CASES = [
    "stat -c %n|%s|%b|%B|%a|%A|%F|%h|%U|%G|%u|%g|%y|%Y|%o a b l zero run.sh",
    "stat -c %N l dangling a", "stat -c %10s|%-8n|%05a a", "stat --printf=%n\\t%s\\n a b",
    "stat nope", "stat -c %.3Y a", "stat -L -c %F l", "stat -c %F dangling empty",
]


@pytest.mark.parametrize("command", LS_CASES + DU_CASES + FIND_CASES + STAT_CASES)
def test_matches_gnu(command: str) -> None:
    argv = command.split()
    real, sim = compare(TREE, argv, sort=argv[0] in ("find", "du"), env={"COLUMNS": "50"})
    assert sim == real


MUTATIONS = [
    [["rm", "-v", "a", "zero"], ["rm", "b"], ["rm", "nope"], ["rm", "-f", "nope"],
     ["rm", "-rv", "b"], ["rm", "-d", "empty"], ["rm"], ["rm", "-r", "."]],
    [["mkdir", "-pv", "x/y/z"], ["mkdir", "x"], ["mkdir", "q/r"], ["mkdir", "-m", "700", "m"],
     ["rmdir", "x"], ["rmdir", "-v", "x/y/z"], ["rmdir", "-p", "x/y"], ["rmdir", "nope"],
     ["ls", "-l"]],
    [["mv", "-v", "a", "moved"], ["mv", "moved", "b"], ["mv", "nope", "x"], ["mv", "b", "b/e"],
     ["mv", "zero", "zero"], ["mv"], ["mv", "x"], ["cp", "-v", "run.sh", "copy"],
     ["cp", "b", "x"], ["cp", "-rv", "b", "bcopy"], ["cp", "-a", "old.gz", "keep.gz"],
     ["cp", "copy", "copy"], ["ls", "-lR"]],
    [["ln", "-sv", "a", "sym"], ["ln", "-v", "a", "hard"], ["ln", "-s", "a", "sym"],
     ["ln", "a", "hard"], ["ln", "-sf", "zero", "sym"], ["ln", "b", "bl"], ["readlink", "sym"],
     ["readlink", "a"], ["readlink", "-f", "l"], ["readlink", "-f", "b/../dangling"],
     ["realpath", "l", "b/e/../c"], ["realpath", "nope/x"], ["ls", "-l"]],
    [["chmod", "-v", "755", "a"], ["chmod", "-c", "u+x,go-r", "zero"], ["chmod", "zz", "a"],
     ["chmod", "-x", "run.sh"], ["chmod", "-R", "g+w", "b"], ["chmod", "644", "nope"],
     ["chown", "-v", "root:root", "a"], ["chown", "nosuch", "a"], ["ls", "-lR"]],
    [["truncate", "-s", "10K", "a"], ["truncate", "-s", "+1M", "zero"],
     ["truncate", "-s", "-5", "run.sh"], ["truncate", "-s", "abc", "a"],
     ["truncate", "-s", "1", "nope/x"], ["truncate", "-c", "-s", "1", "new"], ["truncate", "a"],
     ["truncate", "-s", "0", "b"], ["truncate", "-s", "%4000", "Upper"], ["ls", "-ls"],
     ["du", "-a"]],
    [["touch", "-d", "2025-01-05 10:30:15", "a"], ["touch", "-t", "202401020304.05", "zero"],
     ["touch", "-d", "@1700000000", "run.sh"], ["touch", "-m", "-r", "a", "Upper"],
     ["touch", "-c", "nope"], ["touch", "nope/x"], ["touch", "-d", "garbage", "a"],
     ["stat", "-c", "%n %y", "a", "zero", "run.sh", "Upper"]],
    [["basename", "/usr/lib/x.so", ".so"], ["basename", "-a", "a/b/", "/"], ["basename"],
     ["dirname", "a/b/c", "a", "/x", "//"], ["dirname"], ["basename", "-s", ".gz", "x.gz", "y"]],
]


@pytest.mark.parametrize("steps", MUTATIONS, ids=[s[0][0] for s in MUTATIONS])
def test_changes_match_gnu(steps: list[list[str]]) -> None:
    for argv, real, sim in compare_steps(TREE, steps, sort=False):
        if argv[0] in ("du", "cp", "find"):  # recursive walks follow readdir order
            assert (argv, sorted(sim.out.split("\n")), sim.err, sim.status) == (
                argv, sorted(real.out.split("\n")), real.err, real.status)
        else:
            assert (argv, sim) == (argv, real)


# -- generated trees -----------------------------------------------------------

# No leading "-": such names are options to every tool (and "-" is stdin to stat).
_NAMES = st.text("abcxyzAB019._-", min_size=1, max_size=7).filter(
    lambda n: n not in (".", "..") and not n.startswith("-"))


@st.composite
def trees(draw: st.DrawFn, hard_links: bool = False) -> Tree:
    nodes: list[Node] = []
    dirs = [""]
    files: list[str] = []
    for _ in range(draw(st.integers(0, 12))):
        parent = draw(st.sampled_from(dirs))
        name = draw(_NAMES)
        path = f"{parent}/{name}" if parent else name
        if any(n.path == path for n in nodes):
            continue
        kind = draw(st.sampled_from("ffffdl" + ("h" if hard_links and files else "")))
        age = draw(st.sampled_from(AGES))
        if kind == "d":
            nodes.append(Node(path, "d", mode=draw(st.sampled_from([0o755, 0o700, 0o775])),
                              age_s=age))
            dirs.append(path)
        elif kind == "l":
            nodes.append(Node(path, "l", target=draw(st.sampled_from([*files, "gone", "a"])),
                              age_s=age))
        elif kind == "h":
            target = draw(st.sampled_from(files))
            if "/" in target or "/" in path:
                continue  # same directory only: which name du counts is then order-free
            nodes.append(Node(path, "h", target=target))
        else:
            size = draw(st.sampled_from([0, 1, 100, 4096, 4097, 20000, 1048577]))
            mode = draw(st.sampled_from([0o644, 0o755, 0o600, 0o444, 0o640, 0o700]))
            nodes.append(Node(path, "f", size=size, mode=mode, age_s=age))
            files.append(path)
    return Tree(nodes)


_FAST = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])
_LS_FLAGS = ["-l", "-a", "-A", "-h", "-S", "-t", "-r", "-R", "-d", "-1", "-n", "-F", "-p",
             "--full-time", "--time-style=long-iso", "-s", "-C", "-x", "-m", "-g", "-o"]


@_FAST
@given(trees(), st.lists(st.sampled_from(_LS_FLAGS), max_size=4),
       st.sampled_from(["20", "40", "80", "132"]))
def test_ls_generated(tree: Tree, flags: list[str], width: str) -> None:
    real, sim = compare(tree, ["ls", *flags], env={"COLUMNS": width})
    assert sim == real


_DU_FLAGS = ["-a", "-s", "-h", "-c", "-k", "-m", "-b", "--apparent-size", "-d1", "--inodes",
             "-S", "--si"]


@_FAST
@given(trees(hard_links=True), st.lists(st.sampled_from(_DU_FLAGS), max_size=4))
def test_du_generated(tree: Tree, flags: list[str]) -> None:
    if "-a" in flags and any(n.kind == "h" for n in tree.nodes):
        flags = [f for f in flags if f != "-a"]  # which name is listed follows readdir order
    real, sim = compare(tree, ["du", *flags], sort=True)
    assert sim == real


_FIND_TESTS = [["-type", "f"], ["-type", "d"], ["-type", "l"], ["-name", "*a*"],
               ["-iname", "A*"], ["-size", "+1k"], ["-size", "-5"], ["-size", "1"],
               ["-mtime", "+7"], ["-mtime", "-3"], ["-mmin", "+60"], ["-empty"],
               ["-perm", "-u+x"], ["-perm", "644"], ["-path", "*/*"], ["-maxdepth", "1"],
               ["-mindepth", "1"], ["-links", "+1"]]


@_FAST
@given(trees(), st.lists(st.sampled_from(_FIND_TESTS), max_size=3),
       st.sampled_from(["", "!", "-o"]))
def test_find_generated(tree: Tree, tests: list[list[str]], joiner: str) -> None:
    expression: list[str] = []
    depth_options = [t for t in tests if t[0] in ("-maxdepth", "-mindepth")]
    others = [t for t in tests if t not in depth_options]
    for option in depth_options:
        expression += option
    for i, test in enumerate(others):
        if i and joiner == "-o":
            expression.append("-o")
        if joiner == "!" and i == 0:
            expression.append("!")
        expression += test
    real, sim = compare(tree, ["find", ".", *expression], sort=True)
    assert sim == real


_STAT_CODES = ["%n", "%s", "%b", "%a", "%A", "%F", "%h", "%U", "%g", "%y", "%Y", "%N",
               "%5s", "%-4a", "%04a", "%B", "%o"]


@_FAST
@given(trees(), st.lists(st.sampled_from(_STAT_CODES), min_size=1, max_size=5))
def test_stat_generated(tree: Tree, codes: list[str]) -> None:
    names = [n.path for n in tree.nodes][:4] or ["."]
    real, sim = compare(tree, ["stat", "-c", "|".join(codes), *names])
    assert sim == real


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 1 << 50), min_size=1, max_size=40), st.sampled_from([1024, 1000]))
def test_human_sizes_match_numfmt(values: list[int], base: int) -> None:
    """gnulib's human_readable (ceiling), as du -h, df -h and ls -h print sizes."""
    from pagerdrill.tools.files.common import human

    style = "--to=iec" if base == 1024 else "--to=si"
    real = run_real(["numfmt", style, "--round=up", *map(str, values)], Path("/"))
    expected = real.out.split()
    if base == 1000:  # numfmt writes SI kilo as "K"; du --si and df -H write "k"
        expected = [e.replace("K", "k") for e in expected]
    assert [human(v, base=base) for v in values] == expected
