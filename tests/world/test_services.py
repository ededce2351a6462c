"""systemd-like units: start/stop/restart/reload, Restart= and the journal."""

from __future__ import annotations

import pytest

from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import ServiceError, ServiceErrorKind, Unit


class _Crasher:
    def start(self, host: Host, proc: Process) -> None:
        pass

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        host.procs.exit(proc.pid, 1)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        pass


def _unit(**kwargs: object) -> Unit:
    return Unit("myapp", "My App", ["/usr/bin/myapp"], **kwargs)  # type: ignore[arg-type]


def test_add_start_stop_restart(host: Host) -> None:
    unit = host.services.add(_unit())
    assert unit.name == "myapp.service" and unit.state == "active"
    first = unit.main_pid
    host.services.restart("myapp")
    assert unit.main_pid != first and host.procs.get(first or 0) is None
    host.services.stop("myapp.service")
    assert unit.state == "inactive" and unit.main_pid is None
    messages = [e.message for e in host.journal.entries]
    assert "Stopping myapp.service - My App..." in messages
    assert "Stopped myapp.service - My App." in messages


def test_unknown_unit(host: Host) -> None:
    with pytest.raises(ServiceError) as caught:
        host.services.restart("nope")
    assert caught.value.kind is ServiceErrorKind.NOT_FOUND
    assert caught.value.unit == "nope.service"


def test_reload_sends_sighup_or_is_not_applicable(host: Host) -> None:
    host.services.add(_unit(reloadable=False))
    with pytest.raises(ServiceError) as caught:
        host.services.reload("myapp")
    assert caught.value.kind is ServiceErrorKind.RELOAD_NOT_APPLICABLE


def test_crashing_service_is_restarted_by_policy(host: Host) -> None:
    unit = host.services.add(_unit(program_factory=_Crasher, restart_sec_ms=5000))
    host.world.advance(1)
    assert unit.state == "activating" and unit.result == "exit-code"
    host.world.advance(5)
    assert unit.restarts == 1
    log = "\n".join(e.message for e in host.journal.entries)
    assert "Main process exited, code=exited, status=1/FAILURE" in log
    assert "Scheduled restart job, restart counter is at 1." in log


def test_no_restart_policy_leaves_unit_failed(host: Host) -> None:
    unit = host.services.add(_unit(program_factory=_Crasher, restart="no"))
    host.world.advance(1)
    assert (unit.state, unit.sub_state) == ("failed", "failed")


def test_killed_main_process_is_recorded(host: Host) -> None:
    unit = host.services.add(_unit(restart="no"))
    host.procs.kill(unit.main_pid or 0, Signal.SIGKILL)
    assert unit.result == "signal"
    assert any("code=killed, status=9/KILL" in e.message for e in host.journal.entries)


def test_journal_keeps_entries_and_sorts_history_written_late() -> None:
    from pagerdrill.world.services import Journal, JournalEntry

    journal = Journal()
    late = JournalEntry(2000, "node", "Error: Cannot acquire connection from pool", "api.service",
                        42, 3)
    early = JournalEntry(1000, "systemd", "Started api.service - API.", "api.service", 1)
    journal.add(late)
    journal.add(early)
    journal.add(late)
    assert journal.entries == [late, early, late] and len(journal) == 3
    journal.sort_by_time()
    assert journal.entries == [early, late, late]
    assert journal.entries[1].message is journal.entries[2].message  # stored once
