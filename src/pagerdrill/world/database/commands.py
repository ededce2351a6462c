"""The statements the server runs itself rather than DuckDB: EXPLAIN, CREATE/DROP INDEX.

Error texts are PostgreSQL 15's (checked against a real server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from . import duck
from .engine import Column, Outcome
from .errors import translate
from .explain import parse_explain, record_scan, render_plan
from .indexes import Index, IndexDdl, build_seconds, default_name, estimate_pages
from .model import Lock, PgError
from .planner import parse_query, parse_tree, plan, unsupported

if TYPE_CHECKING:
    from .engine import SqlSession

__all__ = ["explain", "index_ddl"]


def explain(session: SqlSession, text: str, offset: int, now_us: int) -> Outcome:
    parsed = parse_explain(text, offset)
    assert parsed is not None
    opts, inner, inner_offset = parsed
    if not inner.strip():
        raise PgError("ERROR", "syntax error at end of input", offset + len(text.rstrip()) + 1)
    try:
        statements = duck.shared_database().extract_statements(inner)
    except duckdb.Error as exc:
        raise translate(exc, inner_offset, inner) from None
    kind = str(statements[0].type).rsplit(".", 1)[-1].upper() if statements else ""
    if kind != "SELECT":
        raise unsupported()
    server = session.server
    try:
        query = parse_query(parse_tree(inner), server, session.backend.datname or "")
    except PgError as error:
        if error.position is not None:
            error.position += inner_offset
        raise
    root = plan(query, server, session.overrides, now_us)
    if opts.analyze:
        record_scan(query.table, root)
    indexes = len(server.indexes_on(query.table.database, query.table.name))
    lines = render_plan(root, opts, server.load_factor, 0.041 + 0.013 * indexes)
    return Outcome("EXPLAIN", [Column("QUERY PLAN", "text")], [(line,) for line in lines])


def index_ddl(session: SqlSession, ddl: IndexDdl, in_block: bool, now_us: int) -> Outcome:
    verb = "CREATE" if ddl.create else "DROP"
    if ddl.concurrent and in_block:
        raise PgError("ERROR", f"{verb} INDEX CONCURRENTLY cannot run inside a transaction "
                      "block")
    return _create(session, ddl, now_us) if ddl.create else _drop(session, ddl)


def _create(session: SqlSession, ddl: IndexDdl, now_us: int) -> Outcome:
    server, backend = session.server, session.backend
    database = backend.datname or ""
    table = server.tables.get((database, ddl.table))
    if table is None:
        raise PgError("ERROR", f'relation "{ddl.table}" does not exist')
    known = [name for name, _ in table.columns]
    for column in ddl.columns:
        if column not in known:
            raise PgError("ERROR", f'column "{column}" does not exist')
    name = ddl.names[0] if ddl.names else default_name(server, database, table.name,
                                                      ddl.columns)
    if (database, name) in server.indexes or (database, name) in server.tables:
        if ddl.if_exists:
            return Outcome("CREATE INDEX",
                           notices=[f'NOTICE:  relation "{name}" already exists, skipping'])
        raise PgError("ERROR", f'relation "{name}" already exists')
    seconds = build_seconds(table, concurrent=ddl.concurrent, load_factor=server.load_factor)
    ready = now_us + int(seconds * 1_000_000)
    server.add_index(Index(name, table.name, ddl.columns, database, table.schema,
                           unique=ddl.unique, method=ddl.method,
                           relpages=estimate_pages(table, ddl.columns), ready_us=ready,
                           builder_pid=backend.pid, concurrent=ddl.concurrent))
    # Plain CREATE INDEX blocks writers (SHARE); CONCURRENTLY does not.
    mode = "ShareUpdateExclusiveLock" if ddl.concurrent else "ShareLock"
    server.locks.append(Lock("relation", backend.pid, mode, relation=table.name,
                             database=database))
    return Outcome("CREATE INDEX", busy_until_us=ready)


def _drop(session: SqlSession, ddl: IndexDdl) -> Outcome:
    server = session.server
    database = session.backend.datname or ""
    notices: list[str] = []
    for name in ddl.names:
        index = server.indexes.get((database, name))
        if index is None:
            if (database, name) in server.tables:
                raise PgError("ERROR", f'"{name}" is not an index',
                              hint="Use DROP TABLE to remove a table.")
            if ddl.if_exists:
                notices.append(f'NOTICE:  index "{name}" does not exist, skipping')
                continue
            raise PgError("ERROR", f'index "{name}" does not exist')
        if index.primary:
            raise PgError("ERROR", f"cannot drop index {name} because constraint {name} on "
                          f"table {index.table} requires it",
                          hint=f"You can drop constraint {name} on table {index.table} "
                          "instead.")
    for name in ddl.names:
        if server.indexes.pop((database, name), None) is not None:
            server.catalog_version += 1
    return Outcome("DROP INDEX", notices=notices)
