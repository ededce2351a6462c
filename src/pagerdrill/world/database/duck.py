"""The one DuckDB database shared by every session, and how a snapshot enters it.

Created on first use with file access, extension loading and Python
replacement scans disabled and its configuration locked, so SQL typed by a
player can only see the relations materialised for its own statement. Those are
temporary tables of a fresh cursor, dropped with it. The PostgreSQL functions
are permanent macros over a one-row ``pd_session`` temporary table (the
statement's instant, pid, user, database), so ``now()`` is the simulated clock
and nothing but a small table is created per statement. Admin functions are
Python UDFs acting on the session whose statement is running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
from duckdb import func
from duckdb import sqltypes as st

from .catalog import CatalogTable
from .model import PgError

if TYPE_CHECKING:
    from .engine import SqlSession

__all__ = ["SESSION_COLUMNS", "materialise", "running", "shared_database", "size_pretty"]

running: list[SqlSession] = []  # the session whose statement DuckDB is executing

SESSION_COLUMNS = [("now", "TIMESTAMPTZ"), ("pid", "INTEGER"), ("usr", "VARCHAR"),
                   ("db", "VARCHAR"), ("version", "VARCHAR")]

_FROM_SESSION = "(SELECT {} FROM temp.main.pd_session)"
# name -> expression over pd_session; naming get_current_timestamp & co. also
# rebinds the bare keywords (current_timestamp, localtimestamp, current_user...).
_MACROS = {
    **{name: "now" for name in ("now", "get_current_timestamp", "current_timestamp",
                                "transaction_timestamp", "statement_timestamp",
                                "clock_timestamp")},
    **{name: "now::TIMESTAMP" for name in ("current_localtimestamp", "localtimestamp")},
    **{name: "now::DATE" for name in ("current_date", "today")},
    **{name: "now::TIMETZ" for name in ("get_current_time", "current_time")},
    **{name: "now::TIMESTAMP::TIME" for name in ("current_localtime", "localtime")},
    **{name: "usr" for name in ("current_user", "session_user", "user", "current_role")},
    "current_database": "db", "current_catalog": "db", "pg_backend_pid": "pid",
    "version": "version",
}
_PRECISION = {"current_timestamp": "TIMESTAMPTZ", "localtimestamp": "TIMESTAMP",
              "current_time": "TIMETZ", "localtime": "TIME"}
_ROUND = ("make_timestamp(CAST(round(epoch_us({}) / pow(10, 6 - p)) * pow(10, 6 - p) "
          "AS BIGINT))")
_WRAPPERS = {"pg_terminate_backend(p)": "pd_terminate(p)", "pg_cancel_backend(p)": "pd_cancel(p)",
             "pg_reload_conf()": "pd_reload()", "current_setting(n)": "pd_setting(n)",
             "pg_size_pretty(n)": "pd_size_pretty(n)",
             "pg_database_size(n)": "pd_database_size(n)",
             "pg_stat_statements_reset()": "pd_statements_reset()"}


def _current() -> SqlSession:
    return running[-1]


def _udf_terminate(pid: int) -> bool:
    return _current().signal_backend(pid, terminate=True)


def _udf_cancel(pid: int) -> bool:
    return _current().signal_backend(pid, terminate=False)


def _udf_reload() -> bool:
    session = _current()
    return session.server.reload(session.now_us)


def _udf_setting(name: str) -> str:
    return _current().show(name)


def _udf_database_size(name: str) -> int:
    db = _current().server.databases.get(name)
    if db is None:
        raise PgError("ERROR", f'database "{name}" does not exist')
    return db.size_bytes


def _udf_statements_reset() -> str | None:
    _current().server.statements.clear()
    return None


def size_pretty(size: int) -> str:
    """pg_size_pretty(bigint) as PostgreSQL 15 computes it (half-rounded units)."""
    limit = 10 * 1024
    if abs(size) < limit:
        return f"{size} bytes"
    size >>= 9
    for unit in ("kB", "MB", "GB"):
        if abs(size) < limit * 2 - 1:
            return f"{_half_rounded(size)} {unit}"
        size >>= 10
    return f"{_half_rounded(size)} TB"


def _half_rounded(value: int) -> int:
    return (value + 1) // 2 if value >= 0 else -((-value + 1) // 2)


class _Holder:
    db: duckdb.DuckDBPyConnection | None = None


def shared_database() -> duckdb.DuckDBPyConnection:
    if _Holder.db is not None:
        return _Holder.db
    db = duckdb.connect(":memory:", config={
        "threads": 1, "enable_external_access": False, "errors_as_json": True,
        "autoload_known_extensions": False, "autoinstall_known_extensions": False,
        "python_enable_replacements": False, "integer_division": True})
    db.execute("SET TimeZone = 'UTC'")
    for name, fn, args, ret in (
        ("pd_terminate", _udf_terminate, [st.BIGINT], st.BOOLEAN),
        ("pd_cancel", _udf_cancel, [st.BIGINT], st.BOOLEAN),
        ("pd_reload", _udf_reload, [], st.BOOLEAN),
        ("pd_setting", _udf_setting, [st.VARCHAR], st.VARCHAR),
        ("pd_size_pretty", size_pretty, [st.BIGINT], st.VARCHAR),
        ("pd_database_size", _udf_database_size, [st.VARCHAR], st.BIGINT),
    ):
        db.create_function(name, fn, args, ret, side_effects=True)  # type: ignore[arg-type]
    # It returns void, which psql shows as an empty value: NULL, which needs SPECIAL handling.
    db.create_function("pd_statements_reset", _udf_statements_reset, [], st.VARCHAR,
                       side_effects=True, null_handling=func.SPECIAL)
    columns = ", ".join(f"{name} {kind}" for name, kind in SESSION_COLUMNS)
    db.execute(f"CREATE TEMP TABLE pd_session ({columns})")  # only so the macros bind
    for name, expr in _MACROS.items():
        body = _FROM_SESSION.format(expr)
        if name in _PRECISION:  # current_timestamp(0): rounded to that many decimals
            rounded = _FROM_SESSION.format(_ROUND.format(expr.replace("now", "now::TIMESTAMP")))
            body += f", (p) AS CAST({rounded} AS {_PRECISION[name]})"
        db.execute(f"CREATE MACRO {name}() AS {body}")
    for signature, body in _WRAPPERS.items():
        db.execute(f"CREATE MACRO {signature} AS {body}")
    db.execute("DROP TABLE temp.main.pd_session")
    db.execute("SET lock_configuration = true")
    _Holder.db = db
    return db


def materialise(cursor: duckdb.DuckDBPyConnection, table: CatalogTable, *,
                writable: bool = False) -> None:
    """Expose ``table``'s rows under its name for the cursor's next statement.

    Rows are handed to DuckDB column-wise as numpy object arrays and read through
    a temporary view that casts them to the catalog's types (no copy: about a
    millisecond for pg_stat_activity); a statement that writes gets a real
    temporary table instead, read back afterwards.
    """
    quoted = f'"{table.name}"'
    if not table.rows:
        cols = ", ".join(f'"{name}" {kind}' for name, kind in table.columns)
        cursor.execute(f"CREATE TEMP TABLE {quoted} ({cols})")
        return
    source = f"pd_source_{table.name.lower()}"
    data = {f"c{i}": np.array([row[i] for row in table.rows], dtype=object)
            for i in range(len(table.columns))}
    cursor.register(source, data)
    select = ", ".join(f'CAST(c{i} AS {kind}) AS "{name}"'
                       for i, (name, kind) in enumerate(table.columns))
    kind = "TABLE" if writable else "VIEW"
    cursor.execute(f'CREATE TEMP {kind} {quoted} AS SELECT {select} FROM "{source}"')
    if writable:
        cursor.unregister(source)
