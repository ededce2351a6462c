"""Metric history in scenario.yaml: its format, its backfill, and the built-in scenarios'."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.loader import ScenarioError, load_scenario, validate_scenario
from pagerdrill.game.session import Session
from pagerdrill.world.world import World

Copy = Callable[..., Path]
MIN = 60_000
PROBE = "      probe: {disk_used_percent: {mount: /}}\n"  # the minimal fixture's metric
SERIES = "disk_used_percent{host=web-01,mount=/}"


def with_history(copy: Copy, history: str, hooks: str | None = None) -> Path:
    folder = copy((PROBE, PROBE + f"      history: {history}\n"))  # history is on line 75
    if hooks is not None:
        (folder / "hooks.py").write_text("from pagerdrill.world.world import World\n\n\n"
                                         + hooks)
    return folder


def offsets_and_values(world: World, name: str = SERIES) -> list[tuple[int, float]]:
    page = world.telemetry.page_ms
    return [(s.t_ms - page, round(s.value, 3)) for s in world.telemetry.series[name]]


def test_points_are_backfilled_and_joined_to_the_live_value(scenario_copy: Copy) -> None:
    scenario = load_scenario(with_history(
        scenario_copy, "{points: [[-2h, 40], [-1h, 60], [-40m, 90]], step: 10m, recent: 0}"))
    world = scenario.build_world(0)
    assert offsets_and_values(world) == [
        (-120 * MIN, 40.0), (-110 * MIN, 43.333), (-100 * MIN, 46.667), (-90 * MIN, 50.0),
        (-80 * MIN, 53.333), (-70 * MIN, 56.667), (-60 * MIN, 60.0), (-50 * MIN, 75.0),
        (-40 * MIN, 90.0)]
    world.advance(1)  # the disk is full: the line runs from 90% at -40m to 100% now
    slope = 10 / (40 * MIN + 1000)
    assert offsets_and_values(world)[-4:] == [
        (-30 * MIN, round(90 + slope * 10 * MIN, 3)), (-20 * MIN, round(90 + slope * 20 * MIN, 3)),
        (-10 * MIN, round(90 + slope * 30 * MIN, 3)), (1000, 100.0)]


def test_recent_minutes_are_sampled_every_scrape(scenario_copy: Copy) -> None:
    world = load_scenario(with_history(
        scenario_copy, "{points: [[-2h, 40], [0, 100]], step: 1h, recent: 1m}")).build_world(0)
    assert [t for t, _ in offsets_and_values(world)] == [
        -120 * MIN, -60 * MIN, -60_000, -50_000, -40_000, -30_000, -20_000, -10_000]


def test_a_hook_models_the_past(scenario_copy: Copy) -> None:
    folder = with_history(scenario_copy, "{hook: \"hooks:past\", span: 1h, step: 20m}",
                          "def past(world: World, t_ms: int) -> float:\n"
                          "    return (world.telemetry.page_ms - t_ms) / 60_000\n")
    world = load_scenario(folder).build_world(0)
    assert offsets_and_values(world)[:3] == [(-60 * MIN, 60.0), (-40 * MIN, 40.0),
                                             (-30 * MIN, 30.0)]  # then every 10s
    assert offsets_and_values(world)[-1] == (-10_000, round(10 / 60, 3))


def test_points_take_variables(scenario_copy: Copy) -> None:
    folder = with_history(scenario_copy, "{points: [[\"-{{ days }}d\", \"{{ level }}\"], "
                                         "[-1d, 95]], step: 12h, recent: 0}")
    text = (folder / "scenario.yaml").read_text().replace(
        "variables:\n", "variables:\n  level: {canonical: 42, range: [40, 50]}\n"
                         "  days: {canonical: 3, range: [2, 4]}\n")
    (folder / "scenario.yaml").write_text(text)
    world = load_scenario(folder).build_world(0)
    assert offsets_and_values(world) == [(-72 * 60 * MIN, 42.0), (-60 * 60 * MIN, 55.25),
                                         (-48 * 60 * MIN, 68.5), (-36 * 60 * MIN, 81.75),
                                         (-24 * 60 * MIN, 95.0)]
    for seed in (1, 2, 3):
        other = load_scenario(folder, seed)
        level, days = other.variables["level"], other.variables["days"]
        assert isinstance(level, int) and isinstance(days, int)
        built = other.build_world(seed)
        first = next(iter(built.telemetry.series.values()))[0]
        assert first.value == level
        assert built.telemetry.page_ms - first.t_ms == days * 24 * 60 * MIN


def test_noise_is_deterministic_per_seed(scenario_copy: Copy) -> None:
    scenario = load_scenario(with_history(
        scenario_copy, "{points: [[-6h, 50], [0, 50]], step: 10m, noise: 0.1}"))
    first, again = scenario.build_world(3), scenario.build_world(3)
    other = scenario.build_world(4)
    values = [v for _, v in offsets_and_values(first)]
    assert values == [v for _, v in offsets_and_values(again)]
    assert values != [v for _, v in offsets_and_values(other)]
    assert all(45.0 <= v <= 55.0 for v in values) and len(set(values)) > 20


@pytest.mark.parametrize(("history", "expected"), [
    ("{points: [[-1h, 1]], hook: \"hooks:x\"}",
     "scenario.yaml:75: world.metrics[0].history: give exactly one of 'points' or 'hook'"),
    ("{points: [[-1h, 1], [-2h, 2]]}",
     "scenario.yaml:75: world.metrics[0].history: points must be in time order: -2h comes "
     "after -1h"),
    ("{points: [[-1h, 1], [+5m, 2]]}",
     "scenario.yaml:75: world.metrics[0].history: history ends at the page: point 5m is "
     "after it"),
    ("{points: [[-1h]]}",
     "scenario.yaml:75: world.metrics[0].history.points[0]: expected a point [offset, value], "
     "e.g. [-6h, 400] (got [-1h])"),
    ("{points: [[soon, 1]]}",
     "scenario.yaml:75: world.metrics[0].history.points[0]: invalid offset 'soon' (expected "
     "e.g. +3m, -9d, -2h30m)"),
    ("{points: [[-1h, lots]]}",
     "scenario.yaml:75: world.metrics[0].history.points[0][1]: Input should be a valid number"),
    ("{points: [[0, 1]]}",
     "scenario.yaml:75: world.metrics[0].history: give 'span', or start the points before the "
     "page"),
    ("{hook: \"hooks:x\"}",
     "scenario.yaml:75: world.metrics[0].history: a history 'hook' needs a 'span'"),
    ("{points: [[-1h, 1]], step: 2h}",
     "scenario.yaml:75: world.metrics[0].history: 'step' (2h) is longer than the span (1h)"),
    ("{points: [[-30d, 1]], step: 1m}",
     "scenario.yaml:75: world.metrics[0].history: 30d of history every 1m, the last 30m every "
     "10s (the scrape interval), is 43350 samples; at most 2000 (use a coarser 'step' or a "
     "shorter 'recent')"),
    ("{points: [[-1h, 1]], noise: 2}",
     "scenario.yaml:75: world.metrics[0].history.noise: Input should be less than or equal "
     "to 1"),
    ("{points: [[-1h, 1]], colour: red}",
     "scenario.yaml:75: world.metrics[0].history.colour: unknown key 'colour'"),
    ("{hook: \"hooks:past\", span: 1h}",
     "scenario.yaml:75: world.metrics[0].history.hook: hook module 'hooks' not found"),
])
def test_problem_messages(scenario_copy: Copy, history: str, expected: str) -> None:
    folder = with_history(scenario_copy, history)
    problems = validate_scenario(folder)
    with pytest.raises(ScenarioError):
        load_scenario(folder)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_hook_that_fails_is_a_build_problem(scenario_copy: Copy) -> None:
    folder = with_history(scenario_copy, "{hook: \"hooks:past\", span: 1h}",
                          "def past(world: World, t_ms: int) -> float:\n"
                          "    raise KeyError('no such process')\n")
    assert validate_scenario(folder) == [
        "scenario.yaml:75: world.metrics[0].history: no such process"]


def test_scenarios_without_history_start_empty(scenario_copy: Copy) -> None:
    world = load_scenario(scenario_copy()).build_world(0)
    assert list(world.telemetry.series[SERIES]) == []


# -- the built-in scenarios ------------------------------------------------------------------


def _values(world: World, name: str) -> list[float]:
    return [s.value for s in world.telemetry.series[name]]


def _before_page(world: World) -> None:
    page = world.telemetry.page_ms
    for series in world.telemetry.series.values():
        times = [s.t_ms for s in series]
        assert times == sorted(times) and all(t < page for t in times)


@pytest.mark.parametrize("seed", [0, 2])
def test_disk_full_history_shows_the_disk_filling_over_weeks(seed: int) -> None:
    scenario = find_scenario("disk-full", seed)
    world = scenario.build_world(seed)
    _before_page(world)
    host = scenario.variables["host"]
    disk = _values(world, f"disk_used_percent{{host={host},mount=/}}")
    assert disk == sorted(disk), "the disk only fills"
    assert disk[0] < 50 and disk[-1] == pytest.approx(100.0, abs=0.01)
    first = world.telemetry.series[f"disk_used_percent{{host={host},mount=/}}"][0]
    assert world.telemetry.page_ms - first.t_ms == 24 * 86_400_000
    health = _values(world, f"http_ok{{host={host},port=80,path=/health}}")
    assert set(health[:-1]) == {1.0} and health[-1] == 0.0  # down since -15m, joined live


def test_pool_exhaustion_history_is_flat_then_drains() -> None:
    session = Session(find_scenario("pool-exhaustion"), seed=0)
    world = session.world
    _before_page(world)
    pool = _values(world, "pool_in_use")
    assert pool[0] == 2.0 and pool[-1] == 20.0 and pool == sorted(pool)
    errors = _values(world, "http_5xx_percent")
    assert errors[0] == 0.0 and errors[-1] == 100.0
    assert errors.index(100.0) > len(errors) - 60  # the last 6 minutes, at 10s a sample
    session.submit("uptime")
    assert _values(world, "http_5xx_percent")[-1] == 100.0  # the live sample follows


def test_pool_history_follows_the_seed() -> None:
    for seed in (1, 3):
        scenario = find_scenario("pool-exhaustion", seed)
        world = scenario.build_world(seed)
        pool = _values(world, "pool_in_use")
        assert pool[-1] == float(str(scenario.variables["pool"]))
        first = world.telemetry.series["pool_in_use"][0]
        days = int(str(scenario.variables["commit_days"]))
        assert world.telemetry.page_ms - first.t_ms == days * 86_400_000
