"""Processes, signals and open files."""

from __future__ import annotations

import pytest

from pagerdrill.world.errors import ProcessError
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Signal, SignalAction


class _Reloader:
    """A program that reloads on SIGHUP and counts its ticks."""

    def __init__(self) -> None:
        self.reloads = 0
        self.ticks = 0
        self.stopped = False

    def start(self, host: Host, proc: Process) -> None:
        host.procs.open(proc, "/var/log/reloader.log")

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        self.ticks += 1

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            self.reloads += 1
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        self.stopped = True


def test_signal_parsing() -> None:
    assert Signal.parse("9") is Signal.SIGKILL
    assert Signal.parse("usr2") is Signal.SIGUSR2
    assert Signal.parse("SIGTERM") is Signal.SIGTERM
    assert Signal.parse("BOGUS") is None
    assert Signal.parse("99") is None


def test_handled_signal_keeps_process_and_default_kills(host: Host) -> None:
    program = _Reloader()
    proc = host.procs.spawn(["/usr/bin/reloader", "--config", "x"], program=program)
    host.procs.kill(proc.pid, Signal.SIGHUP)
    assert program.reloads == 1 and host.procs.get(proc.pid) is proc
    host.procs.kill(proc.pid, Signal.SIGTERM)
    assert host.procs.get(proc.pid) is None
    assert proc.exit_status == 128 + 15 and program.stopped
    assert host.fs.lookup("/var/log/reloader.log").open_count == 0


def test_kill_errors(host: Host) -> None:
    with pytest.raises(ProcessError) as caught:
        host.procs.kill(99999, Signal.SIGTERM)
    assert caught.value.strerror == "No such process"
    proc = host.procs.spawn(["/usr/sbin/sshd"])
    with pytest.raises(ProcessError) as caught:
        host.procs.kill(proc.pid, Signal.SIGTERM, uid=1000)
    assert caught.value.strerror == "Operation not permitted"


def test_stop_and_continue(host: Host) -> None:
    program = _Reloader()
    proc = host.procs.spawn(["/usr/bin/reloader"], program=program)
    host.procs.kill(proc.pid, Signal.SIGSTOP)
    host.world.advance(3)
    assert proc.state == "T" and program.ticks == 0
    host.procs.kill(proc.pid, Signal.SIGCONT)
    host.world.advance(3)
    assert program.ticks == 3


def test_pids_are_allocated_in_order(host: Host) -> None:
    first = host.procs.spawn(["a"])
    host.procs.skip_pids(10)
    second = host.procs.spawn(["b"])
    assert second.pid == first.pid + 11
    assert first.comm == "a" and second.cmdline == "b"
