"""psql with EXPLAIN, indexes and their builds: what the player sees, and time passing."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.database import PgServer, Table
from pagerdrill.world.database.indexes import Index
from pagerdrill.world.host import Host


def _orders(server: PgServer) -> None:
    server.add_table(Table("orders", [("id", "bigint"), ("customer_id", "bigint")],
                           [(1, 7)], database="appdb", not_null=("id",),
                           reltuples=2_000_000, relpages=12_000))
    server.add_index(Index("orders_pkey", "orders", ("id",), "appdb", primary=True,
                           relpages=5_500))


def psql(host: Host, *args: str) -> tuple[str, str, int]:
    result = run_tool(host, ["psql", "-U", "postgres", "-d", "appdb", *args])
    return result.out, result.err, result.status


def test_explain_prints_a_query_plan_table(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    _orders(server)
    out, err, status = psql(host, "-c", "EXPLAIN SELECT * FROM orders WHERE customer_id = 7")
    assert (err, status) == ("", 0)
    assert out == (
        "                          QUERY PLAN                           \n"
        "---------------------------------------------------------------\n"
        " Seq Scan on orders  (cost=0.00..37000.00 rows=10000 width=16)\n"
        "   Filter: (customer_id = 7)\n"
        "(2 rows)\n\n")


def test_describe_lists_indexes(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    _orders(server)
    out, _, _ = psql(host, "-c", "\\d orders")
    assert out.endswith("Indexes:\n    \"orders_pkey\" PRIMARY KEY, btree (id)\n\n")
    out, _, _ = psql(host, "-c", "\\di")
    assert out == ("                List of relations\n"
                   " Schema |    Name     | Type  |  Owner   | Table  \n"
                   "--------+-------------+-------+----------+--------\n"
                   " public | orders_pkey | index | postgres | orders\n"
                   "(1 row)\n\n")


def test_a_build_holds_psql_while_time_passes(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    _orders(server)
    before = host.world.clock.now_ms
    out, _, status = psql(host, "-c", "CREATE INDEX CONCURRENTLY orders_customer_id_idx "
                          "ON orders (customer_id);", "-c", "\\d orders")
    assert status == 0 and out.startswith("CREATE INDEX\n")
    assert '    "orders_customer_id_idx" btree (customer_id)\n' in out
    waited = host.world.clock.now_ms - before
    assert 5_000 < waited < 300_000
    assert server.locks == [] or all(lock.pid != 0 for lock in server.locks)


def test_concurrently_in_one_query_string_is_refused(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    _orders(server)
    out, err, status = psql(host, "-c", "BEGIN; CREATE INDEX CONCURRENTLY ON orders (id);")
    assert (out, err, status) == (
        "BEGIN\n", "ERROR:  CREATE INDEX CONCURRENTLY cannot run inside a transaction block\n",
        1)
    assert len(server.indexes) == 1
