"""The daily challenge: the UTC date picks a scenario and a seed, the same for everyone.

Derived by hashing the date, so every server (and ``pagerdrill daily`` in a terminal)
agrees without sharing state; consecutive days rotate through the catalog in a
date-shuffled order rather than repeating one scenario.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

__all__ = ["DailyChallenge", "daily_challenge"]

_EPOCH = datetime.date(2026, 1, 1)


@dataclass(frozen=True)
class DailyChallenge:
    day: datetime.date
    scenario_id: str
    seed: int

    @property
    def number(self) -> int:
        """The challenge's number, as word games count them (#1 on 2026-01-01)."""
        return (self.day - _EPOCH).days + 1


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def daily_challenge(day: datetime.date, scenario_ids: list[str]) -> DailyChallenge:
    """The challenge for ``day`` among ``scenario_ids`` (any order; sorted here)."""
    if not scenario_ids:
        raise ValueError("no scenarios to pick a daily challenge from")
    ids = sorted(scenario_ids)
    days = (day - _EPOCH).days
    cycle, position = divmod(days, len(ids))
    # Each cycle through the catalog is its own shuffle, so the order is not guessable
    # from the alphabet but every scenario comes up once per cycle.
    order = sorted(ids, key=lambda s: _digest(f"cycle:{cycle}:{s}"))
    seed = 1 + _digest(f"seed:{day.isoformat()}") % 1_000_000  # seed 0 is the canonical one
    return DailyChallenge(day, order[position], seed)
