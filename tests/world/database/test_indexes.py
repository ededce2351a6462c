"""Index DDL on the simulated catalog: names, errors and locks as PostgreSQL 15 has them."""

from __future__ import annotations

import pytest

from pagerdrill.world.database.indexes import parse_index_ddl

from .samples import orders_server


def run(sql: str, now_us: int = 0) -> tuple[str, str, list[str]]:
    _, session = orders_server()
    outcome = session.execute(sql, now_us)[-1]
    message = outcome.error.message if outcome.error else ""
    return outcome.tag, message, outcome.notices


@pytest.mark.parametrize(("sql", "message"), [
    ("CREATE INDEX ON orders (nope)", 'column "nope" does not exist'),
    ("CREATE INDEX x ON nope (a)", 'relation "nope" does not exist'),
    ("CREATE INDEX orders_pkey ON orders (status)", 'relation "orders_pkey" already exists'),
    ("DROP INDEX nope", 'index "nope" does not exist'),
    ("DROP INDEX orders", '"orders" is not an index'),
    ("DROP INDEX orders_pkey", "cannot drop index orders_pkey because constraint orders_pkey "
     "on table orders requires it"),
    ("BEGIN; CREATE INDEX CONCURRENTLY ON orders (status)",
     "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
    ("SELECT 1; DROP INDEX CONCURRENTLY orders_pkey",
     "DROP INDEX CONCURRENTLY cannot run inside a transaction block"),
    ("CREATE TABLE t (a int)", "cannot execute CREATE TABLE in a read-only transaction"),
])
def test_errors(sql: str, message: str) -> None:
    assert run(sql)[1] == message


def test_if_not_exists_and_if_exists_notice() -> None:
    assert run("CREATE INDEX IF NOT EXISTS orders_pkey ON orders (status)") == (
        "CREATE INDEX", "", ['NOTICE:  relation "orders_pkey" already exists, skipping'])
    assert run("DROP INDEX IF EXISTS nope") == (
        "DROP INDEX", "", ['NOTICE:  index "nope" does not exist, skipping'])


def test_default_names_number_duplicates() -> None:
    server, session = orders_server()
    session.execute("CREATE INDEX ON orders (customer_id, status)", 0)
    session.execute("CREATE INDEX ON orders (customer_id, status)", 0)
    assert sorted(name for _, name in server.indexes) == [
        "orders_customer_id_status_idx", "orders_customer_id_status_idx1", "orders_pkey"]


def test_plain_build_holds_share_lock_until_done() -> None:
    server, session = orders_server()
    outcome = session.execute("CREATE INDEX orders_status_idx ON orders (status)", 0)[0]
    assert outcome.busy_until_us is not None and outcome.busy_until_us > 0
    assert [(lock.mode, lock.relation) for lock in server.locks] == [("ShareLock", "orders")]
    assert session.backend.state == "active"
    server.tick(outcome.busy_until_us)
    assert server.locks == [] and session.backend.state == "idle"


def test_concurrent_build_takes_longer_and_lets_writers_in() -> None:
    server, session = orders_server()
    plain = session.execute("CREATE INDEX a_idx ON orders (status)", 0)[0].busy_until_us
    server.tick(10**12)
    concurrent = session.execute("CREATE INDEX CONCURRENTLY b_idx ON orders (status)",
                                 0)[0].busy_until_us
    assert plain is not None and concurrent is not None and concurrent > 2 * plain
    assert [lock.mode for lock in server.locks] == ["ShareUpdateExclusiveLock"]


def test_drop_index_forgets_it() -> None:
    server, session = orders_server()
    session.execute("CREATE INDEX x ON orders (status)", 0)
    assert session.execute("DROP INDEX x", 0)[0].tag == "DROP INDEX"
    assert ("shop", "x") not in server.indexes


def test_parse_forms() -> None:
    ddl = parse_index_ddl('create unique index concurrently if not exists "Odd" on public.t '
                          "using btree (a desc nulls last, b);")
    assert ddl is not None
    assert (ddl.names, ddl.table, ddl.columns, ddl.unique, ddl.concurrent, ddl.if_exists) == (
        ["Odd"], "t", ("a", "b"), True, True, True)
    assert parse_index_ddl("CREATE INDEX ON t ((lower(a)))") is None  # expressions: refused


def test_catalog_views() -> None:
    _, session = orders_server()
    rows = session.execute("SELECT indexname, indexdef FROM pg_indexes", 0)[0].rows
    assert rows == [("orders_pkey",
                     "CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)")]
    stats = session.execute("SELECT relname, indexrelname, idx_scan FROM pg_stat_user_indexes",
                            0)[0].rows
    assert stats == [("orders", "orders_pkey", 0)]
