"""The shared postmaster of a PgServer: start, postgresql.conf, sessions in ps, stop."""

from __future__ import annotations

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.database import PgServer
from pagerdrill.world.host import Host
from pagerdrill.world.process import Signal
from pagerdrill.world.programs.postgres import BackendProcess, PostgresCluster, Postmaster
from pagerdrill.world.services import Unit

CONF = "/etc/postgresql/15/main/postgresql.conf"
LOG = "/var/log/postgresql/postgresql-15-main.log"


def db_host(program: type[Postmaster] = Postmaster) -> Host:
    world = new_world()
    host = add_linux_host(world, "db-01")
    host.fs.put(CONF, b"# defaults\nstatement_timeout = 0\nmax_connections = 100\n")
    host.services.add(Unit("postgresql", "PostgreSQL", ["/usr/lib/postgresql/15/bin/postgres"],
                           user="postgres", program_factory=program, restart_sec_ms=5000))
    host.world.advance(1)
    return host


def server_of(host: Host) -> PgServer:
    server = host.pg_servers.get(5432)
    assert server is not None
    return server


def log_of(host: Host) -> str:
    return b"".join(host.fs.read_stream(host.fs.lookup(LOG))).decode()


def titles(host: Host) -> list[str]:
    return [p.argv[0] for p in host.procs if p.argv and p.argv[0].startswith("postgres: ")]


def session(host: Host, port: int = 40001) -> int:
    server = server_of(host)
    server.add_role("app")
    if "appdb" not in server.databases:
        server.add_database("appdb", owner="app")
    backend = server.connect("app", "appdb", host.clock.now_ms * 1000, client_addr="10.0.1.5",
                             client_port=port)
    host.world.advance(1)
    return backend.pid


def test_start_serves_and_shows_its_background_processes() -> None:
    host = db_host()
    assert 5432 in host.listeners and server_of(host).running
    assert titles(host) == [f"postgres: 15/main: {name} " for name in (
        "checkpointer", "background writer", "walwriter", "autovacuum launcher",
        "logical replication launcher")]
    assert "LOG:  database system is ready to accept connections" in log_of(host)


def test_reload_applies_the_conf_and_logs_a_bad_value() -> None:
    host = db_host()
    host.fs.put(CONF, b"statement_timeout = 5s\nwork_mem = bogus\nmax_connections = 5\n")
    host.services.reload("postgresql")
    host.world.advance(1)
    server = server_of(host)
    assert server.setting("statement_timeout").setting == "5000"
    assert server.setting("max_connections").setting == "100"  # postmaster: needs a restart
    log = log_of(host)
    assert "received SIGHUP, reloading configuration files" in log
    assert 'LOG:  invalid value for parameter "work_mem": "bogus"' in log


def test_each_session_is_a_process_and_killing_it_terminates_the_session() -> None:
    host = db_host()
    pid = session(host)
    proc = host.procs.get(pid)
    assert proc is not None and isinstance(proc.program, BackendProcess)
    assert proc.argv == ["postgres: 15/main: app appdb 10.0.1.5(40001) idle"]
    host.procs.kill(pid, Signal.SIGTERM)
    host.world.advance(1)
    assert pid not in server_of(host).backends
    assert "FATAL:  terminating connection due to administrator command" in log_of(host)
    assert server_of(host).running


def test_a_session_gone_from_the_server_leaves_ps() -> None:
    host = db_host()
    pid = session(host)
    server_of(host).terminate(pid)
    host.world.advance(1)
    assert host.procs.get(pid) is None


def test_stop_ends_sessions_and_children_and_restart_keeps_the_server() -> None:
    host = db_host()
    server = server_of(host)
    pid = session(host)
    host.services.stop("postgresql")
    host.world.advance(1)
    assert not server.running and not server.client_backends()
    assert titles(host) == [] and host.procs.get(pid) is None
    assert log_of(host).endswith("LOG:  database system is shut down\n")
    host.services.start("postgresql")
    host.world.advance(1)
    assert server_of(host) is server and server.running


def test_postgres_cluster_backends_skip_the_pids_of_other_processes() -> None:
    host = db_host(PostgresCluster)
    main = host.services.main_process(host.services.find("postgresql"))
    assert main is not None and main.cpu_percent == 0.3
    server = server_of(host)
    server.add_role("app")
    server.add_database("appdb", owner="app")
    first = server.connect("app", "appdb", 0).pid
    host.procs.spawn(["sleep", "600"], pid=first + 1)
    assert server.connect("app", "appdb", 0).pid == first + 2
