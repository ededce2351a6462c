"""ps: selections, formats, procps' column placement, sorting and errors."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.tools.system.ps import USAGE
from pagerdrill.world.host import Host


def test_plain_ps_shows_the_shell_and_itself(prod: Host) -> None:
    assert run_tool(prod, ["ps"]).out == (
        "    PID TTY          TIME CMD\n"
        "   2144 pts/0    00:00:00 bash\n"
        "   2145 pts/0    00:00:00 ps\n")
    assert prod.procs.get(2145) is None  # ps is gone once it has printed


def test_ps_aux(prod: Host) -> None:
    assert run_tool(prod, ["ps", "aux"]).out == (
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
        "root           1  0.0  0.0 167744 12288 ?        Ss   Feb03   0:00 /sbin/init\n"
        "root         712  0.0  0.0  10340  2816 ?        S    Feb03   0:00 nginx: master "
        "process /usr/sbin/nginx\n"
        "postgres     840  0.0  0.1 217232 29876 ?        S    Feb03   0:00 "
        "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main\n"
        "www-data    2143  3.0  2.4 1203400 412000 ?      Ssl  02:10   1:41 /usr/bin/node "
        "/opt/myapp/server.js\n"
        "root        2144  0.0  0.0   8264  5120 pts/0    Ss   03:07   0:00 -bash\n"
        "root        2145  0.0  0.0  11124  3840 pts/0    R+   03:07   0:00 ps aux\n")


def test_ps_ef(prod: Host) -> None:
    lines = run_tool(prod, ["ps", "-ef"]).out.splitlines()
    assert lines[0] == "UID          PID    PPID  C STIME TTY          TIME CMD"
    assert lines[4] == ("www-data    2143       1  3 02:10 ?        00:01:41 /usr/bin/node "
                        "/opt/myapp/server.js")


def test_custom_format_sorted_by_rss(prod: Host) -> None:
    out = run_tool(prod, ["ps", "-eo", "pid,ppid,user,%cpu,%mem,rss,vsz,etime,stat,comm,args",
                          "--sort=-rss"]).out.splitlines()
    assert out[0] == ("    PID    PPID USER     %CPU %MEM   RSS    VSZ     ELAPSED STAT "
                      "COMMAND         COMMAND")
    assert out[1] == ("   2143       1 www-data  3.0  2.4 412000 1203400     56:09 Ssl  node  "
                      "          /usr/bin/node /opt/myapp/server.js")
    assert out[2].startswith("    840     712 postgres") is False
    assert out[2].split()[0] == "840"


def test_selections(prod: Host) -> None:
    assert run_tool(prod, ["ps", "-p", "2143", "-o", "comm="]).out == "node\n"
    assert run_tool(prod, ["ps", "-C", "postgres", "-o", "pid="]).out == "    840\n"
    assert run_tool(prod, ["ps", "-u", "www-data", "-o", "pid,comm"]).out == (
        "    PID COMMAND\n   2143 node\n")
    missing = run_tool(prod, ["ps", "-p", "99999"])
    assert (missing.out, missing.status) == ("    PID TTY          TIME CMD\n", 1)


def test_header_rename_and_no_headers(prod: Host) -> None:
    assert run_tool(prod, ["ps", "-p", "2143", "-o", "pid,rss=MEMORY"]).out == (
        "    PID MEMORY\n   2143 412000\n")
    assert run_tool(prod, ["ps", "--no-headers", "-p", "1"]).out == (
        "      1 ?        00:00:00 init\n")


def test_errors(prod: Host) -> None:
    assert run_tool(prod, ["ps", "-k"]).err == "error: unsupported SysV option\n" + USAGE
    assert run_tool(prod, ["ps", "--foo"]).err == "error: unknown gnu long option\n" + USAGE
    assert run_tool(prod, ["ps", "-o", "foo"]).err == (
        'error: unknown user-defined format specifier "foo"\n' + USAGE)
    result = run_tool(prod, ["ps", "-u", "nosuch"])
    assert (result.err, result.status) == ("error: user name does not exist\n" + USAGE, 1)
