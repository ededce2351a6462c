"""Hooks for the cache-stampede scenario: the programs, the history, and the checks.

The YAML declares the three hosts (app, cache, database), the app's repository
(the read-through cache with no lock and a fixed TTL), the env file and
gunicorn config, the ops change log and runbook, telemetry, chat and
objectives. ``setup`` fills the database, rewrites Redis's recent past (the
maintenance restart minutes before the page: uptime, counters, its log), the
metrics' last half hour (the cliff at the restart) and the player's
environment, and installs the trap watchers. The fleet's load itself is
:mod:`pagerdrill.world.programs.cacheapp`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.cache.patterns import analyze as _analyze_code
from pagerdrill.world.cache.service import RedisService, server_on, shutdown_lines, startup_lines
from pagerdrill.world.cache.stampede import FLEETS, REBUILD_QUERY, CacheFleet, FleetSpec
from pagerdrill.world.database import PgServer, Table
from pagerdrill.world.git import find_repository
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process
from pagerdrill.world.programs import BOOTING
from pagerdrill.world.programs.cacheapp import CacheApp, CacheWarmer
from pagerdrill.world.programs.postgres import Postmaster, pg_line
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.telemetry import Sample, Series
from pagerdrill.world.watches import restart_watch
from pagerdrill.world.world import World

__all__ = [
    "App",
    "Postgres",
    "Redis",
    "Warmer",
    "api_p99_ms",
    "cache_flushed",
    "cache_hit_rate",
    "db_connections",
    "db_cpu_percent",
    "error_percent",
    "fix_deployed",
    "runbook_warms_cache",
    "scaled_up",
    "served",
    "setup",
]

_MIN = 60_000
COLD_MS = 10 * _MIN  # shared_buffers empty after a database restart: reads hit the disk


# -- programs -----------------------------------------------------------------------------


def _spec(**args: Any) -> FleetSpec:
    return FleetSpec(**args)


def App(**args: Any) -> CacheApp:
    """``{{ app }}.service``: gunicorn from the repository's working tree."""
    return CacheApp(_spec(**args))


def Warmer(**args: Any) -> CacheWarmer:
    """``{{ app }}-cache-warm.service``: scripts/warm_cache.py, once."""
    return CacheWarmer(_spec(**args))


def Redis() -> RedisService:
    return RedisService()


class Postgres(Postmaster):
    """The postmaster of the host's :class:`PgServer`; a restart cuts every session and
    leaves the buffer cache cold. The sessions are the fleet's load, not processes: no
    children, no postgresql.conf, and the log keeps up only with the last lines."""

    aux_names = ()

    def _reopen(self, host: Host, server: PgServer, now: int) -> None:
        super()._reopen(host, server, now)
        host.world.facts[f"{host.name}.cold_until_ms"] = now + COLD_MS

    def _conf_text(self, host: Host) -> str | None:
        return None

    def _serve(self, host: Host, proc: Process, server: PgServer) -> None:
        self._flush_log(proc, server, last=20)
        fleets = host.world.registered(FLEETS)
        busy = max((f.db_cpu for f in fleets.values()), default=1.0)
        proc.cpu_percent = 0.4
        host.load = _load(host.load, sum(f.active for f in fleets.values()) * 0.9
                          if busy >= 99 else busy / 100 * host.spec.cpus)


def _load(old: tuple[float, float, float], running: float) -> tuple[float, float, float]:
    """Load averages moving towards ``running`` at 1, 5 and 15 minute rates (1 s steps)."""
    decay = (0.9835, 0.9967, 0.9989)
    return (round(old[0] * decay[0] + running * (1 - decay[0]), 2),
            round(old[1] * decay[1] + running * (1 - decay[1]), 2),
            round(old[2] * decay[2] + running * (1 - decay[2]), 2))


# -- reading the world ------------------------------------------------------------------------


def _app(world: World) -> str:
    return str(scenario_vars(world).get("app", "myapp"))


def _fleet(world: World) -> CacheFleet | None:
    return world.registered(FLEETS).get(_app(world))


# -- probes -------------------------------------------------------------------------------------


def cache_hit_rate(world: World) -> float:
    fleet = _fleet(world)
    return 0.0 if fleet is None or not fleet.up else round(fleet.hit_ratio * 100, 1)


def db_connections(world: World) -> float:
    server = variable_host(world, "db_host", "db-01").pg_servers.get(5432)
    return float(len(server.client_backends())) if server is not None and server.running \
        else 0.0


def db_cpu_percent(world: World) -> float:
    fleet = _fleet(world)
    return 0.0 if fleet is None else fleet.db_cpu


