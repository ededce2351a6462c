"""The session: time, turns, objectives, traps, events, the log and its replay."""

from __future__ import annotations

import json

import pytest

from game.kit import SOLUTION, make_scenario, new_session, stub_factory
from pagerdrill.game.events import (
    AlertEvent,
    ChatEvent,
    DrillEndedEvent,
    Event,
    ObjectiveEvent,
    TrapEvent,
)
from pagerdrill.game.model import TimeRules
from pagerdrill.game.session import COMMAND_COST_MS, DrillOver, LogEntry, Outcome, Session


def test_start_puts_the_player_on_the_start_host() -> None:
    session = new_session()
    assert session.prompt() == "root@web-01:~# "
    assert session.t == 0
    assert not session.finished
    assert session.outcome is Outcome.UNRESOLVED


def test_scripted_commands_cost_ten_seconds_each() -> None:
    session = new_session()
    first = session.submit("echo hi")
    second = session.submit("echo again")
    assert (first.t, second.t) == (10.0, 20.0)
    assert first.output == "hi\n" and first.exit_status == 0
    assert first.prompt == "root@web-01:~# "
    assert [e.t_ms for e in session.log] == [COMMAND_COST_MS, 2 * COMMAND_COST_MS]


def test_sleep_adds_its_time_to_the_next_command() -> None:
    session = new_session()
    session.submit("sleep 30")
    assert session.submit("echo after").t == 50.0


def test_interactive_time_comes_from_the_front_end() -> None:
    session = new_session()
    assert session.submit("echo a", at_ms=2500).t == 2.5
    assert session.submit("echo b", at_ms=65_000).t == 65.0
    # Time never goes backwards, even if the front end's clock lags the world, and
    # each line costs at least the scenario's per-command time (2 s by default).
    session.submit("sleep 100", at_ms=68_000)
    assert session.submit("echo c", at_ms=70_000).t == 170.0
    assert session.submit("echo d", at_ms=170_500).t == 172.0


def test_the_scenario_time_rules_apply() -> None:
    rules = TimeRules(limit_ms=120_000, per_command_ms=15_000, speed=2.0)
    session = new_session(scenario=make_scenario(time=rules))
    assert session.submit("echo scripted").t == 15.0  # the per-command floor beats 10 s
    assert session.submit("echo fast", at_ms=10_000).t == 30.0
    assert session.submit("echo scaled", at_ms=30_000).t == 60.0  # 2 simulated s per real s
    turn = session.submit("echo late", at_ms=600_000)
    assert turn.t == 120.0  # stopped at the limit
    assert session.end_reason == "time-limit"
    assert isinstance(turn.events[-1], DrillEndedEvent)
    again = Session.replay(session.scenario, 0, session.log, shell_factory=stub_factory)
    assert _transcript(again) == _transcript(session)


def test_unknown_command_and_internal_errors_do_not_crash() -> None:
    session = new_session()
    assert session.submit("nosuch").output == "bash: nosuch: command not found\n"
    turn = session.submit("boom")
    assert turn.exit_status == 70
    assert turn.output == "pagerdrill: internal error: RuntimeError: tool bug\n"


def test_objectives_are_recorded_when_first_met() -> None:
    session = new_session()
    session.submit("echo look")
    turn = session.submit("touch /run/app.up")
    met = [e for e in turn.events if isinstance(e, ObjectiveEvent)]
    assert [(e.objective_id, e.met, e.t) for e in met] == [("up", True, 20.0)]
    assert session.mitigated_at == 20.0 and session.resolved_at is None
    assert session.outcome is Outcome.MITIGATED


def test_lost_mitigation_is_recorded_and_reported() -> None:
    session = new_session()
    session.submit("touch /run/app.up")
    turn = session.submit("rm /run/app.up")
    lost = [e for e in turn.events if isinstance(e, ObjectiveEvent)]
    assert [(e.objective_id, e.met) for e in lost] == [("up", False)]
    state = session.objectives[0]
    assert state.met_at == 10.0 and state.lost_at == [20.0] and not state.met
    assert session.outcome is Outcome.UNRESOLVED
    assert session.mitigated_at == 10.0  # the first time still counts for the clock


def test_all_objectives_end_the_drill_resolved() -> None:
    session = new_session()
    for line in SOLUTION:
        turn = session.submit(line)
    assert session.finished and session.end_reason == "all-objectives"
    assert session.outcome is Outcome.RESOLVED
    assert isinstance(turn.events[-1], DrillEndedEvent)
    assert turn.events[-1].outcome == "resolved"
    with pytest.raises(DrillOver):
        session.submit("echo late")


def test_resolved_without_prevent_is_still_resolved() -> None:
    session = new_session()
    session.submit("touch /run/app.up")
    session.submit("touch /etc/app/fixed")
    assert session.outcome is Outcome.RESOLVED and not session.finished


def test_penalty_trap_is_recorded_once_silently_and_the_drill_goes_on() -> None:
    session = new_session()
    turn = session.submit("touch /tmp/restarted-db")
    assert not [e for e in turn.events if isinstance(e, TrapEvent)]  # the debrief tells
    session.submit("echo again")
    assert [h.trap.id for h in session.traps] == ["restart-db"]
    assert not session.finished


