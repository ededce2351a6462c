"""A server holding the 200,000-row orders table the planner tests price.

The size and statistics are what ANALYZE gave a real PostgreSQL 15 for the same
rows (generate_series as in test_explain_fidelity), so the expected costs below
are the real server's numbers.
"""

from __future__ import annotations

from pagerdrill.world.database import PgServer, SqlSession, Table
from pagerdrill.world.database.indexes import Index
from pagerdrill.world.database.model import ColumnStats

COLUMNS = [("id", "bigint"), ("customer_id", "bigint"), ("status", "text"),
           ("total_cents", "integer"), ("created_at", "timestamp with time zone")]
HOT = ("SELECT * FROM orders WHERE customer_id = 42 AND status = 'pending' "
       "ORDER BY created_at DESC LIMIT 20")


def orders_server() -> tuple[PgServer, SqlSession]:
    server = PgServer()
    server.add_database("shop")
    server.extensions.add("pg_stat_statements")
    server.add_table(Table("orders", COLUMNS, [], database="shop", not_null=("id",),
                           reltuples=200_000, relpages=1667, stats={
                               "id": ColumnStats(-1.0, 8, correlation=1.0),
                               "customer_id": ColumnStats(20_000, 8),
                               "status": ColumnStats(4, 8, mcv={
                                   "pending": 0.2517, "paid": 0.25, "shipped": 0.25,
                                   "refunded": 0.2483}),
                               "total_cents": ColumnStats(-0.25, 4),
                               "created_at": ColumnStats(-1.0, 8, correlation=1.0)}))
    server.add_index(Index("orders_pkey", "orders", ("id",), "shop", primary=True,
                           relpages=551))
    return server, SqlSession(server, server.connect("postgres", "shop", 0))


def plan_text(session: SqlSession, sql: str, now_us: int = 10**12) -> list[str]:
    outcome = session.execute(sql, now_us)[-1]
    assert outcome.error is None, outcome.error.message
    return [str(row[0]) for row in outcome.rows]
