"""The planner's costs and choices, against the real PostgreSQL 15's for the same table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagerdrill.world.database import PgError
from pagerdrill.world.database.explain import parse_explain
from pagerdrill.world.database.planner import plan_sql

from .samples import HOT, orders_server, plan_text


def test_seq_scan_cost_is_postgresql_formula() -> None:
    _, session = orders_server()
    assert plan_text(session, "EXPLAIN SELECT * FROM orders WHERE customer_id = 42") == [
        "Seq Scan on orders  (cost=0.00..4167.00 rows=10 width=36)",
        "  Filter: (customer_id = 42)"]


def test_sort_and_limit_over_a_seq_scan() -> None:
    _, session = orders_server()
    assert plan_text(session, "EXPLAIN " + HOT) == [
        "Limit  (cost=4667.02..4667.03 rows=3 width=36)",
        "  ->  Sort  (cost=4667.02..4667.03 rows=3 width=36)",
        "        Sort Key: created_at DESC",
        "        ->  Seq Scan on orders  (cost=0.00..4667.00 rows=3 width=36)",
        "              Filter: ((customer_id = 42) AND (status = 'pending'::text))"]


def test_a_new_index_changes_the_plan_once_built() -> None:
    server, session = orders_server()
    created = session.execute("CREATE INDEX orders_customer_id_idx ON orders (customer_id)",
                              1_000_000)[0]
    assert created.tag == "CREATE INDEX" and created.busy_until_us is not None
    assert "Seq Scan" in plan_text(session, "EXPLAIN " + HOT, now_us=1_000_001)[3]
    server.tick(created.busy_until_us)
    assert plan_text(session, "EXPLAIN " + HOT, created.busy_until_us)[3:] == [
        "        ->  Bitmap Heap Scan on orders  (cost=4.37..42.20 rows=3 width=36)",
        "              Recheck Cond: (customer_id = 42)",
        "              Filter: (status = 'pending'::text)",
        "              ->  Bitmap Index Scan on orders_customer_id_idx  "
        "(cost=0.00..4.37 rows=10 width=0)",
        "                    Index Cond: (customer_id = 42)"]


def test_primary_key_lookup_is_an_index_only_scan() -> None:
    _, session = orders_server()
    assert plan_text(session, "EXPLAIN SELECT id FROM orders WHERE id = 5") == [
        "Index Only Scan using orders_pkey on orders  (cost=0.42..8.44 rows=1 width=8)",
        "  Index Cond: (id = 5)"]


def test_ordered_index_is_read_backward_under_limit() -> None:
    server, session = orders_server()
    session.execute("CREATE INDEX ON orders (created_at)", 0)
    server.tick(10**12)
    lines = plan_text(session, "EXPLAIN (COSTS OFF) SELECT * FROM orders "
                      "ORDER BY created_at DESC LIMIT 5")
    assert lines == ["Limit", "  ->  Index Scan Backward using orders_created_at_idx on orders"]


def test_analyze_reports_simulated_timings_and_removed_rows() -> None:
    _, session = orders_server()
    lines = plan_text(session, "EXPLAIN ANALYZE " + HOT)
    assert lines[0].startswith("Limit  (cost=4667.02..4667.03 rows=3 width=36) (actual time=")
    assert "              Rows Removed by Filter: 199997" in lines
    assert "         Sort Method: quicksort  Memory: 25kB" not in lines
    assert "        Sort Method: quicksort  Memory: 25kB" in lines
    assert lines[-2].startswith("Planning Time: ") and lines[-1].startswith("Execution Time: ")
    assert lines == plan_text(session, "EXPLAIN ANALYZE " + HOT)  # deterministic


def test_analyze_counts_the_scan() -> None:
    server, session = orders_server()
    plan_text(session, "EXPLAIN ANALYZE SELECT * FROM orders WHERE customer_id = 1")
    plan_text(session, "EXPLAIN SELECT * FROM orders WHERE customer_id = 1")
    assert server.tables[("shop", "orders")].seq_scan == 1


@pytest.mark.parametrize(("sql", "message", "position"), [
    ("EXPLAIN (FOO) SELECT 1", 'unrecognized EXPLAIN option "foo"', 10),
    ("EXPLAIN (COSTS OFF, FORMAT xml2) SELECT 1",
     'unrecognized value for EXPLAIN option "format": "xml2"', 21),
    ("EXPLAIN (ANALYZE maybe) SELECT 1", "analyze requires a Boolean value", None),
    ("EXPLAIN SELECT * FROM orders WHERE nope = 1", 'column "nope" does not exist', 36),
    ("EXPLAIN SELECT * FROM nope", 'relation "nope" does not exist', 23),
    ("EXPLAIN SELECT * FROM orders WHERE id = $1", "there is no parameter $1", 41),
])
def test_explain_errors(sql: str, message: str, position: int | None) -> None:
    _, session = orders_server()
    error = session.execute(sql, 0)[0].error
    assert error is not None
    assert (error.message, error.position) == (message, position)


def test_explain_options() -> None:
    opts, inner, offset = parse_explain("EXPLAIN (ANALYZE, COSTS OFF) SELECT 1", 0) or (
        None, "", 0)
    assert opts is not None and opts.analyze and not opts.costs
    assert inner == " SELECT 1" and offset == 28


def test_unsupported_shapes_say_so() -> None:
    server, _ = orders_server()
    with pytest.raises(PgError, match="EXPLAIN is simulated only"):
        plan_sql(server, "shop", "SELECT status, count(*) FROM orders GROUP BY status", 0)


@settings(max_examples=60, deadline=None)
@given(pages=st.integers(1, 10**6), tuples=st.integers(1, 10**8), quals=st.integers(0, 3),
       limit=st.integers(1, 500))
def test_seq_scan_formula_and_cheapest_choice(pages: int, tuples: int, quals: int,
                                              limit: int) -> None:
    """Seq Scan costs relpages + reltuples * (cpu_tuple_cost + cpu_operator_cost * quals),
    exactly; whatever indexes exist, the chosen plan is never dearer than scanning."""
    server, session = orders_server()
    table = server.tables[("shop", "orders")]
    table.relpages, table.reltuples = pages, float(tuples)
    where = " AND ".join(["customer_id = 42", "status = 'paid'", "total_cents > 5"][:quals])
    sql = "SELECT * FROM orders" + (f" WHERE {where}" if where else "")
    scan = plan_text(session, f"EXPLAIN {sql}")[0]
    assert f"..{pages + tuples * (0.01 + 0.0025 * quals):.2f} " in scan
    session.execute("CREATE INDEX ON orders (customer_id, created_at)", 0)
    server.tick(10**12)
    ordered = f"{sql} ORDER BY created_at DESC LIMIT {limit}"
    _, chosen = plan_sql(server, "shop", ordered, 10**12)
    _, without = plan_sql(server, "shop", ordered, -1)  # no index is ready before time 0
    assert chosen.total <= without.total
