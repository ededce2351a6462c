"""The planner's and the statistics collector's relations: pg_class, pg_indexes,
pg_stat_user_tables, pg_stat_user_indexes and pg_stat_statements.

Column lists are PostgreSQL 15's (pg_stat_statements 1.10 without its jit_*
columns). Object ids are stable per server: tables from 16400, indexes from 17400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .catalog import CatalogTable

if TYPE_CHECKING:
    from .engine import SqlSession
    from .model import PgServer

__all__ = ["STAT_BUILDERS", "relation_oid"]


def relation_oid(server: PgServer, name: str) -> int | None:
    """A table's or an index's oid (tables in name order, then indexes in name order)."""
    tables = sorted(server.tables)
    for i, (_, table) in enumerate(tables):
        if table == name:
            return 16400 + i
    for i, (_, index) in enumerate(sorted(server.indexes)):
        if index == name:
            return 17400 + i
    return None


def _indexes(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("schemaname", "VARCHAR"), ("tablename", "VARCHAR"), ("indexname", "VARCHAR"),
            ("tablespace", "VARCHAR"), ("indexdef", "VARCHAR")]
    rows: list[tuple[object, ...]] = [
        (i.schema, i.table, i.name, None, i.definition())
        for (db, _), i in sorted(server.indexes.items(), key=lambda item: relation_oid(
            server, item[1].name) or 0) if db == session.backend.datname]
    return CatalogTable("pg_indexes", cols, rows)


def _class(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("oid", "INTEGER"), ("relname", "VARCHAR"), ("relnamespace", "INTEGER"),
            ("relkind", "VARCHAR"), ("relpages", "INTEGER"), ("reltuples", "FLOAT"),
            ("relallvisible", "INTEGER")]
    db = session.backend.datname or ""
    rows: list[tuple[object, ...]] = []
    for table in server.tables_in(db):
        rows.append((relation_oid(server, table.name), table.name, 2200, "r", table.pages,
                     table.tuples, int(table.pages * table.all_visible)))
        for index in server.indexes_on(db, table.name):
            rows.append((relation_oid(server, index.name), index.name, 2200, "i",
                         index.relpages, table.tuples, 0))
    return CatalogTable("pg_class", cols, rows)


def _user_tables(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("relid", "INTEGER"), ("schemaname", "VARCHAR"), ("relname", "VARCHAR"),
            ("seq_scan", "BIGINT"), ("seq_tup_read", "BIGINT"), ("idx_scan", "BIGINT"),
            ("idx_tup_fetch", "BIGINT"), ("n_live_tup", "BIGINT"), ("n_dead_tup", "BIGINT"),
            ("last_autovacuum", "TIMESTAMPTZ"), ("last_autoanalyze", "TIMESTAMPTZ")]
    rows: list[tuple[object, ...]] = []
    for t in server.tables_in(session.backend.datname or ""):
        has_index = bool(server.indexes_on(t.database, t.name))
        rows.append((relation_oid(server, t.name), t.schema, t.name, t.seq_scan, t.seq_tup_read,
                     t.idx_scan if has_index else None, t.idx_tup_fetch if has_index else None,
                     int(t.tuples), t.n_dead_tup, None, None))
    return CatalogTable("pg_stat_user_tables", cols, rows)


def _user_indexes(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("relid", "INTEGER"), ("indexrelid", "INTEGER"), ("schemaname", "VARCHAR"),
            ("relname", "VARCHAR"), ("indexrelname", "VARCHAR"), ("idx_scan", "BIGINT"),
            ("idx_tup_read", "BIGINT"), ("idx_tup_fetch", "BIGINT")]
    db = session.backend.datname or ""
    rows: list[tuple[object, ...]] = [
        (relation_oid(server, i.table), relation_oid(server, i.name), i.schema, i.table, i.name,
         i.idx_scan, i.idx_tup_read, i.idx_tup_fetch)
        for (d, _), i in sorted(server.indexes.items()) if d == db]
    return CatalogTable("pg_stat_user_indexes", cols, rows)


def _statements(session: SqlSession) -> CatalogTable | None:
    server = session.server
    if "pg_stat_statements" not in server.extensions:
        return None
    cols = [("userid", "INTEGER"), ("dbid", "INTEGER"), ("toplevel", "BOOLEAN"),
            ("queryid", "BIGINT"), ("query", "VARCHAR"), ("plans", "BIGINT"),
            ("total_plan_time", "DOUBLE"), ("calls", "BIGINT"), ("total_exec_time", "DOUBLE"),
            ("min_exec_time", "DOUBLE"), ("max_exec_time", "DOUBLE"),
            ("mean_exec_time", "DOUBLE"), ("stddev_exec_time", "DOUBLE"), ("rows", "BIGINT"),
            ("shared_blks_hit", "BIGINT"), ("shared_blks_read", "BIGINT"),
            ("shared_blks_dirtied", "BIGINT"), ("shared_blks_written", "BIGINT"),
            ("temp_blks_read", "BIGINT"), ("temp_blks_written", "BIGINT"),
            ("blk_read_time", "DOUBLE"), ("blk_write_time", "DOUBLE")]
    rows: list[tuple[object, ...]] = []
    for e in server.statements.values():
        role = server.roles.get(e.user)
        db = server.databases.get(e.database)
        rows.append((role.oid if role else None, db.oid if db else None, True, e.queryid,
                     e.query, 0, 0.0, e.calls, e.total_exec_time, e.min_exec_time,
                     e.max_exec_time, e.mean_exec_time, e.stddev_exec_time, e.rows,
                     e.shared_blks_hit, e.shared_blks_read, 0, 0, 0, 0, 0.0, 0.0))
    return CatalogTable("pg_stat_statements", cols, rows)


STAT_BUILDERS: dict[str, Callable[[SqlSession], CatalogTable | None]] = {
    "pg_indexes": _indexes, "pg_class": _class, "pg_stat_user_tables": _user_tables,
    "pg_stat_user_indexes": _user_indexes, "pg_stat_statements": _statements,
}
