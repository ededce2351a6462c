"""Hooks for the slow-query-missing-index scenario: the app, the database, the checks.

The YAML declares the two hosts, the app's repository (the migration that dropped
an index the hot query needed), configs and telemetry. ``setup`` fills the
database (the big table with its statistics and remaining indexes, the
migrations table, pg_stat_statements since its last reset, the red herrings),
installs the app's query load (:class:`Workload`), which the server's planner
prices every second, and writes the history before the page. The app turns the
load's figures into latency, errors and log lines.
"""

from __future__ import annotations

import re

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.database import PgServer, Table
from pagerdrill.world.database.explain import run_ms
from pagerdrill.world.database.indexes import Index, estimate_pages
from pagerdrill.world.database.model import ColumnStats
from pagerdrill.world.database.planner import plan_sql
from pagerdrill.world.database.statements import record
from pagerdrill.world.database.workload import WORKLOADS, Workload, WorkloadQuery
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Program, Signal, SignalAction
from pagerdrill.world.programs import BOOTING
from pagerdrill.world.programs.postgres import PostgresCluster, pg_line
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.watches import restart_watch
from pagerdrill.world.world import Rule, World

__all__ = [
    "Api",
    "Postgres",
    "api_p99_ms",
    "cpu_history",
    "db_cpu_percent",
    "error_history",
    "error_percent",
    "feature_disabled",
    "hot_query_fast",
    "hot_query_indexed",
    "p99_history",
    "plain_index_on_hot_table",
    "setup",
    "slow_statements_logged",
]

_MIN = 60_000
_DAY = 86_400_000
TIMEOUT_MS = 3000  # the app's pool timeout (config: pool_timeout: 3)
SLO_MS = 500.0
SLOW_LOG_LIMIT_MS = 1000  # prevention: log statements slower than this (or faster)
_FLAG = re.compile(r"^\s*recent_orders\s*:\s*(\S+)", re.MULTILINE)
_POOL = re.compile(r"^\s*pool_size\s*:\s*(\d+)", re.MULTILINE)


# -- programs -----------------------------------------------------------------------------


def Postgres() -> Program:
    return PostgresCluster()


class Api:
    """``{{ app }}.service``: gunicorn workers sharing a SQLAlchemy pool. It reads its
    settings (pool size, the recent-orders feature flag) at start, as the real one does."""

    def __init__(self, name: str, config: str) -> None:
        self.name = name
        self.config = config
        self.recent_orders = True
        self.pool = 30
        self._next_line_ms = 0
        self._n = 0

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.cpu_percent = 184_000, 402_000, 6.0
        text = read_text(host, self.config) or ""
        flag = _FLAG.search(text)
        self.recent_orders = flag is None or flag.group(1).lower() not in ("false", "no", "off")
        pool = _POOL.search(text)
        self.pool = int(pool.group(1)) if pool else 30
        workload = host.world.registered(WORKLOADS).get(_db_name(host.world))
        if workload is not None:
            workload.pool = self.pool
            workload.queries[0].enabled = self.recent_orders
        if not host.world.facts.get(BOOTING):
            _log(host, proc, host.clock.now_ms, 6, f"Booting worker with pid: {proc.pid}")

    def stop(self, host: Host, proc: Process) -> None:
        _log(host, proc, host.clock.now_ms, 6, "Handling signal: term")

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if now < self._next_line_ms:
            return
        self._next_line_ms = now + 2000
        self._n += 1
        for priority, line in request_lines(host.world, self._n):
            _log(host, proc, now, priority, line)


def _log(host: Host, proc: Process, t_ms: int, priority: int, line: str) -> None:
    host.journal.add(JournalEntry(t_ms, "gunicorn", line, proc.unit, proc.pid, priority))


# -- reading the world ---------------------------------------------------------------------


def _v(world: World, name: str, default: str) -> str:
    return str(scenario_vars(world).get(name, default))


def _db_name(world: World) -> str:
    return _v(world, "db_host", "db-01")


