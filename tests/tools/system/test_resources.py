"""free, uptime, nproc and top's batch screen."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host

FREE = """\
               total        used        free      shared  buff/cache   available
Mem:        16777216     1315414    12265743       83886     3635063    15461802
Swap:              0           0           0
"""


def test_free(prod: Host) -> None:
    assert run_tool(prod, ["free"]).out == FREE


def test_free_units(prod: Host) -> None:
    assert run_tool(prod, ["free", "-h"]).out.splitlines()[1] == (
        "Mem:            16Gi       1.3Gi        11Gi        81Mi       3.5Gi        14Gi")
    assert run_tool(prod, ["free", "-m"]).out.splitlines()[1] == (
        "Mem:           16384        1284       11978          81        3549       15099")
    assert run_tool(prod, ["free", "-g"]).out.splitlines()[1].split()[1] == "16"
    wide = run_tool(prod, ["free", "-w"]).out.splitlines()[0]
    assert wide.endswith("shared     buffers       cache   available")
    assert run_tool(prod, ["free", "--si", "-h"]).out.splitlines()[1].split()[1] == "17G"
    assert run_tool(prod, ["free", "-t"]).out.splitlines()[-1].startswith("Total:      16777216")


def test_memory_follows_processes(prod: Host) -> None:
    proc = prod.procs.get(2143)
    assert proc is not None
    proc.rss_kb = 12 * 1024 * 1024
    used = int(run_tool(prod, ["free", "-m"]).out.splitlines()[1].split()[2])
    assert used > 12_000


def test_uptime(prod: Host) -> None:
    assert run_tool(prod, ["uptime"]).out == (
        " 03:07:00 up 41 days,  3:17,  1 user,  load average: 0.08, 0.05, 0.01\n")
    assert run_tool(prod, ["uptime", "-p"]).out == "up 5 weeks, 6 days, 3 hours, 17 minutes\n"
    assert run_tool(prod, ["uptime", "-s"]).out == "2026-02-03 23:50:00\n"


def test_nproc(prod: Host) -> None:
    assert run_tool(prod, ["nproc"]).out == "4\n"
    assert run_tool(prod, ["nproc", "--ignore=1"]).out == "3\n"


def test_top_batch(prod: Host) -> None:
    lines = run_tool(prod, ["top", "-b", "-n", "1"]).out.splitlines()
    assert lines[0] == "top - 03:07:00 up 41 days,  3:17,  1 user,  load average: 0.08, 0.05, 0.01"
    assert lines[1] == "Tasks:   6 total,   1 running,   5 sleeping,   0 stopped,   0 zombie"
    assert lines[2] == ("%Cpu(s):  0.8 us,  0.1 sy,  0.0 ni, 99.2 id,  0.0 wa,  0.0 hi,  0.0 si,"
                        "  0.0 st ")
    assert lines[3].startswith("MiB Mem :  16384.0 total,  11969.5 free,")
    assert lines[3].endswith(" buff/cache     ")
    assert lines[4].endswith(" avail Mem ")
    assert lines[5] == ""
    assert lines[6] == ("    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ "
                        "COMMAND")
    assert lines[7] == ("   2143 www-data  20   0 1203400 412000  82400 S   3.0   2.5   1:41.07 "
                        "node")


def test_top_sort_truncation_and_iterations(prod: Host) -> None:
    out = run_tool(prod, ["top", "-b", "-n", "1", "-o", "%MEM"]).out.splitlines()
    assert out[7].split()[0] == "2143" and out[8].split()[0] == "840"
    assert out[9].endswith(" init") and out[10].endswith(" bash")
    proc = prod.procs.get(2143)
    assert proc is not None
    proc.rss_kb = 1_572_864
    assert " 1.5g " in run_tool(prod, ["top", "-bn1", "-p", "2143"]).out
    long_line = run_tool(prod, ["top", "-b", "-n", "1", "-c", "-p", "840"]).out.splitlines()[-1]
    assert long_line.endswith(" /usr/li+") and len(long_line) == 79
    before = prod.clock.now_ms
    assert run_tool(prod, ["top", "-b", "-n", "2"]).out.count("top - ") == 2
    assert prod.clock.now_ms - before == 3000
    assert run_tool(prod, ["top", "-b", "-o", "BOGUS"]).err == (
        "top: unrecognized field name 'BOGUS'\n")
