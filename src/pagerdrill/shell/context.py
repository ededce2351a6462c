"""What a running command sees of the shell (the ``ShellContext`` of tools/api.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pagerdrill.shell.state import ShellState
from pagerdrill.tools.api import CommandOutput, Editor, Repl

if TYPE_CHECKING:
    from pagerdrill.shell.session_shell import Shell
    from pagerdrill.world.host import Host

__all__ = ["Editor", "ShellView"]


class ShellView:
    """A snapshot for one command: its user, cwd and environment, plus the shell."""

    def __init__(self, shell: Shell, state: ShellState, env: dict[str, str]) -> None:
        self.shell = shell
        self.state = state
        self._env = env
        # Fixed when the command starts, like isatty(0) and isatty(1) in a real process.
        self.stdout_is_terminal = state.tty
        self.stdin_is_terminal = state.tty_in

    @property
    def user(self) -> str:
        return self.state.user

    @property
    def cwd(self) -> str:
        return self.state.cwd

    @property
    def env(self) -> dict[str, str]:
        return self._env

    @property
    def host(self) -> Host:
        return self.state.host

    @property
    def pid(self) -> int:
        """The shell's pid (the parent of the command in ``ps``)."""
        return self.state.pid

    @property
    def editor(self) -> Editor | None:
        """The front end's editor hook, for nano/vim/vi (None: no interactive editor)."""
        return self.shell.editor

    @property
    def history(self) -> list[str]:
        return self.shell.history

    def run_nested(self, host: Host, user: str, command: str | None) -> CommandOutput:
        return self.shell.run_nested(host, user, command)

    def take_terminal(self, repl: Repl) -> None:
        self.shell.repl = repl