def _server(world: World) -> PgServer | None:
    return variable_host(world, "db_host", "db-01").pg_servers.get(5432)


def _workload(world: World) -> Workload | None:
    return world.registered(WORKLOADS).get(_db_name(world))


def _api(world: World) -> Api | None:
    host = variable_host(world, "app_host", "api-01")
    try:
        unit = host.services.find(_v(world, "app", "orders-api"))
    except Exception:
        return None
    proc = host.services.main_process(unit)
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, Api) else None


def figures(world: World) -> tuple[float, float]:
    """(API p99 in ms, % of requests failing) from the database's state now."""
    workload, server, api = _workload(world), _server(world), _api(world)
    if api is None or workload is None:
        return 0.0, 100.0
    if server is None or not server.running:
        return TIMEOUT_MS + 3.0, 100.0
    requests = sum(workload.rate(q, 1.0) for q in workload.queries[:4])
    blocked = sum(workload.rate(q, 1.0) for q in workload.queries[:4]
                  if workload.states.get(q.sql) and workload.states[q.sql].blocked)
    slowest = max((s.ms for q in workload.queries if q.enabled and q.sql in workload.states
                   and not (s := workload.states[q.sql]).blocked), default=1.0)
    wanted = workload.connections_wanted()
    errors = 100 * blocked / max(1.0, requests)
    if wanted > workload.pool:
        errors += (100 - errors) * (1 - workload.pool / wanted)
        return TIMEOUT_MS + 3.0, round(errors, 1)
    p99 = TIMEOUT_MS + 3.0 if blocked else 45.0 + 2.5 * slowest
    return round(min(p99, TIMEOUT_MS + 3.0), 1), round(errors + 0.1, 1)


def request_lines(world: World, n: int) -> list[tuple[int, str]]:
    """What the app logs every two seconds: timeouts waiting for the pool when the
    database is slow (it reads like pool exhaustion), a request line when it is not."""
    p99, errors = figures(world)
    app, table = _v(world, "app", "orders-api"), _v(world, "table", "orders")
    workload = _workload(world)
    pool = workload.pool if workload is not None else 30
    cid = 10_000 + (n * 7919) % 80_000
    mod = app.replace("-", "_")
    if errors < 1 and p99 < SLO_MS:
        return [(6, f"[{mod}.http] GET /v1/customers/{cid}/{table}?status=pending 200 "
                    f"{int(p99 * 0.4) + n % 7}ms")]
    waiting = int(max(0.0, (workload.connections_wanted() if workload else 0) - pool))
    lines = [(4, f"[{mod}.db] waited {TIMEOUT_MS - 137 + n % 131} ms for a pooled connection "
                 f"({pool}/{pool} checked out, {waiting} waiting)")]
    if errors >= 1:
        path = f"GET /v1/customers/{cid}/{table}?status=pending" if n % 3 else f"POST /v1/{table}"
        lines.append((3, f"[{mod}.http] {path} 504 {TIMEOUT_MS + n % 9}ms: "
                         f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {pool} overflow 0 "
                         f"reached, connection timed out, timeout {TIMEOUT_MS / 1000:.2f} "
                         "(Background on this error at: https://sqlalche.me/e/20/3o7r)"))
    return lines


# -- probes ---------------------------------------------------------------------------------


def api_p99_ms(world: World) -> float:
    return figures(world)[0]


def error_percent(world: World) -> float:
    return figures(world)[1]


def db_cpu_percent(world: World) -> float:
    workload, server = _workload(world), _server(world)
    if workload is None or server is None or not server.running:
        return 0.0
    cpus = variable_host(world, "db_host", "db-01").spec.cpus
    return round(min(100.0, 100 * workload.cpu_busy / cpus + 1.5), 1)


# -- objectives and traps ------------------------------------------------------------------


