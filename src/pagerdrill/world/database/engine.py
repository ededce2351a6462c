"""SQL over a snapshot of a PgServer, executed by DuckDB.

One DuckDB database is shared by the whole process (created on first use, with
file access disabled and its configuration locked); each statement runs on a
fresh cursor holding temporary tables materialised from the server's state at
that instant, so a query costs about a millisecond and no memory is kept per
session. ``now()`` and friends are temporary macros bound to the simulated
clock; the PostgreSQL admin functions are Python UDFs that act on the server.
``SHOW``/``SET``/``RESET``/``ALTER SYSTEM`` and transaction control are
classified by their leading keywords and handled here, never by DuckDB; so are
EXPLAIN and CREATE/DROP INDEX (``commands``: the server's own planner and
catalog). Other DDL is refused as a read-only transaction refuses it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb

from . import duck
from .catalog import catalog_tables
from .errors import column_hint, from_items, translate
from .indexes import parse_index_ddl
from .model import ACTIVE, IDLE_IN_TX, Backend, PgError, PgServer
from .names import pg_column_names
from .settings import parse_value, show_value
from .statements import normalise, record

__all__ = ["Column", "Outcome", "SqlSession", "split_statements"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL's type name: int4, text, timestamptz, interval...


@dataclass
class Outcome:
    """One statement's result: rows (a SELECT or SHOW) or just a command tag."""

    tag: str
    columns: list[Column] = field(default_factory=list)
    rows: list[tuple[object, ...]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # "WARNING:  ..." lines
    error: PgError | None = None
    busy_until_us: int | None = None  # the statement runs until then (an index build)

    @property
    def has_rows(self) -> bool:
        return bool(self.columns)


_DUCK_TO_PG = {"INTEGER": "int4", "BIGINT": "int8", "SMALLINT": "int2", "TINYINT": "int2",
               "HUGEINT": "numeric", "UBIGINT": "numeric", "UINTEGER": "int8",
               "VARCHAR": "text", "BOOLEAN": "bool", "DOUBLE": "float8", "FLOAT": "float4",
               "DATE": "date", "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz",
               "INTERVAL": "interval", "UUID": "uuid", "TIME": "time",
               "TIME WITH TIME ZONE": "timetz"}


_RUNNABLE = {"SELECT", "INSERT", "UPDATE", "DELETE"}
# DuckDB names these columns as PostgreSQL would; anything else asks the parse tree.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")
_LITERALS = {"true", "false", "null"}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_type(duck_type: object) -> str:
    text = str(duck_type)
    if text.startswith("DECIMAL"):
        return "numeric"
    return _DUCK_TO_PG.get(text, "text")


def _stamp(us: int) -> str:
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


def split_statements(sql: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement, cut at the semicolons DuckDB's tokenizer sees."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for offset, _kind in duckdb.tokenize(sql):
        if sql[offset] == ";":
            pieces.append((start, sql[start:offset]))
            start = offset + 1
    pieces.append((start, sql[start:]))
    return [(off, text) for off, text in pieces if text.strip()]


class SqlSession:
    """A client connection: its backend, its session-level SET values, and SQL execution."""

    def __init__(self, server: PgServer, backend: Backend) -> None:
        self.server = server
        self.backend = backend
        self.overrides: dict[str, str] = {}
        self.now_us = 0
        self.in_transaction = False  # after BEGIN, until COMMIT or ROLLBACK
        self._in_block = False  # this statement runs in a transaction block
        self._notices: list[str] = []
        self._columns: dict[str, list[str]] = {}  # the relations of the running statement

    # -- settings ------------------------------------------------------------

    def show(self, name: str) -> str:
        setting = self.server.setting(name)
        return show_value(setting, self.overrides.get(setting.name.lower()))

    def signal_backend(self, pid: int, *, terminate: bool) -> bool:
        if pid == self.backend.pid and terminate:
            self._notices.append("FATAL:  terminating connection due to administrator command")
        done = (self.server.terminate(pid, self.now_us) if terminate
                else self.server.cancel(pid, self.now_us))
        if not done:
            self._notices.append(f"WARNING:  PID {pid} is not a PostgreSQL backend process")
        return done

    # -- execution -----------------------------------------------------------

    def execute(self, sql: str, now_us: int) -> list[Outcome]:
        """Run every statement of ``sql``; an error ends the list, as with simple query."""
        self.now_us = now_us
        outcomes: list[Outcome] = []
        try:
            statements = split_statements(sql)
        except duckdb.Error as exc:
            return [Outcome("", error=translate(exc, 0, sql))]
        for offset, text in statements:
            self._notices = []
            # A query string of several statements runs as one implicit transaction block.
            self._in_block = self.in_transaction or len(statements) > 1
            backend = self.backend
            backend.state, backend.query = ACTIVE, sql
            backend.query_start = backend.state_change = now_us
            if not self.in_transaction:
                backend.xact_start = now_us
            backend.wait_event_type = backend.wait_event = None
            try:
                outcome = self._one(text, offset, now_us)
            except PgError as exc:
                outcome = Outcome("", error=exc)
            outcome.notices = self._notices + outcome.notices
            if outcome.error is None:
                self._record(text)
            if outcome.busy_until_us is not None:
                now_us = self.now_us = max(now_us, outcome.busy_until_us)
            elif backend.pid in self.server.backends:
                idle = "idle" if not self.in_transaction else IDLE_IN_TX
                backend.state, backend.state_change = idle, now_us
                if not self.in_transaction:
                    backend.xact_start = None
                backend.wait_event_type, backend.wait_event = "Client", "ClientRead"
            outcomes.append(outcome)
            if outcome.error is not None:
                break
        return outcomes

    def _record(self, text: str) -> None:
        """pg_stat_statements counts the session's own statements too."""
        if "pg_stat_statements" in self.server.extensions:
            record(self.server.statements, self.backend.usename or "",
                   self.backend.datname or "", normalise(text), 0.05, rows=0)

    def _one(self, text: str, offset: int, now_us: int) -> Outcome:
        words = [w.lower() for w in text.split()]
        head = words[0] if words else ""
        if words[:2] == ["show", "all"] or words[:2] == ["show", "all;"]:
            rows: list[tuple[object, ...]] = [
                (setting.name, self.show(setting.name), setting.short_desc)
                for setting in sorted(self.server.settings.values(), key=lambda s: s.name.lower())]
            columns = [Column(name, "text") for name in ("name", "setting", "description")]
            return Outcome(f"SHOW {len(rows)}", columns, rows)
        if head == "show" and len(words) >= 2:
            name = text.split()[1].rstrip(";")
            return Outcome("SHOW", [Column(name.lower(), "text")], [(self.show(name),)])
        if head in ("set", "reset") or words[:2] == ["alter", "system"]:
            return self._set(text)
        if head in ("vacuum", "analyze", "checkpoint", "discard", "listen", "notify"):
            return Outcome(head.upper())  # maintenance with nothing to simulate
        if head in ("begin", "start", "commit", "end", "rollback", "abort"):
            tag = {"start": "START TRANSACTION", "end": "COMMIT", "abort": "ROLLBACK"}
            opening = head in ("begin", "start")
            notice = [] if opening or self.in_transaction else [
                "WARNING:  there is no transaction in progress"]
            self.in_transaction = opening
            return Outcome(tag.get(head, head.upper()), notices=notice)
        if head == "explain":
            from .commands import explain

            return explain(self, text, offset, now_us)
        if head in ("create", "drop"):
            ddl = parse_index_ddl(text)
            if ddl is not None:
                from .commands import index_ddl

                return index_ddl(self, ddl, self._in_block, now_us)
        return self._duck(text, offset, now_us)

    def _set(self, text: str) -> Outcome:
        words = text.replace("=", " = ").split()
        system = words[0].lower() == "alter"
        if system:
            words = words[2:]
        verb = words[0].lower()
        rest = [w for w in words[1:] if w.lower() not in ("session", "local")]
        if not rest:
            raise PgError("ERROR", 'syntax error at end of input')
        name = rest[0]
        setting = self.server.setting(name)
        key = setting.name.lower()
        if verb == "reset":
            if system:
                self.server.alter_system(name, None)
                return Outcome("ALTER SYSTEM")
            self.overrides.pop(key, None)
            return Outcome("RESET")
        values = [w for w in rest[1:] if w not in ("=",) and w.lower() != "to"]
        value = " ".join(values).strip("'\"")
        if system:
            self.server.alter_system(name, value)
            return Outcome("ALTER SYSTEM")
        if setting.context in ("postmaster", "sighup", "internal"):
            raise PgError("ERROR", f'parameter "{setting.name}" cannot be changed '
                          + ("without restarting the server" if setting.context == "postmaster"
                             else "now"))
        parsed = parse_value(setting, value)
        if parsed is None:
            raise PgError("ERROR", f'invalid value for parameter "{setting.name}": "{value}"')
        self.overrides[key] = parsed
        return Outcome("SET")

    def _duck(self, text: str, offset: int, now_us: int) -> Outcome:
        try:
            parsed = duck.shared_database().extract_statements(text)
        except duckdb.Error as exc:
            raise translate(exc, offset, text) from None
        kind = str(parsed[0].type).rsplit(".", 1)[-1].upper() if parsed else "SELECT"
        if kind not in _RUNNABLE:
            # The shared engine must never keep objects: DDL and DuckDB's own statements are
            # refused the way a read-only transaction refuses them.
            words = text.split()
            tag = " ".join(words[:2]).upper() if len(words) > 1 and words[0].lower() in (
                "create", "drop", "alter", "truncate") else (words[0].upper() if words else "")
            if tag == "TRUNCATE" or (tag.startswith("TRUNCATE") and tag != "TRUNCATE TABLE"):
                tag = "TRUNCATE TABLE"
            raise PgError("ERROR", f"cannot execute {tag} in a read-only transaction")
        if kind == "SELECT" and "count" in text.lower():
            counted = self._estimated_count(text)
            if counted is not None:
                return counted
        cursor = duck.shared_database().cursor()
        duck.running.append(self)
        try:
            self._prepare(cursor, text, now_us, writable=kind != "SELECT")
            try:
                result = cursor.execute(text)
                description = result.description
                rows = result.fetchall() if description else []
            except duckdb.Error as exc:
                raise self._with_hint(translate(exc, offset, text), cursor, text) from None
            if not description:
                return Outcome("OK")
            if kind in ("INSERT", "UPDATE", "DELETE"):
                self._write_back(cursor)
                count = int(str(rows[0][0])) if rows else 0
                return Outcome(f"INSERT 0 {count}" if kind == "INSERT" else f"{kind} {count}")
            names = duck_names = [d[0] for d in description]
            if not all(_IDENTIFIER.fullmatch(n) and n.lower() not in _LITERALS
                       for n in duck_names):
                tree = cursor.execute("SELECT json_serialize_sql(?)", [text]).fetchone()
                names = pg_column_names(str(tree[0]) if tree else "", duck_names)
            columns = [Column(n, _pg_type(d[1])) for n, d in zip(names, description, strict=True)]
            return Outcome(f"SELECT {len(rows)}", columns, rows)
        finally:
            duck.running.pop()
            cursor.close()

    def _estimated_count(self, text: str) -> Outcome | None:
        """count(*) over a table simulated at scale (reltuples) answers from its size and
        the planner's estimate: the table holds only a sample of its rows."""
        from .explain import record_scan
        from .planner import parse_query, parse_tree, plan

        try:
            query = parse_query(parse_tree(text), self.server, self.backend.datname or "")
        except PgError:
            return None
        if not query.count or query.table.reltuples is None:
            return None
        root = plan(query, self.server, self.overrides, self.now_us)
        record_scan(query.table, root)
        return Outcome("SELECT 1", [Column("count", "int8")], [(int(root.children[0].rows),)])

    def _with_hint(self, error: PgError, cursor: duckdb.DuckDBPyConnection, text: str,
                   ) -> PgError:
        """Add PostgreSQL's "Perhaps you meant..." hint to a missing-column error."""
        if not error.message.startswith("column ") or error.hint:
            return error
        name = error.message[len("column "):].rsplit(" does not exist", 1)[0]
        tree = cursor.execute("SELECT json_serialize_sql(?)", [text]).fetchone()
        ranges = from_items(str(tree[0]) if tree else "", self._columns)
        if name.startswith('"'):
            typo = name.strip('"')
        else:  # qualified: only the FROM item of that name is searched
            alias, _, typo = name.rpartition(".")
            ranges = [r for r in ranges if r[0] == alias]
        error.hint = column_hint(typo, ranges)
        return error

    def _prepare(self, cursor: duckdb.DuckDBPyConnection, text: str, now_us: int, *,
                 writable: bool) -> None:
        b = self.backend
        fields = ", ".join(f"{value} AS {name}" for value, (name, _) in zip(
            (f"TIMESTAMPTZ '{_stamp(now_us)}'", str(b.pid), _quote(b.usename or ""),
             _quote(b.datname or ""), _quote(self._version())), duck.SESSION_COLUMNS,
            strict=True))
        cursor.execute(f"CREATE TEMP VIEW pd_session AS SELECT {fields}")
        wanted: set[str] = set()
        for off, _kind in duckdb.tokenize(text):
            token = text[off:].split(None, 1)[0] if text[off:].strip() else ""
            wanted.update(part.strip('";(),').lower() for part in token.split("."))
        self._columns = {}
        for table in catalog_tables(self, wanted):
            duck.materialise(cursor, table, writable=writable)
            self._columns[table.name.lower()] = [name for name, _ in table.columns]

    def _version(self) -> str:
        return (f"PostgreSQL {self.server.version} on x86_64-pc-linux-gnu, compiled by gcc "
                "(Debian 12.2.0-14) 12.2.0, 64-bit")

    def _write_back(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Copy app tables back into the model after INSERT/UPDATE/DELETE."""
        for table in self.server.tables_in(self.backend.datname or ""):
            try:
                rows = cursor.execute(f'SELECT * FROM "{table.name}"').fetchall()
            except duckdb.Error:
                continue
            table.rows = [tuple(row) for row in rows]
