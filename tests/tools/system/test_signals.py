"""kill (bash's builtin), pgrep, pkill, pidof: delivery through the world and exact errors."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.tools.system.signals import KILL_USAGE
from pagerdrill.world.host import Host
from pagerdrill.world.process import Signal

from .conftest import RecordingProgram


def test_kill_usr2_reaches_the_program(prod: Host, program: RecordingProgram) -> None:
    assert run_tool(prod, ["kill", "-USR2", "2143"]).status == 0
    assert program.caught[-1].name == "SIGUSR2"
    assert prod.procs.get(2143) is not None


def test_kill_forms_and_default_term(prod: Host, program: RecordingProgram) -> None:
    run_tool(prod, ["kill", "-s", "HUP", "2143"])
    run_tool(prod, ["kill", "-n", "12", "2143"])
    run_tool(prod, ["kill", "-SIGUSR2", "2143"])
    assert [s.name for s in program.caught] == ["SIGHUP", "SIGUSR2", "SIGUSR2"]
    assert run_tool(prod, ["kill", "2143"]).status == 0
    assert prod.procs.get(2143) is None
    assert prod.services.find("myapp").sub_state == "auto-restart"


def test_kill_9_cannot_be_caught(prod: Host, program: RecordingProgram) -> None:
    run_tool(prod, ["kill", "-9", "2143"])
    assert program.caught == [] and prod.procs.get(2143) is None


def test_kill_0_only_checks(prod: Host) -> None:
    assert run_tool(prod, ["kill", "-0", "2143"]).status == 0
    assert prod.procs.get(2143) is not None


def test_kill_errors(prod: Host) -> None:
    assert run_tool(prod, ["kill", "123"]).err == "bash: kill: (123) - No such process\n"
    assert run_tool(prod, ["kill", "abc"]).err == (
        "bash: kill: abc: arguments must be process or job IDs\n")
    assert run_tool(prod, ["kill", "-FOO", "1"]).err == (
        "bash: kill: FOO: invalid signal specification\n")
    denied = run_tool(prod, ["kill", "840"], user="www-data")
    assert (denied.err, denied.status) == ("bash: kill: (840) - Operation not permitted\n", 1)
    usage = run_tool(prod, ["kill"])
    assert (usage.err, usage.status) == (KILL_USAGE, 2)
    assert run_tool(prod, ["kill", "-s"]).err == "bash: kill: -s: option requires an argument\n"
    assert run_tool(prod, ["kill", "%1"]).err == "bash: kill: %1: no such job\n"


def test_kill_l(prod: Host) -> None:
    listing = run_tool(prod, ["kill", "-l"]).out
    assert listing.startswith(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n")
    assert listing.endswith("63) SIGRTMAX-1\t64) SIGRTMAX\t\n")
    assert run_tool(prod, ["kill", "-l", "9"]).out == "KILL\n"
    assert run_tool(prod, ["kill", "-l", "KILL"]).out == "9\n"
    assert run_tool(prod, ["kill", "-l", "137"]).out == "KILL\n"


def test_pgrep(prod: Host) -> None:
    assert run_tool(prod, ["pgrep", "node"]).out == "2143\n"
    assert run_tool(prod, ["pgrep", "-l", "post"]).out == "840 postgres\n"
    assert run_tool(prod, ["pgrep", "-af", "server.js"]).out == (
        "2143 /usr/bin/node /opt/myapp/server.js\n")
    assert run_tool(prod, ["pgrep", "-u", "www-data"]).out == "2143\n"
    assert run_tool(prod, ["pgrep", "-x", "nod"]).status == 1
    assert run_tool(prod, ["pgrep", "-c", "n"]).out == "3\n"
    assert run_tool(prod, ["pgrep", "-n", "."]).out == "2143\n"


def test_pgrep_errors(prod: Host) -> None:
    none = run_tool(prod, ["pgrep"])
    assert (none.err, none.status) == (
        "pgrep: no matching criteria specified\nTry `pgrep --help' for more information.\n", 2)
    assert run_tool(prod, ["pgrep", "-u", "nosuch", "x"]).err == (
        "pgrep: invalid user name: nosuch\n")
    assert run_tool(prod, ["pgrep", "-Z"]).err.startswith(
        "pgrep: invalid option -- 'Z'\n\nUsage:\n pgrep [options] <pattern>\n")


def test_pkill(prod: Host, program: RecordingProgram) -> None:
    assert run_tool(prod, ["pkill", "-HUP", "node"]).status == 0
    assert program.caught == [Signal.SIGHUP]
    result = run_tool(prod, ["pkill", "-e", "-f", "server.js"])
    assert result.out == "node killed (pid 2143)\n"
    assert run_tool(prod, ["pkill", "nothing-here"]).status == 1


def test_pidof(prod: Host) -> None:
    assert run_tool(prod, ["pidof", "node"]).out == "2143\n"
    assert run_tool(prod, ["pidof", "/usr/lib/postgresql/15/bin/postgres"]).out == "840\n"
    assert run_tool(prod, ["pidof", "nothing"]).status == 1
