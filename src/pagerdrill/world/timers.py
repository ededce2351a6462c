"""systemd timer schedules: OnCalendar= (the common forms) and OnUnitActiveSec=.

A ``TimerSpec`` rides on a ``.timer`` Unit (``Unit.timer``); the service manager
fires it when its next elapse comes and starts the unit it activates.
RandomizedDelaySec= is drawn once per timer (``delay_ms``) so a seed replays the
same schedule.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.process import Process, Signal, SignalAction

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["Oneshot", "TimerSpec", "next_calendar"]

_DAY_MS = 86_400_000
_SHORTHANDS = {"minutely": "*-*-* *:*:00", "hourly": "*-*-* *:00:00",
               "daily": "*-*-* 00:00:00", "weekly": "Mon *-*-* 00:00:00",
               "monthly": "*-*-01 00:00:00"}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SPEC = re.compile(r"^(?:(?P<dow>[A-Za-z,]+)\s+)?(?:\*-\*-(?P<day>\*|\d+)\s+)?"
                   r"(?P<h>\*|[\d,]+):(?P<m>\*|[\d,]+)(?::(?P<s>\d+))?$")


def _values(field: str, top: int) -> list[int]:
    return list(range(top)) if field == "*" else sorted(int(v) for v in field.split(","))


def next_calendar(expression: str, after_ms: int) -> int | None:
    """The first instant after ``after_ms`` matching an OnCalendar= expression (UTC), or
    None for a form this model does not read."""
    match = _SPEC.match(_SHORTHANDS.get(expression.strip(), expression.strip()))
    if match is None:
        return None
    days = [_WEEKDAYS.index(d[:3].title()) for d in (match.group("dow") or "").split(",")
            if d[:3].title() in _WEEKDAYS]
    month_day = match.group("day")
    hours, minutes = _values(match.group("h"), 24), _values(match.group("m"), 60)
    second = int(match.group("s") or 0)
    start = _dt.datetime.fromtimestamp(after_ms // 1000, tz=_dt.UTC).replace(
        hour=0, minute=0, second=0)
    for offset in range(0, 62):
        day = start + _dt.timedelta(days=offset)
        if days and day.weekday() not in days:
            continue
        if month_day not in (None, "*") and day.day != int(month_day or 0):
            continue
        for hour in hours:
            for minute in minutes:
                moment = day.replace(hour=hour, minute=minute, second=second)
                t_ms = int(moment.timestamp()) * 1000
                if t_ms > after_ms:
                    return t_ms
    return None


@dataclass(eq=False)
class TimerSpec:
    """A timer's [Timer] section and its runtime state."""

    activates: str  # "certbot.service"
    on_calendar: str = ""
    on_unit_active_ms: int | None = None
    delay_ms: int = 0  # this run's share of RandomizedDelaySec=
    persistent: bool = False
    last_trigger_ms: int | None = None
    next_ms: int | None = None

    def schedule(self, now_ms: int) -> None:
        """Compute the next elapse from now (or from the last trigger)."""
        candidates = []
        if self.on_calendar:
            base = next_calendar(self.on_calendar, now_ms - self.delay_ms)
            if base is not None:
                candidates.append(base + self.delay_ms)
        if self.on_unit_active_ms is not None:
            last = self.last_trigger_ms if self.last_trigger_ms is not None else now_ms
            candidates.append(max(last + self.on_unit_active_ms, now_ms + 1))
        self.next_ms = min(candidates) if candidates else None

    def due(self, now_ms: int) -> bool:
        return self.next_ms is not None and now_ms >= self.next_ms


class Oneshot:
    """A Type=oneshot service's process: it does its (unmodelled) work and exits."""

    def __init__(self, status: int = 0) -> None:
        self.status = status

    def start(self, host: Host, proc: Process) -> None:
        del host, proc

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        del dt_ms
        host.procs.exit(proc.pid, self.status)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        del host, proc, sig
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        del host, proc
