"""Text for the page banner and the events shown between commands.

Shared by ``pagerdrill play`` and the text transcript of ``pagerdrill run``;
colour only when writing to a terminal.
"""

from __future__ import annotations

from pagerdrill.game.debrief import format_t
from pagerdrill.game.events import (
    AlertEvent,
    ChatEvent,
    DrillEndedEvent,
    Event,
    ObjectiveEvent,
    TrapEvent,
)
from pagerdrill.game.session import Session

__all__ = ["format_banner", "format_event", "format_events", "paint"]

_CODES = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "bold": "1",
          "red-bold": "1;31"}


def paint(text: str, colour: str, enabled: bool) -> str:
    return f"\x1b[{_CODES[colour]}m{text}\x1b[0m" if enabled else text


def format_banner(session: Session, colour: bool = False) -> str:
    scenario, page = session.scenario, session.scenario.page
    at = session.world.clock.datetime().strftime("%a %d %b %H:%M UTC")
    player = scenario.player
    head = f"*** PAGE *** [{page.severity}] {page.source}, {at}"
    return "\n".join([
        paint(head, "red-bold", colour),
        paint(page.title, "bold", colour),
        page.text.rstrip(),
        "",
        f"You are {player.user} on {player.host}. Type `help` for the in-game commands "
        "(status, hint, diagnose, alerts, dashboard, chat, end).",
        "",
    ]) + "\n"


def format_event(event: Event, colour: bool = False) -> str:
    when = f"[{format_t(event.t)}]"
    if isinstance(event, AlertEvent):
        if event.state == "firing":
            text = f"ALERT FIRING ({event.severity}) {event.name}: {event.summary}"
            return f"{when} {paint(text, 'red', colour)}"
        return f"{when} {paint(f'ALERT RESOLVED {event.name}: {event.summary}', 'green', colour)}"
    if isinstance(event, ChatEvent):
        return f"{when} {paint('#incident', 'cyan', colour)} <{event.author}> {event.text}"
    if isinstance(event, ObjectiveEvent):
        if event.met:
            text = f"✓ Objective met ({event.objective_kind}): {event.description}"
            return f"{when} {paint(text, 'green', colour)}"
        text = f"✗ Objective lost again ({event.objective_kind}): {event.description}"
        return f"{when} {paint(text, 'yellow', colour)}"
    if isinstance(event, TrapEvent):
        head = "DRILL FAILED" if event.fatal else "Careful"
        text = f"{head}: {event.description}. {event.consequence}"
        return f"{when} {paint(text, 'red-bold', colour)}"
    assert isinstance(event, DrillEndedEvent)
    reasons = {"all-objectives": "every objective is met", "trap": "a fatal mistake",
               "exit": "you logged out", "end": "you ended it",
               "time-limit": "out of time"}
    text = f"The drill is over ({reasons.get(event.reason, event.reason)}): {event.outcome}."
    return f"{when} {paint(text, 'bold', colour)}"


def format_events(events: tuple[Event, ...] | list[Event], colour: bool = False) -> str:
    return "".join(format_event(e, colour) + "\n" for e in events)
