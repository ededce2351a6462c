"""The expired-tls-cert scenario: valid, solvable on every seed, its traps and objectives."""

from __future__ import annotations

import pytest
from tests.scenarios import kit

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.world.tls import load_pem_chain, served_certificate
from pagerdrill.world.world import World

FOLDER = kit.folder("expired-tls-cert")
SEEDS = range(8)
RULES = "/etc/prometheus/rules/blackbox.yml"
HOOKS = kit.hooks(FOLDER)

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def check(world: World, name: str) -> object:
    """A hook of the scenario (predicates and probes only read the world)."""
    return getattr(HOOKS, name)(world)


def test_canonical_seed_tells_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = kit.player_host(world, scenario)
    served = load_pem_chain(served_certificate(host, 443) or b"")
    assert len(served) == 2
    expires = served[0].not_valid_after_utc.timestamp() * 1000
    assert world.clock.now_ms - expires == pytest.approx(9 * 3_600_000, abs=2000)
    assert b"pre_hook = systemctl stop apache2" in kit.read_bytes(
        host, "/etc/letsencrypt/renewal/shop.example.com.conf")
    assert host.services.units["nginx.service"].state == "active"
    assert host.services.units["certbot.timer"].state == "active"
    assert host.services.units["certbot.service"].state == "failed"
    failures = [e for e in host.journal.entries if e.ident == "certbot"
                and e.message.startswith("Failed to renew certificate shop.example.com")]
    assert len(failures) == 60  # twice a day since the certificate fell due
    assert host.fs.exists("/var/log/letsencrypt/letsencrypt.log.29")
    kit.assert_candidates_and_hints(scenario)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_lies_the_same_way(scenario: Scenario, seed: int) -> None:
    """nginx up, the app healthy, no 5xx, and yet no client gets through the handshake."""
    session = run_script(scenario, seed, ["curl -s -o /dev/null -w '%{http_code}' "
                                          "localhost:8080/health"])
    world = session.world
    assert session.outcome.value == "unresolved"
    assert check(world, "nginx_down") is False
    assert check(world, "clients_connect") is False
    assert check(world, "renewal_fixed") is False
    assert check(world, "expiry_alert") is False
    assert float(check(world, "error_ratio")) < 1  # type: ignore[arg-type]


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["valid-chain", "renewal", "expiry-alert"])
test_wrong_paths_reach_their_outcome = kit.wrong_paths_with_traps_test(
    FOLDER, [0, 2], {"reload-only": set(), "snakeoil": {"self-signed"},
                     "delete-live": {"deleted-live"}, "renew-loop-no-reload": {"rate-limited"}})


def test_a_restart_with_a_broken_config_takes_nginx_down(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/ssl_session_cache shared:SSL:10m;/ssl_session_cache shared:SSL:10m/' "
        "/etc/nginx/sites-available/storefront",
        "systemctl reload nginx", "systemctl restart nginx"])
    assert kit.trap_ids(session) == {"broken-reload", "nginx-down"}


def test_the_timer_retries_and_succeeds_once_fixed(scenario: Scenario) -> None:
    """The resolve objective is about the unattended path: the timer's own run renews."""
    fix = [line for line in scenario.solution if line.startswith("sed -i")][:2]
    session = run_script(scenario, 0, fix)
    world = session.world
    world.advance(2 * 3600)  # past the timer's next elapse (beyond the drill's time limit)
    host = kit.player_host(world, scenario)
    assert host.fs.exists("/etc/letsencrypt/archive/shop.example.com/cert4.pem")
    assert host.services.units["certbot.service"].result == "success"
    assert check(world, "clients_connect")  # its deploy hook reloaded nginx


@pytest.mark.parametrize("rule", [
    "probe_ssl_earliest_cert_expiry - time() < 86400 * 14",
    "(probe_ssl_earliest_cert_expiry - time()) / 86400 < 21",
    "ssl_cert_not_after - time() < 1209600",
])
def test_the_prevent_objective_reads_the_threshold(scenario: Scenario, rule: str) -> None:
    world = scenario.build_world(0)
    host = kit.player_host(world, scenario)
    assert check(world, "expiry_alert") is False
    base = kit.read_bytes(host, RULES)
    host.fs.put(RULES, base + f"      - alert: CertExpiry\n        expr: {rule}\n".encode())
    assert check(world, "expiry_alert") is True
    host.fs.put(RULES, base + b"      - alert: CertExpiry\n        expr: "
                b"probe_ssl_earliest_cert_expiry - time() < 3600\n")
    assert check(world, "expiry_alert") is False  # an hour's notice is not prevention
    host.fs.put(RULES, base + f"    - alert: CertExpiry\n  expr: {rule}\n".encode())
    assert check(world, "expiry_alert") is False  # a rules file Prometheus would refuse