def api_p99_ms(world: World) -> float:
    fleet = _fleet(world)
    return 0.0 if fleet is None else round(fleet.p99_ms)


def error_percent(world: World) -> float:
    fleet = _fleet(world)
    return 100.0 if fleet is None else round(fleet.error_ratio * 100, 1)


# -- objectives and traps -------------------------------------------------------------------------


def served(world: World) -> bool:
    """Users are served again: fast answers, a warm cache, a database with headroom."""
    fleet = _fleet(world)
    return (fleet is not None and fleet.up and fleet.p99_ms < 1000 and fleet.db_cpu < 90
            and fleet.hit_ratio >= 0.8 and fleet.error_ratio < 0.05)


def fix_deployed(world: World) -> bool:
    """The running code rebuilds under a SET NX EX lock with jittered TTLs, and it is committed."""
    fleet = _fleet(world)
    if fleet is None or not fleet.up:
        return False
    code = fleet.deployed.code
    if code.problem or not code.locked or not code.jittered:
        return False
    host = variable_host(world, "app_host", "app-01")
    repo = find_repository(host, fleet.spec.repo)
    if repo is None:
        return False
    head = repo.head_files().get(fleet.spec.code_rel)
    if head is None:
        return False
    committed = _analyze_code(head.decode(errors="replace"), fleet.spec.code_rel)
    return not committed.problem and committed.locked and committed.jittered


_RESTART_STEP = re.compile(r"systemctl\s+restart\s+redis|restart\s+redis", re.IGNORECASE)
_WARM_STEP = re.compile(r"warm", re.IGNORECASE)


def runbook_warms_cache(world: World) -> bool:
    """The maintenance runbook warms the cache after restarting Redis, as a step of its own."""
    host = variable_host(world, "app_host", "app-01")
    text = read_text(host, "/srv/ops/runbooks/redis-maintenance.md") or ""
    lines = text.splitlines()
    restart = next((i for i, line in enumerate(lines) if _RESTART_STEP.search(line)), None)
    if restart is None:
        return False
    step = re.compile(r"^\s*(\d+[a-z]?[.)]|[-*])\s+")
    return any(_WARM_STEP.search(line) and step.match(line) for line in lines[restart + 1:])


def cache_flushed(world: World) -> bool:
    server = server_on(variable_host(world, "cache_host", "cache-01"))
    return server is not None and server.flushes > 0


def scaled_up(world: World) -> bool:
    fleet = _fleet(world)
    planned = int(scenario_vars(world).get("workers", 16))
    return fleet is not None and fleet.deployed.workers > planned


# -- building the history -------------------------------------------------------------------


def _database(world: World, server: PgServer) -> None:
    variables = scenario_vars(world)
    app, database = _app(world), str(variables.get("database", "appdb"))
    server.add_role(app)
    server.add_role("sre", superuser=True)
    server.add_database(database, owner=app, size_bytes=48_300_000_000)
    server.set_setting("max_connections", "1000")
    rng = world.rng.child("cache-stampede", "rows")
    first = 1001
    server.add_table(Table("categories", [("id", "integer"), ("name", "text")],
                           [(n, name) for n, name in enumerate(
                               ["kitchen", "garden", "outdoor", "lighting", "storage"], 1)],
                           owner=app, database=database, not_null=("id",)))
    server.add_table(Table("products", [("id", "bigint"), ("name", "text"),
                                        ("price_cents", "integer"), ("category_id", "integer")],
                           [(first + n, f"Product {first + n}", rng.randint(499, 24_999),
                             1 + n % 5) for n in range(int(variables.get("keys", 400)))],
                           owner=app, database=database, not_null=("id",)))
    server.add_table(Table("reviews", [("id", "bigint"), ("product_id", "bigint"),
                                       ("rating", "smallint")],
                           [(90_000 + n, first + n * 7 % int(variables.get("keys", 400)),
                             rng.randint(1, 5)) for n in range(200)],
                           owner=app, database=database, not_null=("id",)))


