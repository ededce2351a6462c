"""A PostgreSQL-like server: refuses writes while its disk is full, recovers by itself.

The messages are PostgreSQL 15's own: ``could not extend file ...`` (md.c, with
the hint ``Check free disk space.``) when a relation cannot grow, and the
postmaster's ``could not write lock file "postmaster.pid"`` when it cannot even
start. Reads keep working; writes resume as soon as there is room for a WAL
segment again, with no restart needed, as in reality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.process import Process, Signal, SignalAction

from .app import BOOTING
from .logstream import LogStream
from .stamps import pg_stamp

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["PostgresServer", "PostgresSpec", "history_lines", "pg_line"]

_WAL_SEGMENT = 16 * 1024 * 1024
_FULL_BELOW = 1024 * 1024  # fewer free bytes than this: relations cannot be extended
_AUX = ("checkpointer", "background writer", "walwriter", "autovacuum launcher",
        "logical replication launcher")


def pg_line(t_ms: int, pid: int, severity: str, message: str, who: str = "") -> str:
    """One line in Debian's default ``log_line_prefix = '%m [%p] %q%u@%d '``."""
    prefix = f"{pg_stamp(t_ms)} [{pid}] {who + ' ' if who else ''}"
    return f"{prefix}{severity}:  {message}\n"


@dataclass(frozen=True)
class PostgresSpec:
    version: str = "15"
    cluster: str = "main"
    port: int = 5432
    database: str = "myapp_production"
    role: str = "myapp"
    relfile: str = "base/16384/2619"
    error_every_ms: int = 4000  # failing INSERTs from the app's steady traffic
    full_statement: str = ("INSERT INTO orders (customer_id, total_cents, status) "
                           "VALUES ($1, $2, $3)")
    minor: str = "15.6 (Debian 15.6-0+deb12u1)"

    @property
    def data_dir(self) -> str:
        return f"/var/lib/postgresql/{self.version}/{self.cluster}"

    @property
    def log_path(self) -> str:
        return f"/var/log/postgresql/postgresql-{self.version}-{self.cluster}.log"


class PostgresServer:
    """The Program behind the postmaster's pid."""

    def __init__(self, spec: PostgresSpec) -> None:
        self.spec = spec
        self.disk_full = False
        self.log: LogStream | None = None
        self.children: list[int] = []
        self._fatal = ""
        self._next_error_ms = 0
        self._backend_pid = 0

    @property
    def accepting_writes(self) -> bool:
        return not self.disk_full and not self._fatal

    @property
    def write_error(self) -> str:
        return (f'psycopg2.errors.DiskFull: could not extend file "{self.spec.relfile}": '
                f"No space left on device")

    def _data_mount_room(self, host: Host) -> int:
        return host.fs.mount_for_path(self.spec.data_dir).avail_bytes

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb = 29_000, 218_000
        proc.cwd = self.spec.data_dir
        now = host.clock.now_ms
        self._backend_pid = proc.pid + 40
        self.log = LogStream(host, proc, self.spec.log_path, group="postgres")
        if not host.fs.exists(f"{self.spec.data_dir}/PG_VERSION"):
            self._fatal = (f'FATAL:  data directory "{self.spec.data_dir}" does not exist'
                           if not host.fs.exists(self.spec.data_dir) else
                           f'FATAL:  "{self.spec.data_dir}" is not a valid data directory')
            self.log.write(pg_line(now, proc.pid, "FATAL", self._fatal.split(":  ", 1)[1]))
            return
        if self._data_mount_room(host) <= 0:
            self._fatal = 'could not write lock file "postmaster.pid": No space left on device'
            self.log.write(pg_line(now, proc.pid, "FATAL", self._fatal))
            return
        v = self.spec
        for text in () if host.world.facts.get(BOOTING) else (
            f"starting PostgreSQL {v.minor} on x86_64-pc-linux-gnu, compiled by gcc "
            f"(Debian 12.2.0-14) 12.2.0, 64-bit",
            f'listening on IPv4 address "127.0.0.1", port {v.port}',
            f'listening on Unix socket "/var/run/postgresql/.s.PGSQL.{v.port}"',
            f"database system was shut down at {pg_stamp(now - 2000)[:-8]} UTC",
            "database system is ready to accept connections",
        ):
            self.log.write(pg_line(now, proc.pid if "ready" in text or "listen" in text
                                   or "starting" in text else proc.pid + 2, "LOG", text))
        host.listen(v.port, proc, None, "127.0.0.1")
        for name in _AUX:
            child = host.procs.spawn([f"postgres: {v.version}/{v.cluster}: {name} "],
                                     user="postgres", ppid=proc.pid, rss_kb=6_000,
                                     vsz_kb=218_000)
            child.unit = proc.unit
            self.children.append(child.pid)

    def stop(self, host: Host, proc: Process) -> None:
        now = host.clock.now_ms
        if self.log is not None and not self._fatal:
            for text in ("received fast shutdown request", "aborting any active transactions",
                         "shutting down", "database system is shut down"):
                self.log.write(pg_line(now, proc.pid, "LOG", text))
        for pid in self.children:
            host.procs.exit(pid, 0)
        self.children.clear()
        if self.log is not None:
            self.log.close()

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            if self.log is not None:
                self.log.write(pg_line(host.clock.now_ms, proc.pid, "LOG",
                                       "received SIGHUP, reloading configuration files"))
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if self._fatal:
            host.procs.exit(proc.pid, 1)
            return
        room = self._data_mount_room(host)
        if room < _FULL_BELOW:
            self.disk_full = True
        elif self.disk_full and room >= _WAL_SEGMENT:
            self.disk_full = False
            if self.log is not None:
                self.log.write(pg_line(now, proc.pid + 1, "LOG",
                                       "checkpoint starting: time"))
        if self.disk_full and now >= self._next_error_ms:
            self._next_error_ms = now + self.spec.error_every_ms
            self._log_failed_insert(now)

    def _log_failed_insert(self, now: int) -> None:
        if self.log is None:
            return
        self._backend_pid += 1
        who = f"{self.spec.role}@{self.spec.database}"
        text = (pg_line(now, self._backend_pid, "ERROR",
                        f'could not extend file "{self.spec.relfile}": No space left on device',
                        who)
                + pg_line(now, self._backend_pid, "HINT", "Check free disk space.", who)
                + pg_line(now, self._backend_pid, "STATEMENT", self.spec.full_statement, who))
        self.log.write(text)


