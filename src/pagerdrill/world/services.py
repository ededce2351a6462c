"""systemd-like units and the journal they write to."""

from __future__ import annotations

import contextlib
import enum
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.process import Process, Program, Signal
from pagerdrill.world.timers import TimerSpec

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = [
    "Journal",
    "JournalEntry",
    "ServiceError",
    "ServiceErrorKind",
    "ServiceManager",
    "Unit",
]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    t_ms: int
    ident: str  # SYSLOG_IDENTIFIER: "systemd", "myapp", "postgres"...
    message: str
    unit: str = ""
    pid: int = 0
    priority: int = 6  # syslog: 3 err, 4 warning, 6 info, 7 debug


class Journal:
    """A host's journal, stored column-wise.

    Journals are long and repeat themselves (stack traces, failing health checks),
    and a session must cost kilobytes: each entry is a few integers in arrays and
    each distinct string is kept once. Readers get ordinary entries back.
    """

    def __init__(self) -> None:
        self._t = array("q")
        self._pid = array("q")
        self._priority = array("b")
        self._ident = array("I")
        self._unit = array("I")
        self._message = array("I")
        self._strings: list[str] = []
        self._ids: dict[str, int] = {}

    def _id(self, text: str) -> int:
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = len(self._strings)
            self._strings.append(text)
        return found

    def add(self, entry: JournalEntry) -> None:
        self._t.append(entry.t_ms)
        self._pid.append(entry.pid)
        self._priority.append(entry.priority)
        self._ident.append(self._id(entry.ident))
        self._unit.append(self._id(entry.unit))
        self._message.append(self._id(entry.message))

    def __len__(self) -> int:
        return len(self._t)

    @property
    def entries(self) -> list[JournalEntry]:
        """Every entry, oldest first as written (a fresh list on each read)."""
        text = self._strings
        return [JournalEntry(t, text[i], text[m], text[u], pid, prio) for t, i, m, u, pid, prio
                in zip(self._t, self._ident, self._message, self._unit, self._pid,
                       self._priority, strict=True)]

    def sort_by_time(self) -> None:
        """Order entries by time (stable), after a scenario wrote history out of order."""
        order = sorted(range(len(self._t)), key=self._t.__getitem__)
        for column in (self._t, self._pid, self._priority, self._ident, self._unit,
                       self._message):
            column[:] = array(column.typecode, (column[i] for i in order))


ProgramFactory = Callable[[], Program]


@dataclass(eq=False)
class Unit:
    name: str  # "myapp.service"
    description: str
    exec_start: list[str]
    unit_path: str = ""
    user: str = "root"
    program_factory: ProgramFactory | None = None
    enabled: bool = True
    restart: str = "on-failure"  # no | always | on-failure
    restart_sec_ms: int = 100
    reloadable: bool = True  # has ExecReload (we send SIGHUP, the common case)
    state: str = "inactive"  # active | inactive | failed | activating | deactivating
    sub_state: str = "dead"  # running | dead | failed | exited | auto-restart
    since_ms: int = 0
    main_pid: int | None = None
    result: str = "success"
    last_exit_status: int | None = None
    tasks: int = 1
    restarts: int = 0
    pending_restart_ms: int | None = field(default=None, repr=False)
    # The main process that last ran (systemctl status shows how it ended).
    last_pid: int | None = None
    last_argv: list[str] = field(default_factory=list)
    # ExecStartPre=/ExecReload= that can fail (``nginx -t``): called with "start" or
    # "reload", it writes its own output to the journal and returns its exit status.
    control: Callable[[str], int] | None = field(default=None, repr=False)
    # A .timer unit: its schedule (it runs no process; firing starts ``timer.activates``).
    timer: TimerSpec | None = None

    @property
    def label(self) -> str:
        """How systemd 252 names a unit in its messages: ``myapp.service - My App``."""
        return f"{self.name} - {self.description}"

    @property
    def short_name(self) -> str:
        return self.name.removesuffix(".service")


