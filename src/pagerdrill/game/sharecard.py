"""The share card: a spoiler-free result to paste, like a word game's.

Tier, time to mitigate, whether the diagnosis was right first try, hints used and one
square per objective kind. Never the scenario's title, a command, a host or the root
cause: it must not help the next player.
"""

from __future__ import annotations

from pagerdrill.game.debrief import DebriefReport, format_duration
from pagerdrill.game.model import Difficulty

__all__ = ["share_card"]

_KINDS = (("mitigate", "🚑"), ("resolve", "🔧"), ("prevent", "🛡️"))


def _squares(report: DebriefReport, kind: str) -> str:
    marks = ["🟩" if o.met else "🟥" for o in report.objectives if o.kind == kind]
    return "".join(marks) or "⬜"


def share_card(report: DebriefReport, difficulty: Difficulty, *,
               daily_number: int | None = None) -> str:
    head = f"pagerdrill daily #{daily_number}" if daily_number is not None else "pagerdrill"
    mitigated = ("mitigated in " + format_duration(report.time_to_mitigate)
                 if report.time_to_mitigate is not None else "not mitigated")
    diagnosis = report.diagnosis
    if diagnosis is None:
        diagnosed = "no diagnosis"
    elif diagnosis.first_try:
        diagnosed = "diagnosis first try"
    elif diagnosis.correct:
        diagnosed = f"diagnosis in {diagnosis.attempts} tries"
    else:
        diagnosed = "diagnosis missed"
    hints = f"{report.hints_used} hint" + ("" if report.hints_used == 1 else "s")
    objectives = " ".join(f"{emoji}{_squares(report, kind)}" for kind, emoji in _KINDS)
    return (f"{head} · {difficulty.value} · grade {report.score.grade}\n"
            f"⏱️ {mitigated} · 🎯 {diagnosed} · 💡 {hints}\n"
            f"{objectives}\n")
