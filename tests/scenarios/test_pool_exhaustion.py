"""The pool-exhaustion scenario: valid, solvable on every seed, its traps and wrong paths."""

from __future__ import annotations

import pytest
from tests.scenarios import kit
from tests.scenarios.kit import output

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.game.session import Session
from pagerdrill.world.programs.nodeapi import code_problem, is_leaky, read_pool_config

FOLDER = kit.folder("pool-exhaustion")
SEEDS = range(8)
STATE_QUERY = "psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'"
TERMINATE = ("psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE state = 'idle in transaction';\"")

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def test_canonical_seed_is_the_seed_story(scenario: Scenario) -> None:
    kit.assert_candidates_and_hints(scenario)
    session = Session(scenario, 0)
    health = output(session, "curl -i localhost:3000/health")
    assert "HTTP/1.1 503 Service Unavailable" in health
    assert "Cannot acquire connection from pool" in health
    journal = output(session, "journalctl -u myapp -n 40 --no-pager")
    assert "Error: Cannot acquire connection from pool" in journal
    assert "TimeoutError: timeout of 5000ms exceeded" in journal
    states = output(session, STATE_QUERY)
    assert " idle in transaction |    20" in states
    slow = output(session, "psql -c \"SELECT pid, now() - pg_stat_activity.query_start AS "
                           "duration, query, state FROM pg_stat_activity WHERE state != 'idle' "
                           "ORDER BY duration DESC;\"")
    assert slow.count("SELECT * FROM users WHERE id = $1") == 20
    assert "(21 rows)" in slow  # the 20 leaked sessions and psql's own
    uptime = output(session, "ssh db-01 uptime")
    assert "load average: 0.04" in uptime
    history = output(session, "git -C /srv/myapp log -p -n 1 -- src/db/users.js")
    assert "+  const conn = await pool.acquire();" in history
    assert "+  conn.release();" in history and "finally" not in history


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["served", "release", "reclaim", "pool-alert"])


@pytest.mark.parametrize("seed", [0, 5])
def test_the_fix_holds_over_time(seed: int, scenario: Scenario) -> None:
    """With the release in a finally the pool stays healthy while loyalty-svc keeps failing."""
    solution = scenario.for_seed(seed).solution
    deploy = solution.index(next(line for line in solution if line.startswith("systemctl")))
    fix = [line for line in solution[:deploy + 1] if "pg_terminate_backend" not in line]
    session = run_script(scenario, seed, [*fix, "sleep 900"])
    assert session.outcome.value == "resolved"
    assert '"status":"ok"' in output(session, "curl -s localhost:3000/health")
    assert "idle in transaction" not in output(session, STATE_QUERY)


test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 3], ["restart-postgres-only", "raise-pool-size-only", "terminate-only",
                     "server-timeout-only"])


def test_restarting_postgres_buys_minutes_then_drains(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["ssh db-01 systemctl restart postgresql", "sleep 10"])
    assert '"status":"ok"' in output(session, "curl -s localhost:3000/health")
    assert kit.trap_ids(session) == {"restart-postgres"}
    session.submit("sleep 240")
    assert "Cannot acquire connection" in output(session, "curl -s localhost:3000/health")
    assert session.outcome.value == "unresolved"


def test_raising_the_pool_is_a_trap(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/\"max\": 20,/\"max\": 40,/' /srv/myapp/config/production.json",
        "systemctl restart myapp", "sleep 10"])
    assert kit.trap_ids(session) == {"raise-pool"}
    assert "db_pool_connections_max{service=\"myapp\"} 40" in output(
        session, "curl -s localhost:3000/metrics")


def test_server_timeout_reaps_and_keeps_serving(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "psql -c \"ALTER SYSTEM SET idle_in_transaction_session_timeout = '30s';\"",
        "psql -c 'SELECT pg_reload_conf();'", "sleep 600"])
    assert '"status":"ok"' in output(session, "curl -s localhost:3000/health")
    assert session.outcome.value == "mitigated"
    log = output(session, "ssh db-01 tail -n 3 /var/log/postgresql/postgresql-15-main.log")
    assert "idle-in-transaction timeout" in log


def test_a_broken_fix_crashes_the_service(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's/^  const conn = await pool.acquire();$/&\\n  try {/' "
        "/srv/myapp/src/db/users.js",
        "systemctl restart myapp", "sleep 3"])
    journal = output(session, "journalctl -u myapp -n 12 --no-pager")
    assert "SyntaxError: Unexpected end of input" in journal
    assert "Failed to connect" in output(session, "curl -s -S localhost:3000/health")


def test_code_checks() -> None:
    leak = ("async function getUser(id) {\n  const conn = await pool.acquire();\n"
            "  const r = await conn.query('x');\n  conn.release();\n  return r;\n}\n")
    fixed = ("async function getUser(id) {\n  const conn = await pool.acquire();\n  try {\n"
             "    return await conn.query('x');\n  } finally {\n    conn.release();\n  }\n}\n")
    assert is_leaky(leak) and not is_leaky(fixed)
    assert not is_leaky("const r = await pool.query('SELECT 1'); // pool.acquire() in a comment")
    assert code_problem(fixed) == "" and code_problem(leak) == ""
    assert code_problem(fixed[:-2]) == "SyntaxError: Unexpected end of input"
    config = read_pool_config('{"db": {"host": "db-01", "pool": {"max": 20, '
                              '"acquireTimeoutMillis": 5000}, '
                              '"idle_in_transaction_session_timeout": "30s"}}')
    assert not isinstance(config, str)
    assert (config.db_host, config.max, config.acquire_timeout_ms, config.reclaim_ms) == (
        "db-01", 20, 5000, 30_000)
    assert isinstance(read_pool_config("{"), str)


def test_backends_are_processes_on_the_db_host(scenario: Scenario) -> None:
    """ps shows each session's title; SIGTERM terminates one, SIGKILL resets them all."""
    session = run_script(scenario, 0, ["ssh db-01"])
    listing = output(session, "ps -eo pid,args")
    titles = [line for line in listing.splitlines() if "idle in transaction" in line]
    assert len(titles) == 20
    assert "postgres: 15/main: myapp appdb 10.0.1.10(" in titles[0]
    victim = titles[-1].split()[0]
    session.submit(f"kill {victim}")
    log = output(session, "tail -n 1 /var/log/postgresql/postgresql-15-main.log")
    assert f"[{victim}] myapp@appdb FATAL:  terminating connection due to administrator" in log
    session.submit(f"kill -9 {titles[0].split()[0]}")
    session.submit("sleep 1")
    log = output(session, "tail -n 30 /var/log/postgresql/postgresql-15-main.log")
    assert "was terminated by signal 9: Killed" in log
    assert "crash of another server process" in log


def test_postgresql_conf_timeout_applies_on_reload(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "ssh db-01",
        "sed -i 's/^#idle_in_transaction_session_timeout = 0/"
        "idle_in_transaction_session_timeout = 30s/' /etc/postgresql/15/main/postgresql.conf",
        "systemctl reload postgresql", "sleep 5", "exit"])
    assert [o.met for o in session.objectives] == [True, False, True, False]
    assert "30s" in output(session, "psql -c 'SHOW idle_in_transaction_session_timeout'")