class ServiceErrorKind(enum.Enum):
    NOT_FOUND = "not-found"
    RELOAD_NOT_APPLICABLE = "reload-not-applicable"
    ACCESS_DENIED = "access-denied"
    CONTROL_FAILED = "control-failed"  # ExecStartPre= or ExecReload= exited non-zero


class ServiceError(Exception):
    def __init__(self, kind: ServiceErrorKind, unit: str) -> None:
        super().__init__(f"{kind.value}: {unit}")
        self.kind = kind
        self.unit = unit


class ServiceManager:
    """PID 1's view of a host's services: start, stop, restart, reload, status."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.units: dict[str, Unit] = {}

    def _log(self, unit: Unit, message: str, priority: int = 6) -> None:
        self.host.journal.add(
            JournalEntry(self.host.now_ms(), "systemd", message, unit.name, 1, priority)
        )

    def add(self, unit: Unit, *, start: bool = True) -> Unit:
        if "." not in unit.name:
            unit.name += ".service"
        self.units[unit.name] = unit
        unit.since_ms = self.host.clock.now_ms
        if start:
            self._spawn(unit, quiet=True)
        return unit

    def find(self, name: str) -> Unit:
        full = name if "." in name else name + ".service"
        unit = self.units.get(full)
        if unit is None:
            raise ServiceError(ServiceErrorKind.NOT_FOUND, full)
        return unit

    def main_process(self, unit: Unit) -> Process | None:
        return self.host.procs.get(unit.main_pid) if unit.main_pid else None

    def _spawn(self, unit: Unit, *, quiet: bool = False) -> None:
        if unit.timer is not None:  # a timer waits for its next elapse; no process
            unit.state, unit.sub_state, unit.result = "active", "waiting", "success"
            unit.since_ms = self.host.clock.now_ms
            unit.timer.schedule(self.host.clock.now_ms)
            if not quiet:
                self._log(unit, f"Started {unit.label}.")
            return
        program = unit.program_factory() if unit.program_factory else None
        proc = self.host.procs.spawn(unit.exec_start, user=unit.user, program=program,
                                     unit=unit.name)
        unit.main_pid = proc.pid
        unit.state, unit.sub_state, unit.result = "active", "running", "success"
        unit.since_ms = self.host.clock.now_ms
        unit.pending_restart_ms = None
        if not quiet:
            self._log(unit, f"Started {unit.label}.")

    def start(self, name: str) -> Unit:
        unit = self.find(name)
        if unit.state != "active":
            self._log(unit, f"Starting {unit.label}...")
            if unit.control is not None and unit.control("start") != 0:
                self._control_failed(unit, "Failed to start")
                unit.state, unit.sub_state, unit.result = "failed", "failed", "exit-code"
                unit.since_ms, unit.pending_restart_ms = self.host.now_ms(), None
                raise ServiceError(ServiceErrorKind.CONTROL_FAILED, unit.name)
            self._spawn(unit)
        return unit

    def _control_failed(self, unit: Unit, what: str) -> None:
        self._log(unit, f"{unit.name}: Control process exited, code=exited, status=1/FAILURE",
                  5)
        if what == "Failed to start":
            self._log(unit, f"{unit.name}: Failed with result 'exit-code'.", 4)
        self._log(unit, f"{what} {unit.label}.", 3)

    def stop(self, name: str) -> Unit:
        unit = self.find(name)
        proc = self.main_process(unit)
        unit.pending_restart_ms = None
        if proc is not None:
            self._log(unit, f"Stopping {unit.label}...")
            unit.state = "deactivating"
            unit.last_pid, unit.last_argv = proc.pid, list(proc.argv)
            self.host.procs.kill(proc.pid, Signal.SIGTERM)
            if self.host.procs.get(proc.pid) is not None:  # ignored SIGTERM: systemd escalates
                self.host.procs.exit(proc.pid, 128 + Signal.SIGKILL)
            unit.last_exit_status = proc.exit_status
            self._log(unit, f"{unit.name}: Deactivated successfully.")
            self._log(unit, f"Stopped {unit.label}.")
        unit.state, unit.sub_state, unit.main_pid = "inactive", "dead", None
        unit.since_ms = self.host.clock.now_ms
        return unit

    def enable(self, name: str) -> bool:
        """Mark a unit enabled at boot; False when it already was."""
        unit = self.find(name)
        changed = not unit.enabled
        unit.enabled = True
        return changed

    def disable(self, name: str) -> bool:
        """Stop a unit starting at boot; False when it already was disabled."""
        unit = self.find(name)
        changed = unit.enabled
        unit.enabled = False
        return changed

    def restart(self, name: str) -> Unit:
        self.stop(name)
        return self.start(name)

    def reload(self, name: str) -> Unit:
        unit = self.find(name)
        if not unit.reloadable:
            raise ServiceError(ServiceErrorKind.RELOAD_NOT_APPLICABLE, unit.name)
        proc = self.main_process(unit)
        if proc is not None:
            self._log(unit, f"Reloading {unit.label}...")
            if unit.control is not None and unit.control("reload") != 0:
                self._control_failed(unit, "Reload failed for")
                raise ServiceError(ServiceErrorKind.CONTROL_FAILED, unit.name)
            self.host.procs.kill(proc.pid, Signal.SIGHUP)
            self._log(unit, f"Reloaded {unit.label}.")
        return unit

    def on_process_exit(self, proc: Process) -> None:
        """A unit's main process died: record the failure and apply Restart=."""
        unit = self.units.get(proc.unit)
        if unit is None or unit.main_pid != proc.pid or unit.state == "deactivating":
            return
        status = proc.exit_status or 0
        unit.main_pid = None
        unit.last_pid, unit.last_argv = proc.pid, list(proc.argv)
        unit.last_exit_status = status
        unit.since_ms = self.host.clock.now_ms
        if status > 128:
            sig = Signal(status - 128).name if status - 128 in Signal._value2member_map_ else ""
            self._log(unit, f"{unit.name}: Main process exited, code=killed, status={status - 128}/"
                      f"{sig.removeprefix('SIG')}", 5)
            unit.result = "oom-kill" if proc.oom_killed else "signal"
        elif status:
            self._log(unit, f"{unit.name}: Main process exited, code=exited, "
                      f"status={status}/FAILURE", 5)
            unit.result = "exit-code"
        if status == 0 and unit.restart != "always":
            unit.state, unit.sub_state = "inactive", "dead"
            self._log(unit, f"{unit.name}: Deactivated successfully.")
            return
        self._log(unit, f"{unit.name}: Failed with result '{unit.result}'.", 4)
        if unit.restart in ("always", "on-failure"):
            unit.state, unit.sub_state = "activating", "auto-restart"
            unit.pending_restart_ms = self.host.clock.now_ms + unit.restart_sec_ms
        else:
            unit.state, unit.sub_state = "failed", "failed"

    def tick(self) -> None:
        now = self.host.clock.now_ms
        self._fire_timers(now)
        for unit in self.units.values():
            if unit.pending_restart_ms is not None and now >= unit.pending_restart_ms:
                unit.restarts += 1
                self._log(unit, f"{unit.name}: Scheduled restart job, restart counter is at "
                          f"{unit.restarts}.")
                self._log(unit, f"Stopped {unit.label}.")
                self._log(unit, f"Started {unit.label}.")
                self._spawn(unit, quiet=True)

    def _fire_timers(self, now: int) -> None:
        """Start what each due timer activates (unless it is still running)."""
        for unit in list(self.units.values()):
            timer = unit.timer
            if timer is None or unit.state != "active" or not timer.due(now):
                continue
            timer.last_trigger_ms = now
            timer.schedule(now)
            target = self.units.get(timer.activates)
            if target is not None and target.state not in ("active", "activating"):
                with contextlib.suppress(ServiceError):  # a failed start is in the journal
                    self.start(target.name)
