"""The daily challenge: the same scenario and seed for everyone on a UTC date."""

from __future__ import annotations

import datetime

import pytest

from pagerdrill.game.daily import daily_challenge

IDS = ["disk-full", "pool-exhaustion", "cache-stampede", "crashloop", "node-leak"]


def test_the_date_alone_decides_and_the_catalog_order_does_not_matter() -> None:
    day = datetime.date(2026, 11, 25)
    first = daily_challenge(day, IDS)
    assert first == daily_challenge(day, list(reversed(IDS)))
    assert first.number == 329 and first.seed > 0  # seed 0 is the canonical variant


def test_every_scenario_comes_up_once_per_cycle_and_seeds_differ() -> None:
    start = datetime.date(2026, 1, 1)
    days = [daily_challenge(start + datetime.timedelta(days=n), IDS) for n in range(15)]
    for cycle in range(3):
        picked = [d.scenario_id for d in days[cycle * 5:(cycle + 1) * 5]]
        assert sorted(picked) == sorted(IDS)
    assert [d.scenario_id for d in days[:5]] != [d.scenario_id for d in days[5:10]] or \
        [d.scenario_id for d in days[5:10]] != [d.scenario_id for d in days[10:]]
    assert len({d.seed for d in days}) == 15


def test_no_scenarios_is_an_error() -> None:
    with pytest.raises(ValueError, match="no scenarios"):
        daily_challenge(datetime.date(2026, 1, 1), [])
