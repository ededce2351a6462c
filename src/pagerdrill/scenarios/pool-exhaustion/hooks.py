"""Hooks for the pool-exhaustion scenario: the programs, the history, and the checks.

The YAML declares the two hosts, the app's repository (the leaky commit), the
configs and telemetry. ``setup`` does what data cannot: it fills the database
(roles, the app's database and tables), replays the last days of the leak onto
the server (a couple of old leaked sessions, then the spike that drained the
pool) with the matching journal, and installs the watchers behind the traps.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from typing import Any

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.database import PgServer, Table
from pagerdrill.world.git import find_repository
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Program, Signal
from pagerdrill.world.programs import BOOTING
from pagerdrill.world.programs.nodeapi import NodeApi, NodeApiSpec, is_leaky
from pagerdrill.world.programs.postgres import BackendProcess, Postmaster, pg_line
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.watches import restart_watch
from pagerdrill.world.world import World

__all__ = [
    "Api",
    "PgCluster",
    "db_cpu_percent",
    "fix_deployed",
    "health_history",
    "http_5xx_history",
    "http_5xx_percent",
    "idle_in_transaction",
    "loyalty_healthy",
    "pool_alert_at_80",
    "pool_in_use",
    "pool_in_use_history",
    "pool_raised",
    "reclaim_configured",
    "setup",
]

_MIN = 60_000
_DAY = 86_400_000
# postgresql.conf lines the model applies; the rest of the file is the real server's business.
_RELOADABLE = ("idle_in_transaction_session_timeout", "statement_timeout", "lock_timeout",
               "idle_session_timeout", "log_min_duration_statement")
EXHAUSTED_FOR_MS = 6 * _MIN  # the pool ran dry this long before the page
RECLAIM_LIMIT_MS = 5 * _MIN  # a reclaim timeout longer than this does not count


# -- programs -------------------------------------------------------------------------


def Api(name: str, repo: str) -> Program:
    """``{{ app }}.service``: node src/server.js from the repository's working tree."""
    return NodeApi(NodeApiSpec(name=name, repo=repo, rps_fact=f"{name}.rps",
                               throw_fact=f"{name}.throws_per_s"))


class _HostedPgServer(PgServer):
    """A PgServer whose backend pids are free pids of its host, so ps and pg_stat_activity agree."""

    def __init__(self, host: Host, **kwargs: Any) -> None:
        self._host_procs = host.procs
        super().__init__(**kwargs)

    def _alloc_pid(self) -> int:
        pid = super()._alloc_pid()
        while self._host_procs.get(pid) is not None:
            pid = super()._alloc_pid()
        return pid


class _BackendProc(BackendProcess):
    """A client backend as ps shows it; SIGTERM is pg_terminate_backend, SIGKILL a crash."""

    def start(self, host: Host, proc: Process) -> None:
        proc.cwd = "/var/lib/postgresql/15/main"

    def stop(self, host: Host, proc: Process) -> None:
        if self.synced or proc.exit_status != 128 + int(Signal.SIGKILL):
            super().stop(host, proc)
            return
        # The postmaster treats a killed backend as a crash and resets every session.
        now_us = host.clock.now_ms * 1000
        self.server.log.append((now_us, 0, "LOG", f"server process (PID {proc.pid}) was "
                                "terminated by signal 9: Killed"))
        self.server.log.append((now_us, 0, "LOG", "terminating any other active server "
                                "processes"))
        for backend in self.server.client_backends():
            self.server.terminate(backend.pid, now_us, "terminating connection because of "
                                  "crash of another server process")


class PgCluster(Postmaster):
    """The postmaster of a :class:`PgServer` that outlives restarts (its data directory):
    its background processes under the server's pids, only the timeouts applied from
    postgresql.conf, and the sessions' ``user@database`` in its log."""

    backend_rss_kb, backend_vsz_kb = 11_800, 219_400
    backend_program = _BackendProc

    def __init__(self, port: int = 5432, version: str = "15", cluster: str = "main") -> None:
        super().__init__(port, version, cluster)
        self._who: dict[int, str] = {}

    def _new_server(self, host: Host, proc: Process, now: int) -> PgServer:
        return _HostedPgServer(host, port=self.port, start_us=now * 1000, first_pid=proc.pid)

    def _reopen(self, host: Host, server: PgServer, now: int) -> None:
        if not server.running:
            super()._reopen(host, server, now)

    def _conf_text(self, host: Host) -> str | None:
        return read_text(host, self.conf)

    def _apply(self, server: PgServer, name: str, value: str, now_us: int, *,
               startup: bool) -> None:
        """Only the timeouts; a reload logs each value it changes."""
        if name not in _RELOADABLE:
            return
        before = server.setting(name).setting
        if (self._set(server, name, value, now_us) and not startup
                and server.setting(name).setting != before):
            server.log.append((now_us, 0, "LOG", f'parameter "{name}" changed to "{value}"'))

    def _aux(self, host: Host, server: PgServer) -> list[tuple[str, int | None]]:
        """The server's own background processes, under their pids where those are free."""
        return [(b.backend_type, b.pid if host.procs.get(b.pid) is None else None)
                for b in server.backends.values() if b.backend_type != "client backend"]

    def _serve(self, host: Host, proc: Process, server: PgServer) -> None:
        self._flush_log(proc, server, self._who)
        self._mirror(host, proc, server)
        # log_line_prefix's %u@%d for messages about sessions that are gone by the next tick
        self._who = {b.pid: f"{b.usename}@{b.datname}" for b in server.client_backends()}
        proc.cpu_percent = 0.3


