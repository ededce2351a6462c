"""The cache-stampede scenario: the seed's figures, the traps' consequences, the fix."""

from __future__ import annotations

import re

from tests.scenarios import kit
from tests.scenarios.kit import output

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.game.session import Session
from pagerdrill.world.cache.service import server_on
from pagerdrill.world.cache.stampede import FLEETS, CacheFleet

FOLDER = kit.folder("cache-stampede")
STATES = "psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'"
WARM = "systemctl start myapp-cache-warm"

scenario = kit.scenario_fixture(FOLDER)


def fleet(session: Session) -> CacheFleet:
    return session.world.registered(FLEETS)["myapp"]


def last(session: Session, gauge: str) -> float:
    value = session.world.telemetry.latest(gauge)
    assert value is not None
    return value


def products(session: Session) -> int:
    return int(output(session, "redis-cli --scan --pattern 'product:*' | wc -l"))


def product_ttls(session: Session) -> set[int]:
    """The distinct TTLs of the 400 product keys."""
    return {int(word) for word in output(
        session, "printf 'TTL product:%s\\n' $(seq 1001 1400) | redis-cli").split()
        if word != "(integer)"}


def code_fix(scenario: Scenario) -> list[str]:
    """The solution's code change and deploy (the lock and the jitter), nothing else."""
    return [line for line in scenario.solution if line.startswith(("cd ", "printf", "git commit",
                                                                   "systemctl restart"))]


test_validates = kit.validates_test(FOLDER)


def test_candidates_and_hints(scenario: Scenario) -> None:
    kit.assert_candidates_and_hints(scenario)
    assert "A cache restart is not a safe non-event" in scenario.debrief.takeaway
    assert "Use TTL jitter by default" in scenario.debrief.takeaway


