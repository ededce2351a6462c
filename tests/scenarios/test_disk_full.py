"""The disk-full scenario: valid, solvable on every seed, and its wrong paths fail as told."""

from __future__ import annotations

import pytest
from tests.scenarios import kit

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.tools.registry import lookup
from pagerdrill.world.world import World

FOLDER = kit.folder("disk-full")
SEEDS = range(8)

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def root_percent(world: World, scenario: Scenario) -> float:
    return kit.player_host(world, scenario).fs.mount_for_path("/").percent_used


def test_canonical_seed_is_the_seed_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = world.host("web-01")
    assert host is not None
    mount = host.fs.mount_for_path("/")
    assert (mount.source, mount.size_bytes, mount.avail_bytes) == ("/dev/sda1", 80 << 30, 0)
    app_log = host.fs.lookup("/var/log/myapp/app.log")
    assert 60 << 30 < app_log.size < 66 << 30
    assert b"log_level: debug" in kit.read_bytes(host, "/srv/myapp/config/app.yaml")
    assert host.fs.exists("/etc/prometheus/rules/node.yml")
    kit.assert_candidates_and_hints(scenario)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_starts_full_and_old_logs_alone_do_not_help(seed: int,
                                                               scenario: Scenario) -> None:
    variant = scenario.for_seed(seed)
    world = variant.build_world(seed)
    assert root_percent(world, variant) == pytest.approx(100, abs=0.01)
    session = run_script(variant, seed, ['find /var/log -name "*.gz" -mtime +7 -delete',
                                         "sleep 60"])
    assert root_percent(session.world, variant) > 99.9
    assert session.outcome.value == "unresolved"


test_the_solution_resolves_every_seed = pytest.mark.skipif(
    lookup("sed") is None, reason="the sed tool has not landed yet")(kit.solution_test(
        FOLDER, SEEDS, ["served", "log-level", "rotation", "alert"]))
test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 3], ["rm-open-log", "delete-database", "old-gz-only", "restart-only"])


def test_rm_then_restart_recovers_but_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["rm /var/log/myapp/app.log", "systemctl restart myapp",
                                       "sleep 30"])
    assert kit.trap_ids(session) == {"rm-open-log"}
    assert root_percent(session.world, scenario) < 90
    assert session.outcome.value == "mitigated"


def test_world_level_fix_meets_every_objective(scenario: Scenario) -> None:
    """The fix applied through the world directly (independent of sed's arrival)."""
    session = run_script(scenario, 0, ["truncate -s 0 /var/log/myapp/app.log"])
    host = session.world.host("web-01")
    assert host is not None
    fs = host.fs
    fs.put("/srv/myapp/config/app.yaml", kit.read_bytes(host, "/srv/myapp/config/app.yaml")
           .replace(b"log_level: debug", b"log_level: info"))
    fs.put("/etc/logrotate.d/myapp", b"/var/log/myapp/app.log {\n    daily\n    rotate 7\n"
           b"    maxsize 500M\n    compress\n    copytruncate\n}\n")
    fs.put("/etc/prometheus/rules/node.yml", kit.read_bytes(host, "/etc/prometheus/rules/node.yml")
           .replace(b" > 95\n", b" > 80\n"))
    session.submit("systemctl restart myapp")
    assert all(o.met for o in session.objectives), kit.objectives(session)
    assert session.outcome.value == "resolved"