# -- reading the world ---------------------------------------------------------------


def _app(world: World) -> str:
    return str(scenario_vars(world).get("app", "myapp"))


def _api(world: World) -> NodeApi | None:
    host = variable_host(world, "app_host", "app-01")
    try:
        unit = host.services.find(_app(world))
    except Exception:
        return None
    proc = host.services.main_process(unit)
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, NodeApi) else None


def _server(world: World) -> PgServer | None:
    return variable_host(world, "db_host", "db-01").pg_servers.get(5432)


def _num(world: World, name: str, default: float) -> float:
    value = world.facts.get(name)
    return float(value) if isinstance(value, int | float) and value > 0 else default


# -- probes ----------------------------------------------------------------------------


def pool_in_use(world: World) -> float:
    api = _api(world)
    return float(api.in_use) if api is not None else 0.0


def http_5xx_percent(world: World) -> float:
    api = _api(world)
    return 100.0 if api is None else round(api.last_5xx_ratio * 100, 1)


def db_cpu_percent(world: World) -> float:
    host = variable_host(world, "db_host", "db-01")
    return round(sum(p.cpu_percent for p in host.procs if p.user == "postgres")
                 / max(1, host.spec.cpus), 1)


def idle_in_transaction(world: World) -> float:
    server = _server(world)
    if server is None or not server.running:
        return 0.0
    return float(sum(b.state == "idle in transaction" for b in server.client_backends()))


def loyalty_healthy(world: World) -> bool:
    """loyalty-svc answers every tier lookup (it does not: its partial outage is the trigger)."""
    return _num(world, f"{_app(world)}.throws_per_s", 0.0) == 0.0


# -- the dashboards' history: the leak as setup replayed it ---------------------------------


def _leak_times(world: World) -> list[int]:
    times = world.facts.get(f"{_app(world)}.leak_times_ms")
    assert isinstance(times, list), "setup has not run"
    return times


def pool_in_use_history(world: World, t_ms: int) -> float:
    """Connections checked out before the page: two busy, plus every leak so far."""
    leaked = bisect.bisect_right(_leak_times(world), t_ms)
    pool = int(scenario_vars(world).get("pool", 20))
    busy = 0 if leaked >= pool else min(2, pool - leaked)
    return float(leaked + busy)


def http_5xx_history(world: World, t_ms: int) -> float:
    """The 5xx ratio before the page (%): none, then each failing loyalty lookup a 502
    while the pool drained, then every request a 503 once it was empty."""
    app = _app(world)
    times = _leak_times(world)
    spike = int(_num(world, f"{app}.spike_start_ms", float(times[-1])))
    if t_ms >= times[-1]:
        return 100.0
    if t_ms < spike:
        return 0.0
    return round(100 * _num(world, f"{app}.throws_per_s", 0.2) / _num(world, f"{app}.rps", 40),
                 1)


def health_history(world: World, t_ms: int) -> float:
    """/health before the page: OK (1) until the pool ran dry."""
    return 0.0 if t_ms >= _leak_times(world)[-1] else 1.0


# -- objectives and traps ----------------------------------------------------------------


def fix_deployed(world: World) -> bool:
    """The running service has a release on the error path, and it is committed."""
    api = _api(world)
    if api is None or api.problem or api.leaky:
        return False
    host = variable_host(world, "app_host", "app-01")
    repo = find_repository(host, f"/srv/{_app(world)}")
    if repo is None:
        return False
    head = repo.head_files().get(api.spec.code_rel)
    return head is not None and not is_leaky(head.decode(errors="replace"))


