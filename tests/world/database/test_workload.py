"""An app's load on the server: priced by the planner, visible where a DBA looks."""

from __future__ import annotations

from pagerdrill.world.database.workload import Workload, WorkloadQuery

from .samples import HOT, orders_server

HOT_SQL = ("SELECT * FROM orders WHERE customer_id = $1 AND status = $2 "
           "ORDER BY created_at DESC LIMIT $3")
INSERT = "INSERT INTO orders (customer_id, status) VALUES ($1, $2)"


def workload() -> Workload:
    return Workload("shop", "postgres", "orders-api", "10.0.1.10", cpus=2, pool=10, queries=[
        WorkloadQuery(HOT_SQL, HOT, per_second=400, rows=3),
        WorkloadQuery(INSERT, per_second=20, writes="orders", fixed_ms=0.4)])


def test_a_seq_scan_load_saturates_the_cpus_and_the_pool() -> None:
    server, _ = orders_server()
    load = workload()
    for second in range(3):
        load.step(server, second * 1_000_000, 1000)
    assert load.cpu_busy > 2 and server.load_factor > 1
    assert load.connections_wanted() > load.pool
    active = [b for b in server.client_backends() if b.application_name == "orders-api"]
    assert len(active) == 10 and {b.query for b in active} == {HOT_SQL}
    entry = next(e for e in server.statements.values() if e.query == HOT_SQL)
    assert entry.calls == 1200 and entry.mean_exec_time > 14
    assert server.tables[("shop", "orders")].seq_scan == 1200


def test_the_right_index_makes_it_cheap() -> None:
    server, session = orders_server()
    load = workload()
    load.step(server, 0, 1000)
    slow = load.states[HOT_SQL].ms
    done = session.execute("CREATE INDEX CONCURRENTLY ON orders (customer_id, status, "
                           "created_at)", 0)[0].busy_until_us
    assert done is not None
    server.tick(done)
    load.step(server, done, 1000)
    assert load.states[HOT_SQL].ms * 100 < slow
    assert server.load_factor == 1.0 and load.connections_wanted() < 1


def test_a_share_lock_queues_the_writers() -> None:
    server, session = orders_server()
    load = workload()
    session.execute("CREATE INDEX ON orders (status)", 0)
    load.step(server, 1000, 1000)
    assert load.states[INSERT].blocked
    waiting = [lock for lock in server.locks if not lock.granted]
    assert waiting and {lock.mode for lock in waiting} == {"RowExclusiveLock"}
    assert any(b.wait_event_type == "Lock" for b in server.client_backends())
