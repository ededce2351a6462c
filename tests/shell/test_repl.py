"""A program can take the terminal (psql's ``appdb=#``) until it closes."""

from __future__ import annotations

from pagerdrill.shell.session_shell import Shell
from pagerdrill.tools import registry
from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.host import Host
from pagerdrill.world.world import World


class _Echo:
    """A toy interactive program: echoes lines, ``quit`` closes it."""

    def __init__(self) -> None:
        self.closed = False
        self.prompt = "toy> "

    def feed(self, line: str) -> str:
        if line == "quit":
            self.closed = True
            return ""
        return f"toy: {line}\n"

    def interrupt(self) -> str:
        self.closed = True
        return "bye\n"


def _toy(inv: Invocation) -> CommandOutput:
    if inv.shell.stdin_is_terminal and inv.shell.stdout_is_terminal:
        inv.shell.take_terminal(_Echo())
        return 0
    yield f"toy: batch of {len(inv.stdin.read())} bytes\n".encode()
    return 0


if registry.lookup("ttoy") is None:
    registry.command("ttoy")(_toy)


def test_a_program_holds_the_terminal_until_it_closes(world: World, host: Host) -> None:
    shell = Shell(world, host, "root")
    assert shell.run("ttoy").output == b""
    assert shell.prompt() == "toy> "
    assert shell.run("ls /nonexistent").output == b"toy: ls /nonexistent\n"
    assert shell.run("quit").output == b""
    assert shell.prompt() == "root@web-01:~# "
    assert shell.history == ["ttoy"]  # lines typed to the program are not bash history


def test_ctrl_d_leaves_the_program_not_the_shell(world: World, host: Host) -> None:
    shell = Shell(world, host, "root")
    shell.run("ttoy")
    assert shell.end_of_input() == b"bye\n"
    assert shell.end_of_input() is None  # at the bash prompt: the caller decides
    assert shell.prompt().startswith("root@")


def test_piped_or_redirected_input_is_not_a_terminal(world: World, host: Host) -> None:
    shell = Shell(world, host, "root")
    assert shell.run("echo hi | ttoy").output == b"toy: batch of 3 bytes\n"
    assert shell.run("ttoy < /etc/hostname").output == b"toy: batch of 7 bytes\n"
    assert shell.run("ttoy <<< x").output == b"toy: batch of 2 bytes\n"
    assert shell.run("ttoy | cat").output == b"toy: batch of 0 bytes\n"
    assert shell.prompt().startswith("root@")
