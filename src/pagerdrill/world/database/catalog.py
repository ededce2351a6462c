"""The server's state as relations: pg_stat_activity, pg_settings, pg_locks, app tables.

Each builder returns the DuckDB column types and the rows for one snapshot;
only the relations a statement names are built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import SqlSession

__all__ = ["CatalogTable", "catalog_tables", "duck_type"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class CatalogTable:
    name: str
    columns: list[tuple[str, str]]
    rows: list[tuple[object, ...]]


def _ts(us: int | None) -> dt.datetime | None:
    return None if us is None else _EPOCH + dt.timedelta(microseconds=us)


def duck_type(pg_type: str) -> str:
    """The DuckDB type holding a PostgreSQL column type."""
    low = pg_type.lower()
    if low.startswith(("numeric", "decimal")):
        return low.replace("numeric", "DECIMAL") if "(" in low else "DECIMAL(18,2)"
    return {"integer": "INTEGER", "int": "INTEGER", "int4": "INTEGER", "serial": "INTEGER",
            "bigint": "BIGINT", "int8": "BIGINT", "bigserial": "BIGINT", "smallint": "SMALLINT",
            "boolean": "BOOLEAN", "bool": "BOOLEAN", "double precision": "DOUBLE",
            "float8": "DOUBLE", "real": "FLOAT", "date": "DATE", "uuid": "UUID",
            "timestamp": "TIMESTAMP", "timestamp without time zone": "TIMESTAMP",
            "timestamptz": "TIMESTAMPTZ", "timestamp with time zone": "TIMESTAMPTZ",
            "interval": "INTERVAL"}.get(low, "VARCHAR")


_ACTIVITY = [("datid", "INTEGER"), ("datname", "VARCHAR"), ("pid", "INTEGER"),
             ("leader_pid", "INTEGER"), ("usesysid", "INTEGER"), ("usename", "VARCHAR"),
             ("application_name", "VARCHAR"), ("client_addr", "VARCHAR"),
             ("client_hostname", "VARCHAR"), ("client_port", "INTEGER"),
             ("backend_start", "TIMESTAMPTZ"), ("xact_start", "TIMESTAMPTZ"),
             ("query_start", "TIMESTAMPTZ"), ("state_change", "TIMESTAMPTZ"),
             ("wait_event_type", "VARCHAR"), ("wait_event", "VARCHAR"), ("state", "VARCHAR"),
             ("backend_xid", "VARCHAR"), ("backend_xmin", "VARCHAR"), ("query_id", "BIGINT"),
             ("query", "VARCHAR"), ("backend_type", "VARCHAR")]


def _activity(session: SqlSession) -> CatalogTable:
    server = session.server
    rows: list[tuple[object, ...]] = []
    for b in sorted(server.backends.values(), key=lambda b: b.pid):
        db = server.databases.get(b.datname or "")
        role = server.roles.get(b.usename or "")
        rows.append((db.oid if db else None, b.datname, b.pid, None, role.oid if role else None,
                     b.usename, b.application_name, b.client_addr, None, b.client_port,
                     _ts(b.backend_start), _ts(b.xact_start), _ts(b.query_start),
                     _ts(b.state_change), b.wait_event_type, b.wait_event, b.state, None, None,
                     None, b.query, b.backend_type))
    return CatalogTable("pg_stat_activity", _ACTIVITY, rows)


def _settings(session: SqlSession) -> CatalogTable:
    cols = [("name", "VARCHAR"), ("setting", "VARCHAR"), ("unit", "VARCHAR"),
            ("category", "VARCHAR"), ("short_desc", "VARCHAR"), ("context", "VARCHAR"),
            ("vartype", "VARCHAR"), ("source", "VARCHAR"), ("boot_val", "VARCHAR"),
            ("reset_val", "VARCHAR"), ("pending_restart", "BOOLEAN")]
    rows: list[tuple[object, ...]] = []
    for s in sorted(session.server.settings.values(), key=lambda s: s.name.lower()):
        value = session.overrides.get(s.name.lower())
        rows.append((s.name, value or s.setting, s.unit, s.category, s.short_desc, s.context,
                     s.vartype, "session" if value else s.source, s.boot_val, s.setting,
                     s.pending_restart))
    return CatalogTable("pg_settings", cols, rows)


def _locks(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("locktype", "VARCHAR"), ("database", "INTEGER"), ("relation", "INTEGER"),
            ("page", "INTEGER"), ("tuple", "SMALLINT"), ("virtualxid", "VARCHAR"),
            ("transactionid", "BIGINT"), ("classid", "INTEGER"), ("objid", "INTEGER"),
            ("objsubid", "SMALLINT"), ("virtualtransaction", "VARCHAR"), ("pid", "INTEGER"),
            ("mode", "VARCHAR"), ("granted", "BOOLEAN"), ("fastpath", "BOOLEAN"),
            ("waitstart", "TIMESTAMPTZ")]
    from .catalog_stats import relation_oid

    rows: list[tuple[object, ...]] = []
    for lock in server.locks:
        db = server.databases.get(lock.database or "")
        oid = relation_oid(server, lock.relation or "")
        rows.append((lock.locktype, db.oid if db else None, oid, None, None, lock.virtualxid,
                     lock.transactionid, None, None, None,
                     f"3/{lock.pid % 1000}", lock.pid, lock.mode, lock.granted,
                     lock.granted and lock.locktype == "relation", _ts(lock.waitstart)))
    return CatalogTable("pg_locks", cols, rows)


def _stat_database(session: SqlSession) -> CatalogTable:
    server = session.server
    cols = [("datid", "INTEGER"), ("datname", "VARCHAR"), ("numbackends", "INTEGER"),
            ("xact_commit", "BIGINT"), ("xact_rollback", "BIGINT"), ("blks_read", "BIGINT"),
            ("blks_hit", "BIGINT"), ("deadlocks", "BIGINT")]
    rows: list[tuple[object, ...]] = []
    for db in sorted(server.databases.values(), key=lambda d: d.oid):
        if not db.allow_connections:
            continue
        count = sum(1 for b in server.client_backends() if b.datname == db.name)
        rows.append((db.oid, db.name, count, db.xact_commit, db.xact_rollback, 0, 0, 0))
    return CatalogTable("pg_stat_database", cols, rows)


def _database(session: SqlSession) -> CatalogTable:
    cols = [("oid", "INTEGER"), ("datname", "VARCHAR"), ("datdba", "INTEGER"),
            ("encoding", "INTEGER"), ("datcollate", "VARCHAR"), ("datctype", "VARCHAR"),
            ("datistemplate", "BOOLEAN"), ("datallowconn", "BOOLEAN"),
            ("datconnlimit", "INTEGER")]
    server = session.server
    rows: list[tuple[object, ...]] = [
        (db.oid, db.name, server.roles[db.owner].oid if db.owner in server.roles else 10, 6,
         db.collate, db.collate, db.name.startswith("template"), db.allow_connections, -1)
        for db in sorted(server.databases.values(), key=lambda d: d.oid)]
    return CatalogTable("pg_database", cols, rows)


def _roles(session: SqlSession) -> CatalogTable:
    cols = [("rolname", "VARCHAR"), ("rolsuper", "BOOLEAN"), ("rolinherit", "BOOLEAN"),
            ("rolcreaterole", "BOOLEAN"), ("rolcreatedb", "BOOLEAN"), ("rolcanlogin", "BOOLEAN"),
            ("rolreplication", "BOOLEAN"), ("rolconnlimit", "INTEGER"), ("rolpassword", "VARCHAR"),
            ("oid", "INTEGER")]
    rows: list[tuple[object, ...]] = [
        (r.name, r.superuser, True, r.createrole, r.createdb, r.login, r.superuser,
         r.connection_limit, "********", r.oid)
        for r in sorted(session.server.roles.values(), key=lambda r: r.oid)]
    return CatalogTable("pg_roles", cols, rows)


_BUILDERS: dict[str, Callable[[SqlSession], CatalogTable]] = {
    "pg_stat_activity": _activity, "pg_settings": _settings, "pg_locks": _locks,
    "pg_stat_database": _stat_database, "pg_database": _database, "pg_roles": _roles,
}


def catalog_tables(session: SqlSession, wanted: set[str]) -> list[CatalogTable]:
    """The relations named in a statement (identifiers in ``wanted``), built now."""
    from .catalog_stats import STAT_BUILDERS  # it builds on this module's CatalogTable

    tables = [build(session) for name, build in _BUILDERS.items() if name in wanted]
    tables += [found for name, stat in STAT_BUILDERS.items()
               if name in wanted and (found := stat(session)) is not None]
    for table in session.server.tables_in(session.backend.datname or ""):
        if table.name.lower() in wanted:
            rows = [tuple(_ts(v) if isinstance(v, int) and kind.startswith("timestamp") else v
                          for v, (_, kind) in zip(row, table.columns, strict=True))
                    for row in table.rows]
            tables.append(CatalogTable(table.name, [(n, duck_type(k)) for n, k in table.columns],
                                       rows))
    return tables