def reclaim_configured(world: World) -> bool:
    """Sessions left idle in a transaction are reclaimed: by the app's config or the server."""
    api = _api(world)
    if api is not None and not api.problem and 0 < api.config.reclaim_ms <= RECLAIM_LIMIT_MS:
        return True
    server = _server(world)
    if server is None:
        return False
    value = server.int_setting("idle_in_transaction_session_timeout")
    return 0 < value <= RECLAIM_LIMIT_MS


_COMPARISON = re.compile(r"(>=?)\s*([0-9]*\.?[0-9]+)\s*$")


def _pool_threshold(expr: str, pool_max: int) -> float | None:
    """The pool-use percentage at which an alert expression fires."""
    match = _COMPARISON.search(expr.strip())
    if not match or "pool" not in expr:
        return None
    value = float(match.group(2))
    if "/" in expr:
        return value * 100 if value <= 1 else value
    return value / pool_max * 100


def pool_alert_at_80(world: World) -> bool:
    """The monitoring rules alert when the pool is about 80% used."""
    host = variable_host(world, "app_host", "app-01")
    text = read_text(host, f"/etc/prometheus/rules/{_app(world)}.yml")
    api = _api(world)
    pool_max = api.config.max if api is not None else int(scenario_vars(world).get("pool", 20))
    for rule in alerting_rules(text or ""):
        threshold = _pool_threshold(rule.expr, pool_max)
        if threshold is not None and 70 <= threshold <= 85:
            return True
    return False


def pool_raised(world: World) -> bool:
    api = _api(world)
    return api is not None and api.config.max > int(scenario_vars(world).get("pool", 20))


# -- building the history ------------------------------------------------------------------


def _database(world: World, server: PgServer, page: int) -> None:
    variables = scenario_vars(world)
    app, database = _app(world), str(variables.get("database", "appdb"))
    server.start_us = (page - 41 * _DAY) * 1000
    server.add_role(app)
    server.add_role("sre")
    server.add_database(database, owner=app, size_bytes=1_843_000_000)
    rng = world.rng.child("pool-exhaustion", "rows")
    users = [(n, f"user{n}@example.com", f"L-{rng.randint(100000, 999999)}",
              _dt.datetime(2025, 10 + n % 3, 1 + n % 9, 10, 0)) for n in range(1001, 1016)]
    server.add_table(Table("users", [("id", "bigint"), ("email", "text"),
                                     ("loyalty_id", "text"), ("created_at", "timestamp")],
                           list(users), owner=app, database=database, not_null=("id",)))
    server.add_table(Table("orders", [("id", "bigint"), ("user_id", "bigint"),
                                      ("total_cents", "integer"), ("status", "text")],
                           [(50_000 + n, 1001 + n % 15, rng.randint(500, 40_000),
                             "paid" if n % 4 else "shipped") for n in range(12)],
                           owner=app, database=database, not_null=("id",)))
    if variables.get("herring") == "slow-query":
        server.set_setting("log_min_duration_statement", "1000")


def _pg_log_history(world: World, db: Host, page: int) -> None:
    """Checkpoints every 5 minutes, and the red herring's slow query, into the server log."""
    path = "/var/log/postgresql/postgresql-15-main.log"
    proc_pid = next((p.pid for p in db.procs if p.argv and "bin/postgres" in p.argv[0]), 700)
    rng = world.rng.child("pool-exhaustion", "pglog")
    herring = str(scenario_vars(world).get("herring", "none"))
    lines: list[str] = []
    app, database = _app(world), str(scenario_vars(world).get("database", "appdb"))
    t = page - 60 * _MIN
    while t < page:
        lines.append(pg_line(t, proc_pid + 4, "LOG", "checkpoint starting: time"))
        lines.append(pg_line(t + 2_900, proc_pid + 4, "LOG", (
            f"checkpoint complete: wrote {rng.randint(20, 400)} buffers ({rng.randint(0, 2)}.1%); "
            "0 WAL file(s) added, 0 removed, 1 recycled; write=2.812 s, sync=0.004 s, "
            "total=2.855 s; sync files=31, longest=0.002 s, average=0.001 s; "
            f"distance={rng.randint(200, 4000)} kB, estimate={rng.randint(2000, 5000)} kB")))
        if herring == "slow-query" and rng.random() < 0.7:
            stamp = t + rng.randint(10_000, 200_000)
            lines.append(pg_line(stamp, proc_pid + 60 + rng.randint(0, 90), "LOG", (
                f"duration: {rng.randint(1200, 4200)}.{rng.randint(100, 999)} ms  statement: "
                "SELECT date_trunc('day', created_at) AS day, count(*), sum(total_cents) "
                "FROM orders GROUP BY 1 ORDER BY 1"), f"reporting@{database}"))
        if herring == "autovacuum" and rng.random() < 0.5:
            lines.append(pg_line(t + 40_000, proc_pid + 90, "LOG", (
                f'automatic vacuum of table "{database}.public.orders": index scans: 1')))
        t += 5 * _MIN
    del app
    inode = db.fs.lookup(path)
    db.fs.write(inode, "".join(sorted(lines)).encode(), path=path)


