"""The in-game dashboard: a time axis, a range argument, and history from before the page."""

from __future__ import annotations

import re

from game.kit import new_session
from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.ingame import sparkline, time_sparkline
from pagerdrill.game.session import Session
from pagerdrill.world.telemetry import Sample


def _bars(line: str) -> str:
    found = re.search("[▁▂▃▄▅▆▇█]+", line)
    assert found is not None, line
    return found.group()


def test_evenly_spaced_samples_draw_as_before() -> None:
    values = [1.0, 5.0, 3.0, 8.0, 2.0, 7.0]
    samples = [Sample(i * 10_000, v) for i, v in enumerate(values)]
    assert time_sparkline(samples) == sparkline(values) == "▁▅▃█▂▇"


def test_coarse_history_is_spread_over_its_time() -> None:
    # One sample an hour for three hours, then one every 10s for an hour: the past keeps
    # three quarters of the width, drawn as lines between its samples.
    hour = 3_600_000
    samples = [Sample(0, 0.0), Sample(hour, 70.0), Sample(2 * hour, 0.0)]
    samples += [Sample(3 * hour + i * 10_000, 100.0) for i in range(1, 361)]
    line = time_sparkline(samples, width=12, bounds=(0.0, 100.0))
    assert line == "▁▃▄▆▄▃▁▃▆███"
    assert sparkline([s.value for s in samples], width=12, bounds=(0.0, 100.0)) == \
        "████████████"  # by count, the three hours of history vanish into one character


def test_dashboard_takes_a_range() -> None:
    session = new_session()
    session.submit("sleep 60")
    out = session.submit("dashboard 6h").output.splitlines()
    assert out[0] == "Dashboard: last 6 hours, now +01:20"
    assert session.submit("dashboard 90m").output.startswith("Dashboard: last 90 minutes,")
    assert session.submit("dashboard 1d").output.startswith("Dashboard: last 1 day,")


def test_dashboard_refuses_a_bad_range() -> None:
    session = new_session()
    for line in ("dashboard 3x", "dashboard 0", "dashboard 45d", "dashboard 1h 2h"):
        turn = session.submit(line)
        assert turn.exit_status == 2
        assert turn.output == (f"dashboard: {line.removeprefix('dashboard ')}: not a time range "
                               "(e.g. 30m, 6h, 2d; at most 30d)\n")


def test_history_shows_from_the_first_command() -> None:
    session = Session(find_scenario("disk-full"), seed=0)
    lines = session.submit("dashboard").output.splitlines()
    assert lines[0] == "Dashboard: last 30 minutes, now +00:10"
    disk, health = lines[1], lines[2]
    assert disk.startswith("  Disk used on / (web-01)      █") and disk.endswith("100%")
    # Healthy until the disk filled, 15 minutes before the page: half the window.
    bars = _bars(health)
    assert len(bars) == 36 and bars.startswith("█" * 10) and bars.endswith("▁" * 10)
    week = session.submit("dashboard 7d").output.splitlines()[1]
    bars = _bars(week)
    assert bars[0] in "▄▅▆" and bars[-1] == "█"  # the disk filled over the week
