"""A PostgreSQL server's state: settings, databases, roles, backends, tables, locks.

Pure state and behaviour, no rendering: psql (``pagerdrill.tools.psql``) turns
it into text and runs SQL over a snapshot of it (``world.database.engine``).
Times are microseconds since the epoch, as PostgreSQL keeps them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .indexes import Index
from .settings import DEFAULT_SETTINGS, Setting, parse_value
from .statements import StatementStats

__all__ = [
    "Backend",
    "ColumnStats",
    "Database",
    "Lock",
    "PgError",
    "PgServer",
    "Role",
    "Table",
    "TooManyClients",
]

ACTIVE = "active"
IDLE = "idle"
IDLE_IN_TX = "idle in transaction"
IDLE_IN_TX_ABORTED = "idle in transaction (aborted)"


class PgError(Exception):
    """An error as the server reports it: severity, message, optional 1-based position."""

    def __init__(self, severity: str, message: str, position: int | None = None,
                 hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.severity = severity
        self.message = message
        self.position = position
        self.hint = hint
        self.detail = detail


class TooManyClients(PgError):
    def __init__(self) -> None:
        super().__init__("FATAL", "sorry, too many clients already")


@dataclass
class Database:
    name: str
    oid: int
    owner: str = "postgres"
    size_bytes: int = 7_820_000
    encoding: str = "UTF8"
    collate: str = "C.UTF-8"
    allow_connections: bool = True
    xact_commit: int = 0
    xact_rollback: int = 0


@dataclass
class Role:
    name: str
    oid: int
    superuser: bool = False
    login: bool = True
    createdb: bool = False
    createrole: bool = False
    connection_limit: int = -1


@dataclass
class Backend:
    pid: int
    usename: str | None
    datname: str | None
    application_name: str = ""
    client_addr: str | None = None
    client_port: int | None = None
    backend_start: int = 0
    xact_start: int | None = None
    query_start: int | None = None
    state_change: int | None = None
    wait_event_type: str | None = None
    wait_event: str | None = None
    state: str | None = IDLE
    query: str = ""
    backend_type: str = "client backend"


@dataclass
class ColumnStats:
    """What ANALYZE would have gathered for a column (pg_stats), for the planner.

    ``n_distinct`` follows pg_stats: negative means a fraction of the rows.
    ``mcv`` maps the most common values to their frequencies; ``bounds`` (numbers,
    or epoch seconds for timestamps) stand in for the histogram.
    """

    n_distinct: float = -1.0
    width: int = 8
    mcv: dict[object, float] = field(default_factory=dict)
    correlation: float = 0.0
    bounds: tuple[float, float] | None = None


@dataclass
class Table:
    """An application table: columns as (name, PostgreSQL type) and rows of Python values.

    ``rows`` are what SELECT returns; ``reltuples``/``relpages`` are the size the
    planner and the workload see (a multi-million-row table keeps a small sample).
    """

    name: str
    columns: list[tuple[str, str]]
    rows: list[tuple[object, ...]] = field(default_factory=list)
    schema: str = "public"
    owner: str = "postgres"
    database: str = "postgres"
    not_null: tuple[str, ...] = ()
    reltuples: float | None = None
    relpages: int | None = None
    stats: dict[str, ColumnStats] = field(default_factory=dict)
    seq_scan: int = 0
    seq_tup_read: int = 0
    idx_scan: int = 0
    idx_tup_fetch: int = 0
    n_dead_tup: int = 0
    all_visible: float = 0.0  # relallvisible / relpages: index-only scans skip the heap

    @property
    def tuples(self) -> float:
        return float(len(self.rows)) if self.reltuples is None else self.reltuples

    @property
    def pages(self) -> int:
        if self.relpages is not None:
            return self.relpages
        return max(1, -(-len(self.rows) * 40 // 8192)) if self.rows else 0


@dataclass
class Lock:
    locktype: str
    pid: int
    mode: str
    granted: bool = True
    relation: str | None = None  # a table name, shown as its oid in pg_locks
    database: str | None = None
    virtualxid: str | None = None
    transactionid: int | None = None
    waitstart: int | None = None


# Background processes as pg_stat_activity lists them, with what they wait on when idle.
_AUX = {"autovacuum launcher": "AutoVacuumMain",
        "logical replication launcher": "LogicalLauncherMain",
        "background writer": "BgWriterHibernate", "checkpointer": "CheckpointerMain",
        "walwriter": "WalWriterMain"}


class PgServer:
    """One PostgreSQL cluster listening on ``port``."""

    def __init__(self, *, port: int = 5432, version: str = "15.6 (Debian 15.6-0+deb12u1)",
                 start_us: int = 0, first_pid: int = 800) -> None:
        self.port = port
        self.version = version
        self.start_us = start_us
        self.settings: dict[str, Setting] = {s.name.lower(): Setting(**vars(s))
                                             for s in DEFAULT_SETTINGS}
        self.databases: dict[str, Database] = {}
        self.roles: dict[str, Role] = {}
        self.backends: dict[int, Backend] = {}
        self.tables: dict[tuple[str, str], Table] = {}  # (database, name)
        self.locks: list[Lock] = []
        self.indexes: dict[tuple[str, str], Index] = {}  # (database, name)
        self.statements: dict[int, StatementStats] = {}  # pg_stat_statements, by queryid
        self.catalog_version = 0  # bumped by DDL: cached plans are stale
        self.load_factor = 1.0  # how much slower than idle a statement runs (CPU queueing)
        self.extensions: set[str] = set()  # loaded ones (shared_preload_libraries)
        self.log: list[tuple[int, int, str, str]] = []  # (time, pid, severity, message)
        self.running = True
        # Where backends are processes of a host, their pids must be free there too.
        self.pid_taken: Callable[[int], bool] = lambda pid: False
        self._next_pid = first_pid
        self._next_oid = 16384
        for name, oid in (("postgres", 5), ("template1", 1), ("template0", 4)):
            self.databases[name] = Database(name, oid, allow_connections=name != "template0")
        self.roles["postgres"] = Role("postgres", 10, superuser=True, createdb=True,
                                      createrole=True)
        for name, event in _AUX.items():
            pid = self._alloc_pid()
            self.backends[pid] = Backend(pid, "postgres" if "replication" in name else None,
                                         None, backend_start=start_us, state=None,
                                         wait_event_type="Activity", wait_event=event,
                                         backend_type=name)

    # -- catalog -------------------------------------------------------------

    def _alloc_pid(self) -> int:
        self._next_pid += 1
        while self.pid_taken(self._next_pid):
            self._next_pid += 1
        return self._next_pid

    def _alloc_oid(self) -> int:
        self._next_oid += 1
        return self._next_oid

    def add_database(self, name: str, owner: str = "postgres", size_bytes: int = 7_820_000,
                     ) -> Database:
        db = Database(name, self._alloc_oid(), owner, size_bytes)
        self.databases[name] = db
        return db

    def add_role(self, name: str, *, superuser: bool = False, login: bool = True) -> Role:
        role = Role(name, self._alloc_oid(), superuser=superuser, login=login)
        self.roles[name] = role
        return role

    def add_table(self, table: Table) -> Table:
        self.tables[(table.database, table.name)] = table
        return table

    def tables_in(self, database: str) -> list[Table]:
        return [t for (db, _), t in sorted(self.tables.items()) if db == database]

    def add_index(self, index: Index) -> Index:
        self.indexes[(index.database, index.name)] = index
        self.catalog_version += 1
        return index

    def indexes_on(self, database: str, table: str) -> list[Index]:
        """The table's indexes in \\d's order (describe.c): the primary key, then by name."""
        found = [i for (db, _), i in self.indexes.items() if db == database and i.table == table]
        return sorted(found, key=lambda i: (not i.primary, i.name))

    # -- settings ------------------------------------------------------------

    def setting(self, name: str) -> Setting:
        found = self.settings.get(name.lower())
        if found is None:
            raise PgError("ERROR", f'unrecognized configuration parameter "{name}"')
        return found

    def int_setting(self, name: str) -> int:
        return int(self.setting(name).setting)

    def set_setting(self, name: str, value: str, source: str = "configuration file") -> None:
        """Change a value the way editing postgresql.conf and reloading does."""
        setting = self.setting(name)
        parsed = parse_value(setting, value)
        if parsed is None:
            raise PgError("ERROR", f'invalid value for parameter "{setting.name}": "{value}"')
        setting.setting, setting.source = parsed, source

    def alter_system(self, name: str, value: str | None) -> None:
        """ALTER SYSTEM SET (or RESET when value is None): takes effect on reload."""
        setting = self.setting(name)
        if value is not None and parse_value(setting, value) is None:
            raise PgError("ERROR", f'invalid value for parameter "{setting.name}": "{value}"')
        setting.pending = value if value is not None else setting.boot_val

    def reload(self, now_us: int) -> bool:
        """SIGHUP: apply pending values; postmaster-context ones wait for a restart."""
        self._log(now_us, 0, "LOG", "received SIGHUP, reloading configuration files")
        for setting in self.settings.values():
            if setting.pending is None:
                continue
            parsed = parse_value(setting, setting.pending)
            if setting.context == "postmaster":
                if parsed != setting.setting:
                    setting.pending_restart = True
                    self._log(now_us, 0, "LOG", f'parameter "{setting.name}" cannot be changed '
                              "without restarting the server")
                continue
            if parsed is not None and parsed != setting.setting:
                setting.setting, setting.source = parsed, "configuration file"
                self._log(now_us, 0, "LOG", f'parameter "{setting.name}" changed to '
                          f'"{setting.pending}"')
            setting.pending = None
        return True

    def restart(self, now_us: int) -> None:
        """A fast restart: every client is gone, pending values apply."""
        for pid in [b.pid for b in self.backends.values() if b.backend_type == "client backend"]:
            del self.backends[pid]
        self.locks.clear()
        for setting in self.settings.values():
            if setting.pending is not None:
                parsed = parse_value(setting, setting.pending)
                if parsed is not None:
                    setting.setting, setting.source = parsed, "configuration file"
                setting.pending, setting.pending_restart = None, False
        self.start_us = now_us

    # -- connections ---------------------------------------------------------

    def client_backends(self) -> list[Backend]:
        return [b for b in self.backends.values() if b.backend_type == "client backend"]

    def connect(self, user: str, database: str, now_us: int, *, application_name: str = "",
                client_addr: str | None = None, client_port: int | None = None) -> Backend:
        """Open a connection, raising the FATAL errors PostgreSQL sends at startup."""
        if not self.running:
            raise PgError("FATAL", "the database system is shutting down")
        role = self.roles.get(user)
        limit = self.int_setting("max_connections")
        reserved = self.int_setting("superuser_reserved_connections")
        used = len(self.client_backends())
        if used >= limit or (used >= limit - reserved and not (role and role.superuser)):
            if used >= limit:
                raise TooManyClients
            raise PgError("FATAL", "remaining connection slots are reserved for non-replication "
                          "superuser connections")
        if role is None:
            raise PgError("FATAL", f'role "{user}" does not exist')
        db = self.databases.get(database)
        if db is None:
            raise PgError("FATAL", f'database "{database}" does not exist')
        if not db.allow_connections:
            raise PgError("FATAL", f'database "{database}" is not currently accepting '
                          "connections")
        if not role.login:
            raise PgError("FATAL", f'role "{user}" is not permitted to log in')
        backend = Backend(self._alloc_pid(), user, database, application_name, client_addr,
                          client_port if client_addr else -1, now_us, state_change=now_us,
                          wait_event_type="Client", wait_event="ClientRead")
        self.backends[backend.pid] = backend
        return backend

    def start_worker(self, backend_type: str, database: str, query: str, since_us: int,
                     wait: tuple[str, str] | None = None) -> Backend:
        """A background worker busy since ``since_us`` (an autovacuum worker...)."""
        backend = Backend(self._alloc_pid(), None, database, backend_start=since_us,
                          xact_start=since_us, query_start=since_us, state_change=since_us,
                          state=ACTIVE, query=query, backend_type=backend_type,
                          wait_event_type=wait[0] if wait else None,
                          wait_event=wait[1] if wait else None)
        self.backends[backend.pid] = backend
        return backend

    def disconnect(self, pid: int) -> None:
        self.backends.pop(pid, None)
        self.locks = [lock for lock in self.locks if lock.pid != pid]

    def terminate(self, pid: int, now_us: int = 0, reason: str = "") -> bool:
        """pg_terminate_backend: the backend exits and its locks go with it."""
        backend = self.backends.get(pid)
        if backend is None or backend.backend_type != "client backend":
            return False
        self._log(now_us, pid, "FATAL", reason or "terminating connection due to administrator "
                  "command")
        if backend.xact_start is not None and self.databases.get(backend.datname or ""):
            self.databases[backend.datname or ""].xact_rollback += 1
        self.disconnect(pid)
        return True

    def cancel(self, pid: int, now_us: int = 0, reason: str = "") -> bool:
        """pg_cancel_backend: only a running statement is interrupted."""
        backend = self.backends.get(pid)
        if backend is None or backend.backend_type != "client backend":
            return False
        if backend.state == ACTIVE:
            self._log(now_us, pid, "ERROR", reason or "canceling statement due to user request")
            in_tx = backend.xact_start is not None and backend.xact_start != backend.query_start
            backend.state = IDLE_IN_TX_ABORTED if in_tx else IDLE
            if not in_tx:
                backend.xact_start = None
            backend.state_change = now_us
            backend.wait_event_type, backend.wait_event = "Client", "ClientRead"
        return True

    # -- time ----------------------------------------------------------------

    def finish_builds(self, now_us: int) -> list[Index]:
        """Index builds whose time has come: their locks go, their sessions go idle."""
        done = [i for i in self.indexes.values()
                if i.builder_pid is not None and i.ready_us <= now_us]
        for index in done:
            pid, index.builder_pid = index.builder_pid, None
            self.locks = [lock for lock in self.locks
                          if not (lock.pid == pid and lock.relation == index.table)]
            backend = self.backends.get(pid or 0)
            if backend is not None and backend.state == ACTIVE:
                backend.state, backend.state_change, backend.xact_start = IDLE, now_us, None
                backend.wait_event_type, backend.wait_event = "Client", "ClientRead"
            self.catalog_version += 1
        return done

    def tick(self, now_us: int) -> list[int]:
        """Apply the timeouts and finish index builds; returns the pids that were terminated."""
        self.finish_builds(now_us)
        gone: list[int] = []
        idle_tx = self.int_setting("idle_in_transaction_session_timeout") * 1000
        idle = self.int_setting("idle_session_timeout") * 1000
        stmt = self.int_setting("statement_timeout") * 1000
        for backend in list(self.client_backends()):
            since = now_us - (backend.state_change or now_us)
            in_tx = backend.state in (IDLE_IN_TX, IDLE_IN_TX_ABORTED)
            if idle_tx > 0 and in_tx and since >= idle_tx:
                self.terminate(backend.pid, now_us,
                               "terminating connection due to idle-in-transaction timeout")
                gone.append(backend.pid)
            elif idle > 0 and backend.state == IDLE and since >= idle:
                self.terminate(backend.pid, now_us, "terminating connection due to idle-session "
                               "timeout")
                gone.append(backend.pid)
            elif stmt > 0 and backend.state == ACTIVE and since >= stmt:
                self.cancel(backend.pid, now_us, "canceling statement due to statement timeout")
        return gone

    def _log(self, now_us: int, pid: int, severity: str, message: str) -> None:
        self.log.append((now_us, pid, severity, message))
