"""pg_stat_statements: normalisation, accumulation, reset."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pagerdrill.world.database.statements import normalise, record

from .samples import orders_server


def test_constants_become_parameters() -> None:
    assert normalise("SELECT * FROM t WHERE a = 42 AND b = 'x' AND c > -1.5 LIMIT 20;") == (
        "SELECT * FROM t WHERE a = $1 AND b = $2 AND c > $3 LIMIT $4")
    assert normalise("SELECT * FROM t WHERE a = $1 AND b = 7") == (
        "SELECT * FROM t WHERE a = $1 AND b = $2")


def test_record_accumulates() -> None:
    entries: dict[int, object] = {}
    first = record(entries, "app", "shop", "SELECT 1", 2.0, calls=3)  # type: ignore[arg-type]
    record(entries, "app", "shop", "SELECT 1", 4.0)  # type: ignore[arg-type]
    assert (first.calls, first.total_exec_time, first.mean_exec_time) == (4, 10.0, 2.5)
    assert (first.min_exec_time, first.max_exec_time) == (2.0, 4.0)


def test_view_and_reset() -> None:
    server, session = orders_server()
    session.execute("SELECT 1", 0)
    session.execute("SELECT 2", 0)
    rows = session.execute("SELECT query, calls FROM pg_stat_statements", 0)[0].rows
    assert rows == [("SELECT $1", 2)]
    reset = session.execute("SELECT pg_stat_statements_reset()", 0)[0]
    assert (reset.columns[0].name, reset.rows) == ("pg_stat_statements_reset", [(None,)])
    assert next(iter(server.statements.values())).query == "SELECT pg_stat_statements_reset()"


def test_view_needs_the_extension() -> None:
    server, session = orders_server()
    server.extensions.clear()
    error = session.execute("SELECT * FROM pg_stat_statements", 0)[0].error
    assert error is not None and error.message == 'relation "pg_stat_statements" does not exist'


@given(st.lists(st.one_of(st.integers(-10**6, 10**6), st.text(
    alphabet="abcxyz ", max_size=6)), min_size=1, max_size=4))
def test_normalising_is_stable(values: list[int | str]) -> None:
    """Whatever the constants, they all become $n, and a normalised text stays as it is."""
    literals = [str(v) if isinstance(v, int) else "'" + v + "'" for v in values]
    sql = "SELECT * FROM t WHERE " + " AND ".join(
        f"c{i} = {lit}" for i, lit in enumerate(literals))
    once = normalise(sql)
    assert once == "SELECT * FROM t WHERE " + " AND ".join(
        f"c{i} = ${i + 1}" for i in range(len(values)))
    assert normalise(once) == once
