"""The debrief report (data) and its text rendering."""

from __future__ import annotations

import json

from game.kit import SOLUTION, new_session
from pagerdrill.game.debrief import build_report, format_duration, format_t, render_debrief


def test_format_t_and_duration() -> None:
    assert [format_t(s) for s in (0, 9.9, 250, 3723, -30)] == \
        ["+00:00", "+00:09", "+04:10", "+1:02:03", "-00:30"]
    assert [format_duration(s) for s in (45, 725, 3720)] == ["45s", "12m05s", "1h02m"]


def test_report_of_a_clean_resolution() -> None:
    session = new_session()
    session.submit("diagnose 2")
    for line in SOLUTION:
        session.submit(line)
    report = build_report(session)
    assert report.outcome == "resolved" and report.end_reason == "all-objectives"
    assert report.time_to_mitigate == 20.0 and report.time_to_resolve == 30.0
    assert report.user_impact == 20.0
    assert [o.met_at for o in report.objectives] == [20.0, 30.0, 40.0]
    assert report.diagnosis is not None and report.diagnosis.first_try
    assert (report.score.total, report.score.grade) == (100, "A")
    json.dumps(report.to_json())  # the web renders the same data


def test_report_of_a_messy_drill() -> None:
    session = new_session()
    for line in ["hint", "diagnose 1", "diagnose 2", "touch /tmp/restarted-db",
                 "touch /run/app.up", "rm /run/app.up", "end"]:
        session.submit(line)
    report = build_report(session)
    assert report.outcome == "unresolved"
    assert report.objectives[0].lost_at == [60.0]
    d = report.diagnosis
    assert d is not None and d.correct and not d.first_try and d.attempts == 2
    assert [t.id for t in report.traps] == ["restart-db"]
    assert report.destructive_actions == []
    assert report.hints_used == 1


def test_rendered_debrief_has_every_section() -> None:
    session = new_session()
    for line in ["echo look", "diagnose 1", "touch /run/app.up", "rm /srv/data"]:
        session.submit(line)
    text = render_debrief(build_report(session))
    assert "FAILED: an action caused damage the drill cannot recover from." in text
    assert "Score 20/100, grade F" in text
    assert "  YOUR TIMELINE                           EXPERT PATH" in text
    assert "  +00:10  echo look                       1. status" in text
    assert "  +00:30  touch /run/app.up" in text
    assert "diagnose 1" not in text.split("Why the expert path")[0]  # game commands left out
    assert "  1. see what is wrong" in text
    assert "  ✓ mitigate  The app serves again  (met +00:30)" in text
    assert "Time to mitigate: 30s after the page" in text
    assert "Time to resolve:  never" in text
    assert "  You declared: The disk is full (wrong, 1 attempt(s))" in text
    assert "  The root cause: The consumer is stuck" in text
    assert "  +00:40  DESTRUCTIVE Deleted /srv/data: The orders are gone." in text
    assert text.rstrip().endswith("Takeaway\n  Watch your consumers.")


def test_debrief_without_a_diagnosis_or_traps() -> None:
    session = new_session()
    session.submit("end")
    text = render_debrief(build_report(session))
    assert "You did not declare a root cause" in text
    assert "Destructive actions and traps\n  None." in text


def test_long_commands_are_clipped_in_the_timeline() -> None:
    session = new_session()
    session.submit("echo " + "x" * 80)
    row = next(r for r in render_debrief(build_report(session)).splitlines()
               if r.startswith("  +00:10"))
    assert row.startswith("  +00:10  echo xxxx") and "…" in row
