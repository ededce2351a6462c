"""Hooks for the disk-full scenario: the programs, the numbers, and the checks.

The YAML declares the host, its files, services, git history and telemetry.
``setup`` does what data cannot: it sizes the app's 3-week DEBUG log so that the
disk is exactly full, derives the DEBUG byte rate from it (so the running app
keeps writing at the rate that filled the disk), sizes the old compressed logs
so deleting them is eaten at once by the app's queued log records, writes the
database's log up to the page, and installs logrotate's daily run.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.content import FileContent, LineFactory, PadFactory, TextSource
from pagerdrill.world.host import Host
from pagerdrill.world.process import Program
from pagerdrill.world.programs import (
    BOOTING,
    AppSpec,
    LogLevel,
    NginxProxy,
    NginxSpec,
    PostgresServer,
    PostgresSpec,
    WebApp,
    bound_bytes,
    logrotate_rule,
    policy_for,
    read_log_level,
)
from pagerdrill.world.programs.app import LEVEL_SHARE
from pagerdrill.world.programs.applines import app_lines, app_pad
from pagerdrill.world.programs.logrotate import gzip_content
from pagerdrill.world.programs.nginx import access_lines, access_pad
from pagerdrill.world.programs.postgres import history_lines
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.rng import Rng, derive_seed
from pagerdrill.world.world import Rule, World

__all__ = [
    "App",
    "Nginx",
    "Postgres",
    "app_healthy",
    "app_log_history",
    "database_refusing_writes",
    "disk_alert_at_80",
    "disk_used_history",
    "log_level_fixed",
    "rotation_bounded",
    "setup",
]

_DAY_MS = 86_400_000
FILL_AGO_MS = 15 * 60_000  # the disk hit 100% a quarter of an hour before the page
ERROR_MULTIPLIER = 8.0  # a failing request at DEBUG logs its body and traceback
OLD_GZ_SHARE = 0.6  # old .gz logs hold 60% of what the app has queued: deleting them buys nothing
ROTATION_LIMIT_SHARE = 0.25  # prevention: the log and its rotations stay under 25% of the disk


# -- programs -------------------------------------------------------------------


def App(name: str, port: int = 8080, debug_rate: float = 37_000.0) -> Program:
    """The app behind ``{{ app }}.service``."""
    return WebApp(AppSpec(name=name, config_path=f"/srv/{name}/config/app.yaml",
                          log_path=f"/var/log/{name}/app.log", debug_bytes_per_second=debug_rate,
                          port=port, error_multiplier=ERROR_MULTIPLIER,
                          rate_fact=f"{name}.debug_rate"))


def Postgres(database: str, role: str) -> Program:
    return PostgresServer(PostgresSpec(database=database, role=role))


def Nginx(server_name: str) -> Program:
    return NginxProxy(NginxSpec(server_name=server_name))


# -- reading the world ------------------------------------------------------------


def _host(world: World) -> Host:
    return variable_host(world, "host", "web-01")


def _app_name(world: World) -> str:
    return str(scenario_vars(world).get("app", "myapp"))


def _running_app(world: World) -> WebApp | None:
    host = _host(world)
    try:
        unit = host.services.find(_app_name(world))
    except Exception:
        return None
    proc = host.services.main_process(unit)
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, WebApp) else None


def _debug_rate(world: World) -> float:
    rate = world.facts.get(f"{_app_name(world)}.debug_rate")
    return float(rate) if isinstance(rate, int | float) else 37_000.0


# -- objectives and alerts -----------------------------------------------------------


def log_level_fixed(world: World) -> bool:
    """The config says INFO or quieter, and the running app picked it up."""
    app = _app_name(world)
    text = read_text(_host(world), f"/srv/{app}/config/app.yaml")
    level = read_log_level(text or "")
    running = _running_app(world)
    return (level is not None and level >= LogLevel.INFO and running is not None
            and running.level >= LogLevel.INFO)


def rotation_bounded(world: World) -> bool:
    """logrotate would keep the app's log (and its rotations) small even at DEBUG."""
    host = _host(world)
    policy = policy_for(host, f"/var/log/{_app_name(world)}/app.log")
    bound = bound_bytes(policy, _debug_rate(world) * 86_400)
    disk = host.fs.mount_for_path("/var/log").size_bytes
    return bound is not None and bound <= ROTATION_LIMIT_SHARE * disk


