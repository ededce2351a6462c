"""The clock-skew-auth scenario: valid, solvable on every seed, its symptoms and traps as told."""

from __future__ import annotations

import pytest
from tests.scenarios import kit

from pagerdrill.game.hookkit import read_text
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.world import World

FOLDER = kit.folder("clock-skew-auth")
SEEDS = range(8)
HOOKS = kit.hooks(FOLDER)

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def bad_host(world: World) -> Host:
    variables = world.facts["variables"]
    assert isinstance(variables, dict)
    host = world.host(f"{variables['node']}-{int(variables['bad']):02d}")
    assert host is not None
    return host


def journal_text(host: Host, unit: str) -> str:
    return "\n".join(e.message for e in host.journal.entries if e.unit == unit)


def test_canonical_seed_is_the_story(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    assert sorted(world.hosts) == ["auth-01", "auth-02", "auth-03", "lb-01"]
    bad = world.host("auth-02")
    assert bad is not None
    assert -313_000 < bad.clock_offset_ms < -312_000  # 5 min 12 s behind
    chrony = bad.services.units["chrony.service"]
    assert (chrony.state, chrony.enabled) == ("inactive", False)
    assert not bad.clock_synchronized
    assert "systemctl disable --now chrony" in (read_text(bad, "/root/.bash_history")
                                                or "")
    assert "chrony:amd64 (4.3-2+deb12u1, 4.3-2+deb12u2)" in (
        read_text(bad, "/var/log/apt/history.log") or "")
    for name in ("auth-01", "auth-03"):
        good = world.host(name)
        assert good is not None and good.clock_synchronized and abs(good.clock_offset_ms) < 1
    kit.assert_candidates_and_hints(scenario)


@pytest.mark.parametrize("seed", SEEDS)
def test_symptoms_lie_the_same_way_on_every_seed(seed: int, scenario: Scenario) -> None:
    session = run_script(scenario.for_seed(seed), seed, ["sleep 5"])
    world = session.world
    bad = bad_host(world)
    # A fraction of logins fail, well above the 0.4% baseline, not all of them.
    assert 10 < HOOKS.login_401_percent(world) < 60
    # The faulty node looks healthy: /health answers, load and memory are ordinary.
    auth = HOOKS._auth(bad)
    assert auth is not None
    assert auth.handle(HttpRequest("GET", "/health", bad.name)).status == 200
    assert bad.load[0] < 1 and bad.mem_used_kb() < bad.spec.mem_total_kb // 4
    # Its journal names the time claims, stamped with its own wrong clock.
    rejected = [e for e in bad.journal.entries if '"token rejected"' in e.message]
    assert rejected
    error = "jwt not active" if bad.clock_offset_ms < 0 else "jwt expired"
    assert error in rejected[-1].message
    assert abs(rejected[-1].t_ms - (world.clock.now_ms + bad.clock_offset_ms)) < 3000
    assert 120_000 < abs(bad.clock_offset_ms) < 600_000
    assert session.outcome.value == "unresolved"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solution_resolves_every_seed(seed: int, scenario: Scenario) -> None:
    session = kit.assert_resolves(scenario, seed, ["logins", "clock", "offset-alert"])
    bad = bad_host(session.world)
    assert abs(bad.clock_offset_ms) < 1 and bad.clock_synchronized


test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 6], ["restart-authsvc", "raise-leeway", "date-by-hand", "drain-node",
                     "start-not-enable"])


def test_restarting_authsvc_changes_nothing(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["ssh auth-02 systemctl restart authsvc", "sleep 30"])
    assert kit.trap_ids(session) == {"restart-authsvc"}
    assert HOOKS.login_401_percent(session.world) > 10


def test_a_wide_leeway_mitigates_but_is_flagged_and_resolves_nothing(scenario: Scenario) -> None:
    lines = scenario.wrong_paths["raise-leeway"]
    session = run_script(scenario, 0, lines)
    assert "raise-leeway" in kit.trap_ids(session)
    assert HOOKS.leeway_raised(session.world) and not HOOKS.clock_fixed(session.world)


def test_setting_the_clock_by_hand_drifts_away_again(scenario: Scenario) -> None:
    session = run_script(scenario, 0, scenario.wrong_paths["date-by-hand"])
    assert kit.trap_ids(session) == {"date-by-hand"}
    bad = bad_host(session.world)
    before = bad.clock_offset_ms
    session.world.advance(3600)
    # 380 ppm slow: an hour later the clock has lost more than a second again.
    assert bad.clock_offset_ms < before - 1300
    assert not HOOKS.clock_fixed(session.world)


def test_draining_the_node_costs_capacity(scenario: Scenario) -> None:
    before = HOOKS.latency_p99_ms(scenario.build_world(0))
    session = run_script(scenario, 0, scenario.wrong_paths["drain-node"] + ["sleep 200"])
    world = session.world
    assert HOOKS.node_drained(world) and HOOKS.logins_ok(world)
    assert HOOKS.latency_p99_ms(world) > 3 * before
    assert world.telemetry.alerts["AuthLatencyHigh"].state == "firing"


def test_timedatectl_set_ntp_is_a_fix_too(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["ssh auth-02 timedatectl set-ntp true", "sleep 10"])
    assert HOOKS.clock_fixed(session.world) and HOOKS.logins_ok(session.world)


def test_the_offset_alert_must_parse_and_watch_the_offset(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    lb = world.host("lb-01")
    assert lb is not None and not HOOKS.clock_alert(world)
    good = (b"groups:\n  - name: clock\n    rules:\n      - alert: ClockSkew\n"
            b"        expr: abs(node_timex_offset_seconds) > 0.05\n        for: 5m\n")
    lb.fs.put("/etc/prometheus/rules/clock.yml", good)
    assert HOOKS.clock_alert(world)
    lb.fs.put("/etc/prometheus/rules/clock.yml", good.replace(b"0.05", b"5"))
    assert not HOOKS.clock_alert(world)  # seconds of skew already break tokens
    lb.fs.put("/etc/prometheus/rules/clock.yml", good.replace(b"  - name", b" - name"))
    assert not HOOKS.clock_alert(world)  # a file Prometheus would refuse


def test_journal_of_the_skewed_node_runs_on_its_own_clock(scenario: Scenario) -> None:
    world = scenario.build_world(0)
    bad = bad_host(world)
    text = journal_text(bad, "chrony.service")
    assert "chronyd exiting" in text
    boot = [e for e in bad.journal.entries if e.ident == "kernel"]
    assert boot and boot[0].t_ms == bad.boot_ms + round(bad.clock_offset_ms)


def test_same_seed_and_commands_give_the_same_world(scenario: Scenario) -> None:
    def snapshot() -> list[tuple[str, list[tuple[int, str]], float]]:
        world = run_script(scenario, 6, scenario.for_seed(6).solution).world
        return [(name, [(e.t_ms, e.message) for e in host.journal.entries],
                 host.clock_offset_ms) for name, host in sorted(world.hosts.items())]

    assert snapshot() == snapshot()
