"""Metric history before the page: compact series, backfill, the join to the live value."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pagerdrill.world.rng import Rng
from pagerdrill.world.telemetry import (
    AlertRule,
    Gauge,
    History,
    Sample,
    Series,
    piecewise_linear,
)
from pagerdrill.world.world import World

MIN = 60_000


def _gauge(world: World, name: str = "rss", unit: str = "MiB") -> None:
    world.facts[name] = 610.0
    world.telemetry.page_ms = world.clock.now_ms
    world.telemetry.add_gauge(Gauge(name, name.upper(), unit,
                                    lambda w: float(w.facts[name])))  # type: ignore[arg-type]


def _offsets(world: World, name: str = "rss") -> list[int]:
    page = world.telemetry.page_ms
    return [s.t_ms - page for s in world.telemetry.series[name]]


# -- Series --------------------------------------------------------------------------


def test_series_reads_like_a_list_of_samples() -> None:
    series = Series([Sample(1, 1.5), Sample(2, 2.5)])
    series.add(4, 4.0)
    series.append(Sample(4, 5.0))  # the same instant is fine, going back is not
    assert len(series) == 4
    assert series[0] == Sample(1, 1.5) and series[-1] == Sample(4, 5.0)
    assert series[1:3] == [Sample(2, 2.5), Sample(4, 4.0)]
    assert [s.value for s in series] == [1.5, 2.5, 4.0, 5.0]
    assert series == [Sample(1, 1.5), Sample(2, 2.5), Sample(4, 4.0), Sample(4, 5.0)]
    assert series.since(2) == series[1:] and series.since(5) == []
    with pytest.raises(ValueError, match="before the last one"):
        series.add(3, 0.0)


def test_series_costs_16_bytes_a_sample() -> None:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    series = Series()
    for t in range(1080):  # 18 hours at one-minute steps
        series.add(t * MIN, 200.0 + t)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert used < 24 * 1024, used
    assert len(series) == 1080


# -- piecewise_linear ------------------------------------------------------------------


def test_piecewise_linear_is_flat_outside_and_straight_between() -> None:
    f = piecewise_linear([(-100, 200.0), (-50, 400.0), (-10, 600.0)])
    assert f(-500) == 200.0 and f(-100) == 200.0
    assert f(-75) == 300.0 and f(-30) == 500.0
    assert f(-10) == 600.0 and f(0) == 600.0


def test_piecewise_linear_two_points_at_one_instant_make_a_step() -> None:
    f = piecewise_linear([(0, 100.0), (60, 900.0), (60, 150.0), (120, 450.0)])
    assert f(59) == pytest.approx(100 + 800 * 59 / 60)
    assert f(60) == 150.0 and f(90) == 300.0


def test_piecewise_linear_needs_points_in_order() -> None:
    with pytest.raises(ValueError, match="time order"):
        piecewise_linear([(0, 1.0), (-5, 2.0)])
    with pytest.raises(ValueError, match="at least one"):
        piecewise_linear([])


@given(st.lists(st.tuples(st.integers(-10_000, 0), st.floats(-1e6, 1e6)), min_size=1,
                max_size=8), st.integers(-20_000, 5_000))
def test_piecewise_linear_stays_within_its_points(points: list[tuple[int, float]],
                                                  t: int) -> None:
    points.sort(key=lambda p: p[0])
    value = piecewise_linear(points)(t)
    values = [v for _, v in points]
    assert min(values) - 1e-6 <= value <= max(values) + 1e-6


# -- backfill ----------------------------------------------------------------------------


def test_backfill_samples_a_grid_that_ends_a_step_before_the_page(world: World) -> None:
    _gauge(world)
    f = piecewise_linear([(world.clock.now_ms - 60 * MIN, 100.0), (world.clock.now_ms, 700.0)])
    world.telemetry.backfill("rss", History(60 * MIN, 10 * MIN, f), Rng(1))
    assert _offsets(world) == [-60 * MIN, -50 * MIN, -40 * MIN, -30 * MIN, -20 * MIN, -10 * MIN]
    assert [s.value for s in world.telemetry.series["rss"]] == [100, 200, 300, 400, 500, 600]
    world.advance(20)  # live samples follow, in time order
    assert _offsets(world)[-2:] == [1000, 11_000]
    assert world.telemetry.latest("rss") == 610.0


def test_recent_part_is_sampled_at_the_scrape_interval(world: World) -> None:
    _gauge(world)
    world.telemetry.scrape_ms = 10_000
    history = History(60 * MIN, 10 * MIN, lambda t: 1.0, recent_ms=MIN)
    world.telemetry.backfill("rss", history, Rng(1))
    assert _offsets(world) == [-60 * MIN, -50 * MIN, -40 * MIN, -30 * MIN, -20 * MIN,
                               -10 * MIN, -60_000, -50_000, -40_000, -30_000, -20_000, -10_000]


def test_history_joins_the_first_live_sample_in_a_straight_line(world: World) -> None:
    _gauge(world)
    page = world.clock.now_ms
    f = piecewise_linear([(page - 60 * MIN, 200.0), (page - 30 * MIN, 410.0)])
    history = History(60 * MIN, 10 * MIN, f, join_from=(page - 30 * MIN, 410.0))
    world.telemetry.backfill("rss", history, Rng(1))
    # Past the last point, nothing yet: the live value is not known before the first scrape.
    assert _offsets(world) == [-60 * MIN, -50 * MIN, -40 * MIN, -30 * MIN]
    world.advance(1)
    world.facts["rss"] = 999.0
    world.advance(10)
    series = world.telemetry.series["rss"]
    assert _offsets(world) == [-60 * MIN, -50 * MIN, -40 * MIN, -30 * MIN, -20 * MIN, -10 * MIN,
                               1000, 11_000]
    slope = (610.0 - 410.0) / (30 * MIN + 1000)
    assert series[4].value == pytest.approx(410 + slope * 10 * MIN)
    assert series[5].value == pytest.approx(410 + slope * 20 * MIN)
    assert [s.value for s in series][-2:] == [610.0, 999.0]


def test_noise_is_seeded_bounded_and_clamped(world: World) -> None:
    def backfill(seed: int) -> list[float]:
        w = World(0, world.clock.now_ms)
        _gauge(w, "disk", "%")
        w.telemetry.backfill("disk", History(100 * MIN, MIN, lambda t: 99.0, noise=0.05,
                                             low=0.0, high=100.0), Rng(seed))
        return [s.value for s in w.telemetry.series["disk"]]

    first, again, other = backfill(7), backfill(7), backfill(8)
    assert first == again and first != other
    assert all(99.0 * 0.95 <= v <= 100.0 for v in first)
    assert max(first) == 100.0  # 99 * 1.05 is clamped to 100%
    assert len(set(first)) > 10


def test_alerts_do_not_fire_from_backfilled_samples(world: World) -> None:
    _gauge(world)
    tel = world.telemetry
    tel.add_alert(AlertRule("HighRss", "critical", "RSS above 1000",
                            lambda w: (w.telemetry.latest("rss") or 0) > 1000, for_ms=0))
    tel.backfill("rss", History(60 * MIN, MIN, lambda t: 5000.0), Rng(1))
    assert tel.latest("rss") == 5000.0
    world.advance(60)
    assert tel.alerts["HighRss"].state == "inactive" and tel.alerts["HighRss"].history == []
    assert [e.kind for e in tel.events] == []


def test_backfill_refuses_unknown_gauges_and_late_calls(world: World) -> None:
    _gauge(world)
    history = History(10 * MIN, MIN, lambda t: 1.0)
    with pytest.raises(ValueError, match="no gauge named 'nope'"):
        world.telemetry.backfill("nope", history, Rng(1))
    with pytest.raises(ValueError, match="0 < step <= span"):
        world.telemetry.backfill("rss", History(MIN, 10 * MIN, lambda t: 1.0), Rng(1))
    world.advance(1)
    with pytest.raises(ValueError, match="before the first scrape"):
        world.telemetry.backfill("rss", history, Rng(1))