_COMPARISON = re.compile(r"([<>]=?)\s*([0-9]*\.?[0-9]+)\s*$")


def _used_threshold(expr: str) -> float | None:
    """The disk-used percentage at which a filesystem alert expression fires."""
    match = _COMPARISON.search(expr.strip())
    if not match or "node_filesystem" not in expr:
        return None
    op, value = match.group(1), float(match.group(2))
    percent = value * 100 if value <= 1 else value
    return percent if op.startswith(">") else 100 - percent


def disk_alert_at_80(world: World) -> bool:
    """The monitoring rules hold a disk alert that fires at (about) 80% used."""
    text = read_text(_host(world), "/etc/prometheus/rules/node.yml")
    for rule in alerting_rules(text or ""):
        threshold = _used_threshold(rule.expr)
        if threshold is not None and 70 <= threshold <= 85:
            return True
    return False


def database_refusing_writes(world: World) -> bool:
    host = _host(world)
    listener = host.listeners.get(5432)
    proc = host.procs.get(listener.pid) if listener else None
    program = unwrap_program(proc) if proc else None
    return not (isinstance(program, PostgresServer) and program.accepting_writes)


def app_healthy(world: World) -> bool:
    """The running app can write its log and its orders (it answers 200): the map's box."""
    running = _running_app(world)
    return running is not None and running.healthy


# -- the dashboards' history ---------------------------------------------------------------

_CLIMB = "disk-full.climb"


@dataclass(frozen=True)
class _Climb:
    """How the app's log filled the disk, as ``setup`` sized it: INFO from the monthly
    rotation, DEBUG from the commit, full at ``fill``. The rest of the disk held still."""

    disk_bytes: int
    used_at_fill: int
    log_at_fill: int
    rotated: int
    deploy: int
    fill: int
    info_rate: float
    debug_rate: float

    def log_bytes(self, t_ms: int) -> float:
        if t_ms >= self.fill:
            return float(self.log_at_fill)
        unwritten = self.debug_rate * (self.fill - max(t_ms, self.deploy)) / 1000
        if t_ms < self.deploy:
            unwritten += self.info_rate * (self.deploy - max(t_ms, self.rotated)) / 1000
        return max(0.0, self.log_at_fill - unwritten)


def _climb(world: World) -> _Climb:
    climb = world.facts.get(_CLIMB)
    assert isinstance(climb, _Climb), "setup has not run"
    return climb


def disk_used_history(world: World, t_ms: int) -> float:
    """Disk used on / before the page (%): flat, then the DEBUG log's climb to 100%."""
    climb = _climb(world)
    used = climb.used_at_fill - (climb.log_at_fill - climb.log_bytes(t_ms))
    return 100.0 * used / climb.disk_bytes


def app_log_history(world: World, t_ms: int) -> float:
    """The size of the app's log before the page (bytes)."""
    return _climb(world).log_bytes(t_ms)


# -- building the numbers ----------------------------------------------------------------


def _month_start(t_ms: int) -> int:
    moment = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(first.timestamp() * 1000)


