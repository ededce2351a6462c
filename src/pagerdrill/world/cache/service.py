"""``redis-server`` as a systemd service's program: a restart is a cold start.

The :class:`RedisServer` outlives its process (it is the host's Redis), but it
keeps nothing across a restart: with ``save ""`` and ``appendonly no`` there is
no RDB or AOF to load, so the keyspace and the stats come back empty, with a
new ``run_id`` and ``uptime_in_seconds`` from zero. The log lines are Redis
7.0's own (``pid:role day mon year hh:mm:ss.mmm level message``).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from pagerdrill.world.cache.server import SERVERS, RedisServer, install_redis
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.programs.app import BOOTING
from pagerdrill.world.programs.logstream import LogStream

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["RedisService", "redis_log_line", "server_on", "shutdown_lines", "startup_lines"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def redis_log_line(t_ms: int, pid: int, role: str, level: str, message: str) -> str:
    """``2209:M 14 Apr 2026 02:01:13.123 * Ready to accept connections``."""
    at = _dt.datetime.fromtimestamp(t_ms / 1000, _dt.UTC)
    stamp = f"{at.day:02d} {_MONTHS[at.month - 1]} {at.year} {at:%H:%M:%S}.{t_ms % 1000:03d}"
    return f"{pid}:{role} {stamp} {level} {message}\n"


def server_on(host: Host, port: int = 6379) -> RedisServer | None:
    """The host's Redis, running or not."""
    return host.world.registered(SERVERS).get((host.name, port))


def startup_lines(t_ms: int, pid: int, server: RedisServer, version: str = "") -> str:
    """What redis-server 7.0 logs as it starts (``version``: an older binary's)."""
    return "".join([
        redis_log_line(t_ms, pid, "C", "#", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
        redis_log_line(t_ms, pid, "C", "#", f"Redis version={version or server.version}, bits=64, "
                       f"commit=00000000, modified=0, pid={pid}, just started"),
        redis_log_line(t_ms, pid, "C", "#", "Configuration loaded"),
        redis_log_line(t_ms + 1, pid, "M", "*", "monotonic clock: POSIX clock_gettime"),
        redis_log_line(t_ms + 1, pid, "M", "*", f"Running mode=standalone, port={server.port}."),
        redis_log_line(t_ms + 2, pid, "M", "#", "Server initialized"),
        redis_log_line(t_ms + 2, pid, "M", "*", "Ready to accept connections"),
    ])


def shutdown_lines(t_ms: int, pid: int) -> str:
    """What it logs on SIGTERM with no persistence configured (no final RDB save)."""
    return "".join([
        redis_log_line(t_ms, pid, "signal-handler", f"({t_ms // 1000})",
                       "Received SIGTERM scheduling shutdown..."),
        redis_log_line(t_ms + 80, pid, "M", "#", "User requested shutdown..."),
        redis_log_line(t_ms + 80, pid, "M", "#", "Redis is now ready to exit, bye bye..."),
    ])


class RedisService:
    """The program behind ``/usr/bin/redis-server 127.0.0.1:6379`` under systemd."""

    def __init__(self, port: int = 6379, log_path: str = "/var/log/redis/redis-server.log",
                 ) -> None:
        self.port = port
        self.log_path = log_path
        self.server: RedisServer | None = None
        self.log: LogStream | None = None

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.threads = 9_800, 72_400, 5
        proc.cwd = "/var/lib/redis"
        server = server_on(host, self.port)
        if server is None:
            server = install_redis(host.world, host, self.port, pid=proc.pid)
        else:
            server.restart()
        rng = host.world.rng.child("redis-run-id", host.name, str(proc.pid))
        server.run_id = f"{rng.getrandbits(160):040x}"
        server.pid = proc.pid
        self.server = server
        host.listen(self.port, proc, None, "0.0.0.0")
        self.log = LogStream(host, proc, self.log_path, group="redis")
        if not host.world.facts.get(BOOTING):
            self.log.write(startup_lines(host.clock.now_ms, proc.pid, server))

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        server = self.server
        if server is not None:
            proc.rss_kb = 9_800 + server.extra_memory // 1024
            proc.cpu_percent = min(100.0, server.instantaneous_ops_per_sec / 1500)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if self.server is not None:
            self.server.stop()
        host.listeners.pop(self.port, None)
        if self.log is not None:
            self.log.write(shutdown_lines(host.clock.now_ms, proc.pid))
            self.log.close()
