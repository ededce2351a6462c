"""PgServer semantics: connection limits, startup errors, terminate/cancel, settings, reaping."""

from __future__ import annotations

import pytest

from pagerdrill.world.database import PgError, PgServer, SqlSession, TooManyClients

T0 = 1_700_000_000_000_000
SEC = 1_000_000


def server() -> PgServer:
    pg = PgServer(start_us=T0)
    pg.add_role("myapp")
    pg.add_database("appdb", owner="myapp")
    return pg


def test_connect_limits_and_superuser_reserve() -> None:
    pg = server()
    pg.set_setting("max_connections", "5")
    for _ in range(2):
        pg.connect("myapp", "appdb", T0)
    with pytest.raises(PgError) as reserved:
        pg.connect("myapp", "appdb", T0)
    assert reserved.value.message == ("remaining connection slots are reserved for "
                                      "non-replication superuser connections")
    for _ in range(3):
        pg.connect("postgres", "appdb", T0)
    with pytest.raises(TooManyClients) as full:
        pg.connect("postgres", "appdb", T0)
    assert (full.value.severity, full.value.message) == ("FATAL", "sorry, too many clients already")


@pytest.mark.parametrize(("user", "db", "message"), [
    ("nobody", "appdb", 'role "nobody" does not exist'),
    ("myapp", "nodb", 'database "nodb" does not exist'),
    ("myapp", "template0", 'database "template0" is not currently accepting connections'),
])
def test_startup_errors(user: str, db: str, message: str) -> None:
    with pytest.raises(PgError) as error:
        server().connect(user, db, T0)
    assert (error.value.severity, error.value.message) == ("FATAL", message)


def test_terminate_and_cancel() -> None:
    pg = server()
    idle_tx = pg.connect("myapp", "appdb", T0)
    idle_tx.state, idle_tx.xact_start = "idle in transaction", T0
    busy = pg.connect("myapp", "appdb", T0)
    busy.state, busy.query_start, busy.xact_start = "active", T0, T0
    assert pg.cancel(idle_tx.pid, T0) and idle_tx.state == "idle in transaction"
    assert pg.cancel(busy.pid, T0) and busy.state == "idle"
    assert pg.terminate(idle_tx.pid, T0)
    assert idle_tx.pid not in pg.backends
    assert not pg.terminate(idle_tx.pid, T0)
    aux = next(b for b in pg.backends.values() if b.backend_type == "checkpointer")
    assert not pg.terminate(aux.pid, T0)


def test_alter_system_waits_for_reload_and_restart() -> None:
    pg = server()
    pg.alter_system("idle_in_transaction_session_timeout", "30s")
    pg.alter_system("max_connections", "200")
    assert pg.setting("idle_in_transaction_session_timeout").setting == "0"
    pg.reload(T0)
    assert pg.setting("idle_in_transaction_session_timeout").setting == "30000"
    assert pg.setting("max_connections").setting == "100"
    assert pg.setting("max_connections").pending_restart
    pg.restart(T0 + SEC)
    assert pg.setting("max_connections").setting == "200"
    with pytest.raises(PgError, match='unrecognized configuration parameter "nope"'):
        pg.alter_system("nope", "1")


def test_idle_in_transaction_timeout_reaps_on_tick() -> None:
    pg = server()
    leaked = pg.connect("myapp", "appdb", T0)
    leaked.state, leaked.state_change = "idle in transaction", T0
    fine = pg.connect("myapp", "appdb", T0)
    assert pg.tick(T0 + 3600 * SEC) == []  # the timeout is off by default
    pg.set_setting("idle_in_transaction_session_timeout", "1min")
    assert pg.tick(T0 + 59 * SEC) == []
    assert pg.tick(T0 + 60 * SEC) == [leaked.pid]
    assert fine.pid in pg.backends
    assert pg.log[-1][2:] == ("FATAL", "terminating connection due to idle-in-transaction timeout")


def test_statement_timeout_cancels() -> None:
    pg = server()
    busy = pg.connect("myapp", "appdb", T0)
    busy.state, busy.state_change, busy.query_start = "active", T0, T0
    pg.set_setting("statement_timeout", "5s")
    pg.tick(T0 + 5 * SEC)
    assert busy.state == "idle"


def test_session_set_is_local_and_show_formats_units() -> None:
    pg = server()
    me = SqlSession(pg, pg.connect("postgres", "appdb", T0))
    assert [o.rows for o in me.execute("SET work_mem = '64MB'; SHOW work_mem", T0)] == [
        [], [("64MB",)]]
    assert pg.setting("work_mem").setting == "4096"
    [error] = me.execute("SET max_connections = 10", T0)
    assert error.error is not None
    assert error.error.message == ('parameter "max_connections" cannot be changed without '
                                   "restarting the server")


def test_now_never_reads_the_wall_clock() -> None:
    pg = server()
    me = SqlSession(pg, pg.connect("postgres", "appdb", T0))
    [out] = me.execute("SELECT now() = current_timestamp, localtimestamp, "
                       "extract(epoch FROM now())", T0)
    assert out.rows[0][0] is True
    assert str(out.rows[0][1]) == "2023-11-14 22:13:20"
    assert float(str(out.rows[0][2])) == T0 / SEC


def test_sql_cannot_touch_the_real_filesystem() -> None:
    pg = server()
    me = SqlSession(pg, pg.connect("postgres", "appdb", T0))
    [out] = me.execute("SELECT * FROM read_csv('/etc/passwd')", T0)
    assert out.error is not None
