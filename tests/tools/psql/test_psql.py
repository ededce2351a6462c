"""psql against the simulated server: the seed's queries, errors, meta-commands."""

from __future__ import annotations

import datetime

from tests.toolkit import run_tool

from pagerdrill.tools.psql.session import PsqlSession, error_position_lines
from pagerdrill.world.database import PgServer, SqlSession, Table
from pagerdrill.world.host import Host

SEED_COUNT = "SELECT state, count(*) FROM pg_stat_activity GROUP BY state ORDER BY state;"
SEED_LONGEST = ("SELECT pid, now() - pg_stat_activity.query_start AS duration, query, state "
                "FROM pg_stat_activity WHERE state != 'idle' ORDER BY duration DESC;")


def psql(host: Host, *args: str) -> tuple[str, str, int]:
    result = run_tool(host, ["psql", "-U", "postgres", "-d", "appdb", *args])
    return result.out, result.err, result.status


def test_seed_state_count(db_host: tuple[Host, PgServer]) -> None:
    out, err, status = psql(db_host[0], "-c", SEED_COUNT)
    assert (out, err, status) == (
        "        state        | count \n"
        "---------------------+-------\n"
        " active              |     1\n"
        " idle                |     2\n"
        " idle in transaction |     3\n"
        "                     |     5\n"
        "(4 rows)\n\n", "", 0)


def test_seed_state_count_verbatim(db_host: tuple[Host, PgServer]) -> None:
    # The seed's text has no ORDER BY: the order is the engine's (deterministic here).
    out, _, _ = psql(db_host[0], "-c", "SELECT state, count(*) FROM pg_stat_activity "
                     "GROUP BY state;")
    assert out == (
        "        state        | count \n"
        "---------------------+-------\n"
        "                     |     5\n"
        " idle in transaction |     3\n"
        " idle                |     2\n"
        " active              |     1\n"
        "(4 rows)\n\n")


def test_seed_longest_holders(db_host: tuple[Host, PgServer]) -> None:
    out, err, status = psql(db_host[0], "-c", SEED_LONGEST)
    width = len(SEED_LONGEST)
    leak = "SELECT * FROM users WHERE id = $1".ljust(width)
    assert (err, status) == ("", 0)
    assert out == (
        " pid |    duration     | " + "query".center(width).rstrip() +
        " " * (width - len("query".center(width).rstrip())) + " |        state        \n"
        "-----+-----------------+-" + "-" * width + "-+---------------------\n"
        f" 808 | 00:05:14.345678 | {leak} | idle in transaction\n"
        f" 807 | 00:05:13.345678 | {leak} | idle in transaction\n"
        f" 806 | 00:05:12.345678 | {leak} | idle in transaction\n"
        f" 811 | 00:00:00        | {SEED_LONGEST} | active\n"
        "(4 rows)\n\n")


