"""The inode-exhaustion scenario: valid, solvable on every seed, traps with consequences."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from pagerdrill.game.hooks import HookModules
from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import expected_outcome, run_script
from pagerdrill.world.fs import Mount
from pagerdrill.world.lazydir import LazyEntries
from pagerdrill.world.world import World

FOLDER = Path(__file__).parents[2] / "src/pagerdrill/scenarios/inode-exhaustion"
SEEDS = range(8)


# The very module the scenario runs (its classes are what isinstance checks see).
HOOKS: ModuleType = HookModules(FOLDER).module("hooks")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(FOLDER, 0)


def root(world: World, scenario: Scenario) -> Mount:
    host = world.host(scenario.player.host)
    assert host is not None
    return host.fs.mount_for_path("/")


def test_validates() -> None:
    assert validate_scenario(FOLDER) == []


def test_canonical_seed_tells_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = world.host("app-01")
    assert host is not None
    mount = root(world, scenario)
    assert (mount.size_bytes, mount.inodes_total) == (20 << 30, 1_310_720)
    assert mount.avail_inodes == 0 and 38 <= mount.percent_used <= 48
    sessions = host.fs.lookup("/var/lib/shop/sessions")
    assert isinstance(sessions.entries, LazyEntries)
    assert 600_000 <= len(sessions.entries) <= 2_000_000
    cron = host.fs.lookup("/etc/cron.d/shop-sessions").content
    assert cron is not None and b"/srv/shop/venv/bin/python" in cron.read()
    mail = host.fs.lookup("/var/mail/root").content
    assert mail is not None
    assert b"/bin/sh: 1: /srv/shop/venv/bin/python: not found" in mail.read()
    assert not HOOKS.app_healthy(world) and not HOOKS.cleanup_job_fixed(world)
    assert len(scenario.candidates) in range(4, 7)
    assert sum(c.correct for c in scenario.candidates) == 1
    assert len(scenario.hints) == 3


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_lies_the_same_way(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    session = run_script(scenario, seed, ["df -h /", "df -i /",
                                          "curl -s -o /dev/null -w '%{http_code}' localhost/health",
                                          "curl -s -o /dev/null -w '%{http_code}' "
                                          "localhost/accounts/login/"])
    mount = root(session.world, scenario)
    assert mount.avail_inodes == 0 and mount.percent_used < 55
    count = HOOKS.session_count(session.world)
    assert 600_000 <= count <= 2_000_000
    assert HOOKS.login_error_percent(session.world) == 100.0
    assert session.outcome.value == "unresolved"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_resolves_every_seed(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0)
    session = run_script(scenario, seed, scenario.for_seed(seed).solution)
    assert [(o.objective.id, o.met) for o in session.objectives] == [
        ("logins", True), ("cleanup", True), ("inode-alert", True)]
    assert session.outcome.value == "resolved" and not session.traps


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("name", ["glob-rm", "delete-big-log", "restart-only",
                                  "rm-dir-root-owned", "rm-dir-logout"])
def test_wrong_paths_reach_their_outcome(seed: int, name: str) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    expected = scenario.wrong_path_outcomes.get(name) or expected_outcome(name)
    session = run_script(scenario, seed, scenario.wrong_paths[name])
    assert session.outcome.value == expected


def test_glob_rm_deletes_nothing(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["rm -rf /var/lib/shop/sessions/*"])
    assert {h.trap.id for h in session.traps} == {"glob-rm"}
    assert root(session.world, scenario).avail_inodes == 0


def test_deleting_the_big_log_frees_bytes_not_inodes(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    before = root(world, scenario).used_bytes
    session = run_script(scenario, 0, ["rm /var/log/shop/access.log.1", "sleep 10"])
    mount = root(session.world, scenario)
    assert mount.used_bytes < before - (500 << 20)
    assert mount.avail_inodes == 0  # the one inode freed went to the next login at once
    assert {h.trap.id for h in session.traps} == {"deleted-big-log"}


def test_removing_the_directory_logs_everyone_out(scenario: Scenario) -> None:
    root_owned = run_script(scenario, 0, scenario.wrong_paths["rm-dir-root-owned"])
    assert {h.trap.id for h in root_owned.traps} == {"logged-out-everyone"}
    assert not HOOKS.app_healthy(root_owned.world)  # root's new directory: EACCES
    fixed = run_script(scenario, 0, scenario.wrong_paths["rm-dir-logout"])
    assert HOOKS.app_healthy(fixed.world) and HOOKS.active_sessions_deleted(fixed.world)


def test_clearing_expired_sessions_keeps_active_ones(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "find /var/lib/shop/sessions -type f -mtime +14 -delete", "sleep 5"])
    assert HOOKS.app_healthy(session.world)
    assert not HOOKS.active_sessions_deleted(session.world)
    assert not session.traps


def test_sed_cannot_edit_while_inodes_are_exhausted(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [])
    turn = session.submit("sed -i 's|/srv/shop/venv|/opt/shop/venv|' /etc/cron.d/shop-sessions")
    assert "No space left on device" in turn.output  # sed -i needs a temporary file
    assert not HOOKS.cleanup_job_fixed(session.world)


def test_fixed_cron_job_runs_and_cleans(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "find /var/lib/shop/sessions -type f -mtime +20 -delete",
        "sed -i 's|/srv/shop/venv/bin/python|/opt/shop/venv/bin/python|' "
        "/etc/cron.d/shop-sessions"])
    before = HOOKS.session_count(session.world)
    session.submit("sleep 600")  # past 03:15, when the job runs
    assert HOOKS.session_count(session.world) < before * 0.8  # the 14-20 day old ones went
    assert HOOKS.cleanup_job_fixed(session.world)
    host = session.world.host("app-01")
    assert host is not None
    syslog = host.fs.lookup("/var/log/syslog").content
    assert syslog is not None and b"03:15:01 app-01 CRON[" in syslog.read()
    assert b"(shop) CMD (cd /srv/shop/current && /opt/shop/venv/bin/python" in \
        host.fs.lookup("/var/log/syslog").content.read()  # type: ignore[union-attr]
    assert HOOKS.app_healthy(session.world)
    assert not HOOKS.active_sessions_deleted(session.world)


def test_inode_alert_predicate(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    assert not HOOKS.inode_alert(world)
    host = world.host("app-01")
    assert host is not None
    rules = host.fs.lookup("/etc/prometheus/rules/node.yml").content
    assert rules is not None
    text = rules.read()
    good = (b"      - alert: HostInodesLow\n        expr: node_filesystem_files_free / "
            b"node_filesystem_files < 0.1\n")
    host.fs.put("/etc/prometheus/rules/node.yml", text + good)
    assert HOOKS.inode_alert(world)
    host.fs.put("/etc/prometheus/rules/node.yml", text + good.replace(b"< 0.1", b"< 0.9"))
    assert not HOOKS.inode_alert(world)
    host.fs.put("/etc/prometheus/rules/node.yml", text + b"  broken: [\n" + good)
    assert not HOOKS.inode_alert(world)  # a file Prometheus cannot parse alerts on nothing
