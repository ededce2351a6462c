"""The mutable state of one shell: variables, cwd, functions, who and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.shell.ast import FunctionDef

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["ROOT_PATH", "USER_PATH", "ShellState", "login_env"]

ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"


def login_env(host: Host, user: str, home: str | None = None) -> dict[str, str]:
    """The environment a Debian login shell starts with."""
    account = host.users.get(user)
    home = home or (account.home if account else "/")
    return {
        "HOME": home,
        "LANG": "C.UTF-8",
        "LOGNAME": user,
        "PATH": ROOT_PATH if user == "root" else USER_PATH,
        "PWD": home,
        "SHELL": account.shell if account else "/bin/bash",
        "SHLVL": "1",
        "TERM": "xterm-256color",
        "USER": user,
    }


@dataclass
class ShellState:
    """Copied wholesale for subshells and pipeline stages, as fork() would."""

    host: Host
    user: str
    cwd: str
    vars: dict[str, str]
    exported: set[str]
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)
    last_status: int = 0
    pid: int = 0
    last_bg_pid: int | None = None
    depth: int = 0  # nesting of functions, subshells and substitutions
    tty: bool = False  # standard output is the player's terminal (not a pipe or file)
    tty_in: bool = False  # standard input is the player's terminal

    @property
    def env(self) -> dict[str, str]:
        """The exported variables, as a child process would see them."""
        return {k: v for k, v in self.vars.items() if k in self.exported}

    def copy(self) -> ShellState:
        return ShellState(
            host=self.host,
            user=self.user,
            cwd=self.cwd,
            vars=dict(self.vars),
            exported=set(self.exported),
            functions=dict(self.functions),
            aliases=dict(self.aliases),
            positional=list(self.positional),
            last_status=self.last_status,
            pid=self.pid,
            last_bg_pid=self.last_bg_pid,
            depth=self.depth,
            tty=self.tty,
            tty_in=self.tty_in,
        )

    def set_var(self, name: str, value: str, export: bool = False) -> None:
        self.vars[name] = value
        if export:
            self.exported.add(name)

    def unset_var(self, name: str) -> None:
        self.vars.pop(name, None)
        self.exported.discard(name)

    @property
    def home(self) -> str:
        return self.vars.get("HOME", "/")
