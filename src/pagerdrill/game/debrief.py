"""The debrief: what happened, what the player did beside what an expert does, the score.

:func:`build_report` gathers it as typed data (the web renders the same data);
:func:`render_debrief` turns it into terminal text.
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pagerdrill.game.model import ExpertStep
from pagerdrill.game.scoring import ScoreCard, ScoreInputs, score

if TYPE_CHECKING:
    from pagerdrill.game.session import Session

__all__ = [
    "DebriefReport",
    "DiagnosisResult",
    "ObjectiveResult",
    "TimelineEntry",
    "TrapResult",
    "build_report",
    "format_duration",
    "format_t",
    "render_debrief",
]


def format_t(seconds: float) -> str:
    """A time since the page as the game shows it: ``+04:10``, ``+1:02:03``, ``-00:30``."""
    sign = "-" if seconds < 0 else "+"
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes:02d}:{secs:02d}"


def format_duration(seconds: float) -> str:
    """``45s``, ``12m05s``, ``1h02m``."""
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m{total % 60:02d}s"
    return f"{total // 3600}h{total % 3600 // 60:02d}m"


@dataclass(frozen=True)
class TimelineEntry:
    t: float
    input: str
    exit_status: int
    game_command: bool


@dataclass(frozen=True)
class ObjectiveResult:
    id: str
    kind: str
    description: str
    met: bool  # holds at the end
    met_at: float | None
    lost_at: list[float]


@dataclass(frozen=True)
class TrapResult:
    id: str
    description: str
    consequence: str
    t: float
    destructive: bool
    fatal: bool


@dataclass(frozen=True)
class DiagnosisResult:
    number: int
    candidate_id: str
    text: str
    correct: bool
    first_try: bool
    attempts: int
    explanation: str
    right_answer: str  # the text of the correct candidate


@dataclass(frozen=True)
class DebriefReport:
    scenario_id: str
    title: str
    seed: int
    outcome: str
    end_reason: str | None
    duration: float  # seconds from the page to the end
    timeline: list[TimelineEntry]
    expert_path: list[ExpertStep]
    objectives: list[ObjectiveResult]
    time_to_mitigate: float | None
    time_to_resolve: float | None
    user_impact: float
    hints_used: int
    hints_total: int
    traps: list[TrapResult]
    diagnosis: DiagnosisResult | None
    score: ScoreCard
    summary: str
    takeaway: str

    @property
    def destructive_actions(self) -> list[TrapResult]:
        return [t for t in self.traps if t.destructive]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _diagnosis(session: Session) -> DiagnosisResult | None:
    chosen = session.diagnosed
    if chosen is None:
        return None
    candidate = session.scenario.candidate(chosen.number)
    right = next((c.text for c in session.scenario.candidates if c.correct), "")
    return DiagnosisResult(
        number=chosen.number, candidate_id=chosen.candidate_id,
        text=candidate.text if candidate else "", correct=chosen.correct,
        first_try=chosen.correct and session.diagnoses[0] is chosen,
        attempts=len(session.diagnoses),
        explanation=candidate.explanation if candidate else "", right_answer=right)


def build_report(session: Session) -> DebriefReport:
    scenario = session.scenario
    diagnosis = _diagnosis(session)
    failed = session.outcome.value == "failed"
    card = score(ScoreInputs(
        objectives=[(s.objective.kind, s.met) for s in session.objectives],
        time_to_mitigate=session.mitigated_at,
        par_s=scenario.estimated_minutes * 60,
        diagnosis_correct=diagnosis is not None and diagnosis.correct,
        diagnosis_first_try=diagnosis is not None and diagnosis.first_try,
        hints_used=session.hints_used,
        traps=[h.trap.destructive for h in session.traps],
        failed=failed,
    ))
    return DebriefReport(
        scenario_id=scenario.id, title=scenario.title, seed=session.seed,
        outcome=session.outcome.value, end_reason=session.end_reason, duration=session.t,
        timeline=[TimelineEntry(t.t, t.input, t.exit_status, t.game_command)
                  for t in session.transcript],
        expert_path=list(scenario.debrief.expert_path),
        objectives=[ObjectiveResult(s.objective.id, s.objective.kind.value,
                                    s.objective.description, s.met, s.met_at, s.lost_at)
                    for s in session.objectives],
        time_to_mitigate=session.mitigated_at, time_to_resolve=session.resolved_at,
        user_impact=session.user_impact, hints_used=session.hints_used,
        hints_total=len(scenario.hints),
        traps=[TrapResult(h.trap.id, h.trap.description, h.trap.consequence, h.t,
                          h.trap.destructive, h.trap.outcome.value == "fail")
               for h in session.traps],
        diagnosis=diagnosis, score=card, summary=scenario.debrief.summary,
        takeaway=scenario.debrief.takeaway)


_COLUMN = 38
_OUTCOME_WORDS = {
    "resolved": "RESOLVED: users are served and the root cause is gone.",
    "mitigated": "MITIGATED: users are served, but the root cause is still there.",
    "unresolved": "UNRESOLVED: users are still affected.",
    "failed": "FAILED: an action caused damage the drill cannot recover from.",
}


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())  # multi-line commands on one row
    return text if len(text) <= width else text[: width - 1] + "…"


def _timeline_rows(report: DebriefReport) -> list[str]:
    stamps = [(format_t(e.t) + "  ", e.input) for e in report.timeline if not e.game_command]
    left = [stamp + _clip(text, _COLUMN - len(stamp)) for stamp, text in stamps]
    right = [f"{i}. {_clip(s.command, _COLUMN)}" for i, s in enumerate(report.expert_path, 1)]
    rows = [f"  {'YOUR TIMELINE':<{_COLUMN}}  EXPERT PATH"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        rows.append(f"  {a:<{_COLUMN}}  {b}".rstrip())
    return rows


def _objective_rows(report: DebriefReport) -> list[str]:
    rows = []
    for o in report.objectives:
        mark = "✓" if o.met else "✗"
        when = f"met {format_t(o.met_at)}" if o.met_at is not None else "not met"
        if o.lost_at:
            when += ", lost " + ", ".join(format_t(t) for t in o.lost_at)
        rows.append(f"  {mark} {o.kind:<8}  {o.description}  ({when})")
    return rows


def _diagnosis_rows(d: DiagnosisResult | None) -> list[str]:
    if d is None:
        return ["  You did not declare a root cause (type `diagnose` during the drill)."]
    verdict = "right" if d.correct else "wrong"
    tries = "first try" if d.first_try else f"{d.attempts} attempt(s)"
    rows = [f"  You declared: {d.text} ({verdict}, {tries})"]
    if not d.correct:
        rows.append(f"  The root cause: {d.right_answer}")
    if d.explanation:
        rows.append(f"  {d.explanation}")
    return rows


def render_debrief(report: DebriefReport) -> str:
    def when(t: float | None) -> str:
        return "never" if t is None else f"{format_duration(t)} after the page"

    lines = [
        "=" * 78,
        f"DEBRIEF: {report.title}  (scenario {report.scenario_id}, seed {report.seed})",
        "=" * 78,
        _OUTCOME_WORDS.get(report.outcome, report.outcome.upper()),
        f"Score {report.score.total}/100, grade {report.score.grade}",
        "",
        "What happened",
        *_paragraph(report.summary),
        "",
        *_timeline_rows(report),
        "",
        "Why the expert path works",
        *[f"  {i}. {s.why}" for i, s in enumerate(report.expert_path, 1)],
        "",
        "Objectives",
        *_objective_rows(report),
        "",
        f"Time to mitigate: {when(report.time_to_mitigate)}",
        f"Time to resolve:  {when(report.time_to_resolve)}",
        f"User impact:      {format_duration(report.user_impact)} of users unserved",
        f"Hints used:       {report.hints_used}/{report.hints_total}",
        "",
        "Diagnosis",
        *_diagnosis_rows(report.diagnosis),
        "",
        "Destructive actions and traps",
    ]
    if not report.traps:
        lines.append("  None.")
    for trap in report.traps:
        tag = "DESTRUCTIVE " if trap.destructive else ""
        lines.append(f"  {format_t(trap.t)}  {tag}{trap.description}: {trap.consequence}")
    lines += ["", "Score"]
    for part in report.score.parts:
        out_of = f"/{part.max_points}" if part.max_points else ""
        lines.append(f"  {part.label:<18}{part.points:>4}{out_of:<4}  {part.detail}")
    lines += ["", "Takeaway", *_paragraph(report.takeaway), ""]
    return "\n".join(lines)


def _paragraph(text: str, width: int = 78) -> list[str]:
    """Scenario prose, re-wrapped and indented under its heading (blank lines kept)."""
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        if out:
            out.append("")
        out += textwrap.wrap(" ".join(block.split()), width, initial_indent="  ",
                             subsequent_indent="  ")
    return out
