"""hostname, whoami, id, uname, w, who, dmesg."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host, User


def test_hostname(prod: Host) -> None:
    assert run_tool(prod, ["hostname"]).out == "web-01\n"
    assert run_tool(prod, ["hostname", "-f"]).out == "web-01.prod.internal\n"
    assert run_tool(prod, ["hostname", "-I"]).out == "10.0.1.10 \n"
    bad = run_tool(prod, ["hostname", "-Z"])
    assert bad.status == 255 and bad.err.startswith("hostname: invalid option -- 'Z'\nUsage:")
    assert run_tool(prod, ["hostname", "x"], user="www-data").err == (
        "hostname: you must be root to change the host name\n")


def test_whoami_and_id(prod: Host) -> None:
    assert run_tool(prod, ["whoami"]).out == "root\n"
    assert run_tool(prod, ["whoami"], user="www-data").out == "www-data\n"
    assert run_tool(prod, ["id"]).out == "uid=0(root) gid=0(root) groups=0(root)\n"
    prod.add_user(User("alice", 1000, 1000, "/home/alice", groups=("adm", "sudo")))
    assert run_tool(prod, ["id", "alice"]).out == (
        "uid=1000(alice) gid=1000(alice) groups=1000(alice),4(adm),27(sudo)\n")
    assert run_tool(prod, ["id", "-un"], user="alice").out == "alice\n"
    assert run_tool(prod, ["id", "-G", "alice"]).out == "1000 4 27\n"
    missing = run_tool(prod, ["id", "nosuch"])
    assert (missing.err, missing.status) == ("id: \u2018nosuch\u2019: no such user\n", 1)


def test_uname(prod: Host) -> None:
    assert run_tool(prod, ["uname"]).out == "Linux\n"
    assert run_tool(prod, ["uname", "-a"]).out == (
        "Linux web-01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) "
        "x86_64 GNU/Linux\n")
    assert run_tool(prod, ["uname", "-rm"]).out == "6.1.0-18-amd64 x86_64\n"
    assert run_tool(prod, ["uname", "-Z"]).err == (
        "uname: invalid option -- 'Z'\nTry 'uname --help' for more information.\n")


def test_w_and_who(prod: Host) -> None:
    assert run_tool(prod, ["w"]).out == (
        " 03:07:00 up 41 days,  3:17,  1 user,  load average: 0.08, 0.05, 0.01\n"
        "USER     TTY      FROM             LOGIN@   IDLE   JCPU   PCPU WHAT\n"
        "root     pts/0    10.0.0.5         03:07    0.00s  0.02s  0.00s w\n")
    assert run_tool(prod, ["who"]).out == "root     pts/0        2026-03-17 03:07 (10.0.0.5)\n"
    assert run_tool(prod, ["who", "-b"]).out == "         system boot  2026-02-03 23:50\n"


def test_dmesg(prod: Host) -> None:
    prod.kernel_log.append((prod.clock.now_ms - 2_000,
                            "Out of memory: Killed process 2143 (node) total-vm:1203400kB"))
    lines = run_tool(prod, ["dmesg"]).out.splitlines()
    assert lines[0].startswith("[    0.000000] Linux version 6.1.0-18-amd64 ")
    assert lines[-1] == ("[3554218.000000] Out of memory: Killed process 2143 (node) "
                         "total-vm:1203400kB")
    assert run_tool(prod, ["dmesg", "-T"]).out.splitlines()[-1].startswith(
        "[Tue Mar 17 03:06:58 2026] Out of memory")
    denied = run_tool(prod, ["dmesg"], user="www-data")
    assert (denied.err, denied.status) == (
        "dmesg: read kernel buffer failed: Operation not permitted\n", 1)
