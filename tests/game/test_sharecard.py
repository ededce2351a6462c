"""The share card says how it went without spoiling the puzzle."""

from __future__ import annotations

import re

import pytest

from pagerdrill.game.catalog import builtin_folders, find_scenario
from pagerdrill.game.debrief import build_report
from pagerdrill.game.replay import run_script
from pagerdrill.game.sharecard import share_card


@pytest.mark.parametrize("scenario_id", sorted(f.name for f in builtin_folders()))
def test_a_solved_drill_s_card_has_the_figures_and_no_spoilers(scenario_id: str) -> None:
    scenario = find_scenario(scenario_id)
    session = run_script(scenario, 0, ["diagnose 2", "hint", *scenario.solution])
    report = build_report(session)
    card = share_card(report, scenario.difficulty, daily_number=329)
    assert card.startswith(f"pagerdrill daily #329 · {scenario.difficulty.value} · grade ")
    assert "💡 1 hint" in card and "🚑🟩" in card and "⏱️ mitigated in " in card
    # Nothing from the puzzle: title, hosts, commands, the candidates' and objectives' words.
    words = set(re.findall(r"[a-z][a-z0-9_.-]{3,}", card.lower()))
    secrets = {scenario.title, scenario.page.title, scenario.player.host,
               *(c.text for c in scenario.candidates), *scenario.solution,
               *(o.description for o in scenario.objectives), scenario.debrief.takeaway}
    spoilers = set(re.findall(r"[a-z][a-z0-9_.-]{3,}", " ".join(secrets).lower()))
    allowed = {"pagerdrill", "daily", "grade", "mitigated", "diagnosis", "first", "hint",
               "hints", "tries", "missed", "beginner", "intermediate", "advanced"}
    assert not (words & spoilers) - allowed, (words & spoilers) - allowed


def test_an_abandoned_drill_says_so() -> None:
    scenario = find_scenario("disk-full")
    report = build_report(run_script(scenario, 0, ["end"]))
    card = share_card(report, scenario.difficulty)
    assert card.splitlines()[1] == "⏱️ not mitigated · 🎯 no diagnosis · 💡 0 hints"
    assert card.startswith("pagerdrill · beginner · grade F")
    assert "🟩" not in card
