"""Byte-for-byte comparisons with the real procps, bash and uptime on this machine."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from tests.toolkit import run_tool

from pagerdrill.tools.system.procfields import layout_row, resolve
from pagerdrill.tools.system.timefmt import uptime_phrase
from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host


def real(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def _pid_max() -> int:
    with open("/proc/sys/kernel/pid_max") as handle:
        return int(handle.read())


@pytest.fixture
def local_host() -> Host:
    """A host whose pid_max is this machine's, so PID columns are equally wide."""
    world = new_world(seed=3)
    return add_linux_host(world, "web-01", pid_max=_pid_max())


needs_ps = pytest.mark.skipif(shutil.which("ps") is None, reason="no procps here")


@needs_ps
@pytest.mark.parametrize("args", [
    ["aux"], ["-ef"], ["-e"], ["ax"],
    ["-eo", "pid,ppid,user,%cpu,%mem,rss,vsz,etime,stat,comm,args"],
    ["-eo", "pid,tty,time,cmd"], ["-eo", "uid,pid,ni,pri,nlwp,c,stime,etimes,s,lstart"],
    ["-eo", "pid,rss=MEM,comm=NAME"],
])
def test_ps_headers_match_procps(local_host: Host, args: list[str]) -> None:
    ours = run_tool(local_host, ["ps", *args]).out.splitlines()[0]
    assert ours == real("ps", *args).stdout.splitlines()[0]


@needs_ps
@pytest.mark.parametrize("args", [["-k"], ["--foo"], ["-o", "foo"], ["-u", "nosuchuser"],
                                  ["-p", "99999999"]])
def test_ps_errors_match_procps(local_host: Host, args: list[str]) -> None:
    ours = run_tool(local_host, ["ps", *args])
    theirs = real("ps", *args)
    assert (ours.err, ours.status) == (theirs.stderr, theirs.returncode)


@needs_ps
def test_ps_column_placement_matches_procps(local_host: Host) -> None:
    """Re-lay out the real values of real processes: overflowing columns shift alike."""
    keys = ["pid", "rss", "vsz", "etime", "user", "stat", "comm"]
    fields = [resolve(k, local_host) for k in keys]
    assert all(f is not None for f in fields)
    lines = real("ps", "-eo", ",".join(keys)).stdout.splitlines()
    for line in lines[1:]:
        values = line.split(None, len(keys) - 1)
        if len(values) != len(keys):
            continue
        cells = [(value, field) for value, field in zip(values, fields, strict=True)
                 if field is not None]
        assert layout_row(cells) == line


@pytest.mark.skipif(shutil.which("free") is None, reason="no procps here")
@pytest.mark.parametrize("args", [[], ["-w"], ["-h"], ["-m", "--si"]])
def test_free_header_matches_procps(local_host: Host, args: list[str]) -> None:
    ours = run_tool(local_host, ["free", *args]).out.splitlines()
    theirs = real("free", *args).stdout.splitlines()
    assert ours[0] == theirs[0]
    assert ours[1][:8] == theirs[1][:8] and ours[2][:8] == theirs[2][:8]
    assert [len(line) for line in ours[1:3]] == [len(line) for line in theirs[1:3]] or args


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash here")
@pytest.mark.parametrize("args", [["-l"], ["-l", "9"], ["-l", "KILL"], ["-l", "137"],
                                  ["999999"], ["abc"], ["-FOO", "1"], [], ["-s"], ["-9"],
                                  ["-s", "HUP"], ["%1"], ["-l", "999"]])
def test_kill_matches_bash_builtin(local_host: Host, args: list[str]) -> None:
    ours = run_tool(local_host, ["kill", *args])
    theirs = real("bash", "-c", 'kill "$@"', "bash", *args)
    # bash -c names the script line ("bash: line 1: kill: ..."); an interactive shell,
    # which is what the player types into, does not.
    their_err = theirs.stderr.replace("bash: line 1: ", "bash: ")
    assert (ours.out, ours.err, ours.status) == (theirs.stdout, their_err, theirs.returncode)


@pytest.mark.skipif(shutil.which("uptime") is None, reason="no procps here")
def test_uptime_phrase_matches_procps() -> None:
    for _ in range(3):  # retry if a second ticks over between the two readings
        theirs = real("uptime").stdout.rstrip("\n")
        with open("/proc/uptime") as handle:
            up_s = float(handle.read().split()[0])
        with open("/proc/loadavg") as handle:
            load = tuple(float(x) for x in handle.read().split()[:3])
        clock = theirs.split()[0]
        h, m, s = (int(x) for x in clock.split(":"))
        now_ms = ((h * 60 + m) * 60 + s) * 1000 + 86_400_000 * 1000
        users = int(theirs.split("user")[0].rsplit(",", 1)[1])
        ours = uptime_phrase(now_ms, now_ms - int(up_s * 1000), users,
                             (load[0], load[1], load[2]))
        if ours == theirs:
            return
    assert ours == theirs
