"""A loaded, validated scenario: what the session needs to run a drill.

The scenario *format* (YAML + hooks, see :mod:`pagerdrill.game.loader`) compiles
into these objects; the session and scoring only ever see these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pagerdrill.world.world import World

__all__ = [
    "Architecture",
    "Candidate",
    "Component",
    "Debrief",
    "Difficulty",
    "ExpertStep",
    "Objective",
    "ObjectiveKind",
    "Page",
    "PlayerStart",
    "Predicate",
    "Scenario",
    "TimeRules",
    "Trap",
    "TrapOutcome",
    "WrongPathOutcome",
]

Predicate = Callable[[World], bool]


class Difficulty(enum.Enum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ObjectiveKind(enum.Enum):
    MITIGATE = "mitigate"  # users are served again
    RESOLVE = "resolve"  # the root cause is removed
    PREVENT = "prevent"  # what stops a repeat is in place


@dataclass(frozen=True)
class Objective:
    id: str
    kind: ObjectiveKind
    description: str
    met: Predicate


@dataclass(frozen=True)
class Candidate:
    """One root cause offered at diagnosis time."""

    id: str
    text: str
    correct: bool
    explanation: str = ""


class TrapOutcome(enum.Enum):
    PENALTY = "penalty"  # costs points, the drill goes on
    FAIL = "fail"  # e.g. data loss: the drill is failed


@dataclass(frozen=True)
class Trap:
    id: str
    description: str  # what the player did, in the debrief's words
    consequence: str  # what it caused
    triggered: Predicate
    outcome: TrapOutcome = TrapOutcome.PENALTY
    destructive: bool = False


@dataclass(frozen=True)
class Page:
    """The alert that wakes the player."""

    title: str
    text: str
    severity: str = "critical"
    source: str = "PagerDuty"


@dataclass(frozen=True)
class PlayerStart:
    host: str
    user: str = "root"
    cwd: str = ""  # empty: the user's home


@dataclass(frozen=True)
class ExpertStep:
    command: str
    why: str


@dataclass(frozen=True)
class Debrief:
    summary: str  # what actually happened
    expert_path: list[ExpertStep]
    takeaway: str


@dataclass(frozen=True)
class TimeRules:
    """How simulated time moves during a drill."""

    limit_ms: int | None = None  # after the page; None: no limit
    per_command_ms: int = 2000  # simulated time each command costs at least
    speed: float = 1.0  # simulated seconds per wall-clock second while the player thinks


@dataclass(frozen=True)
class Component:
    """One box on the architecture map: a load balancer, a service, a database..."""

    id: str
    label: str
    kind: str  # users | loadbalancer | service | database | cache | queue | cluster | ...
    column: int  # left to right, 0 = users
    healthy: Predicate | None = None  # None: always healthy


@dataclass(frozen=True)
class Architecture:
    """The system as the war room draws it: components and links (caller, callee)."""

    components: list[Component]
    links: list[tuple[str, str]]


# What a wrong-path transcript must end in (its "# expect:" header).
WrongPathOutcome = Literal["failed", "unresolved", "mitigated"]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    difficulty: Difficulty
    teaser: str  # one line, no spoilers
    estimated_minutes: int
    page: Page
    player: PlayerStart
    objectives: list[Objective]
    candidates: list[Candidate]
    hints: list[str]
    debrief: Debrief
    traps: list[Trap]
    solution: list[str]  # command lines of the solution transcript
    build_world: Callable[[int], World]  # seed -> a fresh world at the moment of the page
    source_path: str = ""
    # Transcripts of wrong paths with the outcome each must reach, for tests.
    wrong_paths: dict[str, list[str]] = field(default_factory=dict)
    # The outcome each wrong path must reach, by the same names as ``wrong_paths``.
    wrong_path_outcomes: dict[str, WrongPathOutcome] = field(default_factory=dict)
    time: TimeRules = field(default_factory=TimeRules)
    # Seed variation: the texts, objectives and world above use the variables drawn for
    # ``seed`` (canonical ones for 0); ``for_seed`` gives the same scenario for another seed.
    seed: int = 0
    variables: dict[str, object] = field(default_factory=dict)
    reseed: Callable[[int], Scenario] | None = field(default=None, repr=False, compare=False)
    # The map the war room draws (None: the scenario has no architecture section).
    architecture: Architecture | None = None

    def for_seed(self, seed: int) -> Scenario:
        """This scenario with its variables drawn for ``seed`` (names, sizes, red herrings)."""
        if seed == self.seed or self.reseed is None:
            return self
        return self.reseed(seed)

    def candidate(self, number: int) -> Candidate | None:
        """Candidates are numbered from 1 for the player."""
        return self.candidates[number - 1] if 1 <= number <= len(self.candidates) else None
