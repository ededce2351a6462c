"""systemd timers: OnCalendar= schedules, firing, and the unit they start."""

from __future__ import annotations

import datetime as dt

from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit
from pagerdrill.world.timers import Oneshot, TimerSpec, next_calendar
from pagerdrill.world.world import World


def ms(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)


def test_calendar_forms() -> None:
    now = ms("2026-04-14T07:42:00")  # a Tuesday
    assert next_calendar("*-*-* 00,12:00:00", now) == ms("2026-04-14T12:00:00")
    assert next_calendar("daily", now) == ms("2026-04-15T00:00:00")
    assert next_calendar("*-*-* 6,18:00", now) == ms("2026-04-14T18:00:00")
    assert next_calendar("weekly", now) == ms("2026-04-20T00:00:00")
    assert next_calendar("Sun *-*-* 03:10:00", now) == ms("2026-04-19T03:10:00")
    assert next_calendar("hourly", now) == ms("2026-04-14T08:00:00")
    assert next_calendar("*-*-01 00:00:00", now) == ms("2026-05-01T00:00:00")
    assert next_calendar("Mon..Fri 09:00", now) is None  # a form the model does not read


def add_timer(host: Host) -> tuple[Unit, Unit]:
    service = host.services.add(Unit("job.service", "A job", ["/usr/bin/job"], restart="no",
                                     reloadable=False, program_factory=Oneshot), start=False)
    timer = host.services.add(Unit("job.timer", "Run the job", [], timer=TimerSpec(
        "job.service", on_unit_active_ms=60_000)))
    return timer, service


def test_a_timer_waits_then_starts_its_service(world: World, host: Host) -> None:
    timer, service = add_timer(host)
    assert (timer.state, timer.sub_state, timer.main_pid) == ("active", "waiting", None)
    assert timer.timer is not None and timer.timer.next_ms == world.clock.now_ms + 60_000
    world.advance(61)
    assert timer.timer.last_trigger_ms is not None
    assert service.restarts == 0 and service.last_exit_status == 0
    assert service.state == "inactive"  # the oneshot ran and exited
    messages = [e.message for e in host.journal.entries if e.unit == "job.service"]
    assert "Starting job.service - A job..." in messages


def test_a_stopped_timer_never_fires(world: World, host: Host) -> None:
    timer, service = add_timer(host)
    host.services.stop("job.timer")
    world.advance(120)
    assert timer.state == "inactive" and service.last_pid is None
