"""In-game commands: one line in, the start of the reply out."""

from __future__ import annotations

from game.kit import new_session
from pagerdrill.game.ingame import complete_game_command, run_game_command, sparkline


def reply(line: str, setup: list[str] | None = None) -> str:
    session = new_session()
    for earlier in setup or []:
        session.submit(earlier)
    return session.submit(line).output


def test_status_shows_objectives_clock_and_impact() -> None:
    out = reply("status", ["touch /run/app.up"])
    assert out.splitlines() == [
        "The queue that would not drain: +00:20 since the page",
        "Objectives:",
        "  ✓ mitigate  The app serves again  (met +00:10)",
        "  ✗ resolve   The stuck consumer is fixed",
        "  ✗ prevent   A backlog alert exists",
        "User impact so far: 10s of users unserved",
        "Hints used: 0/3   Diagnosis: not declared",
    ]


def test_status_shows_a_lost_mitigation() -> None:
    out = reply("status", ["touch /run/app.up", "rm /run/app.up"])
    assert "  ✗ mitigate  The app serves again  (met +00:10, LOST +00:20)" in out
    assert "User impact so far: 20s of users unserved (ongoing)" in out


def test_hints_are_progressive_and_counted() -> None:
    session = new_session()
    outs = [session.submit("hint").output for _ in range(4)]
    assert outs == ["Hint 1/3: Look at the queue.\n", "Hint 2/3: Who consumes it?\n",
                    "Hint 3/3: touch /etc/app/fixed\n", "No more hints (you have used all 3).\n"]
    assert session.hints_used == 3


def test_diagnose_lists_the_numbered_candidates() -> None:
    assert reply("diagnose") == (
        "What is the root cause? Declare it with `diagnose N`:\n"
        "  1. The disk is full\n"
        "  2. The consumer is stuck\n")


def test_diagnose_wrong_then_right() -> None:
    session = new_session()
    assert session.submit("diagnose 1").output.startswith("✗ That is not the root cause.")
    assert session.submit("diagnose 2").output.startswith("✓ Root cause declared: The consumer")
    assert session.submit("diagnose 1").output == \
        "You already identified the root cause (#2).\n"
    assert [(d.number, d.correct) for d in session.diagnoses] == [(1, False), (2, True)]


def test_diagnose_rejects_a_bad_number() -> None:
    session = new_session()
    turn = session.submit("diagnose 9")
    assert (turn.output, turn.exit_status) == ("diagnose: 9: not a candidate number (1-2)\n", 2)
    assert session.diagnoses == []


def test_alerts_firing_and_resolved() -> None:
    assert reply("alerts") == "No alerts firing.\n"
    out = reply("alerts", ["sleep 30"])
    assert out.startswith("Firing:\n  critical  QueueBacklog  Job queue above 50  (since +00:")
    session = new_session()
    session.submit("sleep 30")
    session.world.facts["queue"] = 0.0
    session.submit("touch /etc/app/fixed")
    out = session.submit("alerts").output
    assert "Resolved in the last 30 minutes:" in out and "resolved +00:" in out


def test_dashboard_draws_each_gauge() -> None:
    out = reply("dashboard", ["sleep 120"])
    lines = out.splitlines()
    assert lines[0] == "Dashboard: last 30 minutes, now +02:20"
    assert lines[1].startswith("  Job queue depth  ▁") and lines[1].endswith(" jobs")
    assert lines[2].startswith("  CPU busy         ▅") and lines[2].endswith("50.0%")


def test_chat_shows_the_incident_channel() -> None:
    assert reply("chat") == "#incident: no messages yet.\n"
    assert reply("chat", ["sleep 70"]).splitlines()[1].endswith(
        "vp-eng: Any update? Customers are asking.")


def test_end_ends_the_drill() -> None:
    session = new_session()
    turn = session.submit("end")
    assert turn.game_command and session.end_reason == "end"


def test_help_lists_the_game_commands_and_help_name_goes_to_bash() -> None:
    assert "  diagnose      list the possible root causes" in reply("help")
    assert reply("help cd") == "bash: help: command not found\n"  # the stub shell's answer


def test_shell_syntax_and_arguments_go_to_the_shell_or_fail() -> None:
    session = new_session()
    assert run_game_command(session, "status | less") is None
    assert run_game_command(session, "echo status") is None
    bad = run_game_command(session, "status now")
    assert bad is not None and bad.exit_status == 2


def test_game_commands_cost_time_but_are_not_shell_commands() -> None:
    session = new_session()
    turn = session.submit("status")
    assert turn.t == 10.0 and turn.game_command
    assert session.shell.history == []  # type: ignore[attr-defined]


def test_completion_offers_game_commands_first() -> None:
    assert complete_game_command("di") == ["diagnose"]
    assert complete_game_command("diagnose ") == []
    assert new_session().complete("e") == ["end", "echo"]


def test_sparkline_scales_and_buckets() -> None:
    assert sparkline([0, 50, 100], bounds=(0, 100)) == "▁▅█"
    assert sparkline([3, 3, 3]) == "▄▄▄"
    assert sparkline(list(range(100)), width=10) == "▂▂▃▄▄▅▆▇▇█"  # bucket peaks 9, 19... 99
    assert sparkline([]) == ""


def test_dashboard_values_scale_byte_units() -> None:
    from pagerdrill.game.ingame import format_value

    assert format_value(66825428992, "B") == "62.2 GiB"
    assert format_value(601715, "KiB") == "588 MiB"
    assert format_value(512, "B") == "512 B"
    assert format_value(99.5, "%") == "99.5%"
    assert format_value(3.0, "req/s") == "3.0 req/s"
