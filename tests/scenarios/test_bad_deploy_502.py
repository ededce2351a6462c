"""The bad-deploy-502 scenario: the story, the symptoms on every seed, the fixes, the traps."""

from __future__ import annotations

import pytest
from tests.scenarios import kit
from tests.toolkit import run_tool

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.world.fs import Kind

FOLDER = kit.folder("bad-deploy-502")
SEEDS = range(8)

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def test_canonical_seed_is_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = kit.player_host(world, scenario)
    assert host.name == "web-01"
    releases = host.fs.listdir(host.fs.lookup("/srv/shop/releases"))
    assert len(releases) == 4
    current = host.fs.lookup("/srv/shop/current", follow=False).target
    assert current == f"/srv/shop/releases/{max(releases)}"
    config = run_tool(host, ["cat", f"{current}/config/production.json"]).out
    assert '"port": 8080' in config
    assert '"port": 3000' in run_tool(host, ["cat", f"/srv/shop/releases/{sorted(releases)[-2]}"
                                                    "/config/production.json"]).out
    assert 8080 in host.listeners and 3000 not in host.listeners
    assert run_tool(host, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           "localhost/"]).out == "502"
    log = run_tool(host, ["tail", "-n", "1", "/var/log/nginx/error.log"]).out
    assert "connect() failed (111: Connection refused) while connecting to upstream" in log
    assert 'upstream: "http://127.0.0.1:3000/' in log
    assert "health check: skipped" in run_tool(host, ["cat", "/var/log/deploy/shop.log"]).out
    assert "Align service port" in run_tool(host, ["git", "-C", "/srv/shop/repo", "log",
                                                   "--oneline", "-1"]).out
    assert run_tool(host, ["nginx", "-t"]).status == 0
    kit.assert_candidates_and_hints(scenario)
    assert world.telemetry.series  # the 5xx history before the page


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_starts_with_a_port_mismatch(seed: int, scenario: Scenario) -> None:
    variant = scenario.for_seed(seed)
    variables = {name: variant.variables[name] for name in ("app", "old_port", "new_port")}
    session = run_script(variant, seed, ["ss -tlnp"])
    host = kit.player_host(session.world, variant)
    assert int(variables["new_port"]) in host.listeners
    assert int(variables["old_port"]) not in host.listeners
    refused = run_tool(host, ["grep", "-c", f'upstream: "http://127.0.0.1:{variables["old_port"]}/',
                              "/var/log/nginx/error.log"]).out
    assert int(refused) > 9 * 60  # one a second since the deploy
    assert not any(kit.met(session).values())
    assert session.outcome.value == "unresolved"


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["served", "agree", "smoke-test"])
test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 3], ["restart-broken-nginx", "reload-typo", "restart-app", "fix-both-sides"])


def test_rollback_mitigates_and_resolves(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["deploy rollback"])
    assert kit.met(session) == {"served": True, "agree": True, "smoke-test": False}
    assert session.outcome.value == "resolved" and not session.traps


def test_pinning_the_old_port_and_restarting_resolves(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["echo PORT=3000 >> /srv/shop/shared/.env",
                                       "systemctl restart shop"])
    assert kit.met(session)["agree"] and session.outcome.value == "resolved"


def test_restart_with_a_broken_config_takes_nginx_down(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000;/127.0.0.1:8080/' /etc/nginx/sites-available/shop",
        "systemctl restart nginx"])
    host = kit.player_host(session.world, scenario)
    assert kit.trap_ids(session) == {"nginx-down"}
    assert 80 not in host.listeners and host.services.find("nginx").state == "failed"
    assert run_tool(host, ["curl", "-sS", "localhost/"]).err == (
        "curl: (7) Failed to connect to localhost port 80 after 0 ms: Couldn't connect to "
        "server\n")


def test_a_refused_reload_changes_nothing_and_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000;/127.0.0.1:8080;/; s/proxy_pass /proxy_pas /' "
        "/etc/nginx/sites-available/shop",
        "systemctl reload nginx"])
    host = kit.player_host(session.world, scenario)
    assert kit.trap_ids(session) == {"broken-reload"}
    assert host.services.find("nginx").state == "active" and not kit.met(session)["served"]


def test_stopping_the_app_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["systemctl stop shop"])
    assert kit.trap_ids(session) == {"app-stopped"}


def test_sed_on_the_symlink_fixes_it_but_replaces_the_link(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000/127.0.0.1:8080/' /etc/nginx/sites-enabled/shop",
        "nginx -t", "systemctl reload nginx"])
    host = kit.player_host(session.world, scenario)
    assert host.fs.lookup("/etc/nginx/sites-enabled/shop", follow=False).kind is Kind.FILE
    assert kit.trap_ids(session) == {"symlink-replaced"} and session.outcome.value == "resolved"


def test_the_smoke_test_must_go_through_nginx(scenario: Scenario) -> None:
    conf = "/etc/deploy/shop.conf"
    direct = run_script(scenario, 0, ["deploy rollback", f"sed -i 's|^HEALTHCHECK_URL=$|"
                                                        f"HEALTHCHECK_URL=http://127.0.0.1:3000/"
                                                        f"health|' {conf}"])
    assert not kit.met(direct)["smoke-test"]
    before_fix = run_script(scenario, 0, [f"sed -i 's|^HEALTHCHECK_URL=$|HEALTHCHECK_URL="
                                          f"http://127.0.0.1/health|' {conf}"])
    assert not kit.met(before_fix)["smoke-test"]  # it would fail now: nginx still gets 502s
    before_fix.submit("deploy rollback")
    assert kit.met(before_fix) == {"served": True, "agree": True, "smoke-test": True}
