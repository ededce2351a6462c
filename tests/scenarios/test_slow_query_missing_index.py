"""The slow-query-missing-index scenario: valid, solvable on every seed, traps and wrong paths."""

from __future__ import annotations

import pytest
from tests.scenarios import kit
from tests.scenarios.kit import output

from pagerdrill.game.hookkit import scenario_vars
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.game.session import Session
from pagerdrill.world.world import Rule

FOLDER = kit.folder("slow-query-missing-index")
SEEDS = range(8)
TOP_BY_TIME = ("psql -c \"SELECT calls, round(total_exec_time) AS total_ms, query FROM "
               "pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5;\"")
TOP_BY_CALLS = "psql -At -c 'SELECT query FROM pg_stat_statements ORDER BY calls DESC LIMIT 1;'"
HOT = ("SELECT id, customer_id, status, total_cents, created_at FROM orders WHERE "
       "customer_id = 48213 AND status = 'pending' ORDER BY created_at DESC LIMIT 20;")
CREATE = ("psql -c 'CREATE INDEX{} orders_customer_id_status_created_at_idx ON orders "
          "(customer_id, status, created_at);'")

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def watch_waiting_locks(session: Session) -> list[int]:
    """After every tick from now on, how many lock requests on db-01 wait (not granted)."""
    server = session.world.hosts["db-01"].pg_servers[5432]
    waiting: list[int] = []
    session.world.rules.append(Rule("test-watch", lambda w, dt: waiting.append(
        sum(1 for lock in server.locks if not lock.granted))))
    return waiting


def test_canonical_seed_tells_the_story(scenario: Scenario) -> None:
    kit.assert_candidates_and_hints(scenario)
    session = Session(scenario, 0)
    journal = output(session, "journalctl -u orders-api -n 10 --no-pager")
    assert "QueuePool limit of size 30 overflow 0 reached" in journal  # it blames the pool
    top = output(session, "ssh db-01 top -b -n 1")
    assert "%Cpu(s):100.0 us" in top
    by_time = output(session, TOP_BY_TIME)
    first = by_time.splitlines()[2]
    assert "FROM orders WHERE customer_id = $1 AND status = $2" in first
    assert "feature_flags" in output(session, TOP_BY_CALLS)  # first by calls, not by time
    plan = output(session, f'psql -c "EXPLAIN ANALYZE {HOT}"')
    assert "->  Seq Scan on orders  (cost=0.00..159767.00 rows=66 width=37)" in plan
    assert "Rows Removed by Filter: 5999934" in plan
    described = output(session, "psql -c '\\d orders'")
    assert '"orders_pkey" PRIMARY KEY, btree (id)' in described
    assert "customer_id" not in described.split("Indexes:")[1]
    log = output(session, "git -C /srv/orders-api log -p -n 1")
    assert "DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_created_at_idx;" in log
    versions = output(session, "psql -At -c 'SELECT version FROM schema_migrations "
                      "ORDER BY version DESC LIMIT 1'")
    assert versions == "0042\n"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_symptoms_on_every_seed(seed: int, scenario: Scenario) -> None:
    """Latency over the SLO, a pegged database, a pool full of one statement: every seed."""
    session = Session(scenario.for_seed(seed), seed)
    variables = scenario_vars(session.world)
    series = session.world.telemetry.series
    assert series["api_p99_ms"][-1].value > 500 and series["db_cpu_percent"][-1].value > 90
    assert series["api_p99_ms"][0].value < 200  # before the migration, all was well
    assert [o.met for o in session.objectives] == [False, False, False]
    states = output(session, "psql -At -c \"SELECT count(*) FROM pg_stat_activity WHERE "
                    f"state = 'active' AND application_name = '{variables['app']}'\"")
    assert int(states) >= 8
    by_time = output(session, TOP_BY_TIME).splitlines()[2]
    assert f"FROM {variables['table']} WHERE {variables['owner_col']} = $1" in by_time
    assert "feature_flags" in output(session, TOP_BY_CALLS)


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["latency", "index", "slow-log"])
test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 3], ["raise-pool", "restart-postgres", "kill-queries", "wrong-column-index",
                     "feature-flag-only", "concurrently-in-transaction"])


def test_plain_create_index_blocks_writes_while_it_builds(scenario: Scenario) -> None:
    """The trap: a SHARE lock for the whole build; writers queue in pg_locks, errors climb."""
    session = Session(scenario, 0)
    world = session.world
    server = world.hosts["db-01"].pg_servers[5432]
    waiting = watch_waiting_locks(session)
    errors = world.telemetry.series["error_percent"]
    before = errors[-1].value
    start = world.clock.now_ms
    session.submit(CREATE.format(""))
    during = [s.value for s in errors if s.t_ms > start]
    assert max(waiting) >= 5 and max(during[:-1]) > before + 10
    assert kit.trap_ids(session) == {"plain-create-index"}
    assert not any(not lock.granted for lock in server.locks)  # done: the writers went on
    assert [o.met for o in session.objectives] == [True, True, False]


def test_concurrently_builds_without_blocking_writes(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    waiting = watch_waiting_locks(session)
    out = output(session, CREATE.format(" CONCURRENTLY"))
    assert out.startswith("CREATE INDEX") and max(waiting) == 0 and not session.traps
    plan = output(session, f'psql -c "EXPLAIN {HOT}"')
    assert "Index Cond: ((customer_id = 48213) AND (status = 'pending'::text))" in plan


def test_concurrently_in_a_transaction_is_postgresql_error(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    out = output(session, "psql -c 'BEGIN; CREATE INDEX CONCURRENTLY x ON orders (customer_id);'")
    assert "ERROR:  CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in out


def test_restarting_postgres_helps_for_seconds(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["ssh db-01 systemctl restart postgresql", "sleep 20"])
    assert kit.trap_ids(session) == {"restart-postgres"}
    assert "%Cpu(s):100.0 us" in output(session, "ssh db-01 top -b -n 1")


def test_the_prevent_objective_reads_the_server(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    assert [o.met for o in session.objectives][2] is False
    session.submit("ssh db-01")
    session.submit("sed -i 's/^#log_min_duration_statement = -1/log_min_duration_statement = "
                   "250ms/' /etc/postgresql/15/main/postgresql.conf")
    assert [o.met for o in session.objectives][2] is False  # not until a reload
    session.submit("systemctl reload postgresql")
    session.submit("sleep 2")
    assert [o.met for o in session.objectives][2] is True
    log = output(session, "tail -n 2 /var/log/postgresql/postgresql-15-main.log")
    assert "duration: " in log and "execute <unnamed>: SELECT id, customer_id" in log


def test_turning_the_widget_off_only_mitigates(scenario: Scenario) -> None:
    lines = scenario.wrong_paths["feature-flag-only"]
    session = run_script(scenario, 0, lines)
    assert [o.met for o in session.objectives] == [True, False, False]
