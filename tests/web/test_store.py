"""The store: players, sessions and logs, on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from pagerdrill.game.session import LogEntry
from pagerdrill.web.store import LogConflict, Store, StoreError

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str:
    try:
        engine = sqlalchemy.create_engine(POSTGRES)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is required in CI: {exc}")
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 (database test, trust auth): {exc}")
    return POSTGRES


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nested' / 'pd.db'}"  # the folder is created
    else:
        url = _postgres_url()
    opened = Store(url)
    yield opened
    opened.close()


def _ids() -> tuple[str, str]:
    token = uuid.uuid4().hex
    return f"player-{token}", f"session-{token}"


def test_a_session_is_stored_as_its_log(store: Store) -> None:
    player, sid = _ids()
    store.ensure_player(player, 1)
    store.create_session(sid, player, "disk-full", 42, 2)
    log = [LogEntry(10_000, "df -h"), LogEntry(20_000, None),
           LogEntry(30_000, "nano /etc/x", (b"\xff\x00bytes", None)),
           LogEntry(40_000, "hint", game=True)]
    store.append(sid, 0, log[:2], real_ms=20_000)
    store.append(sid, 2, log[2:], real_ms=41_000)
    assert store.log(sid) == log
    row = store.session(sid)
    assert row is not None and (row.scenario_id, row.seed, row.real_ms) == ("disk-full", 42,
                                                                            41_000)
    assert not row.finished and store.session("nope") is None


def test_a_second_writer_at_the_same_index_is_a_conflict(store: Store) -> None:
    player, sid = _ids()
    store.ensure_player(player, 1)
    store.create_session(sid, player, "disk-full", 1, 1)
    store.append(sid, 0, [LogEntry(10, "a")], real_ms=10)
    with pytest.raises(LogConflict):
        store.append(sid, 0, [LogEntry(12, "b"), LogEntry(14, "c")], real_ms=14)
    assert store.log(sid) == [LogEntry(10, "a")]  # nothing of the loser was stored
    assert store.log(sid, since=1) == []


def test_results_give_the_best_grade_per_scenario(store: Store) -> None:
    player, _ = _ids()
    store.ensure_player(player, 1)
    for n, (score, grade) in enumerate([(55, "F"), (93, "A"), (81, "B")]):
        sid = f"{player}-{n}"
        store.create_session(sid, player, "disk-full", n, 3)
        store.append(sid, 0, [], real_ms=1, result=("resolved", grade, score))
    assert store.best_grades(player) == {"disk-full": "A"}


def test_one_graded_daily_try_per_player_and_day(store: Store) -> None:
    player, sid = _ids()
    day = datetime.date(2026, 11, 25)
    store.ensure_player(player, 1)
    store.create_session(sid, player, "disk-full", 7, 1, daily=day)
    found = store.daily_session(player, day)
    assert found is not None and found.id == sid
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        store.create_session(sid + "-2", player, "disk-full", 7, 1, daily=day)
    store.create_session(sid + "-3", player, "disk-full", 7, 1)  # practice: not graded


def test_names_and_players(store: Store) -> None:
    player, _ = _ids()
    assert store.ensure_player(player, 1).name is None
    store.set_player_name(player, "Ada")
    assert store.ensure_player(player, 2).name == "Ada"


def test_an_unusable_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("not a url")
    with pytest.raises(StoreError, match="cannot use"):
        Store("nosuchdb://x/y")
