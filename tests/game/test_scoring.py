"""The score formula: each component, the clamps, the grades."""

from __future__ import annotations

from pagerdrill.game.model import ObjectiveKind
from pagerdrill.game.scoring import ScoreInputs, grade_for, score

M, R, P = ObjectiveKind.MITIGATE, ObjectiveKind.RESOLVE, ObjectiveKind.PREVENT


def inputs(**changes: object) -> ScoreInputs:
    base: dict[str, object] = dict(
        objectives=[(M, True), (R, True), (P, True)], time_to_mitigate=60.0, par_s=600.0,
        diagnosis_correct=True, diagnosis_first_try=True, hints_used=0, traps=[], failed=False)
    base.update(changes)
    return ScoreInputs(**base)  # type: ignore[arg-type]


def points(card_inputs: ScoreInputs, label: str) -> int:
    return next(p.points for p in score(card_inputs).parts if p.label == label)


def test_a_perfect_drill_scores_100_a() -> None:
    card = score(inputs())
    assert (card.total, card.grade) == (100, "A")


def test_objectives_are_weighted_by_kind() -> None:
    assert points(inputs(objectives=[(M, True), (R, False), (P, False)]), "objectives") == 28
    assert points(inputs(objectives=[(M, True), (R, True), (P, False)]), "objectives") == 46
    assert points(inputs(objectives=[(M, False), (R, False), (P, True)]), "objectives") == 9


def test_time_points_fall_linearly_from_par_to_three_times_par() -> None:
    assert points(inputs(time_to_mitigate=600.0), "time to mitigate") == 25
    assert points(inputs(time_to_mitigate=1200.0), "time to mitigate") == 12
    assert points(inputs(time_to_mitigate=1800.0), "time to mitigate") == 0
    assert points(inputs(time_to_mitigate=9000.0), "time to mitigate") == 0
    assert points(inputs(time_to_mitigate=None), "time to mitigate") == 0


def test_diagnosis_first_try_is_worth_more_than_a_late_one() -> None:
    assert points(inputs(), "diagnosis") == 20
    assert points(inputs(diagnosis_first_try=False), "diagnosis") == 10
    assert points(inputs(diagnosis_correct=False, diagnosis_first_try=False), "diagnosis") == 0


def test_hints_and_traps_are_deductions() -> None:
    assert score(inputs(hints_used=2)).total == 90
    assert score(inputs(traps=[False])).total == 90
    assert score(inputs(traps=[True, False])).total == 75


def test_score_never_goes_below_zero() -> None:
    card = score(inputs(objectives=[(M, False)], time_to_mitigate=None, diagnosis_correct=False,
                        hints_used=3, traps=[True, True]))
    assert (card.total, card.grade) == (0, "F")


def test_a_fail_trap_caps_the_score_and_grades_f() -> None:
    card = score(inputs(failed=True))
    assert card.total == 20 and card.grade == "F"


def test_grades() -> None:
    assert [grade_for(n) for n in (100, 90, 89, 80, 79, 70, 69, 60, 59, 0)] == \
        ["A", "A", "B", "B", "C", "C", "D", "D", "F", "F"]
    assert grade_for(95, failed=True) == "F"


def test_a_scenario_without_objectives_gets_the_objective_points() -> None:
    assert points(inputs(objectives=[]), "objectives") == 55
