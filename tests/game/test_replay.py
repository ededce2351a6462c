"""Scripted runs and the scenario test harness behind ``pagerdrill test``."""

from __future__ import annotations

from game.kit import make_scenario, stub_factory
from pagerdrill.game.replay import check_scenario, expected_outcome, render_check, run_script


def test_run_script_stops_when_the_drill_ends() -> None:
    scenario = make_scenario()
    session = run_script(scenario, 0, [*scenario.solution, "echo never"],
                         shell_factory=stub_factory)
    assert session.outcome.value == "resolved"
    assert [t.input for t in session.transcript] == scenario.solution


def test_expected_outcome_from_the_path_name() -> None:
    assert expected_outcome("failed") == "failed"
    assert expected_outcome("restart only:unresolved") == "unresolved"
    assert expected_outcome("restart only (mitigated)") == "mitigated"
    assert expected_outcome("restart only") is None
    assert expected_outcome("x:bogus") is None


def test_a_good_scenario_passes_on_every_seed() -> None:
    check = check_scenario(make_scenario(), 3, shell_factory=stub_factory)
    assert check.ok
    assert check.paths == ["solution", "failed", "restart only:unresolved"]
    assert len(check.runs) == 9
    text = render_check(check)
    assert text.splitlines()[:3] == [
        "scenario tiny-queue: 3 seed(s)",
        "seed  solution                 failed                   restart only:unresolved",
        "   0  resolved ok              failed ok                unresolved ok",
    ]
    assert text.endswith("OK: tiny-queue (9 runs)\n")


def test_a_broken_solution_fails_with_the_unmet_objectives() -> None:
    scenario = make_scenario(solution=["touch /run/app.up"])
    check = check_scenario(scenario, 2, shell_factory=stub_factory)
    assert not check.ok
    text = render_check(check)
    assert "seed 0 solution: objectives not met: fixed, alert" in text
    assert text.endswith("FAILED: tiny-queue (2 of 6 runs failed)\n")


def test_a_wrong_path_reaching_another_outcome_fails() -> None:
    scenario = make_scenario(wrong_paths={"failed": ["touch /run/app.up"]})
    check = check_scenario(scenario, 1, shell_factory=stub_factory)
    assert "seed 0 failed: expected failed, got mitigated" in render_check(check)


def test_a_wrong_path_without_an_outcome_is_a_problem() -> None:
    scenario = make_scenario(wrong_paths={"oops": ["echo"]})
    check = check_scenario(scenario, 1, shell_factory=stub_factory)
    assert check.problems and not check.ok
    assert "problem: wrong path 'oops': it does not declare an outcome" in \
        render_check(check)


def test_a_world_that_cannot_be_built_is_reported_per_seed() -> None:
    def broken(seed: int):  # type: ignore[no-untyped-def]
        raise KeyError("web-01")

    check = check_scenario(make_scenario(build_world=broken), 1, shell_factory=stub_factory)
    assert check.runs[0].outcome == "error"
    assert "seed 0 solution: KeyError: 'web-01'" in render_check(check)
