"""The score (0-100) and grade (A-F) of a drill.

Rationale. On call, what matters first is how long users suffered, then whether
the cause is really gone, then whether the engineer understood it; help and
damage count against. So the points are:

- objectives, 55: weighted by kind (mitigate 3, resolve 2, prevent 1) over the
  scenario's objectives, counting those that hold at the end (a mitigation lost
  again by the end earns nothing: users are down again);
- time to mitigate, 25: full marks within the scenario's estimated time (its
  par), falling linearly to nothing at three times par; nothing if never
  mitigated;
- diagnosis, 20: the right root cause on the first try; 10 if found after wrong
  guesses (guessing is cheaper than investigating, so it must not pay as well);
- deductions: 5 per hint used, 10 per trap sprung (15 if destructive).

A fail trap (data loss) caps the score at 20 and the grade at F: no speed or
insight makes up for destroying what was not yours to destroy.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerdrill.game.model import ObjectiveKind

__all__ = ["ScoreCard", "ScoreInputs", "ScorePart", "grade_for", "score"]

OBJECTIVE_POINTS = 55
TIME_POINTS = 25
DIAGNOSIS_POINTS = 20
DIAGNOSIS_LATE_POINTS = 10
HINT_COST = 5
TRAP_COST = 10
DESTRUCTIVE_TRAP_COST = 15
FAIL_CAP = 20
PAR_SLACK = 3  # time points reach zero at this multiple of par

KIND_WEIGHT = {ObjectiveKind.MITIGATE: 3, ObjectiveKind.RESOLVE: 2, ObjectiveKind.PREVENT: 1}


@dataclass(frozen=True)
class ScoreInputs:
    objectives: list[tuple[ObjectiveKind, bool]]  # (kind, holds at the end)
    time_to_mitigate: float | None  # seconds since the page
    par_s: float
    diagnosis_correct: bool
    diagnosis_first_try: bool
    hints_used: int
    traps: list[bool]  # one per trap sprung: destructive?
    failed: bool


@dataclass(frozen=True)
class ScorePart:
    label: str
    points: int  # negative for deductions
    max_points: int  # 0 for deductions
    detail: str


@dataclass(frozen=True)
class ScoreCard:
    total: int
    grade: str
    parts: list[ScorePart]


def grade_for(total: int, failed: bool = False) -> str:
    if failed:
        return "F"
    for floor, grade in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if total >= floor:
            return grade
    return "F"


def _objective_part(objectives: list[tuple[ObjectiveKind, bool]]) -> ScorePart:
    weight = sum(KIND_WEIGHT[k] for k, _ in objectives)
    earned = sum(KIND_WEIGHT[k] for k, met in objectives if met)
    points = round(OBJECTIVE_POINTS * earned / weight) if weight else OBJECTIVE_POINTS
    met = sum(1 for _, m in objectives if m)
    return ScorePart("objectives", points, OBJECTIVE_POINTS, f"{met}/{len(objectives)} met")


def _time_part(ttm: float | None, par_s: float) -> ScorePart:
    if ttm is None:
        return ScorePart("time to mitigate", 0, TIME_POINTS, "never mitigated")
    par = max(par_s, 1.0)
    if ttm <= par:
        points = TIME_POINTS
    else:
        late = (ttm - par) / (par * (PAR_SLACK - 1))
        points = max(0, round(TIME_POINTS * (1 - late)))
    return ScorePart("time to mitigate", points, TIME_POINTS,
                     f"{ttm / 60:.1f} min (par {par / 60:.0f} min)")


def _diagnosis_part(correct: bool, first_try: bool) -> ScorePart:
    if correct and first_try:
        return ScorePart("diagnosis", DIAGNOSIS_POINTS, DIAGNOSIS_POINTS, "right on the first try")
    if correct:
        return ScorePart("diagnosis", DIAGNOSIS_LATE_POINTS, DIAGNOSIS_POINTS,
                         "right after wrong guesses")
    return ScorePart("diagnosis", 0, DIAGNOSIS_POINTS, "root cause not identified")


def score(inputs: ScoreInputs) -> ScoreCard:
    parts = [
        _objective_part(inputs.objectives),
        _time_part(inputs.time_to_mitigate, inputs.par_s),
        _diagnosis_part(inputs.diagnosis_correct, inputs.diagnosis_first_try),
    ]
    if inputs.hints_used:
        parts.append(ScorePart("hints", -HINT_COST * inputs.hints_used, 0,
                               f"{inputs.hints_used} used"))
    if inputs.traps:
        cost = sum(DESTRUCTIVE_TRAP_COST if d else TRAP_COST for d in inputs.traps)
        parts.append(ScorePart("traps", -cost, 0, f"{len(inputs.traps)} sprung"))
    total = max(0, min(100, sum(p.points for p in parts)))
    if inputs.failed:
        total = min(total, FAIL_CAP)
        parts.append(ScorePart("failed", 0, 0, f"a fail trap caps the score at {FAIL_CAP}"))
    return ScoreCard(total, grade_for(total, inputs.failed), parts)
