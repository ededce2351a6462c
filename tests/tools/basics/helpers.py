"""A world with one host and a shell on it, for transcript-style tests."""

from __future__ import annotations

from pagerdrill.shell.session_shell import Shell
from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host

__all__ = ["Session"]


class Session:
    """``s("cmd")`` runs one line as root and returns what the terminal shows."""

    def __init__(self) -> None:
        self.world = new_world(seed=0)
        self.host: Host = add_linux_host(self.world, "web-01")
        self.shell = Shell(self.world, self.host, "root")
        self.status = 0

    def __call__(self, line: str) -> str:
        result = self.shell.run(line)
        self.status = result.exit_status
        return result.output.decode(errors="replace")
