"""The expired-tls-cert scenario: valid, solvable on every seed, its traps and objectives."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import expected_outcome, run_script
from pagerdrill.world.host import Host
from pagerdrill.world.tls import load_pem_chain, served_certificate
from pagerdrill.world.world import World

FOLDER = Path(__file__).parents[2] / "src/pagerdrill/scenarios/expired-tls-cert"
SEEDS = range(8)
RULES = "/etc/prometheus/rules/blackbox.yml"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(FOLDER, 0)


def player_host(world: World, scenario: Scenario) -> Host:
    host = world.host(scenario.player.host)
    assert host is not None
    return host


@functools.cache
def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("expired_tls_cert_hooks", FOLDER / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(world: World, name: str) -> object:
    """A hook of the scenario (predicates and probes only read the world)."""
    return getattr(_hooks(), name)(world)


def test_validates() -> None:
    assert validate_scenario(FOLDER) == []


def test_canonical_seed_tells_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    host = player_host(world, scenario)
    served = load_pem_chain(served_certificate(host, 443) or b"")
    assert len(served) == 2
    expires = served[0].not_valid_after_utc.timestamp() * 1000
    assert world.clock.now_ms - expires == pytest.approx(9 * 3_600_000, abs=2000)
    conf = host.fs.lookup("/etc/letsencrypt/renewal/shop.example.com.conf").content
    assert conf is not None and b"pre_hook = systemctl stop apache2" in conf.read()
    assert host.services.units["nginx.service"].state == "active"
    assert host.services.units["certbot.timer"].state == "active"
    assert host.services.units["certbot.service"].state == "failed"
    failures = [e for e in host.journal.entries if e.ident == "certbot"
                and e.message.startswith("Failed to renew certificate shop.example.com")]
    assert len(failures) == 60  # twice a day since the certificate fell due
    assert host.fs.exists("/var/log/letsencrypt/letsencrypt.log.29")
    assert len(scenario.candidates) in range(4, 7)
    assert sum(c.correct for c in scenario.candidates) == 1
    assert len(scenario.hints) == 3


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


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_resolves_every_seed(scenario: Scenario, seed: int) -> None:
    session = run_script(scenario, seed, scenario.for_seed(seed).solution)
    assert [(o.objective.id, o.met) for o in session.objectives] == [
        ("valid-chain", True), ("renewal", True), ("expiry-alert", True)]
    assert session.outcome.value == "resolved" and not session.traps


@pytest.mark.parametrize("seed", [0, 2])
@pytest.mark.parametrize(("name", "traps"), [
    ("reload-only", set()), ("snakeoil", {"self-signed"}), ("delete-live", {"deleted-live"}),
    ("renew-loop-no-reload", {"rate-limited"})])
def test_wrong_paths_reach_their_outcome(seed: int, name: str, traps: set[str]) -> None:
    scenario = load_scenario(FOLDER, 0).for_seed(seed)
    expected = scenario.wrong_path_outcomes.get(name) or expected_outcome(name)
    session = run_script(scenario, seed, scenario.wrong_paths[name])
    assert session.outcome.value == expected
    assert {h.trap.id for h in session.traps} == traps


def test_a_restart_with_a_broken_config_takes_nginx_down(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/ssl_session_cache shared:SSL:10m;/ssl_session_cache shared:SSL:10m/' "
        "/etc/nginx/sites-available/storefront",
        "systemctl reload nginx", "systemctl restart nginx"])
    assert {h.trap.id for h in session.traps} == {"broken-reload", "nginx-down"}


def test_the_timer_retries_and_succeeds_once_fixed(scenario: Scenario) -> None:
    """The resolve objective is about the unattended path: the timer's own run renews."""
    fix = [line for line in scenario.solution if line.startswith("sed -i")][:2]
    session = run_script(scenario, 0, fix)
    world = session.world
    world.advance(2 * 3600)  # past the timer's next elapse (beyond the drill's time limit)
    host = player_host(world, scenario)
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
    host = player_host(world, scenario)
    assert check(world, "expiry_alert") is False
    rules = host.fs.lookup(RULES).content
    assert rules is not None
    base = rules.read()
    host.fs.put(RULES, base + f"      - alert: CertExpiry\n        expr: {rule}\n".encode())
    assert check(world, "expiry_alert") is True
    host.fs.put(RULES, base + b"      - alert: CertExpiry\n        expr: "
                b"probe_ssl_earliest_cert_expiry - time() < 3600\n")
    assert check(world, "expiry_alert") is False  # an hour's notice is not prevention
    host.fs.put(RULES, base + f"    - alert: CertExpiry\n  expr: {rule}\n".encode())
    assert check(world, "expiry_alert") is False  # a rules file Prometheus would refuse
