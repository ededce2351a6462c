"""find, du, ls, rm and stat -f over a generated directory, against GNU tools.

A small generated directory is materialised into tmp_path (same names, sizes
and ages) and the real tools run on it. Children are exactly a minute apart and
30 s off the minute, so -mmin agrees even though the real clock moves on.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from tests.toolkit import run_tool

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.lazydir import LazyEntries, LazySpec

COUNT = 300
SESSIONS = "/var/lib/php/sessions"


def make_dir(host: Host) -> LazyEntries:
    now = host.clock.now_ms
    first = now - (COUNT - 1) * 60_000 - 30_000 - 60_000
    spec = LazySpec(COUNT, 11, prefix="sess_", mode=0o600, mtime_first_ms=first,
                    mtime_last_ms=first + (COUNT - 1) * 60_000)
    directory = host.fs.add_lazy_dir(SESSIONS, spec, mode=0o1733)
    assert isinstance(directory.entries, LazyEntries)
    return directory.entries


def materialise(host: Host, entries: LazyEntries, root: Path) -> Path:
    target = root / "sessions"
    target.mkdir()
    real_now = time.time()
    for name, inode in entries.items():
        path = target / name
        path.write_bytes(inode.content.read() if inode.content else b"")
        path.chmod(inode.mode)
        age = (host.clock.now_ms - inode.mtime_ms) / 1000
        os.utime(path, (real_now - age, real_now - age))
    return target


def real(args: list[str], cwd: Path) -> str:
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin", "TZ": "UTC"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          check=False).stdout


@pytest.mark.parametrize("expression", [[], ["-type", "f"], ["-type", "f", "-mmin", "+100"],
                                        ["-mmin", "-50"], ["-type", "f", "-mmin", "20"],
                                        ["-name", "sess_a*", "-mmin", "+10"], ["-type", "d"]])
def test_find_matches_gnu_find(host: Host, tmp_path: Path, expression: list[str]) -> None:
    entries = make_dir(host)
    materialise(host, entries, tmp_path)
    ours = run_tool(host, ["find", "sessions", *expression], cwd="/var/lib/php")
    theirs = real(["find", "sessions", *expression], tmp_path)
    assert sorted(ours.out.splitlines()) == sorted(theirs.splitlines())
    assert ours.err == "" and ours.status == 0
    # The formula path and the per-entry path agree (-true forces the latter).
    generic = run_tool(host, ["find", "sessions", *expression, "-true"], cwd="/var/lib/php")
    assert sorted(generic.out.splitlines()) == sorted(ours.out.splitlines())


def test_find_delete_by_age_matches_gnu_find(host: Host, tmp_path: Path) -> None:
    entries = make_dir(host)
    target = materialise(host, entries, tmp_path)
    args = ["find", "sessions", "-type", "f", "-mmin", "+120", "-delete"]
    assert run_tool(host, args, cwd="/var/lib/php").status == 0
    real(args, tmp_path)
    assert sorted(entries) == sorted(p.name for p in target.iterdir())
    ours = run_tool(host, ["du", "--inodes", "sessions"], cwd="/var/lib/php").out
    assert ours == real(["du", "--inodes", "sessions"], tmp_path)


def test_print0_and_du_inodes_match(host: Host, tmp_path: Path) -> None:
    entries = make_dir(host)
    materialise(host, entries, tmp_path)
    ours = run_tool(host, ["find", "sessions", "-type", "f", "-print0"], cwd="/var/lib/php")
    theirs = real(["find", "sessions", "-type", "f", "-print0"], tmp_path)
    assert sorted(ours.out.split("\0")) == sorted(theirs.split("\0"))
    for args in (["du", "--inodes", "sessions"], ["du", "--inodes", "-s", "sessions"]):
        assert run_tool(host, args, cwd="/var/lib/php").out == real(args, tmp_path)


def test_ls_sorted_matches_and_unsorted_streams_every_name(host: Host, tmp_path: Path) -> None:
    entries = make_dir(host)
    materialise(host, entries, tmp_path)
    assert run_tool(host, ["ls", "sessions"], cwd="/var/lib/php").out == \
        real(["ls", "sessions"], tmp_path)
    unsorted = run_tool(host, ["ls", "-f", "sessions"], cwd="/var/lib/php").out.splitlines()
    assert unsorted[:2] == [".", ".."]
    assert sorted(unsorted) == sorted(real(["ls", "-f", "sessions"], tmp_path).splitlines())


_TIME = re.compile(r"\w{3} [ \d]\d (\d\d:\d\d| \d{4}) ")


@pytest.mark.parametrize("flags", [["-l"], ["-lt"], ["-lrt"], ["-1t"], ["-lU"], ["-lh"]])
def test_long_and_time_sorted_listings_match(host: Host, tmp_path: Path,
                                             flags: list[str]) -> None:
    entries = make_dir(host)
    materialise(host, entries, tmp_path)
    ours = run_tool(host, ["ls", *flags, "sessions"], cwd="/var/lib/php").out
    theirs = real(["ls", *flags, "sessions"], tmp_path)
    # Clocks differ (simulated vs real), so times are masked; -U's order is the
    # directory's own (hash) order, which differs between filesystems.
    mine, gnu = _TIME.sub("T ", ours).splitlines(), _TIME.sub("T ", theirs).splitlines()
    if "-lU" in flags:
        mine, gnu = sorted(mine), sorted(gnu)
    assert mine == gnu


def test_rm_recursive_removes_the_generated_children(host: Host) -> None:
    entries = make_dir(host)
    mount = host.fs.mount_for_path(SESSIONS)
    before = mount.used_inodes
    assert run_tool(host, ["rm", "-rf", SESSIONS]).status == 0
    assert not host.fs.exists(SESSIONS) and not entries
    assert mount.used_inodes == before - COUNT - 1


def test_stat_f_has_gnu_layout(host: Host, tmp_path: Path) -> None:
    ours = run_tool(host, ["stat", "-f", "/"]).out
    theirs = real(["stat", "-f", "."], tmp_path)
    shape = [re.sub(r"\S+", "X", line) for line in ours.splitlines()]
    assert len(shape) == len(theirs.splitlines()) == 5
    for mine, gnu in zip(ours.splitlines(), theirs.splitlines(), strict=True):
        assert re.sub(r":\s.*", ":", mine.strip()).split()[0] == gnu.strip().split()[0]
    mount = host.fs.mount_for_path("/")
    assert f"Inodes: Total: {mount.inodes_total:<10} Free: {mount.avail_inodes}" in ours
    missing = run_tool(host, ["stat", "-f", "/nope"])
    assert missing.err == ("stat: cannot read file system information for '/nope': "
                           "No such file or directory\n")
    assert missing.status == 1


# -- rm of many names one by one (xargs rm): the per-file path ---------------------------


def _rm_host() -> Host:
    host = add_linux_host(new_world(seed=0), "web-01")
    make_dir(host)
    fs = host.fs
    fs.create(f"{SESSIONS}/plain", uid=33)
    fs.mkdir(f"{SESSIONS}/sub", uid=33)
    fs.create(f"{SESSIONS}/sub/f", uid=33)
    fs.create(f"{SESSIONS}/link", kind=Kind.LINK, target="sub")
    fs.mkdir("/srv/ro", parents=True, mode=0o555)
    fs.create("/srv/ro/f")
    host.world.clock.advance(60_000)
    return host


def _fs_state(host: Host) -> tuple[object, ...]:
    fs = host.fs
    directory = fs.lookup(SESSIONS)
    mount = fs.mount_for_path(SESSIONS)
    return (sorted(fs.listdir(directory)), directory.mtime_ms, directory.ctime_ms,
            mount.used_inodes, mount.used_bytes, fs.exists("/srv/ro/f"))


def _rm_cases() -> list[tuple[list[str], str, str]]:
    spec = LazySpec(COUNT, 11, prefix="sess_")
    a, b, c = spec.name(0), spec.name(1), spec.name(2)
    s = SESSIONS
    return [
        (["rm", "-f", f"{s}/{a}", f"{s}/{b}", f"{s}/nope", f"{s}/{a}", f"{s}/plain"], "", "root"),
        (["rm", f"{s}/{a}", f"{s}/{a}", f"{s}/sub", f"{s}/plain/x", f"{s}/{'x' * 300}"], "",
         "root"),
        (["rm", "-v", f"{s}/{a}", f"{s}/{b}", f"{s}/link", f"{s}/link/f"], "", "root"),
        (["rm", "-r", f"{s}/sub", f"{s}/sub/f", f"{s}/link/f", f"{s}/{c}"], "", "root"),
        (["rm", "-f", f"{s}/link/f", f"{s}/link", f"{s}/link/f", f"{s}/sub/f"], "", "root"),
        (["rm", "-d", f"{s}/sub", "/srv/ro/f", "/srv/ro/nope"], "", "www-data"),
        (["rm", "-i", f"{s}/{a}", f"{s}/{b}", f"{s}/plain"], "y\nn\ny\n", "root"),
        (["rm", a, f"./{b}", f"../sessions/{c}", f"//{s[1:]}/plain", ".", "..", "sub/"], "",
         "root"),
        (["rm", "-f", f"{s}/{a}", f"{s}/plain", f"{s}/sub/f", f"{s}/{b}"], "", "www-data"),
        (["rm", "-f", f"{s}/{a}", f"{s}/plain", f"{s}/{b}"], "", "nobody"),
        (["xargs", "-0", "rm", "-f"], "\0".join(f"{s}/{spec.name(i)}" for i in
                                                 (*range(0, 300, 3), 5, 5)), "root"),
        (["xargs", "rm"], "\n".join(spec.name(i) for i in (*range(290), 7)), "root"),
    ]


@pytest.mark.parametrize(("argv", "stdin", "user"), _rm_cases())
def test_rm_per_file_path_matches_the_full_walk(monkeypatch: pytest.MonkeyPatch,
                                                argv: list[str], stdin: str,
                                                user: str) -> None:
    from pagerdrill.tools.files import remove

    walked, fast = _rm_host(), _rm_host()
    with monkeypatch.context() as patch:  # every operand takes the full walk, as before
        patch.setattr(remove._Remover, "remove_fast", lambda self, path: False)
        before = run_tool(walked, argv, stdin.encode(), user=user, cwd=SESSIONS)
    after = run_tool(fast, argv, stdin.encode(), user=user, cwd=SESSIONS)
    assert (after.out, after.err, after.status) == (before.out, before.err, before.status)
    assert _fs_state(fast) == _fs_state(walked)


def test_xargs_rm_matches_gnu(host: Host, tmp_path: Path) -> None:
    entries = make_dir(host)
    materialise(host, entries, tmp_path)
    host.fs.mkdir(f"{SESSIONS}/sub")
    (tmp_path / "sessions" / "sub").mkdir()
    names = sorted(entries)
    picked = [*names[:40], "nope", names[3], "sub", "sub/x", "x" * 300, *names[-5:]]
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin", "TZ": "UTC"}
    for argv, data in ((["xargs", "rm"], "\n".join(f"sessions/{n}" for n in picked[:30])),
                       (["xargs", "-0", "rm", "-f", "-v"],
                        "\0".join(f"sessions/{n}" for n in picked))):
        ours = run_tool(host, argv, data.encode(), cwd="/var/lib/php")
        theirs = subprocess.run(argv, cwd=tmp_path, env=env, input=data, capture_output=True,
                                text=True, check=False)
        assert (ours.out, ours.err, ours.status) == \
            (theirs.stdout, theirs.stderr, theirs.returncode)
        assert sorted(entries) == sorted(p.name for p in (tmp_path / "sessions").iterdir())


# -- find -exec over a generated directory: by formula, as the per-entry path does -------


def _exec_host() -> Host:
    host = add_linux_host(new_world(seed=0), "web-01")
    make_dir(host)
    host.fs.create(f"{SESSIONS}/plain", uid=33)
    return host


@pytest.mark.parametrize(("expression", "user"), [
    (["-type", "f", "-exec", "rm", "-f", "{}", "+"], "root"),
    (["-type", "f", "-exec", "rm", "-f", "{}", "+"], "nobody"),
    (["-type", "f", "-mmin", "+100", "-exec", "rm", "-v", "{}", ";"], "root"),
    (["-name", "sess_a*", "-print", "-exec", "ls", "-1", "{}", "+", "-print0"], "root"),
    (["-mmin", "-30", "-exec", "stat", "-c", "%n:{}:%s", "{}", "x{}y", ";", "-print"], "root"),
    (["-mmin", "-5", "-exec", "nosuchcmd", "{}", ";", "-print"], "root"),
    (["-mmin", "-5", "-exec", "nosuchcmd", "{}", "+"], "root"),
    (["-type", "f", "-exec", "wc", "-c", "{}", "+", "-exec", "rm", "{}", "+"], "root"),
    (["-type", "f", "-exec", "ls", "{}", "+", "-delete"], "root"),
])
def test_find_exec_by_formula_matches_the_per_entry_path(expression: list[str],
                                                        user: str) -> None:
    walked, fast = _exec_host(), _exec_host()
    # A trailing -true makes find look at each entry (an Inode per child), as before.
    before = run_tool(walked, ["find", SESSIONS, *expression, "-true"], user=user)
    after = run_tool(fast, ["find", SESSIONS, *expression], user=user)
    assert (after.out, after.err, after.status) == (before.out, before.err, before.status)
    assert _fs_state(fast) == _fs_state(walked)


def test_find_exec_plus_batches_like_gnu_find(tmp_path: Path) -> None:
    host = add_linux_host(new_world(seed=0), "web-01")
    spec = LazySpec(4000, 5, prefix="sess_" + "x" * 40, mtime_first_ms=host.clock.now_ms)
    directory = host.fs.add_lazy_dir(SESSIONS, spec, mode=0o1733)
    assert isinstance(directory.entries, LazyEntries)
    materialise(host, directory.entries, tmp_path)
    args = ["find", "sessions", "-type", "f", "-exec", "wc", "-c", "{}", "+"]

    def batches(out: str) -> list[int]:  # files per run: wc ends each run with "total"
        sizes, count = [], 0
        for line in out.splitlines():
            if line.endswith(" total"):
                sizes.append(count)
                count = 0
            else:
                count += 1
        return sizes

    ours = run_tool(host, args, cwd="/var/lib/php").out
    assert batches(ours) == batches(real(args, tmp_path)) and len(batches(ours)) > 1
    generic = run_tool(host, [*args, "-true"], cwd="/var/lib/php").out
    assert generic == ours
