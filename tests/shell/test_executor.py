"""Transcripts: run a line, expect what the terminal shows."""

from __future__ import annotations

from collections.abc import Callable

from pagerdrill.shell import Limits, Shell
from pagerdrill.world.fs import Mount
from pagerdrill.world.world import World

Run = Callable[[str], str]


def test_command_not_found(shell: Shell) -> None:
    result = shell.run("nosuchcmd --x")
    assert result.output == b"bash: nosuchcmd: command not found\n"
    assert result.exit_status == 127


def test_directory_as_command(shell: Shell) -> None:
    result = shell.run("/tmp")
    assert (result.output, result.exit_status) == (b"bash: /tmp: Is a directory\n", 126)


def test_missing_path_command(shell: Shell) -> None:
    result = shell.run("./deploy.sh")
    assert result.output == b"bash: ./deploy.sh: No such file or directory\n"
    assert result.exit_status == 127


def test_executable_script_runs(shell: Shell, run: Run) -> None:
    shell.host.fs.put("/root/hello.sh", b"#!/bin/bash\necho hello $1\nexit 3\n", mode=0o755)
    result = shell.run("./hello.sh world")
    assert (result.output, result.exit_status) == (b"hello world\n", 3)
    shell.host.fs.put("/root/noexec.sh", b"echo x\n", mode=0o644)
    assert run("./noexec.sh") == "bash: ./noexec.sh: Permission denied\n"


def test_yes_head_terminates_with_sigpipe(run: Run) -> None:
    assert run("tyes | thead -n 3; echo $PIPESTATUS") == "y\ny\ny\n141 0\n"


def test_small_writer_finishes_before_reader_exits(run: Run) -> None:
    assert run("echo hi | true; echo $PIPESTATUS") == "0 0\n"


def test_pipeline_status_is_last_stage_and_negation(shell: Shell) -> None:
    assert shell.run("false | true").exit_status == 0
    assert shell.run("true | false").exit_status == 1
    assert shell.run("! true | false").exit_status == 0


def test_and_or_semantics(run: Run) -> None:
    assert run("false && echo no || echo yes") == "yes\n"
    assert run("true || echo no && echo yes") == "yes\n"
    assert run("false; echo $?") == "1\n"


def test_stderr_interleaves_in_order(run: Run) -> None:
    assert run("terr") == "out1\nerr1\nout2\n"
    assert run("terr 2>&1 | tcat") == "out1\nerr1\nout2\n"
    assert run("terr 2>/dev/null") == "out1\nout2\n"
    assert run("terr >/dev/null") == "err1\n"
    assert run("terr 2>&1 >/dev/null | tcat") == "err1\n"


def test_stdout_to_stderr(run: Run) -> None:
    assert run("echo oops >&2 | tcat") == "oops\n"


def test_redirect_write_append_read(run: Run) -> None:
    assert run("echo a > /tmp/f; echo b >> /tmp/f; tcat < /tmp/f") == "a\nb\n"
    assert run("echo new > /tmp/f; tcat /tmp/f") == "new\n"
    assert run("terr &> /tmp/both; tcat /tmp/both") == "out1\nerr1\nout2\n"


def test_redirect_errors_use_strerror(run: Run) -> None:
    assert run("echo x > /nonexist/f") == "bash: /nonexist/f: No such file or directory\n"
    assert run("echo x > /tmp") == "bash: /tmp: Is a directory\n"
    assert run("tcat < /nope") == "bash: /nope: No such file or directory\n"
    assert run("echo x > $empty") == "bash: $empty: ambiguous redirect\n"


def test_permission_denied_for_plain_user(world: World) -> None:
    shell = Shell(world, world.hosts["web-01"], "bob", strict=True)
    assert shell.run("echo x > /root/f").output == b"bash: /root/f: Permission denied\n"


def test_no_space_left_on_device(world: World) -> None:
    host = world.hosts["web-01"]
    host.fs.mkdir("/mnt/small")
    host.fs.add_mount(Mount("/dev/sdb1", "/mnt/small", "ext4", 8192, 100))
    shell = Shell(world, host, "root", strict=True)
    result = shell.run("tyes | thead -n 10000 > /mnt/small/f")
    assert result.output == b"thead: write error: No space left on device\n"
    assert result.exit_status == 1
    result = shell.run("echo hello >> /mnt/small/f")
    assert result.output == b"bash: echo: write error: No space left on device\n"


def test_heredoc_and_herestring(run: Run) -> None:
    assert run("tcat <<EOF\nhello $USER\n  $(echo sub)\nEOF") == "hello root\n  sub\n"
    assert run("tcat <<'EOF'\nhello $USER\nEOF") == "hello $USER\n"
    assert run("tcat <<-EOF\n\tindented\n\tEOF") == "indented\n"
    assert run('tcat <<< "a $USER"') == "a root\n"


def test_subshell_does_not_leak(run: Run) -> None:
    assert run("(cd /tmp; X=1); pwd; echo ${X:-unset}") == "/root\nunset\n"
    assert run("{ cd /tmp; }; pwd") == "/tmp\n"


def test_prefix_assignment_is_per_command(run: Run) -> None:
    assert run("A=1 tenv A; tenv A") == "A=1\nA=<unset>\n"
    assert run("B=2; tenv B; export B; tenv B") == "B=<unset>\nB=2\n"