def _hot_plan_ms(world: World, *, with_indexes: bool) -> tuple[float, bool]:
    """(the hot query's duration on an idle server, whether its plan uses an index)."""
    server, workload = _server(world), _workload(world)
    assert server is not None and workload is not None
    now = world.clock.now_ms * 1000 if with_indexes else -1
    _, root = plan_sql(server, workload.database, workload.queries[0].sample, now)
    node, indexed = root, False
    while node.children:
        node = node.children[0]
        indexed = indexed or node.index is not None
    return run_ms(root, 1.0), indexed or node.index is not None


def hot_query_indexed(world: World) -> bool:
    """A valid index the planner uses for the hot query, making it at least 20x faster."""
    fast, indexed = _hot_plan_ms(world, with_indexes=True)
    slow, _ = _hot_plan_ms(world, with_indexes=False)
    return indexed and fast * 20 <= slow


def hot_query_fast(world: World) -> bool:
    return figures(world)[0] < SLO_MS


def slow_statements_logged(world: World) -> bool:
    """log_min_duration_statement is in effect on the server, at most a second."""
    server = _server(world)
    if server is None:
        return False
    value = server.int_setting("log_min_duration_statement")
    return 0 < value <= SLOW_LOG_LIMIT_MS


def plain_index_on_hot_table(world: World) -> bool:
    """Somebody built an index on the hot table without CONCURRENTLY (writes queued)."""
    server = _server(world)
    table = _v(world, "table", "orders")
    return server is not None and any(
        i.table == table and i.ready_us > 0 and not i.concurrent
        for i in server.indexes.values())


def feature_disabled(world: World) -> bool:
    api = _api(world)
    return api is not None and not api.recent_orders


# -- the dashboards' history ---------------------------------------------------------------


def _deploy_ms(world: World) -> int:
    value = world.facts.get("deploy_ms")
    assert isinstance(value, int), "setup has not run"
    return value


def _ramp(world: World, t_ms: int, before: float, after: float) -> float:
    """Flat before the migration ran, then a climb over four minutes to the value now."""
    deploy = _deploy_ms(world)
    if t_ms < deploy:
        return before
    share = min(1.0, (t_ms - deploy) / (4 * _MIN))
    return round(before + (after - before) * share, 1)