def _add_months(t_ms: int, months: int) -> int:
    moment = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
    index = moment.year * 12 + moment.month - 1 + months
    return int(moment.replace(year=index // 12, month=index % 12 + 1).timestamp() * 1000)


# Text compresses about tenfold; a rotated log covers the period before its mtime.
_GZIP_RATIO = 10


def _gz(world: World, host: Host, path: str, size: int, mtime: int, owner: str,
        lines: LineFactory, pad: PadFactory, period_ms: int) -> None:
    size = max(size, 4096)
    text_size = size * _GZIP_RATIO
    seed = derive_seed(world.seed, path)
    source = TextSource(path, seed, lines, t0_ms=mtime - period_ms,
                        bytes_per_second=text_size * 1000 / period_ms, pad_line=pad)
    original = FileContent.generated(source, 0, text_size)  # what zcat shows
    content = gzip_content(seed, path, size, mtime, original)
    uid, gid = host.uid_of(owner), host.groups.get("adm", 4)
    host.fs.put(path, content, mode=0o640, uid=uid, gid=gid, mtime_ms=mtime)


def _nginx_notice(rng: Rng, t_ms: int) -> str:
    moment = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
    pid = rng.randint(1300, 1400)
    return f"{moment:%Y/%m/%d %H:%M:%S} [notice] {pid}#{pid}: signal process started"


def _nginx_notice_pad(rng: Rng, t_ms: int, size: int) -> str:
    return _nginx_notice(rng, t_ms).ljust(size)[:size]


def _red_herrings(world: World, host: Host, kind: str, page: int) -> None:
    rng = world.rng.child("disk-full", "herring")
    if kind == "docker":
        host.fs.mkdir("/var/lib/docker/overlay2", parents=True, mode=0o710)
        host.fs.set_opaque("/var/lib/docker/overlay2", rng.randint(6, 11) * 1024**3, 48_000)
    elif kind == "crash":
        size = rng.randint(900, 2400) * 1024**2
        host.fs.put("/var/crash/_usr_bin_python3.11.0.crash",
                    gzip_content(derive_seed(world.seed, "crash"), "crash", size, page),
                    mode=0o640, mtime_ms=page - rng.randint(20, 40) * _DAY_MS)
    elif kind == "cron":
        host.fs.put("/etc/cron.d/report-export",
                    b"# Nightly sales export for finance\n"
                    b"*/5 * * * * root /usr/local/bin/report-export --incremental "
                    b">> /var/log/report-export.log 2>&1\n")
        size = rng.randint(700, 1500) * 1024**2
        host.fs.put("/var/log/report-export.log",
                    gzip_content(derive_seed(world.seed, "export"), "export", size, page),
                    mode=0o640, mtime_ms=page - 60_000 * rng.randint(1, 4))


def setup(world: World) -> None:
    """Size the logs so the disk is exactly full, and wire the live rules."""
    host = _host(world)
    variables = scenario_vars(world)
    app = _app_name(world)
    page = world.clock.now_ms
    fill = page - FILL_AGO_MS
    deploy = page - int(variables.get("debug_days", 21)) * _DAY_MS
    rotated = _month_start(page)
    _red_herrings(world, host, str(variables.get("herring", "none")), page)
    _postgres_history(world, host, fill, page)
    mount = host.fs.mount_for_path("/var/log")
    # A first estimate of the DEBUG rate sizes the app's queued records and the old logs.
    estimate = mount.avail_bytes / ((fill - deploy) / 1000)
    backlog = int(estimate * ERROR_MULTIPLIER * FILL_AGO_MS / 1000)
    old_total = int(backlog * OLD_GZ_SHARE)
    rng = world.rng.child("disk-full", "gz")
    for n in range(1, 5):  # monthly rotations kept by the global "rotate 4"
        end = _add_months(rotated, 1 - n)
        _gz(world, host, f"/var/log/{app}/app.log.{n}.gz",
            int(old_total * 0.75 / 4 * rng.uniform(0.8, 1.2)), end, app,
            app_lines(app, LogLevel.INFO, False), app_pad(app, LogLevel.INFO),
            end - _add_months(end, -1))
    for n in range(2, 15):  # nginx: daily, rotate 14, delaycompress
        share = old_total * 0.25 / 7
        when = (page // _DAY_MS - n + 1) * _DAY_MS
        _gz(world, host, f"/var/log/nginx/access.log.{n}.gz", int(share * rng.uniform(0.8, 1.2)),
            when, "www-data", access_lines(200), access_pad(200), _DAY_MS)
        _gz(world, host, f"/var/log/nginx/error.log.{n}.gz", rng.randint(300, 2000), when,
            "www-data", _nginx_notice, _nginx_notice_pad, _DAY_MS)
    # The app's log: two quiet days at INFO, then DEBUG until the disk was full.
    usr = host.fs.lookup("/usr")  # absorb the odd bytes so whole blocks fill the disk exactly
    host.fs.set_opaque("/usr", usr.opaque_bytes + mount.avail_bytes % 4096, usr.opaque_inodes)
    room = mount.avail_bytes + host.fs.lookup(f"/var/log/{app}/app.log").charged_bytes
    info_rate = estimate * LEVEL_SHARE[LogLevel.INFO]
    info_size = int(info_rate * (deploy - rotated) / 1000)
    debug_size = room // 4096 * 4096 - info_size  # whole blocks: usage never exceeds the disk
    rate = debug_size / ((fill - deploy) / 1000)
    world.facts[f"{app}.debug_rate"] = rate
    info = TextSource(f"{app}:info", derive_seed(world.seed, app, "info"),
                      app_lines(app, LogLevel.INFO, False), t0_ms=rotated,
                      bytes_per_second=info_rate, pad_line=app_pad(app, LogLevel.INFO))
    debug = TextSource(f"{app}:debug", derive_seed(world.seed, app, "debug"),
                       app_lines(app, LogLevel.DEBUG, False), t0_ms=deploy,
                       bytes_per_second=rate, pad_line=app_pad(app, LogLevel.DEBUG))
    content = FileContent.generated(info, 0, info_size)
    content.append_generated(debug, 0, debug_size)
    log = host.fs.lookup(f"/var/log/{app}/app.log")
    host.fs.put(f"/var/log/{app}/app.log", content, mode=log.mode, uid=log.uid, gid=log.gid,
                mtime_ms=fill)
    world.facts[_CLIMB] = _Climb(mount.size_bytes, mount.used_bytes, info_size + debug_size,
                                 rotated, deploy, fill, info_rate, rate)
    running = _running_app(world)
    if running is not None:
        running.read_config(host)  # the repository was checked out after the service started
        running.debug_rate = rate
        running.healthy = False
        running.failing_since_ms = fill
        running.reason = ""
        running.backlog_bytes = min(running.spec.backlog_cap, backlog)
        running.set_flow(page)
    world.rules.append(logrotate_rule(host, {
        f"/var/log/{app}/app.log": rotated, "/var/log/nginx/access.log": page // _DAY_MS * _DAY_MS,
        "/var/log/nginx/error.log": page // _DAY_MS * _DAY_MS}))
    world.rules.append(_restart_watch(host, app))
    world.facts[BOOTING] = False


def _postgres_history(world: World, host: Host, fill: int, page: int) -> None:
    listener = host.listeners.get(5432)
    proc = host.procs.get(listener.pid) if listener else None
    program = unwrap_program(proc) if proc else None
    if not isinstance(program, PostgresServer) or proc is None:
        return
    path = program.spec.log_path
    inode = host.fs.lookup(path)
    host.fs.write(inode, history_lines(program.spec, proc.pid, fill, page).encode(), path=path)
    host.fs.utime(inode, fill + 20_000)
    program.disk_full = True


def _restart_watch(host: Host, app: str) -> Rule:
    """Note when the app or the database is restarted while the disk is still full."""
    units = [f"{app}.service", "postgresql.service", "nginx.service"]
    seen = {u: host.services.units[u].main_pid for u in units if u in host.services.units}

    def watch(world: World, dt_ms: int) -> None:
        del dt_ms
        full = host.fs.mount_for_path("/").avail_bytes < 16 * 1024 * 1024
        for name in seen:
            pid = host.services.units[name].main_pid
            if pid != seen[name] and pid is not None:
                if full:
                    world.facts["restarted_while_full"] = True
                seen[name] = pid

    return Rule("restart-watch", watch)