def test_the_dashboard_shows_the_seed_figures(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    series = session.world.telemetry.series
    before = [s.value for s in series["cache_hit_rate"]][:100]
    assert min(before[:5]) >= 94 and series["cache_hit_rate"][-1].value == 0.0
    assert series["db_connections"][0].value in range(47, 54)
    assert series["api_p99"][0].value < 60
    session.submit("sleep 20")
    assert last(session, "cache_hit_rate") == 0.0
    assert last(session, "db_connections") == 800
    assert last(session, "db_cpu") == 100.0
    assert last(session, "api_p99") == 12_000
    dashboard = output(session, "dashboard")
    assert "0.0%" in dashboard and "800 conns" in dashboard and "12000 ms" in dashboard


def test_the_connections_grew_from_50_to_800_in_30_seconds(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    samples = list(session.world.telemetry.series["db_connections"])
    start = next(i for i, s in enumerate(samples) if s.value > 60)
    top = next(i for i, s in enumerate(samples) if s.value >= 800)
    assert (samples[top].t_ms - samples[start - 1].t_ms) <= 40_000


def test_redis_says_it_restarted_empty_with_no_persistence(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    server = output(session, "redis-cli INFO server")
    uptime = int(re.search(r"uptime_in_seconds:(\d+)", server).group(1))  # type: ignore[union-attr]
    assert 240 <= uptime < 300
    stats = output(session, "redis-cli INFO stats")
    assert "keyspace_hits:0\r\n" in stats or "keyspace_hits:0\n" in stats
    assert int(re.search(r"keyspace_misses:(\d+)", stats).group(1)) > 900_000  # type: ignore[union-attr]
    # Only the login service's sessions, written since the restart: no product key at all.
    assert output(session, "redis-cli DBSIZE") == "(integer) 27\n"
    assert "db0:keys=27,expires=27,avg_ttl=" in output(session, "redis-cli INFO keyspace")
    assert products(session) == 0
    assert output(session, "redis-cli CONFIG GET save") == '1) "save"\n2) ""\n'
    assert "aof_enabled:0" in output(session, "redis-cli INFO persistence")
    assert output(session, "redis-cli TTL product:1042") == "(integer) -2\n"
    assert "connected_clients:801" in output(session, "redis-cli INFO clients")
    clients = output(session, "redis-cli CLIENT LIST")
    assert clients.count("cmd=get") == 800 and "addr=10.0.1.59:" in clients
    log = output(session, "ssh cache-01 cat /var/log/redis/redis-server.log")
    assert "Redis version=7.0.11" in log and "Received SIGTERM scheduling shutdown" in log
    assert log.rstrip().endswith("* Ready to accept connections")
    assert "CHG-4471  cache-01  redis-server 7.0.11 -> 7.0.15" in output(
        session, "cat /srv/ops/changes.log")


def test_the_database_runs_hundreds_of_identical_queries(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    states = output(session, STATES)
    assert re.search(r" active \|\s+801\n", states)
    same = output(session, "psql -c \"SELECT count(*) FROM pg_stat_activity WHERE state = "
                           "'active' AND query LIKE 'SELECT p.id, p.name%WHERE p.id = $1%';\"")
    assert re.search(r"^\s+800\n", same, re.MULTILINE)
    longest = output(session, "psql -At -c \"SELECT max(extract(epoch FROM now() - query_start))"
                              " FROM pg_stat_activity WHERE state = 'active';\"")
    assert 6 <= float(longest) <= 12
    journal = output(session, "journalctl -u myapp -n 6 --no-pager")
    assert "QueryCanceled: canceling statement due to statement timeout" in journal
    assert "WORKER TIMEOUT" in journal
    pglog = output(session, "ssh db-01 tail -n 2 /var/log/postgresql/postgresql-15-main.log")
    assert "ERROR:  canceling statement due to statement timeout" in pglog
    assert "load average: " in output(session, "ssh db-01 uptime")


def test_left_alone_the_stampede_sustains_itself(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["sleep 900"])
    assert products(session) == 0
    assert last(session, "api_p99") == 12_000
    assert session.outcome.value == "unresolved"


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, range(6), ["served", "lock-and-jitter", "runbook"])


def test_warming_refills_the_cache_with_one_ttl(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [WARM, "sleep 120"])
    assert "warmed 400 keys in" in output(session, "journalctl -u myapp-cache-warm --no-pager")
    assert output(session, "redis-cli DBSIZE") == "(integer) 427\n"
    keyspace = output(session, "redis-cli INFO keyspace")
    assert keyspace.startswith("# Keyspace\r\ndb0:keys=427,expires=427,avg_ttl=")
    ttls = product_ttls(session)
    # One TTL for every key: they differ only by when their batch of 100 was written.
    assert len(ttls) == 4 and min(ttls) > 3400 and max(ttls) < 3600
    session.submit("sleep 30")
    assert session.outcome.value == "mitigated"
    assert last(session, "cache_hit_rate") == 95.0 and last(session, "db_cpu") < 20
    assert last(session, "api_p99") < 100 and last(session, "db_connections") < 60


def test_the_lock_alone_lets_the_cache_refill(scenario: Scenario) -> None:
    """One rebuild per key: the database gets at most one query per missing key."""
    fix = code_fix(scenario)
    session = run_script(scenario, 0, [*fix, "sleep 30"])
    assert fleet(session).deployed.code.locked and fleet(session).deployed.code.jittered
    assert products(session) == 400
    ttls = product_ttls(session)
    assert len(ttls) > 40 and max(ttls) - min(ttls) <= 61 + 10  # randint(-30, 30), written
    assert max(ttls) <= 330  # within a few seconds
    assert session.outcome.value == "resolved"


def test_a_mass_expiry_after_the_fix_is_a_blip(scenario: Scenario) -> None:
    fix = code_fix(scenario)
    session = run_script(scenario, 0, [WARM, "sleep 120", *fix, "sleep 10",
                                       "redis-cli FLUSHALL", "sleep 30"])
    assert kit.trap_ids(session) == {"flushall"}
    assert last(session, "cache_hit_rate") == 95.0
    assert session.outcome.value == "resolved"


def test_flushall_after_warming_brings_the_stampede_back(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [WARM, "sleep 120", "sleep 10"])
    assert session.outcome.value == "mitigated"
    session.submit("redis-cli FLUSHALL")
    session.submit("sleep 30")
    assert kit.trap_ids(session) == {"flushall"}
    assert last(session, "api_p99") == 12_000 and last(session, "db_connections") == 800
    assert output(session, "redis-cli DBSIZE") == "(integer) 0\n"  # the sessions too
    assert session.outcome.value == "unresolved"


def test_restarting_the_database_makes_it_worse(scenario: Scenario) -> None:
    baseline = run_script(scenario, 0, ["sleep 30"])
    session = run_script(scenario, 0, ["ssh db-01 systemctl restart postgresql", "sleep 30"])
    assert kit.trap_ids(session) == {"restart-database"}
    assert fleet(session).latency_s > 1.5 * fleet(baseline).latency_s  # a cold buffer cache
    assert last(session, "db_connections") == 800
    assert "connections lost across the fleet" in output(
        session, "journalctl -u myapp --no-pager")
    log = output(session, "ssh db-01 \"grep -c 'database system is shut down' "
                          "/var/log/postgresql/postgresql-15-main.log\"")
    assert log == "1\n"
    # A warm-up that would have finished in 80 s takes far longer against a cold database.
    session = run_script(scenario, 0, ["ssh db-01 systemctl restart postgresql", WARM,
                                       "sleep 120"])
    assert products(session) < 400


def test_scaling_up_makes_it_worse(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/^workers = 16$/workers = 32/' /etc/myapp/gunicorn.conf.py",
        "systemctl restart myapp", "sleep 30"])
    assert kit.trap_ids(session) == {"scale-up"}
    states = output(session, STATES)
    assert re.search(r" active \|\s+998\n", states)  # max_connections 1000, 3 reserved
    log = output(session, "ssh db-01 \"grep -c 'remaining connection slots are reserved' "
                          "/var/log/postgresql/postgresql-15-main.log\"")
    assert int(log) >= 1


def test_keys_rebuilt_together_expire_together(scenario: Scenario) -> None:
    """Seed 0: after a rate-limited refill, the app's fixed 300 s TTL brings it all back."""
    lines = scenario.wrong_paths["rate-limit-only"]
    session = run_script(scenario, 0, lines)
    assert session.outcome.value == "mitigated"
    session.submit("sleep 300")
    assert products(session) == 0 and last(session, "api_p99") == 12_000
    assert session.outcome.value == "unresolved"


def test_fewer_workers_or_a_rate_limit_let_it_recover(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/^RATE_LIMIT_RPS=0$/RATE_LIMIT_RPS=2/' /etc/myapp/myapp.env",
        "systemctl restart myapp", "sleep 60"])
    assert products(session) == 400
    assert last(session, "errors") > 90  # shedding: most users get 429 while it is on
    assert session.outcome.value == "unresolved"
    session = run_script(scenario, 0, [
        "sed -i 's/^workers = 16$/workers = 4/' /etc/myapp/gunicorn.conf.py",
        "systemctl restart myapp", "sleep 60"])
    assert products(session) == 400
    assert session.outcome.value == "mitigated"


def test_a_broken_fix_does_not_boot(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/^    value = fetch_fn()$/    value = fetch_fn(/' /srv/myapp/app/cache.py",
        "systemctl restart myapp", "sleep 3"])
    journal = output(session, "journalctl -u myapp -n 12 --no-pager")
    assert "SyntaxError: " in journal and "Worker failed to boot." in journal
    assert not fleet(session).up


def test_jitter_without_import_fails_at_runtime(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/r.setex(key, ttl,/r.setex(key, ttl + random.randint(-30, 30),/' "
        "/srv/myapp/app/cache.py",
        "systemctl restart myapp", "sleep 3"])
    assert "NameError: name 'random' is not defined" in output(
        session, "journalctl -u myapp -n 12 --no-pager")


def test_the_runbook_check_wants_a_step_after_the_restart(scenario: Scenario) -> None:
    runbook = "/srv/ops/runbooks/redis-maintenance.md"
    session = run_script(scenario, 0, [f"echo 'We should warm the cache sometime.' >> {runbook}"])
    assert not session.objectives[2].met
    session = run_script(scenario, 0, [
        f"sed -i 's/^4. Check it answers/4. Warm the cache: systemctl start myapp-cache-warm\\n"
        f"5. Check it answers/' {runbook}"])
    assert session.objectives[2].met


test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 4], ["flushall", "restart-database", "scale-up", "rate-limit-only", "warm-only"])


def test_every_flush_is_counted(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["redis-cli FLUSHDB", "redis-cli FLUSHALL ASYNC"])
    server = server_on(session.world.hosts["cache-01"])
    assert server is not None and server.flushes == 2
