"""The reusable programs: an app, a database and a proxy on one small disk."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import MiB, add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.process import Signal
from pagerdrill.world.programs import (
    AppSpec,
    LogLevel,
    NginxProxy,
    NginxSpec,
    PostgresServer,
    PostgresSpec,
    WebApp,
    read_log_level,
)
from pagerdrill.world.services import Unit

RATE = 4.0 * MiB  # bytes/s at DEBUG: a 256M disk fills in about a minute


def stack(disk: int = 256 * MiB) -> Host:
    world = new_world()
    host = add_linux_host(world, "web-01", disk_bytes=disk)
    host.fs.put("/var/lib/postgresql/15/main/PG_VERSION", b"15\n")
    host.fs.put("/srv/myapp/config/app.yaml", b"server:\n  workers: 4\nlog_level: debug\n")
    pg = PostgresSpec()
    host.services.add(Unit("postgresql", "PostgreSQL", ["postgres"], user="postgres",
                           program_factory=lambda: PostgresServer(pg), restart_sec_ms=5000))
    spec = AppSpec("myapp", "/srv/myapp/config/app.yaml", "/var/log/myapp/app.log", RATE,
                   backlog_cap=4 * MiB)
    host.services.add(Unit("myapp", "myapp", ["python", "-m", "myapp"],
                           program_factory=lambda: WebApp(spec)))
    host.services.add(Unit("nginx", "nginx", ["nginx"],
                           program_factory=lambda: NginxProxy(NginxSpec())))
    return host


def app_of(host: Host) -> WebApp:
    proc = host.services.main_process(host.services.find("myapp"))
    assert proc is not None and isinstance(proc.program, WebApp)
    return proc.program


def health(host: Host) -> int:
    return host.listeners[80].handler(HttpRequest("GET", "/health", "localhost")).status  # type: ignore[misc]


def test_read_log_level() -> None:
    assert read_log_level("a: 1\nlog_level: debug  # temp\n") is LogLevel.DEBUG
    assert read_log_level("log_level: 'WARN'\n") is LogLevel.WARNING
    assert read_log_level("log_level: loud\n") is None
    assert read_log_level("nothing\n") is None


def test_debug_fills_the_disk_and_everything_fails() -> None:
    host = stack()
    assert health(host) == 200
    host.world.advance(120)
    mount = host.fs.root.mount
    assert mount.avail_bytes == 0
    assert health(host) == 500
    db = host.procs.get(host.listeners[5432].pid)
    assert db is not None and isinstance(db.program, PostgresServer)
    assert not db.program.accepting_writes
    app = app_of(host)
    assert app.backlog_bytes > 0 and "DiskFull" in app.reason


def test_truncating_recovers_within_a_minute_but_debug_refills() -> None:
    host = stack()
    host.world.advance(120)
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    host.world.advance(15)
    assert health(host) == 200
    host.world.advance(120)
    assert health(host) == 500  # still DEBUG: the disk fills again


def test_info_after_reload_keeps_the_disk_free() -> None:
    host = stack()
    host.world.advance(120)
    host.fs.put("/srv/myapp/config/app.yaml", b"log_level: info\n")
    assert app_of(host).level is LogLevel.DEBUG  # edited, not yet read
    host.services.reload("myapp")
    assert app_of(host).level is LogLevel.INFO
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    host.world.advance(300)
    assert health(host) == 200
    assert host.fs.root.mount.percent_used < 90


def test_rm_of_the_live_log_frees_nothing_until_restart() -> None:
    host = stack()
    host.world.advance(120)
    host.fs.unlink("/var/log/myapp/app.log")
    host.world.advance(5)
    assert host.fs.root.mount.avail_bytes == 0
    host.fs.put("/srv/myapp/config/app.yaml", b"log_level: info\n")
    host.services.restart("myapp")
    host.world.advance(20)
    assert host.fs.root.mount.percent_used < 90
    assert health(host) == 200


def test_postgres_cannot_start_on_a_full_disk_and_recovers_later() -> None:
    host = stack()
    host.world.advance(120)
    host.services.restart("postgresql")
    host.world.advance(3)
    log = host.fs.lookup(PostgresSpec().log_path)
    unit = host.services.find("postgresql")
    assert unit.state in ("activating", "failed") or unit.restarts == 0
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    host.world.advance(30)
    assert 5432 in host.listeners
    assert log.size > 0


@pytest.mark.parametrize("level,expected", [("debug", 1.0), ("info", 1 / 150)])
def test_rate_follows_the_level(level: str, expected: float) -> None:
    host = stack(disk=8 * 1024 * MiB)
    host.fs.put("/srv/myapp/config/app.yaml", f"log_level: {level}\n".encode())
    host.services.restart("myapp")
    before = host.fs.lookup("/var/log/myapp/app.log").size
    host.world.advance(100)
    grown = host.fs.lookup("/var/log/myapp/app.log").size - before
    assert grown == pytest.approx(RATE * expected * 100, rel=0.05)


def test_nginx_gives_502_when_the_app_is_down() -> None:
    host = stack(disk=8 * 1024 * MiB)
    host.services.stop("myapp")
    response = host.listeners[80].handler(HttpRequest("GET", "/api", "localhost"))  # type: ignore[misc]
    assert response.status == 502 and b"502 Bad Gateway" in response.body
    error_log = host.fs.lookup("/var/log/nginx/error.log").content
    assert error_log is not None
    assert b"connect() failed (111: Connection refused) while connecting to upstream" in (
        error_log.read())
    assert any(p.argv == ["nginx: worker process"] for p in host.procs)


def test_sighup_is_handled_not_fatal() -> None:
    host = stack()
    proc = host.services.main_process(host.services.find("myapp"))
    assert proc is not None
    host.procs.kill(proc.pid, Signal.SIGHUP)
    assert host.procs.get(proc.pid) is proc