def _redis_history(world: World, cache: Host, page: int, restart_ms: int) -> None:
    """The maintenance restart: uptime, counters and the log since it came back empty."""
    server = server_on(cache)
    assert server is not None
    fleet = _fleet(world)
    server.started_ms = restart_ms
    since = (page - restart_ms) / 1000
    rps = float(scenario_vars(world).get("rps", 4000))
    server.stats.total_connections_received = fleet.concurrency + 40 if fleet else 840
    server.stats.keyspace_misses = int(rps * since)
    server.stats.keyspace_hits = 0
    server.stats.total_commands_processed = int(rps * since * 2) + 12
    path = "/var/log/redis/redis-server.log"
    unit = cache.services.find("redis-server")
    proc = cache.services.main_process(unit)
    assert proc is not None
    old_pid = 291  # started at boot, before the maintenance
    init = cache.procs.get(1)
    boot = (init.start_ms if init is not None else page - 63 * 86_400_000) + 2_400
    old = server_on(cache)
    assert old is not None
    # Sign-ins since the restart: the login service keeps its sessions in the same Redis.
    rng = world.rng.child("cache-stampede", "sessions")
    writer = server.connect(f"{variable_host(world, 'app_host', 'app-01').spec.ip}:47001")
    for _ in range(int(scenario_vars(world).get("sessions", 30))):
        left = 1800 - rng.randint(5, int(since) - 5)
        server.execute(writer, [b"SETEX", f"session:{rng.getrandbits(128):032x}".encode(),
                                str(left).encode(), b'{"user_id":%d}' % rng.randint(1, 99999)])
    server.disconnect(writer)
    for client in server.clients.values():  # the app servers reconnected as it came back
        client.created_ms = restart_ms + 400 + client.id * 3
    text = (startup_lines(boot, old_pid, old, "7.0.11")
            + shutdown_lines(restart_ms - 1_200, old_pid)
            + startup_lines(restart_ms, proc.pid, old))
    cache.fs.put(path, text.encode(), mode=0o640, mtime_ms=restart_ms)
    proc.start_ms = restart_ms
    unit.since_ms = restart_ms
    label = f"{unit.name} - {unit.description}"
    for t, text in ((restart_ms - 1_300, f"Stopping {label}..."),
                    (restart_ms - 1_100, f"{unit.name}: Deactivated successfully."),
                    (restart_ms - 1_100, f"Stopped {label}."),
                    (restart_ms - 1_000, f"Starting {label}..."),
                    (restart_ms + 3, f"Started {label}.")):
        cache.journal.add(JournalEntry(t, "systemd", text, unit.name, 1, 6))
    cache.journal.sort_by_time()


def _backfill(world: World, page: int, restart_ms: int) -> None:
    """The dashboard's last half hour: calm, then the cliff when Redis came back empty."""
    rng = world.rng.child("cache-stampede", "metrics")
    fleet = _fleet(world)
    concurrency = fleet.concurrency if fleet else 800
    servers = fleet.spec.servers if fleet else 50
    step = world.telemetry.scrape_ms
    series: dict[str, list[Sample]] = {name: [] for name in world.telemetry.gauges}
    t = page - 30 * _MIN
    while t < page:
        after = (t - restart_ms) / 1000
        ramp = min(1.0, max(0.0, after / 30))
        calm = after < 0
        values = {
            "cache_hit_rate": round(95 - rng.random(), 1) if calm else 0.0,
            "db_connections": float(servers + rng.randint(-2, 3)) if calm
            else float(round(servers + (concurrency - servers) * ramp)),
            "db_cpu": round(12 + rng.random() * 2, 1) if calm else min(100.0, round(
                14 + 86 * min(1.0, after / 20), 1)),
            "api_p99": float(48 + rng.randint(0, 6)) if calm else float(round(
                50 + 11_950 * ramp)),
            "errors": round(rng.random() * 0.2, 1) if calm else round(100 * ramp, 1),
        }
        for name in series:
            key = name.split("{", 1)[0]
            if key in values:
                series[name].append(Sample(t, values[key]))
        t += step
    for name, samples in series.items():
        # Samples taken while the world was being built predate the fleet: the past replaces them.
        world.telemetry.series[name] = Series(samples)


