"""Our psql against the real psql + PostgreSQL on 127.0.0.1:5432, byte for byte.

The same rows are loaded into a real table in a throw-away schema (found through
``PGOPTIONS=-c search_path=...``) and into the simulated server; each query runs
through both clients with identical arguments. Without a server the tests skip,
except under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.toolkit import run_tool
from tests.tools.psql.realpg import BASE, real_psql, real_schema

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.database import PgServer, Table, attach
from pagerdrill.world.host import Host

SCHEMA = "pagerdrill_fidelity"
ROWS: list[tuple[object, ...]] = [
    (1, "alice", Decimal("19.99"), True, "paid"),
    (2, "bob", Decimal("5.00"), False, "pending"),
    (3, None, Decimal("120.50"), True, "paid"),
    (4, "dave", None, None, "refunded"),
]


def _real(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return real_psql(SCHEMA, args, stdin=stdin)


@pytest.fixture(scope="module")
def real_server() -> Iterator[None]:
    values = ", ".join(
        "(" + ", ".join("NULL" if v is None else (str(v).lower() if isinstance(v, bool)
                        else f"'{v}'" if isinstance(v, str) else str(v)) for v in row) + ")"
        for row in ROWS)
    yield from real_schema(SCHEMA, (
        f"CREATE TABLE {SCHEMA}.orders (id integer, customer text, total numeric(10,2), "
        f"paid boolean, status text); INSERT INTO {SCHEMA}.orders VALUES {values};"))


def _sim_host() -> Host:
    world = new_world(seed=0)
    host = add_linux_host(world, "db-01")
    server = attach(host, PgServer())
    server.add_database("test")
    server.add_table(Table("orders", [("id", "integer"), ("customer", "text"),
                                      ("total", "numeric(10,2)"), ("paid", "boolean"),
                                      ("status", "text")], list(ROWS), schema=SCHEMA,
                                database="test"))
    return host


CASES = [
    ["-c", "SELECT id, customer, total, paid, status FROM orders ORDER BY id;"],
    ["-c", "SELECT * FROM orders ORDER BY id;"],
    ["-c", "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status;"],
    ["-c", "SELECT sum(total), max(id), min(customer) FROM orders;"],
    ["-c", "SELECT id FROM orders WHERE id < 0;"],
    ["-x", "-c", "SELECT * FROM orders ORDER BY id;"],
    ["-A", "-c", "SELECT * FROM orders ORDER BY id;"],
    ["-t", "-c", "SELECT id, customer FROM orders ORDER BY id;"],
    ["-At", "-F", ",", "-c", "SELECT id, paid FROM orders ORDER BY id;"],
    ["-c", "SELECT 1 + 1, 'x'::text, 7 / 2, id::text FROM orders WHERE id = 1;"],
    ["-c", "SELECT zzzz FROM orders;"],
    ["-c", "SELECT * FROM nowhere_table;"],
    ["-c", "SELECT id frm orders;"],
    ["-c", "SELECT id, custmer FROM orders;"],
    ["-c", "SELECT o.id, o.statsu FROM orders o;"],
    ["-c", "SELECT a.id, b.paid FROM orders a JOIN orders b ON a.id = b.id WHERE toal > 1;"],
    ["-c", "SELECT ix FROM orders;"],
    ["-x", "-c", "SELECT id AS a_rather_long_column_name, customer FROM orders ORDER BY id;"],
    ["-x", "-c", "SELECT status FROM orders WHERE id = 2;"],
    ["-x", "-c", "SELECT id FROM orders WHERE id < 0;"],
    # Intervals from timestamp subtraction (PostgreSQL justifies hours into days).
    ["-c", "SELECT timestamptz '2026-01-02 06:05:00+00' - timestamptz '2026-01-01 00:00:00+00', "
           "timestamptz '2026-01-01 00:00:00+00' - timestamptz '2026-01-03 06:05:00.25+00', "
           "timestamptz '2026-01-01 00:05:12.345678+00' - timestamptz '2026-01-01 00:00:00+00', "
           "timestamptz '2026-01-01 00:00:00+00' - timestamptz '2026-01-01 00:00:00+00';"],
    ["-c", "SELECT timestamptz '2026-01-01 00:05:12.5+00', date '2026-01-01';"],
    ["-c", "SELECT 1.5::float8, 0.1::float8 + 0.2::float8, 2.0::float8, -7 / 2;"],
    ["-c", "SELECT count(*) AS n, sum(id), max(total) FROM orders;"],
    ["-c", "SELECT coalesce(customer, '(none)'), upper(status), length(status) "
           "FROM orders ORDER BY 1;"],
    ["-c", "SELECT 1/0;"],
    ["-c", "SELECT id, 'a' || chr(10) || 'bcd' AS note, NULL AS z FROM orders WHERE id < 3;"],
    ["-c", "SELECT 'a' || chr(10) || 'bcd' AS note, id FROM orders WHERE id = 1;"],
    ["-c", "SELECT id, 'line one' || chr(10) || 'two' AS note FROM orders WHERE id = 1;"],
    ["-c", "\\dt"],
    ["-c", "\\d orders"],
    ["-c", "\\d nothing_here"],
    ["-c", "\\conninfo"],
    ["-c", "\\x", "-c", "SELECT id, status FROM orders WHERE id = 1;", "-c", "\\x off",
     "-c", "SELECT 1 AS one;"],
    ["-c", "VACUUM;"],
    ["-c", "SHOW no_such_parameter;"],
    ["-c", "SELECT current_setting('no_such_parameter');"],
    ["-c", "SELECT id FROM orders WHERE id = 1; SELECT zz FROM orders; SELECT 2;"],
    ["-q", "-c", "SELECT 1 AS a;", "-c", "SET work_mem = '64MB';", "-c", "SHOW work_mem;"],
    ["-c", "SET work_mem = '64MB'; SHOW work_mem;"],
    ["-j"],
    ["-c", "SELECT id FROM orders WHERE customer = 'carol' OR zzzz_long_missing_column = 1 "
           "AND id > 3 ORDER BY id;"],
]


def test_script_file_same_as_real_psql(real_server: None, tmp_path: Path) -> None:
    script = tmp_path / "check.sql"
    script.write_text("SELECT id, status FROM orders\n  WHERE id = 2;\nSELECT zz\n  FROM orders;\n"
                      "\\x\nSELECT 1 AS a;\n")
    args = ["-f", str(script)]
    real = _real(args)
    host = _sim_host()
    host.fs.mkdir(str(tmp_path), parents=True)
    host.fs.put(str(script), script.read_bytes())
    ours = run_tool(host, BASE + args)
    assert (ours.out, ours.err, ours.status) == (real.stdout.decode(), real.stderr.decode(),
                                                 real.returncode)


def test_stdin_script_same_as_real_psql(real_server: None) -> None:
    script = b"select 1 as a;\nselect zz;\n\\x\nselect 2 as b, current_time(0) is not null;\n"
    real = _real([], script)
    ours = run_tool(_sim_host(), BASE, script)
    assert (ours.out, ours.err, ours.status) == (real.stdout.decode(), real.stderr.decode(),
                                                 real.returncode)


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_same_as_real_psql(real_server: None, args: list[str]) -> None:
    real = _real(args)
    ours = run_tool(_sim_host(), BASE + args)
    assert ours.stdout.decode() == real.stdout.decode()
    assert ours.stderr.decode() == real.stderr.decode()
    assert ours.status == real.returncode


_TEXT = st.text(alphabet=st.sampled_from("abcXYZ019 _-.,:|+\n"), max_size=12)
_ROW = st.tuples(st.integers(-10**6, 10**9), st.none() | _TEXT,
                 st.none() | st.decimals(-9999, 99999, places=2, allow_nan=False,
                                         allow_infinity=False),
                 st.none() | st.booleans())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, max_size=5, unique_by=lambda r: r[0]),
       mode=st.sampled_from([[], ["-x"], ["-A"], ["-t"], ["-x", "-A"]]))
def test_random_tables_same_as_real_psql(real_server: None, rows: list[tuple[object, ...]],
                                         mode: list[str]) -> None:
    def literal(value: object) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return str(value)

    values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    load = f"TRUNCATE {SCHEMA}.h;" + (f" INSERT INTO {SCHEMA}.h VALUES {values};" if rows else "")
    subprocess.run([*BASE, "-q", "-c", f"CREATE TABLE IF NOT EXISTS {SCHEMA}.h (k integer, "
                    f"t text, n numeric(10,2), b boolean); {load}"],
                   check=True, capture_output=True, timeout=20)
    host = _sim_host()
    server = host.pg_servers[5432]
    server.add_table(Table("h", [("k", "integer"), ("t", "text"), ("n", "numeric(10,2)"),
                                 ("b", "boolean")], list(rows), schema=SCHEMA, database="test"))
    args = [*mode, "-c", "SELECT * FROM h ORDER BY k;"]
    real = _real(args)
    ours = run_tool(host, BASE + args)
    assert (ours.out, ours.err) == (real.stdout.decode(), real.stderr.decode())
