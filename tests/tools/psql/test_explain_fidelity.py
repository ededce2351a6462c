"""EXPLAIN through our psql against the real psql + PostgreSQL 15, for the same table.

The real server gets 200,000 generated rows and ANALYZE; the simulated table gets
the size (relpages, reltuples) and the column statistics (n_distinct, MCVs,
correlation, avg_width) that ANALYZE produced, and its indexes the real page
counts. Plans then match byte for byte, costs included: Seq Scan, Sort, Limit,
Bitmap and Index (Only) Scan formulas are PostgreSQL's. Parallel plans are not
simulated, so both sides run with max_parallel_workers_per_gather = 0. EXPLAIN
ANALYZE cannot match (its timings are the simulation's clock and its row counts
the estimates, since no data is scanned), so it is not compared. Without a
server the tests skip, except under CI=true.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from tests.toolkit import run_tool
from tests.tools.psql.realpg import BASE, real_psql, real_schema

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.database import PgServer, Table, attach
from pagerdrill.world.database.indexes import Index
from pagerdrill.world.database.model import ColumnStats
from pagerdrill.world.host import Host

SCHEMA = "pagerdrill_explain"
COLUMNS = [("id", "bigint"), ("customer_id", "bigint"), ("status", "text"),
           ("total_cents", "integer"), ("created_at", "timestamp with time zone")]
INDEXES = [("orders_customer_id_idx", ("customer_id",)),
           ("orders_customer_status_created_idx", ("customer_id", "status", "created_at"))]
HOT = ("SELECT * FROM orders WHERE customer_id = 42 AND status = 'pending' "
       "ORDER BY created_at DESC LIMIT 20;")
_INT = {"bigint", "integer"}


def _real(args: list[str], options: str = "") -> subprocess.CompletedProcess[bytes]:
    return real_psql(SCHEMA, args, options=f"-c max_parallel_workers_per_gather=0 {options}",
                     timeout=60)


def _query(sql: str) -> list[list[str]]:
    out = _real(["-At", "-F", "\t", "-c", sql]).stdout.decode()
    return [line.split("\t") for line in out.splitlines()]


@pytest.fixture(scope="module")
def real_server() -> Iterator[None]:
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    yield from real_schema(SCHEMA, (
        f"CREATE TABLE {SCHEMA}.orders ({columns}, PRIMARY KEY (id)); "
        f"INSERT INTO {SCHEMA}.orders SELECT g, (g * 7919) % 20000, "
        "(ARRAY['paid','shipped','pending','refunded'])[1 + g % 4], g % 50000, "
        "timestamptz '2026-01-01' + g * interval '10 seconds' "
        "FROM generate_series(1, 200000) g; "
        f"SET default_statistics_target = 100; ANALYZE {SCHEMA}.orders;"), timeout=60)


def _stats() -> dict[str, ColumnStats]:
    found: dict[str, ColumnStats] = {}
    types = dict(COLUMNS)
    for name, distinct, width, corr, values, freqs in _query(
            "SELECT attname, n_distinct, avg_width, coalesce(correlation, 0), "
            "coalesce(most_common_vals::text, '{}'), coalesce(most_common_freqs::text, '{}') "
            f"FROM pg_stats WHERE schemaname = '{SCHEMA}' AND tablename = 'orders'"):
        keys = [v.strip('"') for v in values.strip("{}").split(",") if v]
        mcv: dict[object, float] = {
            (int(k) if types[name] in _INT else k): float(f)
            for k, f in zip(keys, freqs.strip("{}").split(","), strict=False)}
        found[name] = ColumnStats(float(distinct), int(width), mcv, float(corr))
    return found


def _sim_host(indexes: list[tuple[str, tuple[str, ...]]]) -> Host:
    world = new_world(seed=0)
    host = add_linux_host(world, "db-01")
    server = attach(host, PgServer())
    server.add_database("test")
    pages, tuples = _query("SELECT relpages, reltuples FROM pg_class WHERE oid = "
                           f"'{SCHEMA}.orders'::regclass")[0]
    server.add_table(Table("orders", COLUMNS, [], schema=SCHEMA, database="test",
                           not_null=("id",), reltuples=float(tuples), relpages=int(pages),
                           stats=_stats()))
    for name, columns in [("orders_pkey", ("id",)), *indexes]:
        size = _query(f"SELECT relpages FROM pg_class WHERE oid = '{SCHEMA}.{name}'::regclass")
        server.add_index(Index(name, "orders", columns, "test", SCHEMA, primary=name.endswith(
            "pkey"), relpages=int(size[0][0])))
    return host


def _compare(host: Host, sql: str) -> None:
    real = _real(["-c", sql])
    ours = run_tool(host, [*BASE, "-c", sql])
    assert (ours.out, ours.err) == (real.stdout.decode(), real.stderr.decode())


@pytest.mark.parametrize("sql", [
    "EXPLAIN SELECT * FROM orders WHERE customer_id = 42;",
    "EXPLAIN SELECT * FROM orders WHERE customer_id = 42 AND status = 'pending';",
    "EXPLAIN " + HOT,
    "EXPLAIN (COSTS OFF) " + HOT,
    "EXPLAIN SELECT id FROM orders WHERE id = 5;",
    "EXPLAIN SELECT count(*) FROM orders WHERE total_cents = 7;",
])
def test_without_indexes(real_server: None, sql: str) -> None:
    _compare(_sim_host([]), sql)


@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("sql", [
    "EXPLAIN " + HOT,
    "EXPLAIN SELECT * FROM orders WHERE customer_id = 42;",
    "EXPLAIN (COSTS OFF) SELECT customer_id FROM orders WHERE customer_id = 7;",
    "\\d orders",
    "\\di",
])
def test_with_indexes(real_server: None, sql: str, count: int) -> None:
    made = INDEXES[:count]
    create = "; ".join(f"CREATE INDEX IF NOT EXISTS {name} ON orders ({', '.join(cols)})"
                       for name, cols in made)
    drop = "; ".join(f"DROP INDEX IF EXISTS {name}" for name, _ in INDEXES[count:])
    _real(["-q", "-c", f"{create}; {drop}" if drop else create])
    _compare(_sim_host(made), sql)


def test_errors_as_the_server_words_them(real_server: None) -> None:
    host = _sim_host([])
    for sql in ("EXPLAIN (FOO) SELECT * FROM orders;",
                "EXPLAIN SELECT * FROM orders WHERE nope = 1;",
                "DROP INDEX orders_pkey;", "DROP INDEX nope;", "DROP INDEX IF EXISTS nope;",
                "CREATE INDEX ON orders (nope);",
                "BEGIN; CREATE INDEX CONCURRENTLY ON orders (status);"):
        _compare(host, sql)
