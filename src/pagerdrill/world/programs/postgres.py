"""A PostgreSQL-like server: refuses writes while its disk is full, recovers by itself.

The messages are PostgreSQL 15's own: ``could not extend file ...`` (md.c, with
the hint ``Check free disk space.``) when a relation cannot grow, and the
postmaster's ``could not write lock file "postmaster.pid"`` when it cannot even
start. Reads keep working; writes resume as soon as there is room for a WAL
segment again, with no restart needed, as in reality.

:class:`Postmaster` is the other model: the postmaster of a :class:`PgServer`
(SQL, sessions), shared by the database scenarios through small subclasses;
:class:`PostgresCluster` adds a workload's CPU and the slow-statement log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.database import Backend, PgError, PgServer, attach
from pagerdrill.world.database.workload import WORKLOADS, Workload
from pagerdrill.world.errors import FsError
from pagerdrill.world.process import Process, Signal, SignalAction

from .app import BOOTING
from .logstream import LogStream
from .stamps import pg_stamp

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = [
    "BackendProcess",
    "PostgresCluster",
    "PostgresServer",
    "PostgresSpec",
    "Postmaster",
    "history_lines",
    "pg_line",
]

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


# -- a postmaster serving a PgServer (SQL, sessions, a workload) ------------------------

_CONF_LINE = re.compile(r"^\s*([A-Za-z_]+)\s*=\s*('[^']*'|[^#\s]+)", re.MULTILINE)
_STARTUP_ONLY = ("shared_preload_libraries",)


def _ps_title(cluster: str, backend: Backend) -> str:
    where = f"{backend.client_addr}({backend.client_port})" if backend.client_addr else "[local]"
    words = backend.query.split()
    doing = words[0].upper() if backend.state == "active" and words else (backend.state or "")
    if backend.wait_event_type == "Lock":
        doing += " waiting"
    return f"postgres: {cluster}: {backend.usename} {backend.datname} {where} {doing}"


class BackendProcess:
    """A client backend as ps shows it; killing it ends the session (the server survives:
    a SIGTERM is pg_terminate_backend)."""

    def __init__(self, server: PgServer) -> None:
        self.server = server
        self.synced = True  # the postmaster removes it; nothing to terminate

    def start(self, host: Host, proc: Process) -> None:
        return None

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        return None

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if not self.synced:
            self.server.terminate(proc.pid, host.clock.now_ms * 1000)


class Postmaster:
    """The postmaster of the host's :class:`PgServer` (kept in ``host.pg_servers``, so it
    outlives restarts like a data directory): starts and stops the server, applies
    postgresql.conf at start and on reload, writes the server's log, and shows each client
    session as a process. Scenarios vary it through the class attributes and the
    ``_new_server``/``_reopen``/``_conf_text``/``_apply``/``_aux``/``_serve`` hooks."""

    start_cpu_percent = 0.0
    aux_names: tuple[str, ...] = _AUX  # background processes ps shows under the postmaster
    backend_rss_kb, backend_vsz_kb = 14_200, 221_000
    backend_program: type[BackendProcess] = BackendProcess

    def __init__(self, port: int = 5432, version: str = "15", cluster: str = "main") -> None:
        self.port = port
        self.version = version
        self.cluster = f"{version}/{cluster}"
        self.conf = f"/etc/postgresql/{version}/{cluster}/postgresql.conf"
        self.server: PgServer | None = None
        self.log: LogStream | None = None
        self.children: list[int] = []
        self.mirrored: set[int] = set()
        self._logged = 0

    @property
    def log_path(self) -> str:
        return f"/var/log/postgresql/postgresql-{self.cluster.replace('/', '-')}.log"

    # -- hooks ---------------------------------------------------------------------------

    def _new_server(self, host: Host, proc: Process, now: int) -> PgServer:
        """The server at the first start; later starts find it in ``host.pg_servers``."""
        return PgServer(port=self.port, start_us=now * 1000, first_pid=proc.pid)

    def _reopen(self, host: Host, server: PgServer, now: int) -> None:
        """A later start: the kept server comes back as after a fast restart."""
        server.restart(now * 1000)
        server.running = True

    def _conf_text(self, host: Host) -> str | None:
        """postgresql.conf as the postmaster reads it (a read: its atime moves)."""
        try:
            return b"".join(host.fs.read_stream(host.fs.lookup(self.conf))).decode()
        except FsError:
            return None

    def _apply(self, server: PgServer, name: str, value: str, now_us: int, *,
               startup: bool) -> None:
        """One postgresql.conf setting: every known one at start, all but postmaster ones
        on reload (those wait for a restart, as PostgreSQL logs)."""
        if name in _STARTUP_ONLY:
            if startup:
                server.extensions = {v.strip() for v in value.split(",") if v.strip()}
            return
        if name in server.settings and (startup or
                                        server.settings[name].context != "postmaster"):
            self._set(server, name, value, now_us)

    def _aux(self, host: Host, server: PgServer) -> list[tuple[str, int | None]]:
        """The background processes to spawn: (name, pid or None for the next free one)."""
        return [(name, None) for name in self.aux_names]

    def _serve(self, host: Host, proc: Process, server: PgServer) -> None:
        """Each tick, once the server has advanced: its log, then its sessions for ps."""
        self._flush_log(proc, server)
        self._mirror(host, proc, server)

    # -- the program ---------------------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        now = host.clock.now_ms
        proc.rss_kb, proc.vsz_kb, proc.cpu_percent = 31_000, 218_000, self.start_cpu_percent
        proc.cwd = f"/var/lib/postgresql/{self.cluster}"
        server = host.pg_servers.get(self.port)
        if server is None:
            server = attach(host, self._new_server(host, proc, now))
        else:
            self._reopen(host, server, now)
        self.server = server
        self.read_conf(host, now * 1000, startup=True)
        self._logged = len(server.log)
        self.log = LogStream(host, proc, self.log_path, group="postgres")
        host.listen(self.port, proc, None, "0.0.0.0")
        for name, pid in self._aux(host, server):
            child = host.procs.spawn([f"postgres: {self.cluster}: {name} "], user="postgres",
                                     ppid=proc.pid, rss_kb=6_000, vsz_kb=218_000, pid=pid,
                                     start_ms=proc.start_ms)
            child.unit = proc.unit
            self.children.append(child.pid)
        if not host.world.facts.get(BOOTING):
            self.log.write("".join(pg_line(now, proc.pid, "LOG", text) for text in (
                f"starting PostgreSQL {server.version} on x86_64-pc-linux-gnu, compiled by gcc "
                "(Debian 12.2.0-14) 12.2.0, 64-bit",
                f'listening on IPv4 address "0.0.0.0", port {self.port}',
                "database system is ready to accept connections")))

    def read_conf(self, host: Host, now_us: int, *, startup: bool) -> None:
        """Apply postgresql.conf (at start, and on reload) through ``_apply``."""
        text = self._conf_text(host)
        server = self.server
        if server is None or text is None:
            return
        for match in _CONF_LINE.finditer(text):
            name, value = match.group(1).lower(), match.group(2).strip().strip("'")
            self._apply(server, name, value, now_us, startup=startup)

    @staticmethod
    def _set(server: PgServer, name: str, value: str, now_us: int) -> bool:
        """Set one value; one the server refuses is logged, as PostgreSQL does."""
        try:
            server.set_setting(name, value)
        except PgError:
            server.log.append((now_us, 0, "LOG", f'invalid value for parameter "{name}": '
                               f'"{value}"'))
            return False
        return True

    def stop(self, host: Host, proc: Process) -> None:
        now = host.clock.now_ms
        if self.server is not None:
            for backend in self.server.client_backends():
                self.server.disconnect(backend.pid)
            self.server.running = False
        if self.log is not None:
            self.log.write("".join(pg_line(now, proc.pid, "LOG", text) for text in (
                "received fast shutdown request", "aborting any active transactions",
                "database system is shut down")))
            self.log.close()
        for pid in [*self.children, *self.mirrored]:
            child = host.procs.get(pid)
            if child is not None and isinstance(child.program, BackendProcess):
                child.program.synced = True
            host.procs.exit(pid, 0)
        self.children.clear()
        self.mirrored.clear()

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP and self.server is not None:
            now_us = host.clock.now_ms * 1000
            self.server.reload(now_us)
            self.read_conf(host, now_us, startup=False)
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        server = self.server
        if server is None:
            return
        server.tick(host.clock.now_ms * 1000)
        self._serve(host, proc, server)

    def _flush_log(self, proc: Process, server: PgServer, who: Mapping[int, str] | None = None,
                   last: int | None = None) -> None:
        """Write what the server logged since the last tick (only the ``last`` lines, if
        given), with ``user@database`` from ``who`` for the sessions it names."""
        new = server.log[self._logged:]
        if last is not None:
            new = new[-last:]
        if self.log is not None and new:
            self.log.write("".join(pg_line(t // 1000, pid or proc.pid, severity, message,
                                           who.get(pid, "") if who else "")
                                   for t, pid, severity, message in new))
        self._logged = len(server.log)

    def _mirror(self, host: Host, proc: Process, server: PgServer, busy: float = 0.0) -> None:
        """One process per client backend, titled as PostgreSQL sets it; those running
        (not waiting) share the ``busy`` CPUs."""
        live = {b.pid: b for b in server.client_backends()}
        for pid in [p for p in self.mirrored if p not in live]:
            child = host.procs.get(pid)
            if child is not None and isinstance(child.program, BackendProcess):
                child.program.synced = True
                host.procs.exit(pid, 0)
            self.mirrored.discard(pid)
        running = [b for b in live.values() if b.state == "active" and b.wait_event_type is None]
        share = min(99.9, busy * 100 / max(1, len(running)))
        for pid, backend in live.items():
            child = host.procs.get(pid)
            if pid not in self.mirrored:
                if child is not None:
                    continue  # the pid belongs to another process on this host
                mirror = self.backend_program(server)
                child = host.procs.spawn([""], user="postgres", ppid=proc.pid,
                                         rss_kb=self.backend_rss_kb, vsz_kb=self.backend_vsz_kb,
                                         pid=pid, start_ms=backend.backend_start // 1000,
                                         program=mirror)
                child.unit = proc.unit
                mirror.synced = False
                self.mirrored.add(pid)
            if child is not None:
                child.argv = [_ps_title(self.cluster, backend)]
                child.cpu_percent = share if backend in running else 0.0


class PostgresCluster(Postmaster):
    """A :class:`Postmaster` whose sessions' CPU is their share of the workload's
    (``WORKLOADS``), logging statements slower than log_min_duration_statement."""

    start_cpu_percent = 0.3

    def __init__(self, port: int = 5432, version: str = "15", cluster: str = "main") -> None:
        super().__init__(port, version, cluster)
        self._slow_logged_ms = 0

    def _new_server(self, host: Host, proc: Process, now: int) -> PgServer:
        return PgServer(port=self.port, start_us=now * 1000, first_pid=proc.pid + 20)

    def start(self, host: Host, proc: Process) -> None:
        super().start(host, proc)
        if self.server is not None:  # its backends are processes here: their pids are free
            self.server.pid_taken = lambda pid: host.procs.get(pid) is not None

    def _serve(self, host: Host, proc: Process, server: PgServer) -> None:
        workload = host.world.registered(WORKLOADS).get(host.name)
        if workload is not None:
            self._log_slow(server, workload, host.clock.now_ms)
        self._flush_log(proc, server)
        busy = min(workload.cpu_busy, host.spec.cpus) if workload is not None else 0.0
        self._mirror(host, proc, server, busy)

    def _log_slow(self, server: PgServer, workload: Workload, now: int) -> None:
        """log_min_duration_statement: at most one sampled line a second per statement."""
        limit = server.int_setting("log_min_duration_statement")
        if limit < 0 or now - self._slow_logged_ms < 1000:
            return
        self._slow_logged_ms = now
        for query in workload.queries:
            state = workload.states.get(query.sql)
            if state is not None and query.enabled and state.ms >= limit and not state.blocked:
                server.log.append((now * 1000, 0, "LOG", f"duration: {state.ms:.3f} ms  execute "
                                   f"<unnamed>: {query.sql}"))
