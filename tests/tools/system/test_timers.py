"""systemctl list-timers and timer status, in systemd 252's layout."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit
from pagerdrill.world.timers import Oneshot, TimerSpec

HOUR = 3_600_000


def add(host: Host, name: str, calendar: str, *, last_ago_ms: int | None = None,
        start: bool = True) -> Unit:
    service = name.replace(".timer", ".service")
    host.services.add(Unit(service, f"{service} job", ["/bin/true"], restart="no",
                           reloadable=False, program_factory=Oneshot), start=False)
    spec = TimerSpec(service, on_calendar=calendar)
    unit = host.services.add(Unit(name, f"Run {service}", [], timer=spec), start=start)
    if last_ago_ms is not None:
        spec.last_trigger_ms = host.clock.now_ms - last_ago_ms
    return unit


def test_list_timers_table(prod: Host) -> None:  # the page is Tue 2026-03-17 03:07 UTC
    add(prod, "logrotate.timer", "daily", last_ago_ms=3 * HOUR + 7 * 60_000)
    add(prod, "certbot.timer", "*-*-* 00,12:00:00", last_ago_ms=3 * HOUR + 7 * 60_000)
    add(prod, "fstrim.timer", "weekly")
    add(prod, "e2scrub_all.timer", "Sun *-*-* 03:10:00", start=False)
    result = run_tool(prod, ["systemctl", "list-timers"])
    rows = [
        ("NEXT                        LEFT        LAST                        PASSED      UNIT"
         "            ACTIVATES"),
        ("Tue 2026-03-17 12:00:00 UTC 8h left     Tue 2026-03-17 00:00:00 UTC 3h 7min ago "
         "certbot.timer   certbot.service"),
        ("Wed 2026-03-18 00:00:00 UTC 20h left    Tue 2026-03-17 00:00:00 UTC 3h 7min ago "
         "logrotate.timer logrotate.service"),
        ("Mon 2026-03-23 00:00:00 UTC 5 days left -                           -           "
         "fstrim.timer    fstrim.service"),
        "", "3 timers listed.", "Pass --all to see loaded but inactive timers, too."]
    assert (result.out, result.status) == ("\n".join(rows) + "\n", 0)
    everything = run_tool(prod, ["systemctl", "list-timers", "--all"]).out
    assert "e2scrub_all.timer" in everything and "4 timers listed.\n" in everything


def test_timer_status_and_triggered_by(prod: Host) -> None:
    add(prod, "certbot.timer", "*-*-* 00,12:00:00")
    timer = run_tool(prod, ["systemctl", "status", "certbot.timer"]).out.splitlines()
    assert timer[0] == "● certbot.timer - Run certbot.service"
    assert timer[2].startswith("     Active: active (waiting) since Tue 2026-03-17 03:07:00 UTC")
    assert timer[3] == "    Trigger: Tue 2026-03-17 12:00:00 UTC; 8h left"
    assert timer[4] == "   Triggers: ○ certbot.service"
    service = run_tool(prod, ["systemctl", "status", "certbot.service"]).out.splitlines()
    assert service[3] == "TriggeredBy: ● certbot.timer"


def test_stopping_a_missing_unit_says_not_loaded(prod: Host) -> None:
    stop = run_tool(prod, ["systemctl", "stop", "apache2"])
    assert (stop.err, stop.status) == (
        "Failed to stop apache2.service: Unit apache2.service not loaded.\n", 5)
    start = run_tool(prod, ["systemctl", "start", "apache2"])
    assert start.err == "Failed to start apache2.service: Unit apache2.service not found.\n"


def test_list_timers_patterns(prod: Host) -> None:
    add(prod, "logrotate.timer", "daily")
    add(prod, "certbot.timer", "*-*-* 00,12:00:00")
    out = run_tool(prod, ["systemctl", "list-timers", "cert*"]).out
    assert "certbot.timer" in out and "logrotate" not in out and "1 timer listed." in out
