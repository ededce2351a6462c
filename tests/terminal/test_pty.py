"""``pagerdrill play`` in a real pseudo-terminal: readline, Ctrl-C, Tab, Ctrl-D."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).parent.parent
_PLAY = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from game.kit import StubCatalog
from pagerdrill import cli
cli.catalog = StubCatalog
sys.exit(cli.main(["play", "tiny-queue"]))
"""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


class Terminal:
    def __init__(self) -> None:
        env = {**os.environ, "TERM": "dumb", "EDITOR": "true", "INPUTRC": "/dev/null"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the game on the pty's slave side
            os.execve(sys.executable, [sys.executable, "-c", _PLAY], env)
        self.screen = b""

    def expect(self, text: bytes, timeout: float = 30.0) -> bytes:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {text!r}; screen:\n{self.screen!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # EIO: the child has gone
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"EOF waiting for {text!r}; screen:\n{self.screen!r}")
                self.screen += chunk
        found = self.screen
        self.screen = b""
        return found

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> int:
        try:
            _, status = os.waitpid(self.pid, 0)
        finally:
            os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal()
    yield term
    try:
        os.kill(term.pid, signal.SIGKILL)
        os.waitpid(term.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def test_play_in_a_terminal(terminal: Terminal) -> None:
    banner = terminal.expect(b"root@web-01:~# ")
    assert b"*** PAGE ***" in banner and b"QueueBacklog on web-01" in banner
    terminal.send(b"echo hello\r")
    assert b"hello\r\n" in terminal.expect(b"root@web-01:~# ")
    terminal.send(b"echo half-typed")
    terminal.expect(b"half-typed")
    terminal.send(b"\x03")  # Ctrl-C: cancel the line, a fresh prompt
    assert b"^C" in terminal.expect(b"root@web-01:~# ")
    terminal.send(b"diag\t")  # Tab completes the in-game command
    terminal.expect(b"diagnose")
    terminal.send(b"\r")
    assert b"  2. The consumer is stuck" in terminal.expect(b"root@web-01:~# ")
    terminal.send(b"echo 'open\r")
    terminal.expect(b"> ")
    terminal.send(b"closed'\r")
    assert b"open\r\nclosed\r\n" in terminal.expect(b"root@web-01:~# ")
    terminal.send(b"\x04")  # Ctrl-D: the drill ends, the debrief shows
    debrief = terminal.expect(b"Watch your consumers.")
    assert b"DEBRIEF: The queue that would not drain" in debrief
    assert terminal.close() == 0
