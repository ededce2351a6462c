"""Builtins, one transcript line each; text builtins compared with real bash."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

import pytest

from pagerdrill.shell import Shell
from pagerdrill.shell.builtins import BUILTINS
from pagerdrill.world.world import World

Run = Callable[[str], str]
BASH = shutil.which("bash")


def bash_both(line: str) -> bytes:
    assert BASH is not None
    proc = subprocess.run(
        ["bash", "--norc", "-c", line],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=10,
        executable=BASH,
        env={"PATH": "/usr/bin:/bin"},
    )
    # bash -c prefixes errors with "bash: line 1: "; an interactive shell prints "bash: ".
    return proc.stdout.replace(b"bash: line 1: ", b"bash: ")


COMPARED = [
    "test 1 -eq 1; echo $?; test a = b; echo $?; [ -n '' ]; echo $?; [ ! -z x ]; echo $?",
    "[ 1 -lt 2 -a 3 -gt 2 ]; echo $?; [ a \\< b ]; echo $?; [ x -o '' ]; echo $?",
    "[ abc -eq 1 ]; echo $?; [ 1 2 3 4 5 ]; echo $?; [ a; echo $?; [ -q x ]; echo $?",
    "test -d /tmp; echo $?; test -f /tmp; echo $?; test -e /nope; echo $?; test; echo $?",
    "cd /nope; echo $?; cd /etc/passwd; echo $?; cd a b; echo $?",
    "cd /tmp; cd /; cd -; pwd",
    "printf '%d\\n' abc; echo $?",
    "printf '%s|' a b c; printf '\\n%-4s|%4s|\\n' x y",
    "echo -n; echo -e; echo -x a; echo --; echo -nn x; echo",
    "unalias zz; alias zz; echo $?",
    "export 1x=2; echo $?; unset 2y; echo $?",
    "alias a1='echo one' a2=two; alias a1; alias",
    "type cd if; type nothere; echo $?",
    "source; echo $?; source /nope; echo $?",
    "history_var=1; set -- a b c; shift; echo $# $1; shift 5; echo $?",
    'x=\' a  b \'; read -r y z <<< "$x"; echo "[$y][$z]"; read q < /dev/null; echo $?',
    "f() { local v=1; echo $v; }; f; command -v cd; command -v f",
    "eval 'echo one; echo two'; eval echo '$((1+1))'",
]


@pytest.mark.skipif(BASH is None, reason="needs /bin/bash")
@pytest.mark.parametrize("line", COMPARED)
def test_matches_bash(shell: Shell, line: str) -> None:
    shell.run("unalias -a")
    assert shell.run(line).output == bash_both(line)


def test_every_builtin_has_help_text() -> None:
    assert all(fn.__doc__ for fn in BUILTINS.values())


def test_help(run: Run) -> None:
    assert run("help cd").startswith("cd: cd [-L|[-P [-e]] [-@]] [dir]\n    Change the shell")


def test_cd_home_tilde_and_oldpwd(run: Run) -> None:
    assert run("cd /var/log; cd; pwd; cd ~/; pwd; cd /tmp; cd -") == "/root\n/root\n/root\n"
    assert run("echo $PWD $OLDPWD") == "/root /tmp\n"


def test_cd_permission_denied(world: World) -> None:
    shell = Shell(world, world.hosts["web-01"], "bob")
    assert shell.run("cd /root").output == b"bash: cd: /root: Permission denied\n"


def test_export_listing(run: Run) -> None:
    run("export ZZ='a \"b\"'")
    assert 'declare -x ZZ="a \\"b\\""\n' in run("export")


def test_history_numbering(shell: Shell, run: Run) -> None:
    run("echo a")
    run("echo b")
    assert run("history") == "    1  echo a\n    2  echo b\n    3  history\n"
    assert run("history 1") == "    4  history 1\n"
    assert shell.history[-1] == "history 1"


def test_clear(run: Run) -> None:
    assert run("clear") == "\x1b[H\x1b[2J\x1b[3J"


def test_sleep(shell: Shell, world: World) -> None:
    start = world.clock.now_ms
    shell.run("sleep 2 1m")
    assert world.clock.now_ms - start == 62_000
    assert shell.run("sleep").output == (
        b"sleep: missing operand\nTry 'sleep --help' for more information.\n"
    )
    assert shell.run("sleep x").output.startswith(b"sleep: invalid time interval")


def test_sleep_budget_per_line(shell: Shell) -> None:
    result = shell.run("while true; do sleep 1h; done")
    assert result.output == (
        b"pagerdrill: stopped after 3600 seconds of simulated time in one command line\n"
    )


def test_alias_definition_and_expansion(run: Run) -> None:
    assert run("alias ll") == "bash: alias: ll: not found\n"  # Debian's root has none
    run("alias say='targs said'")
    assert run("say it") == "<said>\n<it>\n"


def test_type_and_which(run: Run) -> None:
    assert run("type tcat") == "tcat is /usr/bin/tcat\n"
    assert run("which tcat echo cd") == "/usr/bin/tcat\n/usr/bin/echo\n"


def test_env_prints_and_runs(run: Run) -> None:
    assert "USER=root\n" in run("env")
    assert run("env A=1 tenv A") == "A=1\n"
    assert run("env -i tenv HOME") == "HOME=<unset>\n"
    assert run("env nosuch") == "env: \u2018nosuch\u2019: No such file or directory\n"


def test_source_runs_in_current_shell(shell: Shell, run: Run) -> None:
    shell.host.fs.put("/root/vars.sh", b"SOURCED=yes\ncd /tmp\n")
    assert run(". ./vars.sh; echo $SOURCED; pwd") == "yes\n/tmp\n"


def test_bashrc_is_sourced_at_login(world: World) -> None:
    world.hosts["web-01"].fs.put("/root/.bashrc", b"alias k='targs kube'\n")
    shell = Shell(world, world.hosts["web-01"], "root", strict=True)
    assert shell.run("k x").output == b"<kube>\n<x>\n"


def test_ssh_push_and_exit(shell: Shell) -> None:
    out = shell.run("ssh db-01").output.decode()
    assert out.startswith("Linux db-01 6.1.0-18-amd64 ")
    last = out.splitlines()[-1]  # sshd's lastlog line, like "Mon Mar 16  9:02:11 2026"
    assert re.fullmatch(r"Last login: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} from "
                        r"10\.0\.0\.5", last), last
    assert shell.prompt() == "root@db-01:~# "
    assert shell.host.name == "db-01"
    assert shell.run("exit").output == b"logout\nConnection to db-01 closed.\n"
    assert shell.prompt() == "root@web-01:~# "
    assert not shell.exited


def test_ssh_with_user_and_command(run: Run) -> None:
    assert run("ssh alice@db-01 'echo $USER; pwd'") == "alice\n/home/alice\n"
    assert run("ssh 10.0.0.21 tenv USER") == "USER=root\n"
    assert run("ssh db-01.prod.internal pwd") == "/root\n"


def test_ssh_errors(shell: Shell) -> None:
    result = shell.run("ssh nowhere")
    assert result.output == (
        b"ssh: Could not resolve hostname nowhere: Name or service not known\n"
    )
    assert result.exit_status == 255
    assert shell.run("ssh ghost@db-01").output == b"ghost@db-01: Permission denied (publickey).\n"


def test_exit_with_bad_status(shell: Shell) -> None:
    result = shell.run("exit abc")
    assert result.output == b"bash: exit: abc: numeric argument required\nlogout\n"
    assert result.exit_status == 2


def test_exit_outermost_shell(shell: Shell) -> None:
    result = shell.run("exit 4; echo never")
    assert (result.output, result.exit_status, shell.exited) == (b"logout\n", 4, True)


def test_subshell_exit_only_leaves_subshell(run: Run) -> None:
    assert run("(exit 3); echo $?") == "3\n"


def test_sudo_runs_as_root(world: World) -> None:
    alice = Shell(world, world.hosts["web-01"], "alice", strict=True)
    assert alice.run("sudo tenv USER HOME").output == b"USER=root\nHOME=/root\n"
    assert alice.run("sudo -u bob tenv USER").output == b"USER=bob\n"
    assert alice.run("sudo -u nobody_at_all true").output == b"sudo: unknown user nobody_at_all\n"
    assert alice.run("sudo nosuch").output == b"sudo: nosuch: command not found\n"


def test_sudo_shells_push_and_pop(world: World) -> None:
    alice = Shell(world, world.hosts["web-01"], "alice", strict=True)
    for line in ("sudo -i", "sudo su -", "sudo -s", "sudo bash"):
        alice.run(line)
        assert alice.prompt().startswith("root@web-01:")
        assert alice.run("exit").output == b"logout\n"
        assert alice.prompt() == "alice@web-01:~$ "
    alice.run("sudo su - postgres")
    assert alice.user == "postgres"


def test_sudo_refused_without_group(world: World) -> None:
    bob = Shell(world, world.hosts["web-01"], "bob")
    result = bob.run("sudo -i")
    assert result.output == b"bob is not in the sudoers file.  This incident will be reported.\n"


def test_sudo_bang_bang(world: World) -> None:
    alice = Shell(world, world.hosts["web-01"], "alice", strict=True)
    alice.run("tenv USER")
    assert alice.run("sudo !!").output == b"sudo tenv USER\nUSER=root\n"


def test_su_as_root_and_user(shell: Shell, world: World) -> None:
    shell.run("su - alice")
    assert shell.prompt() == "alice@web-01:~$ "
    bob = Shell(world, world.hosts["web-01"], "bob")
    assert bob.run("su -").output == b"Password: \nsu: Authentication failure\n"
    assert shell.run("exit").output == b"logout\n"
    assert shell.run("su www-data").output == b"This account is currently not available.\n"


def test_read_from_pipe(run: Run) -> None:
    assert run("echo 'x y z' | { read a b; echo \"$b\"; }") == "y z\n"
