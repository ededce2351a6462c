"""The inode-exhaustion scenario: valid, solvable on every seed, traps with consequences."""

from __future__ import annotations

import pytest
from tests.scenarios import kit

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.world.fs import Mount
from pagerdrill.world.lazydir import LazyEntries
from pagerdrill.world.world import World

FOLDER = kit.folder("inode-exhaustion")
SEEDS = range(8)
HOOKS = kit.hooks(FOLDER)

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def root(world: World, scenario: Scenario) -> Mount:
    return kit.player_host(world, scenario).fs.mount_for_path("/")


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
    assert b"/srv/shop/venv/bin/python" in kit.read_bytes(host, "/etc/cron.d/shop-sessions")
    assert b"/bin/sh: 1: /srv/shop/venv/bin/python: not found" in kit.read_bytes(
        host, "/var/mail/root")
    assert not HOOKS.app_healthy(world) and not HOOKS.cleanup_job_fixed(world)
    kit.assert_candidates_and_hints(scenario)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_lies_the_same_way(seed: int, scenario: Scenario) -> None:
    variant = scenario.for_seed(seed)
    session = run_script(variant, seed, ["df -h /", "df -i /",
                                         "curl -s -o /dev/null -w '%{http_code}' localhost/health",
                                         "curl -s -o /dev/null -w '%{http_code}' "
                                         "localhost/accounts/login/"])
    mount = root(session.world, variant)
    assert mount.avail_inodes == 0 and mount.percent_used < 55
    count = HOOKS.session_count(session.world)
    assert 600_000 <= count <= 2_000_000
    assert HOOKS.login_error_percent(session.world) == 100.0
    assert session.outcome.value == "unresolved"


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["logins", "cleanup", "inode-alert"])
test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 5], ["glob-rm", "delete-big-log", "restart-only", "rm-dir-root-owned",
                     "rm-dir-logout"])


def test_glob_rm_deletes_nothing(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["rm -rf /var/lib/shop/sessions/*"])
    assert kit.trap_ids(session) == {"glob-rm"}
    assert root(session.world, scenario).avail_inodes == 0


def test_deleting_the_big_log_frees_bytes_not_inodes(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    before = root(world, scenario).used_bytes
    session = run_script(scenario, 0, ["rm /var/log/shop/access.log.1", "sleep 10"])
    mount = root(session.world, scenario)
    assert mount.used_bytes < before - (500 << 20)
    assert mount.avail_inodes == 0  # the one inode freed went to the next login at once
    assert kit.trap_ids(session) == {"deleted-big-log"}


def test_removing_the_directory_logs_everyone_out(scenario: Scenario) -> None:
    root_owned = run_script(scenario, 0, scenario.wrong_paths["rm-dir-root-owned"])
    assert kit.trap_ids(root_owned) == {"logged-out-everyone"}
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
    syslog = kit.read_bytes(host, "/var/log/syslog")
    assert b"03:15:01 app-01 CRON[" in syslog
    assert b"(shop) CMD (cd /srv/shop/current && /opt/shop/venv/bin/python" in syslog
    assert HOOKS.app_healthy(session.world)
    assert not HOOKS.active_sessions_deleted(session.world)


def test_inode_alert_predicate(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    assert not HOOKS.inode_alert(world)
    host = world.host("app-01")
    assert host is not None
    text = kit.read_bytes(host, "/etc/prometheus/rules/node.yml")
    good = (b"      - alert: HostInodesLow\n        expr: node_filesystem_files_free / "
            b"node_filesystem_files < 0.1\n")
    host.fs.put("/etc/prometheus/rules/node.yml", text + good)
    assert HOOKS.inode_alert(world)
    host.fs.put("/etc/prometheus/rules/node.yml", text + good.replace(b"< 0.1", b"< 0.9"))
    assert not HOOKS.inode_alert(world)
    host.fs.put("/etc/prometheus/rules/node.yml", text + b"  broken: [\n" + good)
    assert not HOOKS.inode_alert(world)  # a file Prometheus cannot parse alerts on nothing