def test_fail_trap_ends_the_drill_as_failed() -> None:
    session = new_session()
    session.submit("touch /run/app.up")
    turn = session.submit("rm /srv/data")
    assert session.finished and session.end_reason == "trap"
    assert session.outcome is Outcome.FAILED
    trap = next(e for e in turn.events if isinstance(e, TrapEvent))
    assert trap.fatal and trap.destructive


def test_alerts_and_chat_arrive_as_events() -> None:
    session = new_session()
    events: list[Event] = []
    for _ in range(8):
        events += session.submit("echo wait").events
    alerts = [e for e in events if isinstance(e, AlertEvent)]
    chats = [e for e in events if isinstance(e, ChatEvent)]
    assert alerts and alerts[0].name == "QueueBacklog" and alerts[0].state == "firing"
    assert alerts[0].severity == "critical"
    assert [c.author for c in chats] == ["vp-eng"]
    assert 60 <= chats[0].t <= 70


def test_alert_resolves_after_the_fix() -> None:
    session = new_session()
    session.submit("sleep 60")
    session.world.facts["queue"] = 0.0
    turn = session.submit("touch /etc/app/fixed")
    assert any(isinstance(e, AlertEvent) and e.state == "resolved" for e in turn.events)


def test_exit_at_the_outermost_shell_ends_the_drill() -> None:
    session = new_session()
    session.submit("exit")
    assert session.finished and session.end_reason == "exit"


def test_stop_ends_without_a_turn() -> None:
    session = new_session()
    session.submit("echo x")
    session.stop("eof")
    assert session.finished and len(session.transcript) == 1 and session.t == 10


def test_user_impact_counts_until_mitigation() -> None:
    session = new_session()
    session.submit("echo a")
    session.submit("touch /run/app.up")
    session.submit("echo b")
    assert session.user_impact == 20.0
    session.submit("rm /run/app.up")
    session.submit("echo c")
    assert session.user_impact == 30.0


def test_missing_start_host_is_a_clear_error() -> None:
    from pagerdrill.game.model import PlayerStart

    with pytest.raises(ValueError, match="no host 'db-01'"):
        new_session(scenario=make_scenario(player=PlayerStart("db-01")))


def _transcript(session: Session) -> str:
    return json.dumps([t.to_json() for t in session.transcript], sort_keys=True)


LINES = ["echo hi", "sleep 25", "status", "touch /tmp/restarted-db", "hint", "alerts",
         "dashboard", "chat", "diagnose 1", "touch /run/app.up", "rm /run/app.up",
         "touch /run/app.up", "diagnose 2", "touch /etc/app/fixed", "touch /etc/app/alert"]


def test_replaying_the_log_gives_a_byte_identical_transcript() -> None:
    live = new_session(seed=4)
    for i, line in enumerate(LINES):
        live.submit(line, at_ms=i * 7_321 + 500)  # uneven, like a human's typing
    again = Session.replay(live.scenario, 4, live.log, shell_factory=stub_factory)
    assert _transcript(again) == _transcript(live)
    assert again.to_json() == live.to_json()
    assert again.world.clock.now_ms == live.world.clock.now_ms


def test_replay_accepts_plain_tuples_from_a_stored_log() -> None:
    live = new_session()
    for line in LINES[:5]:
        live.submit(line)
    stored = json.loads(json.dumps(live.log_json()))
    assert stored["scenario"] == "tiny-queue" and stored["seed"] == 0
    again = Session.replay(live.scenario, 0, [tuple(e) for e in stored["log"]],
                           shell_factory=stub_factory)
    assert _transcript(again) == _transcript(live)


def test_two_fresh_runs_give_identical_json() -> None:
    runs = []
    for _ in range(2):
        session = new_session(seed=7)
        for line in LINES:
            if session.finished:
                break
            session.submit(line)
        runs.append(json.dumps(session.to_json(), sort_keys=True))
    assert runs[0] == runs[1]


def test_the_log_records_effective_times() -> None:
    session = new_session()
    session.submit("sleep 100")
    session.submit("echo late", at_ms=5_000)
    assert session.log == [LogEntry(10_000, "sleep 100"), LogEntry(112_000, "echo late")]


def test_to_json_has_the_documented_keys() -> None:
    session = new_session()
    session.submit("diagnose 2")
    doc = session.to_json()
    assert {"scenario", "seed", "transcript", "objectives", "diagnosis", "score",
            "outcome"} <= set(doc)
    assert doc["diagnosis"] == {"choice": 2, "candidate": "consumer", "correct": True,
                                "first_try": True}
    assert doc["objectives"][0] == {"id": "up", "kind": "mitigate", "met": False,
                                    "met_at": None, "lost_at": []}
    assert doc["transcript"][0] == {"input": "diagnose 2", "output": doc["transcript"][0]["output"],
                                    "exit_status": 0, "t": 10.0}


# -- with the real shell (the default factory) ----------------------------------------------

