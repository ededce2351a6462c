"""A web application: logs at the rate its log level sets, serves /health, needs its database.

The level comes from the app's YAML config, read at start and on SIGHUP (a
reload), never while running: editing the file changes nothing until the
service is restarted or reloaded. The app is healthy when it can write its log
and its database accepts writes; it answers 500 otherwise. While it cannot
write, its asynchronous logger queues records in memory (RSS grows) and flushes
them the moment space appears, which is why freeing a little space buys nothing.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .applines import app_lines, app_pad
from .logstream import LogStream
from .stamps import iso_ms

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["BOOTING", "AppSpec", "Database", "LogLevel", "WebApp", "database_at", "read_log_level"]

MiB = 1024 * 1024
# While this world fact is true the world is being built: daemons that "have been
# running for weeks" start without writing startup banners at the page's instant.
BOOTING = "booting"


class LogLevel(enum.IntEnum):
    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40

    @classmethod
    def parse(cls, text: str) -> LogLevel | None:
        name = text.strip().strip("'\"").upper()
        name = {"WARN": "WARNING", "ERR": "ERROR"}.get(name, name)
        return cls.__members__.get(name)


# Share of the DEBUG byte rate each level produces.
LEVEL_SHARE = {LogLevel.DEBUG: 1.0, LogLevel.INFO: 1 / 150, LogLevel.WARNING: 1 / 1500,
               LogLevel.ERROR: 1 / 3000}

_LEVEL_LINE = re.compile(r"^\s*log_level\s*:\s*(\S+)\s*(?:#.*)?$", re.MULTILINE)


def read_log_level(text: str) -> LogLevel | None:
    """The ``log_level:`` of an app config; None when missing or not a level."""
    match = _LEVEL_LINE.search(text)
    return LogLevel.parse(match.group(1)) if match else None


class Database(Protocol):
    @property
    def accepting_writes(self) -> bool: ...

    @property
    def write_error(self) -> str: ...


def database_at(host: Host, db_host: str, port: int) -> Database | None:
    """The database program listening at ``db_host:port`` as seen from ``host``."""
    target = host if db_host in ("localhost", "127.0.0.1", host.name) else host.world.host(db_host)
    if target is None:
        return None
    listener = target.listeners.get(port)
    proc = target.procs.get(listener.pid) if listener else None
    program = proc.program if proc else None
    if program is None or not hasattr(program, "accepting_writes"):
        return None
    return program  # type: ignore[return-value]


@dataclass(frozen=True)
class AppSpec:
    name: str
    config_path: str
    log_path: str
    debug_bytes_per_second: float
    port: int = 8080
    db_host: str | None = "localhost"
    db_port: int = 5432
    error_multiplier: float = 4.0  # a failing request at DEBUG logs its whole story
    backlog_cap: int = 512 * MiB
    recover_ms: int = 5000  # connection pool re-established after the cause clears
    base_rss_kb: int = 310_000
    # A world fact that, when set, overrides the DEBUG rate (scenarios compute it at build).
    rate_fact: str = ""


class WebApp:
    """The Program behind the app's main pid."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self.level = LogLevel.INFO
        self.healthy = True
        self.reason = ""
        self.backlog_bytes = 0
        self.failing_since_ms: int | None = None
        self.ok_since_ms: int | None = None
        self.requests = 0
        self.errors = 0
        self.log: LogStream | None = None
        self._config_error = ""
        self._next_journal_ms = 0
        self.debug_rate = spec.debug_bytes_per_second

    # -- lifecycle -----------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.threads = self.spec.base_rss_kb, 1_180_000, 9
        proc.cwd = self.spec.config_path.rsplit("/config/", 1)[0] or "/"
        self.read_config(host)
        rate = host.world.facts.get(self.spec.rate_fact) if self.spec.rate_fact else None
        if isinstance(rate, int | float) and rate > 0:
            self.debug_rate = float(rate)
        self.log = LogStream(host, proc, self.spec.log_path)
        host.listen(self.spec.port, proc, self.handle, "127.0.0.1")
        now = host.clock.now_ms
        if not self._config_error and not host.world.facts.get(BOOTING):
            self.log.write(f"{iso_ms(now)} INFO  [{self.spec.name}] starting {self.spec.name} "
                           f"(log_level={self.level.name.lower()}, "
                           f"bind=127.0.0.1:{self.spec.port})\n")
        self.set_flow(now)

    def stop(self, host: Host, proc: Process) -> None:
        if self.log is not None:
            self.log.write(f"{iso_ms(host.clock.now_ms)} INFO  [{self.spec.name}] "
                           f"shutting down\n")
            self.log.close()

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            self.read_config(host)
            if self.log is not None:
                self.log.write(f"{iso_ms(host.clock.now_ms)} INFO  [{self.spec.name}] "
                               f"reloaded configuration (log_level={self.level.name.lower()})\n")
            self.set_flow(host.clock.now_ms)
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def read_config(self, host: Host) -> None:
        try:
            inode = host.fs.lookup(self.spec.config_path)
            text = b"".join(host.fs.read_stream(inode)).decode(errors="replace")
        except FsError as error:
            self._config_error = f"cannot read {self.spec.config_path}: {error.strerror}"
            return
        level = read_log_level(text)
        if level is None and "log_level" in text:
            self._config_error = f"invalid log_level in {self.spec.config_path}"
            return
        self._config_error = ""
        self.level = level or LogLevel.INFO

    # -- behaviour -----------------------------------------------------------

    def bytes_per_second(self) -> float:
        rate = self.debug_rate * LEVEL_SHARE[self.level]
        return rate * (self.spec.error_multiplier if not self.healthy else 1.0)

    def set_flow(self, now: int) -> None:
        if self.log is not None:
            self.log.set_flow((self.level, self.healthy), app_lines(self.spec.name, self.level,
                                                                     not self.healthy),
                              self.bytes_per_second(), now,
                              pad_line=app_pad(self.spec.name, self.level))

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if self._config_error:
            host.journal.add(JournalEntry(now, self.spec.name, f"ERROR: {self._config_error}",
                                          proc.unit, proc.pid, 3))
            host.procs.exit(proc.pid, 1)
            return
        log = self.log
        if log is None:
            return
        self._flush_backlog(log)
        due, written = log.pump(now)
        if due > written:
            self.backlog_bytes = min(self.spec.backlog_cap, self.backlog_bytes + due - written)
        log_ok = log.room() > 0 and self.backlog_bytes == 0
        reason = self._database_problem(host)
        if not reason and not log_ok:
            reason = f"OSError: [Errno 28] No space left on device: '{self.spec.log_path}'"
        self._update_health(host, proc, now, reason)
        proc.rss_kb = self.spec.base_rss_kb + self.backlog_bytes // 1024
        proc.cpu_percent = 38.0 if self.level is LogLevel.DEBUG else 6.0

    def _database_problem(self, host: Host) -> str:
        if self.spec.db_host is None:
            return ""
        db = database_at(host, self.spec.db_host, self.spec.db_port)
        if db is None:
            return (f"psycopg2.OperationalError: connection to server at \"127.0.0.1\", "
                    f"port {self.spec.db_port} failed: Connection refused")
        return "" if db.accepting_writes else db.write_error

    def _flush_backlog(self, log: LogStream) -> None:
        if not self.backlog_bytes:
            return
        take = min(self.backlog_bytes, log.room())
        if take <= 0:
            return
        pad = app_pad(self.spec.name, self.level)
        # Queued records are the failing-request chatter, written in one burst.
        since = self.failing_since_ms or log.host.clock.now_ms - 1000
        log.write_generated(app_lines(self.spec.name, self.level, True), pad, take, since)
        self.backlog_bytes -= take

    def _update_health(self, host: Host, proc: Process, now: int, reason: str) -> None:
        if reason:
            self.ok_since_ms = None
            self.reason = reason
            if self.healthy:
                self.healthy = False
                self.failing_since_ms = now
                self.set_flow(now)
            if now >= self._next_journal_ms:
                self._next_journal_ms = now + 60_000
                self._journal_failure(host, proc, now, reason)
            return
        if self.healthy:
            return
        if self.ok_since_ms is None:
            self.ok_since_ms = now
        if now - self.ok_since_ms >= self.spec.recover_ms:
            self.healthy, self.reason, self.failing_since_ms = True, "", None
            self.set_flow(now)
            if self.log is not None:
                self.log.write(f"{iso_ms(now)} INFO  [{self.spec.name}.pool] database writes "
                               f"succeeding again; health check passing\n")

    def _journal_failure(self, host: Host, proc: Process, now: int, reason: str) -> None:
        if "Errno 28" in reason:
            lines = ["--- Logging error ---", "Traceback (most recent call last):",
                     '  File "/usr/lib/python3.11/logging/__init__.py", line 1113, in emit',
                     "    self.flush()", reason, "Call stack:"]
        else:
            lines = [f"[{self.spec.name}] health check failing: {reason}"]
        for line in lines:
            host.journal.add(JournalEntry(now, self.spec.name, line, proc.unit, proc.pid, 3))

    # -- HTTP ----------------------------------------------------------------

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The answer to ``request`` without side effects (for probes and objectives)."""
        headers = {"Content-Type": "application/json", "Server": "gunicorn"}
        if self.healthy:
            body = {"status": "ok", "service": self.spec.name, "log_level": self.level.name}
            return HttpResponse(200, (json.dumps(body) + "\n").encode(), headers)
        body = {"status": "error", "service": self.spec.name, "error": self.reason}
        return HttpResponse(500, (json.dumps(body) + "\n").encode(), headers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        response = self.respond(request)
        self.requests += 1
        self.errors += response.status >= 500
        return response
