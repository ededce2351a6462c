"""Run one simulated command directly, without the shell (for tool unit tests)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput, Editor, Invocation, Repl
from pagerdrill.tools.registry import lookup
from pagerdrill.world.host import Host


@dataclass
class StubShell:
    """The little of a shell a tool may ask for: user, cwd, environment, host."""

    host: Host
    user: str = "root"
    cwd: str = "/root"
    env: dict[str, str] = field(default_factory=lambda: {"HOME": "/root", "PATH": "/usr/bin"})
    pid: int = 4242
    editor: Editor | None = None
    history: list[str] = field(default_factory=list)
    stdout_is_terminal: bool = False
    stdin_is_terminal: bool = False
    repl: Repl | None = None

    def take_terminal(self, repl: Repl) -> None:
        self.repl = repl

    def run_nested(self, host: Host, user: str, command: str | None) -> CommandOutput:
        raise NotImplementedError("nested shells are the shell's business")


@dataclass
class Result:
    stdout: bytes
    stderr: bytes
    status: int

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode(errors="replace")


def run_tool(host: Host, argv: list[str], stdin: bytes = b"", *, user: str = "root",
             cwd: str = "/root", max_bytes: int = 1 << 24, tty: bool = False) -> Result:
    """Run ``argv`` once; ``tty`` says whether its stdout is the player's terminal."""
    tool = lookup(argv[0])
    assert tool is not None, f"no tool named {argv[0]}"
    sink = ByteSink()
    shell = StubShell(host, user, cwd, stdout_is_terminal=tty)
    inv = Invocation(argv, host.world, host, shell,
                     ByteInput([stdin] if stdin else []), sink)
    gen = tool(inv)
    out: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = next(gen)
            out.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                gen.close()
                return Result(b"".join(out), sink.getvalue(), 141)
    except StopIteration as stop:
        status = stop.value
    return Result(b"".join(out), sink.getvalue(), int(status))


def reference_binary(name: str, package: str) -> str | None:
    """The real ``name`` to compare with, or None (the test skips). Under CI a missing
    reference is an error: scripts/test installs ``package``, so a skip would hide a gap."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin", name), Path("/sbin", name)) if p.exists()), None)
    if found is None and os.environ.get("CI") == "true":
        raise RuntimeError(f"the real {name} is required in CI (Debian package {package}; "
                           "scripts/test installs it)")
    return found