def _journal(host: Host, api: NodeApi, proc: Process, t_ms: int, lines: list[str],
             priority: int) -> None:
    for line in lines:
        host.journal.add(JournalEntry(t_ms, "node", line, proc.unit, proc.pid, priority))


def _history(world: World, app_host: Host, api: NodeApi, proc: Process, page: int) -> None:
    """Replay the leak onto the server: old slow leaks, then the spike that drained the pool."""
    variables = scenario_vars(world)
    rng = world.rng.child("pool-exhaustion", "history")
    deploy = page - int(variables.get("commit_days", 2)) * _DAY  # the service's "since"
    cfg = api.config
    _journal(app_host, api, proc, deploy, [
        f"[pool] created pg pool max={cfg.max} acquireTimeoutMillis={cfg.acquire_timeout_ms}",
        f"{api.spec.name} listening on http://0.0.0.0:{api.spec.port} (NODE_ENV=production)"], 6)
    old = int(variables.get("old_leaks", 2))
    times = sorted(rng.randint(deploy + _MIN, page - 3 * 3_600_000) for _ in range(old))
    drained = page - EXHAUSTED_FOR_MS
    rate = _num(world, f"{api.spec.name}.throws_per_s", 0.2)
    spike = int(drained - (cfg.max - old) / rate * 1000)
    step = (drained - spike) / max(1, cfg.max - old)
    times += [int(spike + step * n + rng.randint(0, int(step // 2))) for n in range(cfg.max - old)]
    for n, t in enumerate(times):
        api.leak_one(app_host, t * 1000)
        _journal(app_host, api, proc, t, api.throw_lines(1000 + (n * 7919) % 90_000, t), 3)
    t = times[-1] + 1500
    n = 0
    while t < page:
        n += 1
        uid = 1000 + (n * 104_729) % 90_000
        _journal(app_host, api, proc, t, [
            f"GET /api/users/{uid} 503 {cfg.acquire_timeout_ms + 3 + n % 9}.{n % 997:03d} ms - 58",
            *api.timeout_lines()], 3)
        t += 2000
    api.waiting = int(_num(world, f"{api.spec.name}.rps", 40) * cfg.acquire_timeout_ms / 1000)
    api.last_5xx_ratio = 1.0
    app_host.journal.sort_by_time()
    world.facts[f"{api.spec.name}.spike_start_ms"] = spike
    world.facts[f"{api.spec.name}.leak_times_ms"] = times


def setup(world: World) -> None:
    """The database's contents, the leak's history, the player's environment, the watchers."""
    variables = scenario_vars(world)
    app = _app(world)
    page = world.clock.now_ms
    app_host = variable_host(world, "app_host", "app-01")
    db = variable_host(world, "db_host", "db-01")
    pool, drain_s = int(variables.get("pool", 20)), int(variables.get("drain_s", 90))
    world.facts[f"{app}.rps"] = float(variables.get("rps", 40))
    world.facts[f"{app}.throws_per_s"] = round(pool / drain_s, 4)
    server = db.pg_servers.get(5432)
    assert server is not None, "postgresql.service did not start"
    _database(world, server, page)
    _pg_log_history(world, db, page)
    api = _api(world)
    unit = app_host.services.find(app)
    proc = app_host.services.main_process(unit)
    assert api is not None and proc is not None
    api.load(app_host)  # the repository was checked out after the service started
    assert not api.problem, api.problem
    api.serve(app_host, proc)
    for client in list(api.clients):  # the warm clients, opened before the database existed
        api.clients.remove(client)
    _history(world, app_host, api, proc, page)
    rc = read_text(app_host, "/root/.bashrc") or ""
    database = str(variables.get("database", "appdb"))
    db_name = db.name
    app_host.fs.put("/root/.bashrc", (rc + (
        "\n# psql defaults for the production database (see ~/.pgpass)\n"
        f"export PGHOST={db_name}\nexport PGPORT=5432\nexport PGUSER=postgres\n"
        f"export PGDATABASE={database}\n")).encode())
    app_host.fs.put("/root/.pgpass", f"{db_name}:5432:*:postgres:Zq4-pp9w-Tr7x\n".encode(),
                    mode=0o600)
    app_host.load = (0.31, 0.28, 0.22)
    db.load = (0.04, 0.06, 0.05)
    world.rules.append(restart_watch(db, "postgresql.service", "postgres_restarted"))
    world.facts[BOOTING] = False
