"""Typed events a session reports to its front end after each turn.

Every event carries ``t``: seconds since the page. ``kind`` names the event for
serialisation (the web front end sends ``event_to_json`` over the wire).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlertEvent",
    "ChatEvent",
    "DrillEndedEvent",
    "Event",
    "ObjectiveEvent",
    "TrapEvent",
    "event_to_json",
]


@dataclass(frozen=True)
class AlertEvent:
    t: float
    name: str
    severity: str
    summary: str
    state: str  # "firing" | "resolved"
    kind: str = "alert"


@dataclass(frozen=True)
class ChatEvent:
    t: float
    author: str
    text: str
    kind: str = "chat"


@dataclass(frozen=True)
class ObjectiveEvent:
    """An objective became met, or (``met`` false) a met one regressed."""

    t: float
    objective_id: str
    objective_kind: str  # "mitigate" | "resolve" | "prevent"
    description: str
    met: bool
    kind: str = "objective"


@dataclass(frozen=True)
class TrapEvent:
    t: float
    trap_id: str
    description: str
    consequence: str
    fatal: bool
    destructive: bool
    kind: str = "trap"


@dataclass(frozen=True)
class DrillEndedEvent:
    t: float
    outcome: str  # "resolved" | "mitigated" | "unresolved" | "failed"
    reason: str  # "end" | "all-objectives" | "trap" | "exit" | "time-limit"
    kind: str = "ended"


Event = AlertEvent | ChatEvent | ObjectiveEvent | TrapEvent | DrillEndedEvent


def event_to_json(event: Event) -> dict[str, Any]:
    return dataclasses.asdict(event)
