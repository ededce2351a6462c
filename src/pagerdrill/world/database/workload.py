"""An application's query load on a PgServer: what it costs, and what it leaves behind.

Each second the load's statements are planned with the server's own planner
(so an index changes their cost the moment it is ready), the CPU they need is
compared with the host's cores (processor sharing: a saturated server runs
every statement proportionally slower, which is ``server.load_factor``), and
the result is written where an engineer would look: pg_stat_statements,
pg_stat_user_tables/indexes, and the app's pooled backends in
pg_stat_activity (active on the hot statement, or waiting on a lock when a
SHARE lock from a plain CREATE INDEX holds their writes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.world import Registry

from .explain import record_scan, run_ms
from .model import ACTIVE, IDLE, Backend, Lock
from .planner import Node, Query, plan_sql
from .statements import record

if TYPE_CHECKING:
    from .model import PgServer

__all__ = ["WORKLOADS", "Workload", "WorkloadQuery"]

# The load each database host's server carries, by host name (it outlives restarts).

WORKLOADS: Registry[str, Workload] = Registry("database.workloads")
_BLOCKING = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")


@dataclass
class WorkloadQuery:
    """One statement the app sends: its text (``$n`` parameters), a sample with
    typical constants to plan, the rate, and the rows each call returns."""

    sql: str
    sample: str = ""
    per_second: float = 1.0
    rows: int = 1
    writes: str = ""  # the table an INSERT/UPDATE writes: it waits behind a SHARE lock
    fixed_ms: float = 0.2  # the cost of a write (not planned)
    enabled: bool = True  # the app sends it (a feature flag can turn a code path off)


@dataclass
class QueryState:
    ms: float = 0.0  # one call's duration right now
    blocked: bool = False
    calls_due: float = 0.0  # fractional calls carried to the next second


@dataclass
class Workload:
    database: str
    user: str
    application: str
    client_addr: str
    cpus: int
    pool: int
    queries: list[WorkloadQuery]
    states: dict[str, QueryState] = field(default_factory=dict)
    cpu_busy: float = 0.0  # cores the statements want
    _plans: dict[str, tuple[Query, Node]] = field(default_factory=dict)
    _plan_key: tuple[int, frozenset[str]] | None = None
    _port: int = 40_000

    def base_ms(self, server: PgServer, query: WorkloadQuery, now_us: int) -> float:
        """One call on an idle server, with the indexes ready now."""
        if query.writes or not query.sample:
            return query.fixed_ms
        return run_ms(self._plan(server, query, now_us)[1], 1.0)

    def _plan(self, server: PgServer, query: WorkloadQuery, now_us: int) -> tuple[Query, Node]:
        ready = frozenset(name for (db, name), i in server.indexes.items()
                          if db == self.database and i.ready(now_us))
        key = (server.catalog_version, ready)
        if key != self._plan_key:
            self._plans, self._plan_key = {}, key
        if query.sql not in self._plans:
            self._plans[query.sql] = plan_sql(server, self.database, query.sample, now_us)
        return self._plans[query.sql]

    def write_blocked(self, server: PgServer, table: str) -> bool:
        return any(lock.relation == table and lock.granted and lock.mode in _BLOCKING
                   for lock in server.locks)

    def step(self, server: PgServer, now_us: int, dt_ms: int, *, scale: float = 1.0) -> None:
        """One slice of time: costs, statistics and sessions. ``scale`` is the share of the
        normal rates the app sends now (0 while it is stopped)."""
        base = {q.sql: self.base_ms(server, q, now_us) for q in self.queries}
        self.cpu_busy = sum(self.rate(q, scale) * base[q.sql] / 1000 for q in self.queries
                            if not (q.writes and self.write_blocked(server, q.writes)))
        server.load_factor = max(1.0, self.cpu_busy / max(1, self.cpus))
        for query in self.queries:
            state = self.states.setdefault(query.sql, QueryState())
            state.blocked = bool(query.writes) and self.write_blocked(server, query.writes)
            state.ms = base[query.sql] * server.load_factor
            state.calls_due += self.rate(query, scale) * dt_ms / 1000
            calls = int(state.calls_due)
            if calls <= 0 or state.blocked:
                continue
            state.calls_due -= calls
            self._count(server, query, now_us, calls, state.ms)
        self._sessions(server, now_us, scale)

    def _count(self, server: PgServer, query: WorkloadQuery, now_us: int, calls: int,
               ms: float) -> None:
        pages = 1
        if not query.writes and query.sample:
            planned, node = self._plan(server, query, now_us)
            for _ in range(calls):
                record_scan(planned.table, node)
            pages = max(1, int(node.total // 2))  # roughly: most of a plan's cost is pages
        if "pg_stat_statements" in server.extensions:
            record(server.statements, self.user, self.database, query.sql, ms, calls=calls,
                   rows=query.rows * calls, blks_hit=pages * calls)

    @staticmethod
    def rate(query: WorkloadQuery, scale: float) -> float:
        return query.per_second * scale if query.enabled else 0.0

    def connections_wanted(self, scale: float = 1.0) -> float:
        """Little's law: sessions busy at once (rate x duration; a lock waiter holds its
        session until the app gives up, 5 s), before the pool caps it."""
        return sum(self.rate(q, scale) * (s.ms / 1000 if not s.blocked else 5.0)
                   for q in self.queries if (s := self.states.get(q.sql)) is not None)

    def _sessions(self, server: PgServer, now_us: int, scale: float) -> None:
        """The app's pool as pg_stat_activity shows it: busy sessions on what they run."""
        mine = [b for b in server.client_backends() if b.application_name == self.application]
        while len(mine) < self.pool and server.running:
            self._port += 1
            try:
                mine.append(server.connect(self.user, self.database, now_us,
                                           application_name=self.application,
                                           client_addr=self.client_addr,
                                           client_port=self._port))
            except Exception:  # the server refuses: the pool has what it has
                break
        busy: list[tuple[WorkloadQuery, QueryState]] = []
        for query in self.queries:
            state = self.states.get(query.sql)
            if state is None:
                continue
            want = self.rate(query, scale) * (state.ms / 1000 if not state.blocked else 5.0)
            busy.extend([(query, state)] * math.ceil(want - 0.5))
        busy.sort(key=lambda item: not item[1].blocked)  # waiters hold their sessions longest
        server.locks = [lock for lock in server.locks if lock.pid not in {b.pid for b in mine}]
        for n, backend in enumerate(sorted(mine, key=lambda b: b.pid)):
            if n < len(busy):
                self._run(server, backend, *busy[n], now_us, n)
            elif backend.state != IDLE:
                backend.state, backend.state_change = IDLE, now_us
                backend.xact_start, backend.wait_event_type = None, "Client"
                backend.wait_event = "ClientRead"

    def _run(self, server: PgServer, backend: Backend, query: WorkloadQuery,
             state: QueryState, now_us: int, n: int) -> None:
        age_us = int(min(state.ms, 30_000) * 1000 * ((n * 37) % 100) / 100)
        if backend.state != ACTIVE or backend.query != query.sql:
            backend.query_start = backend.xact_start = now_us - age_us
        backend.state, backend.query, backend.state_change = ACTIVE, query.sql, \
            backend.query_start
        if state.blocked:
            backend.wait_event_type, backend.wait_event = "Lock", "relation"
            server.locks.append(Lock("relation", backend.pid, "RowExclusiveLock",
                                     granted=False, relation=query.writes,
                                     database=self.database, waitstart=backend.query_start))
        else:
            backend.wait_event_type = backend.wait_event = None