def test_interactive_session_feeds_lines(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    backend = server.connect("postgres", "appdb", host.world.clock.now_ms * 1000)
    session = PsqlSession(SqlSession(server, backend), "via socket")
    assert session.prompt == "appdb=# "
    assert session.feed("SELECT count(*)").stdout == ""
    assert session.prompt == "appdb-# "
    assert session.feed("  FROM pg_stat_activity WHERE state = 'idle in transaction';").stdout == (
        " count \n-------\n     3\n(1 row)\n\n")
    assert session.feed("\\x").stdout == "Expanded display is on.\n"
    assert session.feed("SELECT 1 AS a;").stdout == "-[ RECORD 1 ]\na | 1\n\n"
    assert session.feed("\\q").quit


def test_dml_writes_back_to_the_model(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    server.add_table(Table("users", [("id", "integer"), ("name", "text")],
                           [(1, "ann"), (2, "bo")], database="appdb"))
    out, _, _ = psql(host, "-c", "UPDATE users SET name = upper(name) WHERE id = 2;",
                     "-c", "DELETE FROM users WHERE id = 1;",
                     "-c", "INSERT INTO users VALUES (3, 'cy');")
    assert out == "UPDATE 1\nDELETE 1\nINSERT 0 1\n"
    assert server.tables[("appdb", "users")].rows == [(2, "BO"), (3, "cy")]
    _, err, status = psql(host, "-c", "CREATE TABLE t (a int);")
    assert (err, status) == (
        "ERROR:  cannot execute CREATE TABLE in a read-only transaction\n", 1)


def test_terminate_acts_on_world(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    out, _, _ = psql(host, "-At", "-c", "SELECT count(pg_terminate_backend(pid)) FROM "
                     "pg_stat_activity WHERE state = 'idle in transaction';")
    assert out == "3\n"
    assert [b.state for b in server.client_backends()] == ["idle", "idle"]


def test_missing_column_error(db_host: tuple[Host, PgServer]) -> None:
    out, err, status = psql(db_host[0], "-c", "select x from pg_stat_activity;")
    assert (out, status) == ("", 1)
    assert err == ('ERROR:  column "x" does not exist\n'
                   "LINE 1: select x from pg_stat_activity;\n"
                   "               ^\n")


def test_show_set_alter_system(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    out, _, _ = psql(host, "-c", "SHOW shared_buffers;")
    assert out == " shared_buffers \n----------------\n 128MB\n(1 row)\n\n"
    out, _, _ = psql(host, "-c", "ALTER SYSTEM SET idle_in_transaction_session_timeout = '60s';",
                     "-c", "SELECT pg_reload_conf();")
    assert out == "ALTER SYSTEM\n pg_reload_conf \n----------------\n t\n(1 row)\n\n"
    assert server.setting("idle_in_transaction_session_timeout").setting == "60000"
    out, _, _ = psql(host, "-At", "-c",
                     "SELECT current_setting('idle_in_transaction_session_timeout')")
    assert out == "1min\n"


def test_expanded_and_unaligned(db_host: tuple[Host, PgServer]) -> None:
    out, _, _ = psql(db_host[0], "-x", "-c", "SELECT 1 AS a, 'xy' AS bb;")
    assert out == "-[ RECORD 1 ]\na  | 1\nbb | xy\n\n"
    out, _, _ = psql(db_host[0], "-A", "-F", ",", "-c", "SELECT 1 AS a, NULL AS b;")
    assert out == "a,b\n1,\n(1 row)\n"


def test_now_is_simulated_clock(db_host: tuple[Host, PgServer]) -> None:
    host, _ = db_host
    host.world.advance(0.25)
    now_ms = host.world.clock.now_ms
    stamp = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC).strftime(
        "%Y-%m-%d %H:%M:%S")
    fraction = f".{now_ms % 1000:03d}".rstrip("0").rstrip(".")
    out, _, _ = psql(host, "-At", "-c", "SELECT now(), current_timestamp, localtimestamp;")
    assert out == f"{stamp}{fraction}+00|{stamp}{fraction}+00|{stamp}{fraction}\n"


def test_connection_errors(db_host: tuple[Host, PgServer]) -> None:
    host, _ = db_host
    result = run_tool(host, ["psql", "-h", "127.0.0.1", "-d", "nope", "-U", "postgres", "-c", "x"])
    assert result.err == ('psql: error: connection to server at "127.0.0.1", port 5432 failed: '
                          'FATAL:  database "nope" does not exist\n')
    assert result.status == 2
    result = run_tool(host, ["psql", "-p", "5499", "-c", "select 1"])
    assert result.err.startswith('psql: error: connection to server on socket '
                                 '"/var/run/postgresql/.s.PGSQL.5499" failed: No such file')


def test_too_many_clients(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    server.set_setting("max_connections", "5")
    result = run_tool(host, ["psql", "-U", "postgres", "-d", "appdb", "-c", "select 1"])
    assert result.err.endswith("failed: FATAL:  sorry, too many clients already\n")


def test_meta_commands(db_host: tuple[Host, PgServer]) -> None:
    out, _, _ = psql(db_host[0], "-c", "\\conninfo")
    assert out == ('You are connected to database "appdb" as user "postgres" via socket in '
                   '"/var/run/postgresql" at port "5432".\n')


def test_error_position_truncates_long_lines() -> None:
    query = "SELECT " + ", ".join(f"c{i}" for i in range(40)) + " FROM t"
    text = error_position_lines(query, query.index("c30") + 1)
    line, caret = text.splitlines()
    assert line.startswith("LINE 1: ...") and line.endswith("...")
    assert line[caret.index("^"):].startswith("c30")


def test_du_and_l_layout(db_host: tuple[Host, PgServer]) -> None:
    host, server = db_host
    server.roles.pop("myapp")
    server.add_role("root", superuser=True)
    out, _, _ = psql(host, "-c", "\\du")
    # Captured from psql 15 against a server with the same two roles.
    assert out == (
        "                                   List of roles\n"
        " Role name |                         Attributes                         | Member of \n"
        "-----------+------------------------------------------------------------+-----------\n"
        " postgres  | Superuser, Create role, Create DB, Replication, Bypass RLS | {}\n"
        " root      | Superuser                                                  | {}\n\n")
    out, _, _ = psql(host, "-c", "\\l")
    assert out.splitlines()[0] == " " * 45 + "List of databases"
    assert " template0 | postgres | UTF8     | C.UTF-8 | C.UTF-8 |            | libc            " \
           "| =c/postgres          +" in out


def test_activity_columns_of_own_and_background_backends(db_host: tuple[Host, PgServer]) -> None:
    out, _, _ = psql(db_host[0], "-At", "-c",
                     "SELECT backend_type, wait_event_type, wait_event, client_port "
                     "FROM pg_stat_activity WHERE state IS NULL OR pid = pg_backend_pid() "
                     "ORDER BY pid;")
    assert out == ("autovacuum launcher|Activity|AutoVacuumMain|\n"
                   "logical replication launcher|Activity|LogicalLauncherMain|\n"
                   "background writer|Activity|BgWriterHibernate|\n"
                   "checkpointer|Activity|CheckpointerMain|\n"
                   "walwriter|Activity|WalWriterMain|\n"
                   "client backend|||-1\n")


def test_show_all_and_sizes(db_host: tuple[Host, PgServer]) -> None:
    out, _, _ = psql(db_host[0], "-At", "-c", "SHOW ALL")
    assert "max_connections|100|Sets the maximum number of concurrent connections.\n" in out
    out, _, _ = psql(db_host[0], "-At", "-c",
                     "SELECT pg_size_pretty(pg_database_size('appdb')), pg_size_pretty(10239), "
                     "pg_size_pretty(10240), pg_size_pretty(1073741824::bigint)")
    assert out == "7637 kB|10239 bytes|10 kB|1024 MB\n"


def test_interactive_prompt_through_the_shell() -> None:
    from tests.tools.psql.conftest import leaky_host

    from pagerdrill.shell.session_shell import Shell

    host, server = leaky_host()
    shell = Shell(host.world, host, "root")
    banner = shell.run("psql -U myapp -d appdb").output.decode()
    assert banner == f'psql ({server.version})\nType "help" for help.\n\n'
    assert shell.prompt() == "appdb=> "
    assert shell.run("SELECT count(*)").output == b""  # no semicolon yet
    assert shell.prompt() == "appdb-> "
    out = shell.run("FROM pg_stat_activity WHERE application_name = 'psql';").output.decode()
    assert out == " count \n-------\n     1\n(1 row)\n\n"
    assert shell.run("\\q").output == b""
    assert shell.prompt().startswith("root@")
    assert all(b.application_name != "psql" for b in server.backends.values())
