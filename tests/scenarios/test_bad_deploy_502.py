"""The bad-deploy-502 scenario: the story, the symptoms on every seed, the fixes, the traps."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.toolkit import run_tool

from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import expected_outcome, run_script
from pagerdrill.game.session import Session
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

FOLDER = Path(__file__).parents[2] / "src/pagerdrill/scenarios/bad-deploy-502"
SEEDS = range(8)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(FOLDER, 0)


def host_of(world: World, scenario: Scenario) -> Host:
    host = world.host(scenario.player.host)
    assert host is not None
    return host


def met(session: Session) -> dict[str, bool]:
    return {o.objective.id: o.met for o in session.objectives}


def traps(session: Session) -> set[str]:
    return {hit.trap.id for hit in session.traps}


def test_validates() -> None:
    assert validate_scenario(FOLDER) == []


def test_canonical_seed_is_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = host_of(world, scenario)
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
    assert len(scenario.candidates) in range(4, 7)
    assert sum(c.correct for c in scenario.candidates) == 1
    assert len(scenario.hints) == 3
    assert world.telemetry.series  # the 5xx history before the page


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_starts_with_a_port_mismatch(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    variables = {name: scenario.variables[name] for name in ("app", "old_port", "new_port")}
    session = run_script(scenario, seed, ["ss -tlnp"])
    host = host_of(session.world, scenario)
    assert int(variables["new_port"]) in host.listeners
    assert int(variables["old_port"]) not in host.listeners
    refused = run_tool(host, ["grep", "-c", f'upstream: "http://127.0.0.1:{variables["old_port"]}/',
                              "/var/log/nginx/error.log"]).out
    assert int(refused) > 9 * 60  # one a second since the deploy
    assert not any(met(session).values())
    assert session.outcome.value == "unresolved"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_resolves_every_seed(seed: int) -> None:
    scenario = load_scenario(FOLDER, 0)
    session = run_script(scenario, seed, scenario.for_seed(seed).solution)
    assert met(session) == {"served": True, "agree": True, "smoke-test": True}
    assert session.outcome.value == "resolved" and not session.traps


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("name", ["restart-broken-nginx", "reload-typo", "restart-app",
                                  "fix-both-sides"])
def test_wrong_paths_reach_their_outcome(seed: int, name: str) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    expected = scenario.wrong_path_outcomes.get(name) or expected_outcome(name)
    assert run_script(scenario, seed, scenario.wrong_paths[name]).outcome.value == expected


def test_rollback_mitigates_and_resolves(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["deploy rollback"])
    assert met(session) == {"served": True, "agree": True, "smoke-test": False}
    assert session.outcome.value == "resolved" and not session.traps


def test_pinning_the_old_port_and_restarting_resolves(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["echo PORT=3000 >> /srv/shop/shared/.env",
                                       "systemctl restart shop"])
    assert met(session)["agree"] and session.outcome.value == "resolved"


def test_restart_with_a_broken_config_takes_nginx_down(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000;/127.0.0.1:8080/' /etc/nginx/sites-available/shop",
        "systemctl restart nginx"])
    host = host_of(session.world, scenario)
    assert traps(session) == {"nginx-down"}
    assert 80 not in host.listeners and host.services.find("nginx").state == "failed"
    assert run_tool(host, ["curl", "-sS", "localhost/"]).err == (
        "curl: (7) Failed to connect to localhost port 80 after 0 ms: Couldn't connect to "
        "server\n")


def test_a_refused_reload_changes_nothing_and_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000;/127.0.0.1:8080;/; s/proxy_pass /proxy_pas /' "
        "/etc/nginx/sites-available/shop",
        "systemctl reload nginx"])
    host = host_of(session.world, scenario)
    assert traps(session) == {"broken-reload"}
    assert host.services.find("nginx").state == "active" and not met(session)["served"]


def test_stopping_the_app_is_penalised(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["systemctl stop shop"])
    assert traps(session) == {"app-stopped"}


def test_sed_on_the_symlink_fixes_it_but_replaces_the_link(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/127.0.0.1:3000/127.0.0.1:8080/' /etc/nginx/sites-enabled/shop",
        "nginx -t", "systemctl reload nginx"])
    host = host_of(session.world, scenario)
    assert host.fs.lookup("/etc/nginx/sites-enabled/shop", follow=False).kind is Kind.FILE
    assert traps(session) == {"symlink-replaced"} and session.outcome.value == "resolved"


def test_the_smoke_test_must_go_through_nginx(scenario: Scenario) -> None:
    conf = "/etc/deploy/shop.conf"
    direct = run_script(scenario, 0, ["deploy rollback", f"sed -i 's|^HEALTHCHECK_URL=$|"
                                                        f"HEALTHCHECK_URL=http://127.0.0.1:3000/"
                                                        f"health|' {conf}"])
    assert not met(direct)["smoke-test"]
    before_fix = run_script(scenario, 0, [f"sed -i 's|^HEALTHCHECK_URL=$|HEALTHCHECK_URL="
                                          f"http://127.0.0.1/health|' {conf}"])
    assert not met(before_fix)["smoke-test"]  # it would fail now: nginx still gets 502s
    before_fix.submit("deploy rollback")
    assert met(before_fix) == {"served": True, "agree": True, "smoke-test": True}