REAL_SOLUTION = ["echo up > /run/app.up", "sleep 5; echo fixed > /etc/app/fixed",
                 "echo rule > /etc/app/alert"]


def test_the_real_shell_plays_the_drill_and_replays_identically() -> None:
    from pagerdrill.game.model import PlayerStart

    scenario = make_scenario(player=PlayerStart("web-01", cwd="/srv/data"))
    live = Session(scenario, 3)
    assert live.prompt() == "root@web-01:/srv/data# "
    assert live.submit("pwd").output == "/srv/data\n"
    assert live.submit("cat orders.db", at_ms=12_345).output == "orders\n"
    for line in REAL_SOLUTION:
        live.submit(line)
    assert live.outcome is Outcome.RESOLVED and live.end_reason == "all-objectives"
    assert live.transcript[-2].t == 32.345  # sleep 5 pushed the next command
    again = Session.replay(scenario, 3, live.log)
    assert _transcript(again) == _transcript(live)


def test_the_real_shell_reports_incomplete_lines_and_exit() -> None:
    session = Session(make_scenario(), 0)
    assert session.is_incomplete("echo 'open")
    assert not session.is_incomplete("echo done")
    session.submit("exit")
    assert session.end_reason == "exit"


def test_no_editor_in_scripted_mode_and_the_seam_reaches_the_shell() -> None:
    assert Session(make_scenario(), 0).shell.editor is None  # type: ignore[attr-defined]

    def edit(path: str, data: bytes) -> bytes | None:
        return data

    session = Session(make_scenario(), 0, editor=edit)
    assert session.shell.editor is not None  # type: ignore[attr-defined]


def test_what_the_editor_saved_is_logged_and_replayed_without_the_editor() -> None:
    saved: list[bytes] = []

    def edit(path: str, data: bytes) -> bytes | None:
        saved.append(data)
        return b"fixed\n" if path == "/etc/app/fixed" else None

    live = Session(make_scenario(), 0, editor=edit)
    live.submit("nano /etc/app/fixed")
    live.submit("vim /etc/app/alert")  # quit without saving
    assert live.log[0].edits == (b"fixed\n",) and live.log[1].edits == (None,)
    stored = json.loads(json.dumps(live.log_json()))
    again = Session.replay(make_scenario(), 0, stored["log"])
    assert _transcript(again) == _transcript(live)
    assert again.submit("cat /etc/app/fixed").output == "fixed\n"
    assert len(saved) == 1 + 1  # the replay never asked a live editor


def test_ticks_pass_time_and_report_events_and_replay_identically() -> None:
    live = new_session()
    assert live.tick(0) == []  # no time passes: nothing is logged
    events = live.tick(700_000)
    assert live.log == [LogEntry(700_000, None)]
    assert any(isinstance(e, (AlertEvent, ChatEvent)) for e in events)
    live.submit("echo hi", at_ms=701_000)
    again = Session.replay(live.scenario, 0, json.loads(json.dumps(live.log_json()))["log"],
                           shell_factory=stub_factory)
    assert again.log == live.log and again.to_json() == live.to_json()


@pytest.mark.parametrize("entry", [[1], ["x", "ls"], [-1, "ls"], [5, 3], [5, "ls", "zz"],
                                   [5, "ls", {"edits": ["!!"]}], [5, "ls", {"game": 1}]])
def test_a_malformed_stored_log_entry_is_a_clear_error(entry: list[object]) -> None:
    with pytest.raises(ValueError, match="log entry"):
        LogEntry.from_json(entry)


def test_an_interactive_program_gets_lines_and_ctrl_d_until_it_exits() -> None:
    import shell.test_repl  # noqa: F401  (registers the toy interactive program `ttoy`)
    from pagerdrill.game.session import END_OF_INPUT

    session = Session(make_scenario(), 0)
    session.submit("ttoy")
    assert session.in_program and session.prompt() == "toy> "
    turn = session.submit("status")  # the program's line, not the game's command
    assert (turn.output, turn.game_command) == ("toy: status\n", False)
    assert session.submit(END_OF_INPUT).output == "bye\n"
    assert not session.in_program and not session.finished
    replayed = Session.replay(make_scenario(), 0, session.log)
    assert [t.output for t in replayed.transcript] == [t.output for t in session.transcript]


def test_a_button_command_reaches_the_game_even_inside_an_interactive_program() -> None:
    import shell.test_repl  # noqa: F401  (registers the toy interactive program `ttoy`)

    live = Session(make_scenario(), 0)
    live.submit("ttoy")
    turn = live.game_command("hint")
    assert turn.game_command and turn.output.startswith("Hint 1/")
    assert live.in_program and live.hints_used == 1
    assert live.log[-1].game and live.log[-1].to_json()[2] == {"game": True}
    with pytest.raises(ValueError, match="not an in-game command"):
        live.game_command("rm -rf /")
    again = Session.replay(make_scenario(), 0, json.loads(json.dumps(live.log_json()))["log"])
    assert again.hints_used == 1 and _transcript(again) == _transcript(live)