def history_lines(spec: PostgresSpec, pid: int, fill_ms: int, page_ms: int) -> str:
    """What the log shows from the moment the disk filled to the page.

    Most of these could not be written in reality once the disk was at 100%;
    the first ones, written while the last blocks were being taken, did.
    """
    who = f"{spec.role}@{spec.database}"
    out: list[str] = []
    backend = pid + 17
    t = fill_ms - 3000
    out.append(pg_line(t, backend, "ERROR", f'could not extend file "{spec.relfile}": '
                       "No space left on device", who))
    out.append(pg_line(t, backend, "HINT", "Check free disk space.", who))
    out.append(pg_line(t, backend, "STATEMENT", spec.full_statement, who))
    t += 1200
    out.append(pg_line(t, pid + 3, "PANIC", 'could not write to file "pg_wal/xlogtemp.'
                       f'{pid + 3}": No space left on device'))
    out.append(pg_line(t + 40, pid, "LOG", f"WAL writer process (PID {pid + 3}) was "
                       "terminated by signal 6: Aborted"))
    out.append(pg_line(t + 40, pid, "LOG", "terminating any other active server processes"))
    out.append(pg_line(t + 90, pid, "LOG", "all server processes terminated; reinitializing"))
    out.append(pg_line(t + 120, pid + 30, "LOG", "database system was interrupted; last known "
                       f"up at {pg_stamp(fill_ms - 300_000)[:-8]} UTC"))
    out.append(pg_line(t + 130, pid + 30, "LOG", "database system was not properly shut down; "
                       "automatic recovery in progress"))
    out.append(pg_line(t + 140, pid + 30, "LOG", "redo starts at 3A/5F0C2B8"))
    out.append(pg_line(t + 150, pid + 30, "LOG", "redo done at 3A/5F1D3E0 system usage: CPU: "
                       "user: 0.00 s, system: 0.00 s, elapsed: 0.01 s"))
    out.append(pg_line(t + 190, pid, "LOG", "database system is ready to accept connections"))
    stamp = t + 1000
    while stamp < min(page_ms, fill_ms + 20_000):
        backend += 1
        out.append(pg_line(stamp, backend, "ERROR", f'could not extend file "{spec.relfile}": '
                           "No space left on device", who))
        out.append(pg_line(stamp, backend, "HINT", "Check free disk space.", who))
        out.append(pg_line(stamp, backend, "STATEMENT", spec.full_statement, who))
        stamp += spec.error_every_ms
    return "".join(out)
