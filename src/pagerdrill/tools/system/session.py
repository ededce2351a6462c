"""The player's login session as the process tools see it: a bash on pts/0.

``ps`` must list the shell and itself, ``top`` itself, ``w`` the session. The
shell context exposes its pid when the shell spawned a process for itself;
otherwise the login bash is created once, on the session's terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pagerdrill.tools.api import Invocation
from pagerdrill.world.process import Process

__all__ = ["SESSION_TTY", "login_shell", "running_self"]

SESSION_TTY = "pts/0"
_SHELLS = ("bash", "-bash", "sh", "dash")


def login_shell(inv: Invocation) -> Process:
    """The process of the shell that runs this command (created on first need)."""
    procs = inv.host.procs
    pid = getattr(inv.shell, "pid", 0)
    proc = procs.get(pid) if isinstance(pid, int) and pid else None
    if proc is None:
        proc = next((p for p in procs if p.tty == SESSION_TTY and p.argv
                     and p.argv[0] in _SHELLS and p.user == inv.user), None)
    if proc is None:
        sshd = next((p for p in procs if p.comm == "sshd"), None)
        proc = procs.spawn(["-bash"], user=inv.user, ppid=sshd.pid if sshd else 1,
                           rss_kb=5120, vsz_kb=8264)
        proc.state = "S"
    if proc.tty == "?":
        proc.tty = SESSION_TTY  # an interactive shell always has its terminal
    return proc


@contextmanager
def running_self(inv: Invocation) -> Iterator[Process]:
    """This command as a process on the session's terminal for as long as it runs.

    Like a real fork+exec it takes the next pid, so ``ps`` lists itself.
    """
    shell = login_shell(inv)
    existing = next((p for p in inv.host.procs if p.ppid == shell.pid
                     and p.argv[:1] == [inv.name] and p.tty == SESSION_TTY), None)
    if existing is not None:
        yield existing
        return
    proc = inv.host.procs.spawn(list(inv.argv), user=inv.user, ppid=shell.pid,
                                rss_kb=3_840, vsz_kb=11_124)
    proc.tty, proc.state = SESSION_TTY, "R"
    try:
        yield proc
    finally:
        inv.host.procs.exit(proc.pid, 0)