def _pg_log_history(world: World, db: Host, page: int, restart_ms: int) -> None:
    """Checkpoints, the herring's autovacuum, then timeouts from the minute Redis came back."""
    path = "/var/log/postgresql/postgresql-15-main.log"
    unit = db.services.units["postgresql.service"]
    pid = unit.main_pid or 700
    rng = world.rng.child("cache-stampede", "pglog")
    herring = str(scenario_vars(world).get("herring", "none"))
    database = str(scenario_vars(world).get("database", "appdb"))
    lines: list[tuple[int, str]] = []
    t = page - 60 * _MIN
    while t < page:
        lines.append((t, pg_line(t, pid + 4, "LOG", "checkpoint starting: time")))
        lines.append((t + 2_900, pg_line(t + 2_900, pid + 4, "LOG", (
            f"checkpoint complete: wrote {rng.randint(200, 900)} buffers "
            f"({rng.randint(1, 5)}.{rng.randint(0, 9)}%); 0 WAL file(s) added, 0 removed, "
            f"1 recycled; write=26.912 s, sync=0.011 s, total=26.950 s"))))
        if herring == "autovacuum" and t < restart_ms:
            at = t + rng.randint(20_000, 200_000)
            lines.append((at, pg_line(at, pid + 90 + rng.randint(0, 50), "LOG", (
                f'automatic vacuum of table "{database}.public.reviews": index scans: 1'))))
        t += 5 * _MIN
    t = restart_ms + 25_000
    while t < page:
        backend = pid + 200 + (t // 1000) % 800
        lines += [(t, pg_line(t, backend, "ERROR", "canceling statement due to statement "
                              "timeout", f"{_app(world)}@{database}")),
                  (t, pg_line(t, backend, "STATEMENT", REBUILD_QUERY,
                              f"{_app(world)}@{database}"))]
        t += 2_000 + rng.randint(0, 1_500)
    lines.sort(key=lambda pair: pair[0])
    db.fs.put(path, "".join(text for _, text in lines).encode(), mode=0o640,
              mtime_ms=page)
    inode = db.fs.lookup(path)
    inode.uid, inode.gid = db.uid_of("postgres"), db.groups.get("adm", 4)


def setup(world: World) -> None:
    """The database, the restart minutes ago, the dashboard's past, the player's shell."""
    variables = scenario_vars(world)
    page = world.clock.now_ms
    app_host = variable_host(world, "app_host", "app-01")
    cache = variable_host(world, "cache_host", "cache-01")
    db = variable_host(world, "db_host", "db-01")
    server = db.pg_servers.get(5432)
    assert server is not None, "postgresql.service did not start"
    server.start_us = (page - 41 * 86_400_000) * 1000
    _database(world, server)
    unit = app_host.services.find(_app(world))
    proc = app_host.services.main_process(unit)
    program = unwrap_program(proc) if proc is not None else None
    assert proc is not None and isinstance(program, CacheApp)
    program.deploy(app_host, proc)  # the repository was checked out after the service started
    assert not program.problem, program.problem
    restart_ms = page - int(variables.get("restart_ago", 240)) * 1000
    fleet = _fleet(world)
    assert fleet is not None
    fleet.tick(1000)  # the stampede as it stands: the connections it holds
    for n, pid in enumerate(fleet.backends):  # opened as the pools grew after the restart
        server.backends[pid].backend_start = (restart_ms + 2_000 + n * 30_000 // len(
            fleet.backends)) * 1000
    _redis_history(world, cache, page, restart_ms)
    _pg_log_history(world, db, page, restart_ms)
    if variables.get("herring") == "deploy":  # an unrelated change shortly before
        log = read_text(app_host, "/srv/ops/changes.log") or ""
        lines = log.splitlines()
        stamp = f"2026-04-14 {(restart_ms - 20 * _MIN) // 3_600_000 % 24:02d}:" \
                f"{(restart_ms - 20 * _MIN) // _MIN % 60:02d}"
        lines.insert(len(lines) - 1, f"{stamp}  CHG-4470  all-app     prometheus-node-exporter "
                     "1.7.0 -> 1.8.1 (apt, all app servers)   Dev Patel  done")
        app_host.fs.put("/srv/ops/changes.log", ("\n".join(lines) + "\n").encode())
    _backfill(world, page, restart_ms)
    rc = read_text(app_host, "/root/.bashrc") or ""
    app_host.fs.put("/root/.bashrc", (rc + (
        f"\n# production endpoints from this bastion (see ~/.pgpass)\n"
        f"export PGHOST={db.name}\nexport PGPORT=5432\nexport PGUSER=sre\n"
        f"export PGDATABASE={variables.get('database', 'appdb')}\n"
        f"alias redis-cli='redis-cli -h {cache.name}'\n")).encode())
    app_host.fs.put("/root/.pgpass", f"{db.name}:5432:*:sre:Vb8-qq2m-Lk4z\n".encode(),
                    mode=0o600)
    app_host.load = (0.42, 0.39, 0.31)
    cache.load = (0.12, 0.1, 0.08)
    running = 0.9 * fleet.concurrency
    ago = (page - restart_ms) / 60_000
    db.load = tuple(round(0.9 + running * (1 - math.exp(-ago / m)), 2)  # type: ignore[assignment]
                    for m in (1, 5, 15))
    world.rules.append(restart_watch(db, "postgresql.service", "postgres_restarted"))
    world.facts[BOOTING] = False
