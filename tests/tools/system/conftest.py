"""Fixtures for the system tools: a production web host with a service, a held-open
deleted log (the seed's disk-full incident) and a journal."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import GiB, add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry, Unit

MINUTE = 60_000


class RecordingProgram:
    """A program that remembers the signals it caught and survives SIGUSR2/SIGHUP."""

    def __init__(self) -> None:
        self.caught: list[Signal] = []

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.threads, proc.cpu_percent = 412_000, 1_203_400, 11, 3.0

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        host.journal.add(JournalEntry(host.clock.now_ms, "node", "tick", proc.unit, proc.pid))

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        self.caught.append(sig)
        if sig in (Signal.SIGUSR2, Signal.SIGHUP):
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        pass


@pytest.fixture
def program() -> RecordingProgram:
    return RecordingProgram()


@pytest.fixture
def prod(program: RecordingProgram) -> Host:
    """web-01 at 03:07: myapp (node, pid 2143) up 56 minutes, its 64G debug log
    deleted but still open, nginx and postgres listening."""
    world = new_world(seed=1)
    host = add_linux_host(world, "web-01")
    now = world.clock.now_ms
    host.procs.spawn(["/sbin/init"], pid=1, ppid=0, start_ms=host.boot_ms, rss_kb=12_288,
                     vsz_kb=167_744)
    host.procs.skip_pids(600)
    nginx = host.procs.spawn(["nginx: master process /usr/sbin/nginx"], pid=712,
                             start_ms=host.boot_ms + 9_000, rss_kb=2_816, vsz_kb=10_340)
    host.listen(80, nginx)
    postgres = host.procs.spawn(["/usr/lib/postgresql/15/bin/postgres", "-D",
                                 "/var/lib/postgresql/15/main"], user="postgres", pid=840,
                                start_ms=host.boot_ms + 11_000, rss_kb=29_876, vsz_kb=217_232)
    host.listen(5432, postgres, address="127.0.0.1")
    host.procs.skip_pids(2143 - 841)
    unit = Unit("myapp", "My App", ["/usr/bin/node", "/opt/myapp/server.js"], user="www-data",
                program_factory=lambda: program)
    host.services.add(unit)
    proc = host.procs.get(unit.main_pid or 0)
    assert proc is not None and proc.pid == 2143
    unit.since_ms = proc.start_ms = now - 56 * MINUTE - 9_000
    host.fs.mkdir("/var/log/myapp", parents=True)
    log = host.procs.open(proc, "/var/log/myapp/app.log", "w")
    host.fs.write(log.inode, b"DEBUG handling request\n" * 50_000)
    host.fs.truncate(log.inode, 64 * GiB)  # the rest is sparse: size without the blocks
    host.procs.open(proc, "/var/log/myapp/access.log", "w")
    host.listen(8080, proc)
    host.fs.unlink("/var/log/myapp/app.log")
    for i, (message, priority) in enumerate([
        ("Server listening on :8080", 6),
        ("DEBUG handling GET /api/orders", 7),
        ("Error: ENOSPC: no space left on device, write", 3),
        ("Error: ENOSPC: no space left on device, write", 3),
        ("request failed status=500", 4),
    ]):
        host.journal.add(JournalEntry(now - (5 - i) * MINUTE, "node", message, unit.name,
                                      proc.pid, priority))
    return host