def test_loops_and_conditionals(run: Run) -> None:
    assert run("for i in 1 2 3; do echo $i; done") == "1\n2\n3\n"
    assert run("for f in /var/log/*.gz; do echo $f; done") == (
        "/var/log/syslog.1.gz\n/var/log/syslog.2.gz\n"
    )
    assert run("i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done") == "1\n2\n3\n"
    assert run("for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done") == "1\n2\n"
    assert run("for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done") == "1\n3\n"
    assert run("if false; then echo a; elif true; then echo b; else echo c; fi") == "b\n"
    assert run("for i in 1 2; do echo $i; done | tcat") == "1\n2\n"


def test_while_read_from_file(run: Run) -> None:
    assert run('while read a b; do echo "[$b]"; done < /root/notes.txt') == "[one]\n[two]\n"


def test_functions_and_return(run: Run) -> None:
    assert run("greet() { echo hi $1; return 4; }; greet bob; echo $?") == "hi bob\n4\n"
    assert run("greet x | tcat") == "hi x\n"


def test_infinite_loop_is_stopped(shell: Shell) -> None:
    result = shell.run("while true; do :; done")
    assert result.output == b"pagerdrill: loop stopped after 10000 iterations\n"
    assert result.exit_status == 130
    assert shell.run("echo alive").output == b"alive\n"


def test_endless_output_is_truncated(world: World) -> None:
    shell = Shell(world, world.hosts["web-01"], "root", limits=Limits(max_output_bytes=1000))
    result = shell.run("tyes")
    assert result.output == b"y\n" * 500 + b"\npagerdrill: output truncated after 1000 bytes\n"


def test_bytes_through_pipes_are_bounded(world: World) -> None:
    shell = Shell(world, world.hosts["web-01"], "root", limits=Limits(max_moved_bytes=100_000))
    result = shell.run("tcat /dev/zero | twc")
    assert b"command line stopped after moving 100000 bytes" in result.output


def test_devices(run: Run) -> None:
    assert run("tcat /dev/urandom | thead -c 10 | twc") == "0 10\n"
    assert run("echo gone > /dev/null; tcat /dev/null | twc") == "0 0\n"


def test_recursion_is_bounded(shell: Shell) -> None:
    result = shell.run("f() { f; }; f")
    assert result.output == b"bash: f: maximum function nesting level exceeded (40)\n"
    assert shell.run("echo ok").output == b"ok\n"


def test_fork_bomb_fails_like_fork(shell: Shell) -> None:
    result = shell.run(":(){ :|:& };:")
    assert result.output.endswith(
        b"bash: fork: retry: Resource temporarily unavailable\n"
        b"bash: fork: Resource temporarily unavailable\n"
    )
    assert shell.run("echo still here").output == b"still here\n"


def test_pipeline_length_limit(run: Run) -> None:
    line = " | ".join(["tcat"] * 70)
    assert run("echo x | " + line) == "pagerdrill: pipeline longer than 64 commands\n"


def test_background_job_reports_like_bash(shell: Shell) -> None:
    out = shell.run("echo hi &").output.decode()
    lines = out.splitlines()
    assert lines[0].startswith("[1] ") and lines[0][4:].isdigit()
    assert lines[1:] == ["hi", "[1]+  Done                    echo hi"]
    assert shell.run("false & echo $!").output.decode().splitlines()[-1] == (
        "[1]+  Exit 1                  false"
    )


def test_tool_crash_is_reported_not_raised(world: World) -> None:
    shell = Shell(world, world.hosts["web-01"], "root")
    result = shell.run("tboom")
    assert (result.output, result.exit_status) == (b"tboom: internal error: RuntimeError\n", 1)


def test_syntax_error_output(shell: Shell) -> None:
    result = shell.run("echo ;;")
    assert result.output == b"bash: syntax error near unexpected token `;;'\n"
    assert result.exit_status == 2
    result = shell.run("echo 'abc")
    assert result.output == (
        b"bash: unexpected EOF while looking for matching `''\n"
        b"bash: syntax error: unexpected end of file\n"
    )


def test_history_expansion(run: Run) -> None:
    run("echo first")
    assert run("!!") == "echo first\nfirst\n"
    assert run("echo !$") == "echo first\nfirst\n"
    assert run("!nope") == "bash: !nope: event not found\n"
    assert run("echo 'no !expansion'") == "no !expansion\n"


def test_prompt(shell: Shell, world: World) -> None:
    assert shell.prompt() == "root@web-01:~# "
    shell.run("cd /var/log")
    assert shell.prompt() == "root@web-01:/var/log# "
    alice = Shell(world, world.hosts["web-01"], "alice")
    assert alice.prompt() == "alice@web-01:~$ "


def test_completion(shell: Shell) -> None:
    assert "tcat" in shell.complete("tca")
    assert "cd" in shell.complete("ls | c")
    assert shell.complete("tcat /var/log/sys") == [
        "/var/log/syslog",
        "/var/log/syslog.1.gz",
        "/var/log/syslog.2.gz",
    ]
    assert shell.complete("cd /var/lo") == ["/var/log/"]
    shell.run("cd /var/log")
    assert shell.complete("tcat ng") == ["nginx/"]


def test_wall_clock_never_moves_sleep_advances_world(shell: Shell, world: World) -> None:
    before = world.clock.now_ms
    assert shell.run("sleep 1.5; sleep 1m").exit_status == 0
    assert world.clock.now_ms - before == 61_500