def p99_history(world: World, t_ms: int) -> float:
    return _ramp(world, t_ms, 96.0 + (t_ms // 300_000) % 5 * 7, api_p99_ms(world))


def error_history(world: World, t_ms: int) -> float:
    return _ramp(world, t_ms, 0.1, error_percent(world))


def cpu_history(world: World, t_ms: int) -> float:
    return _ramp(world, t_ms, 18.0 + (t_ms // 600_000) % 4 * 2.5, db_cpu_percent(world))


# -- building the world ----------------------------------------------------------------------


def _stats(rows: float, owner: str, page_ms: int) -> dict[str, ColumnStats]:
    customers = rows / 300
    now_s = page_ms / 1000
    return {
        "id": ColumnStats(-1.0, 8, correlation=1.0),
        owner: ColumnStats(customers, 8, correlation=0.012),
        "status": ColumnStats(5, 9, mcv={"delivered": 0.55, "pending": 0.22, "shipped": 0.12,
                                         "paid": 0.08, "cancelled": 0.03}),
        "total_cents": ColumnStats(-0.3, 4),
        "payment_ref": ColumnStats(-1.0, 28),
        "created_at": ColumnStats(-0.97, 8, correlation=0.998,
                                  bounds=(now_s - 3 * 365 * 86_400, now_s)),
        "updated_at": ColumnStats(-0.95, 8, correlation=0.91),
    }


def hot_sql(world: World) -> str:
    table, owner = _v(world, "table", "orders"), _v(world, "owner_col", "customer_id")
    return (f"SELECT id, {owner}, status, total_cents, created_at FROM {table} "
            f"WHERE {owner} = $1 AND status = $2 ORDER BY created_at DESC LIMIT $3")


def _queries(world: World) -> list[WorkloadQuery]:
    table, owner = _v(world, "table", "orders"), _v(world, "owner_col", "customer_id")
    rps = float(scenario_vars(world).get("rps", 40))
    hot = hot_sql(world)
    return [
        WorkloadQuery(hot, hot.replace("$1", "48213").replace("$2", "'pending'")
                      .replace("$3", "20"), rps, 20),
        WorkloadQuery(f"SELECT * FROM {table} WHERE id = $1",
                      f"SELECT * FROM {table} WHERE id = 912834", rps * 2.1, 1),
        WorkloadQuery(f"INSERT INTO {table} ({owner}, status, total_cents, payment_ref, "
                      "created_at, updated_at) VALUES ($1, $2, $3, $4, now(), now()) "
                      "RETURNING id", per_second=rps * 0.3, rows=1, writes=table,
                      fixed_ms=0.41),
        WorkloadQuery(f"UPDATE {table} SET status = $1, updated_at = now() WHERE id = $2",
                      per_second=rps * 0.2, rows=1, writes=table, fixed_ms=0.33),
        # The noisy neighbour: first by calls, nowhere by time.
        WorkloadQuery("SELECT enabled, rollout_percent FROM feature_flags WHERE name = $1",
                      "SELECT enabled, rollout_percent FROM feature_flags WHERE name = 'x'",
                      rps * 11, 1),
    ]


def _database(world: World, server: PgServer, page: int) -> None:
    variables = scenario_vars(world)
    app, database = _v(world, "app", "orders-api"), _v(world, "database", "shop")
    table, owner = _v(world, "table", "orders"), _v(world, "owner_col", "customer_id")
    rows = float(variables.get("rows_m", 6)) * 1_000_000
    server.start_us = (page - 23 * _DAY) * 1000
    server.add_role(app)
    server.add_role("analyst")
    server.add_database(database, owner=app, size_bytes=int(rows * 160))
    rng = world.rng.child("slow-query", "rows")
    sample: list[tuple[object, ...]] = [(9_100_000 + n, 10_000 + rng.randint(0, int(rows / 300)),
               rng.choice(["delivered", "delivered", "shipped", "paid", "pending"]),
               rng.randint(900, 48_000), f"pi_{rng.randint(10**9, 10**10 - 1)}",
               (page - rng.randint(1, 3000) * _MIN) * 1000, page * 1000 - n * 7_000_000)
              for n in range(12)]
    server.add_table(Table(table, [("id", "bigint"), (owner, "bigint"), ("status", "text"),
                                   ("total_cents", "integer"), ("payment_ref", "text"),
                                   ("created_at", "timestamp with time zone"),
                                   ("updated_at", "timestamp with time zone")],
                           sample, owner=app, database=database,
                           not_null=("id", owner, "status", "created_at"),
                           reltuples=rows, relpages=int(rows / 86),
                           stats=_stats(rows, owner, page), seq_scan=18_204,
                           seq_tup_read=18_204 * int(rows * 0.93), idx_scan=912_336_112,
                           idx_tup_fetch=2_733_004_918, n_dead_tup=int(rows * 0.004)))
    hot = server.tables[(database, table)]
    for name, cols, primary, unique in ((f"{table}_pkey", ("id",), True, True),
                                        (f"{table}_payment_ref_key", ("payment_ref",), False,
                                         True)):
        server.add_index(Index(name, table, cols, database, primary=primary, unique=unique,
                               relpages=estimate_pages(hot, cols),
                               idx_scan=641_220_904 if primary else 90_114))
    flags = Table("feature_flags", [("name", "text"), ("enabled", "boolean"),
                                    ("rollout_percent", "integer")],
                  [("recent_orders", True, 100), ("new_checkout", False, 0),
                   ("gift_cards", True, 100)], owner=app, database=database, reltuples=40,
                  relpages=1, stats={"name": ColumnStats(-1.0, 14)})
    server.add_table(flags)
    server.add_index(Index("feature_flags_pkey", "feature_flags", ("name",), database,
                           primary=True, unique=True, relpages=2))
    server.add_table(Table("events", [("id", "bigint"), ("kind", "text"), ("payload", "jsonb"),
                                      ("created_at", "timestamp with time zone")],
                           [], owner=app, database=database, not_null=("id",),
                           reltuples=rows * 7, relpages=int(rows * 7 / 31),
                           n_dead_tup=int(rows * 0.9)))
    migration = int(variables.get("migration", 42))
    applied: list[tuple[object, ...]] = [
        (f"{v:04d}", (page - (migration - v) * 9 * _DAY - 3 * _DAY) * 1000)
        for v in range(migration - 4, migration)]
    applied.append((f"{migration:04d}", _deploy_ms(world) * 1000))
    server.add_table(Table("schema_migrations", [("version", "text"),
                                                 ("applied_at", "timestamp with time zone")],
                           applied, owner=app, database=database, not_null=("version",)))
    server.extensions.add("pg_stat_statements")


def _red_herrings(world: World, server: PgServer, page: int) -> None:
    herring = _v(world, "herring", "both")
    database, table = _v(world, "database", "shop"), _v(world, "table", "orders")
    now = page * 1000
    if herring in ("both", "autovacuum"):
        server.start_worker("autovacuum worker", database,
                            "autovacuum: VACUUM ANALYZE public.events", now - 14 * _MIN * 1000,
                            ("IO", "DataFileRead"))
    if herring in ("both", "idle-tx"):
        session = server.connect("analyst", database, now - 52 * _MIN * 1000,
                                 application_name="DBeaver 24.1.0 - SQLEditor <Script-3.sql>",
                                 client_addr="10.0.5.23", client_port=52114)
        session.state, session.xact_start = "idle in transaction", now - 47 * _MIN * 1000
        session.query_start = session.state_change = now - 41 * _MIN * 1000
        session.query = (f"SELECT status, count(*) FROM {table} WHERE created_at > "
                         "now() - interval '1 day' GROUP BY status")


def _statements_since_reset(world: World, server: PgServer, workload: Workload,
                            page: int) -> None:
    """pg_stat_statements as the last 7 days left it: normal load, then the slow hot query."""
    deploy = _deploy_ms(world)
    since_deploy = (page - deploy) / 1000
    before = 7 * 86_400 - since_deploy
    for n, query in enumerate(workload.queries):
        state = workload.states[query.sql]
        calls_before = int(query.per_second * before * 0.55)  # nights are quiet
        calls_after = int(query.per_second * since_deploy)
        quick = 0.09 + 0.03 * n if n == 0 else state.ms
        record(server.statements, workload.user, workload.database, query.sql, quick,
               calls=calls_before, rows=query.rows * calls_before)
        if calls_after:
            record(server.statements, workload.user, workload.database, query.sql, state.ms,
                   calls=calls_after, rows=query.rows * calls_after,
                   blks_hit=calls_after * (20_000 if n == 0 else 4))


def _journal_history(world: World, app_host: Host, page: int) -> None:
    app = _v(world, "app", "orders-api")
    unit = app_host.services.find(app)
    proc = app_host.services.main_process(unit)
    assert proc is not None
    deploy = _deploy_ms(world)
    t, n = page - 90 * _MIN, 0
    mod = app.replace("-", "_")
    table = _v(world, "table", "orders")
    while t < page:
        n += 1
        if t < deploy:
            _log(app_host, proc, t, 6, f"[{mod}.http] GET /v1/customers/{10_000 + n * 37 % 9000}"
                 f"/{table}?status=pending 200 {11 + n % 23}ms")
            t += 20_000
        else:
            for priority, line in request_lines(world, n):
                _log(app_host, proc, t, priority, line)
            t += 6_000
    _log(app_host, proc, deploy - 40_000, 6, f"[{mod}.migrate] applying "
         f"{int(scenario_vars(world).get('migration', 42)):04d}_drop_unused_indexes.sql")
    app_host.journal.sort_by_time()


def _pg_log(world: World, db: Host, page: int) -> None:
    path = "/var/log/postgresql/postgresql-15-main.log"
    rng = world.rng.child("slow-query", "pglog")
    lines: list[str] = []
    t = page - 90 * _MIN
    while t < page:
        lines.append(pg_line(t, 611, "LOG", "checkpoint starting: time"))
        lines.append(pg_line(t + 28_400, 611, "LOG", (
            f"checkpoint complete: wrote {rng.randint(900, 4000)} buffers "
            f"({rng.randint(1, 4)}.{rng.randint(0, 9)}%); 0 WAL file(s) added, 0 removed, "
            f"{rng.randint(1, 3)} recycled; write=26.912 s, sync=0.011 s, total=27.004 s")))
        t += 5 * _MIN
    deploy = _deploy_ms(world)
    table = _v(world, "table", "orders")
    owner = _v(world, "owner_col", "customer_id")
    lines.append(pg_line(deploy - 30_000, 23_118, "LOG", "statement: DROP INDEX CONCURRENTLY "
                         f"IF EXISTS {table}_{owner}_created_at_idx;",
                         f"{_v(world, 'app', 'orders-api')}@{_v(world, 'database', 'shop')}"))
    if _v(world, "herring", "both") in ("both", "autovacuum"):
        lines.append(pg_line(page - 14 * _MIN, 24_310, "LOG", "automatic analyze of table "
                             f'"{_v(world, "database", "shop")}.public.feature_flags"'))
    inode = db.fs.lookup(path)
    db.fs.write(inode, "".join(sorted(lines)).encode(), path=path)


def setup(world: World) -> None:
    """The database, the load, the histories, the player's environment, the watchers."""
    variables = scenario_vars(world)
    page = world.clock.now_ms
    world.facts["deploy_ms"] = page - int(variables.get("deploy_min", 35)) * _MIN
    db = variable_host(world, "db_host", "db-01")
    app_host = variable_host(world, "app_host", "api-01")
    server = db.pg_servers.get(5432)
    assert server is not None, "postgresql.service did not start"
    _database(world, server, page)
    _red_herrings(world, server, page)
    app = _v(world, "app", "orders-api")
    workload = Workload(_v(world, "database", "shop"), app, app, app_host.spec.ip,
                        db.spec.cpus, int(variables.get("pool", 30)), _queries(world))
    world.registered(WORKLOADS)[db.name] = workload
    api = _api(world)
    assert api is not None
    workload.pool = api.pool
    workload.step(server, page * 1000, 1000)
    _statements_since_reset(world, server, workload, page)
    _journal_history(world, app_host, page)
    _pg_log(world, db, page)
    world.rules.append(Rule("app-query-load", _step_load))
    rc = read_text(app_host, "/root/.bashrc") or ""
    app_host.fs.put("/root/.bashrc", (rc + (
        "\n# psql defaults for the production database\n"
        f"export PGHOST={db.name}\nexport PGPORT=5432\nexport PGUSER=postgres\n"
        f"export PGDATABASE={_v(world, 'database', 'shop')}\n")).encode())
    app_host.load = (0.9, 0.8, 0.6)
    db.load = (round(workload.cpu_busy, 2), round(workload.cpu_busy * 0.9, 2),
               round(workload.cpu_busy * 0.55, 2))
    world.rules.append(restart_watch(db, "postgresql.service", "postgres_restarted"))
    world.facts[BOOTING] = False


def _step_load(world: World, dt_ms: int) -> None:
    server, workload = _server(world), _workload(world)
    if server is None or workload is None or not server.running:
        return
    workload.step(server, world.clock.now_ms * 1000, dt_ms,
                  scale=1.0 if _api(world) is not None else 0.0)
    db = variable_host(world, "db_host", "db-01")
    busy = workload.cpu_busy
    db.load = (round(busy, 2), db.load[1], db.load[2])
