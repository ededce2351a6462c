"""What the war room draws, as JSON built from a :class:`Session` (no rendering here).

The same data the terminal's in-game commands print, so the browser and the
terminal never disagree; see docs/web-protocol.md for the shapes.
"""

from __future__ import annotations

from typing import Any

from pagerdrill.game.architecture import architecture_state
from pagerdrill.game.session import END_OF_INPUT, Session, Turn

__all__ = [
    "alerts_view",
    "metric_points",
    "session_view",
    "state_view",
    "terminal_text",
    "turn_text",
]

CONTINUATION_PROMPT = "> "


def _rel(session: Session, t_ms: int | None) -> float | None:
    return None if t_ms is None else (t_ms - session.page_ms) / 1000


def alerts_view(session: Session) -> list[dict[str, Any]]:
    return [{"name": a.rule.name, "severity": a.rule.severity, "summary": a.rule.summary,
             "state": a.state, "fired_at": _rel(session, a.fired_at_ms),
             "resolved_at": _rel(session, a.resolved_at_ms)}
            for a in session.world.telemetry.alerts.values()]


def metric_points(session: Session, since: dict[str, int] | None = None
                  ) -> dict[str, list[list[float]]]:
    """Samples per gauge as ``[[t, value]...]`` (t: s since the page), from index ``since``."""
    series = session.world.telemetry.series
    return {name: [[(s.t_ms - session.page_ms) / 1000, s.value]
                   for s in samples[(since or {}).get(name, 0):]]
            for name, samples in series.items()}


def _hints(session: Session) -> dict[str, Any]:
    hints = session.scenario.hints
    return {"used": session.hints_used, "total": len(hints),
            "given": hints[:session.hints_used]}


def _diagnosis(session: Session) -> dict[str, Any] | None:
    d = session.diagnosed
    return None if d is None else {"number": d.number, "correct": d.correct}


def state_view(session: Session) -> dict[str, Any]:
    """The parts of the war room that change with every turn or tick."""
    scenario = session.scenario
    return {
        "t": session.t,
        "impact_s": session.user_impact,
        "users_served": session.users_served,
        "architecture": architecture_state(scenario, session.world),
        "objectives": [{"id": s.objective.id, "kind": s.objective.kind.value,
                        "description": s.objective.description, "met": s.met,
                        "met_at": s.met_at} for s in session.objectives],
        "hints": _hints(session),
        "diagnosis": _diagnosis(session),
        "alerts": alerts_view(session),
        "finished": session.finished,
    }


def turn_text(prompt: str, turn: Turn) -> str:
    """A turn as the terminal showed it: the prompt, the typed line(s), the output."""
    if turn.input == END_OF_INPUT:  # Ctrl-D echoes nothing; the program prints its goodbye
        return prompt + turn.output
    first, *rest = turn.input.split("\n")
    typed = prompt + first + "\n" + "".join(CONTINUATION_PROMPT + line + "\n" for line in rest)
    return typed + turn.output


def terminal_text(session: Session) -> str:
    """Everything the terminal has shown, for a reload to draw again (button turns and
    ticks are not terminal input, so they are left out)."""
    lines = (e for e in session.log if e.line is not None)
    return "".join(turn_text(turn.prompt, turn)
                   for entry, turn in zip(lines, session.transcript, strict=False)
                   if not entry.game)


def session_view(session: Session, session_id: str, *, continuation: bool,
                 debrief_url: str | None) -> dict[str, Any]:
    scenario = session.scenario
    telemetry = session.world.telemetry
    points = metric_points(session)
    return {
        "id": session_id,
        "finished": session.finished,
        "debrief_url": debrief_url,
        "scenario": {"id": scenario.id, "title": scenario.title,
                     "difficulty": scenario.difficulty.value},
        "page": {"title": scenario.page.title, "text": scenario.page.text,
                 "severity": scenario.page.severity, "source": scenario.page.source},
        "speed": scenario.time.speed,
        "prompt": CONTINUATION_PROMPT if continuation else session.prompt(),
        "continuation": continuation,
        "terminal": terminal_text(session),
        "history": [e.line for e in session.log
                    if e.line is not None and not e.game and e.line != END_OF_INPUT],
        "chat": [{"t": (m.t_ms - session.page_ms) / 1000, "author": m.author, "text": m.text}
                 for m in telemetry.chat],
        "metrics": [{"name": name, "title": g.title, "unit": g.unit, "points": points[name]}
                    for name, g in telemetry.gauges.items()],
        "candidates": [{"number": i, "text": c.text}
                       for i, c in enumerate(scenario.candidates, 1)],
        **state_view(session),
    }
