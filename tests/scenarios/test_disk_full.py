"""The disk-full scenario: valid, solvable on every seed, and its wrong paths fail as told."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import expected_outcome, run_script
from pagerdrill.tools.registry import lookup
from pagerdrill.world.world import World

FOLDER = Path(__file__).parents[2] / "src/pagerdrill/scenarios/disk-full"
SEEDS = range(8)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(FOLDER, 0)


def root_percent(world: World, scenario: Scenario) -> float:
    host = world.host(scenario.player.host)
    assert host is not None
    return host.fs.mount_for_path("/").percent_used


def test_validates() -> None:
    assert validate_scenario(FOLDER) == []


def test_canonical_seed_is_the_seed_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = world.host("web-01")
    assert host is not None
    mount = host.fs.mount_for_path("/")
    assert (mount.source, mount.size_bytes, mount.avail_bytes) == ("/dev/sda1", 80 << 30, 0)
    app_log = host.fs.lookup("/var/log/myapp/app.log")
    assert 60 << 30 < app_log.size < 66 << 30
    config = host.fs.lookup("/srv/myapp/config/app.yaml").content
    assert config is not None and b"log_level: debug" in config.read()
    assert host.fs.exists("/etc/prometheus/rules/node.yml")
    assert len(scenario.candidates) in range(4, 7)
    assert sum(c.correct for c in scenario.candidates) == 1
    assert len(scenario.hints) == 3


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_starts_full_and_old_logs_alone_do_not_help(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    world = scenario.build_world(seed)
    assert root_percent(world, scenario) == pytest.approx(100, abs=0.01)
    session = run_script(scenario, seed, ['find /var/log -name "*.gz" -mtime +7 -delete',
                                          "sleep 60"])
    assert root_percent(session.world, scenario) > 99.9
    assert session.outcome.value == "unresolved"


@pytest.mark.skipif(lookup("sed") is None, reason="the sed tool has not landed yet")
@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_resolves_every_seed(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0)
    session = run_script(scenario, seed, scenario.for_seed(seed).solution)
    assert [(o.objective.id, o.met) for o in session.objectives] == [
        ("served", True), ("log-level", True), ("rotation", True), ("alert", True)]
    assert session.outcome.value == "resolved" and not session.traps


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("name", ["rm-open-log", "delete-database", "old-gz-only",
                                  "restart-only"])
def test_wrong_paths_reach_their_outcome(seed: int, name: str) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    lines = scenario.wrong_paths[name]
    expected = scenario.wrong_path_outcomes.get(name) or expected_outcome(name)
    session = run_script(scenario, seed, lines)
    assert session.outcome.value == expected


def test_rm_then_restart_recovers_but_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["rm /var/log/myapp/app.log", "systemctl restart myapp",
                                       "sleep 30"])
    assert {h.trap.id for h in session.traps} == {"rm-open-log"}
    assert root_percent(session.world, scenario) < 90
    assert session.outcome.value == "mitigated"


def test_world_level_fix_meets_every_objective(scenario: Scenario) -> None:
    """The fix applied through the world directly (independent of sed's arrival)."""
    session = run_script(scenario, 0, ["truncate -s 0 /var/log/myapp/app.log"])
    host = session.world.host("web-01")
    assert host is not None
    fs = host.fs
    fs.put("/srv/myapp/config/app.yaml", fs.lookup("/srv/myapp/config/app.yaml").content
           .read().replace(b"log_level: debug", b"log_level: info"))  # type: ignore[union-attr]
    fs.put("/etc/logrotate.d/myapp", b"/var/log/myapp/app.log {\n    daily\n    rotate 7\n"
           b"    maxsize 500M\n    compress\n    copytruncate\n}\n")
    rules = fs.lookup("/etc/prometheus/rules/node.yml").content
    assert rules is not None
    fs.put("/etc/prometheus/rules/node.yml", rules.read().replace(b" > 95\n", b" > 80\n"))
    session.submit("systemctl restart myapp")
    assert all(o.met for o in session.objectives), [(o.objective.id, o.met)
                                                    for o in session.objectives]
    assert session.outcome.value == "resolved"
