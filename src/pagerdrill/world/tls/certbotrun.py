"""``certbot.service``: the oneshot ``certbot -q renew`` its timer starts twice a day.

The program renews on its first tick and exits with certbot's status, so systemd
records the failure (``Main process exited, code=exited, status=1/FAILURE``). Under
-q only errors reach stderr, which journald files under ``certbot[PID]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .renewal import HookRunner, RenewOptions, RenewReport, renew, write_log

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CertbotRun", "journal_lines", "quiet_lines"]

# The tools layer builds the hook runner for a host (hooks run as shell commands).
HookRunnerFactory = Callable[["Host"], HookRunner]


def quiet_lines(report: RenewReport) -> list[str]:
    """What ``certbot -q`` prints: the ERROR-level messages, line by line."""
    return [line for e in report.events if e.level == "ERROR" for line in e.text.splitlines()]


def journal_lines(host: Host, report: RenewReport, t_ms: int, pid: int) -> None:
    for i, line in enumerate(quiet_lines(report)):
        host.journal.add(JournalEntry(t_ms + 30 * i, "certbot", line, "certbot.service", pid))


class CertbotRun:
    """One ``certbot -q renew`` run."""

    def __init__(self, runner: HookRunnerFactory) -> None:
        self.runner = runner
        self.done = False

    def start(self, host: Host, proc: Process) -> None:
        del host, proc

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        del dt_ms
        if self.done:
            return
        self.done = True
        now = host.clock.now_ms
        report = renew(host, RenewOptions(arguments=["-q"]), self.runner(host))
        write_log(host, report, now)
        journal_lines(host, report, now, proc.pid)
        host.procs.exit(proc.pid, report.status)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        del host, proc, sig
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        del host, proc
