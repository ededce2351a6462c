"""Players, sessions and their command logs, in SQLite (the default) or PostgreSQL.

A session is stored as its log: (scenario, seed, [(t_ms, line, extra)]). Any server
process can rebuild it by replay, so nothing else about a live game is stored except
the result columns the catalog shows (outcome, grade) once it ends.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError

from pagerdrill.game.session import LogEntry

__all__ = ["LogConflict", "PlayerRow", "SessionRow", "Store", "StoreError", "default_db_url"]

metadata = MetaData()

players = Table(
    "players", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(40), nullable=True),
    Column("created_at", BigInteger, nullable=False),  # unix ms (server clock)
)

sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("player_id", String(64), ForeignKey("players.id"), nullable=False, index=True),
    Column("scenario_id", String(100), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("real_ms", BigInteger, nullable=False, default=0),  # play time spent, real ms
    Column("daily", Date, nullable=True),  # the daily challenge's date, if this is its graded try
    Column("finished", Boolean, nullable=False, default=False),
    Column("outcome", String(20), nullable=True),
    Column("grade", String(4), nullable=True),
    Column("score", Integer, nullable=True),
    UniqueConstraint("player_id", "daily", name="one_daily_try"),
)

entries = Table(
    "entries", metadata,
    Column("session_id", String(64), ForeignKey("sessions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("entry", JSON, nullable=False),  # LogEntry.to_json()
)


class LogConflict(RuntimeError):
    """Another server process appended to the session's log first."""


class StoreError(ValueError):
    """A database URL that cannot be used, with the reason."""


def default_db_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'pagerdrill.db'}"


@dataclass(frozen=True)
class PlayerRow:
    id: str
    name: str | None


@dataclass(frozen=True)
class SessionRow:
    id: str
    player_id: str
    scenario_id: str
    seed: int
    real_ms: int
    daily: Any  # datetime.date | None
    finished: bool
    outcome: str | None
    grade: str | None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"not a database URL: {url!r} ({exc})") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(parsed, pool_pre_ping=True)
        except Exception as exc:  # e.g. the PostgreSQL driver is not installed
            raise StoreError(f"cannot use {parsed.render_as_string()}: {exc}") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            metadata.create_all(self.engine)
        except Exception as exc:
            raise StoreError(f"cannot open {parsed.render_as_string()}: {exc}") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- players -------------------------------------------------------------------
    def ensure_player(self, player_id: str, now_ms: int) -> PlayerRow:
        with self.engine.connect() as conn:
            row = conn.execute(select(players.c.id, players.c.name)
                               .where(players.c.id == player_id)).first()
        if row is not None:
            return PlayerRow(row.id, row.name)
        # A concurrent request may create the same player first: that is fine.
        with contextlib.suppress(IntegrityError), self.engine.begin() as conn:
            conn.execute(insert(players).values(id=player_id, created_at=now_ms))
        return PlayerRow(player_id, None)

    def set_player_name(self, player_id: str, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(players).where(players.c.id == player_id).values(name=name))

    # -- sessions ------------------------------------------------------------------
    def create_session(self, session_id: str, player_id: str, scenario_id: str, seed: int,
                       now_ms: int, daily: Any = None) -> SessionRow:
        with self.engine.begin() as conn:
            conn.execute(insert(sessions).values(
                id=session_id, player_id=player_id, scenario_id=scenario_id, seed=seed,
                created_at=now_ms, real_ms=0, daily=daily, finished=False))
        return SessionRow(session_id, player_id, scenario_id, seed, 0, daily, False, None, None)

    def session(self, session_id: str) -> SessionRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
        if row is None:
            return None
        return SessionRow(row.id, row.player_id, row.scenario_id, row.seed, row.real_ms,
                          row.daily, row.finished, row.outcome, row.grade)

    def log(self, session_id: str, since: int = 0) -> list[LogEntry]:
        """The session's log entries from index ``since`` on."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(entries.c.entry).where(
                entries.c.session_id == session_id, entries.c.seq >= since)
                .order_by(entries.c.seq)).all()
        return [LogEntry.from_json(_decoded(r.entry)) for r in rows]

    def append(self, session_id: str, first_seq: int, new: list[LogEntry], real_ms: int,
               result: tuple[str, str, int] | None = None) -> None:
        """Store log entries ``first_seq..`` and the session's play time; ``result`` =
        (outcome, grade, score) once the drill has ended. One transaction; raises
        :class:`LogConflict` if another process stored entries at those indexes first."""
        with self.engine.begin() as conn:
            if new:
                try:
                    conn.execute(insert(entries), [
                        {"session_id": session_id, "seq": first_seq + i, "entry": e.to_json()}
                        for i, e in enumerate(new)])
                except IntegrityError:
                    raise LogConflict(session_id) from None
            values: dict[str, Any] = {"real_ms": real_ms}
            if result is not None:
                values.update(finished=True, outcome=result[0], grade=result[1],
                              score=result[2])
            conn.execute(update(sessions).where(sessions.c.id == session_id).values(**values))

    def best_grades(self, player_id: str) -> dict[str, str]:
        """scenario id -> the player's best grade over finished drills."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sessions.c.scenario_id, func.max(sessions.c.score).label("best"))
                .where(sessions.c.player_id == player_id, sessions.c.finished.is_(True))
                .group_by(sessions.c.scenario_id)).all()
            best: dict[str, str] = {}
            for row in rows:
                grade = conn.execute(
                    select(sessions.c.grade).where(
                        sessions.c.player_id == player_id,
                        sessions.c.scenario_id == row.scenario_id,
                        sessions.c.score == row.best).limit(1)).scalar()
                if grade:
                    best[row.scenario_id] = grade
        return best

    def daily_session(self, player_id: str, day: Any) -> SessionRow | None:
        with self.engine.connect() as conn:
            session_id = conn.execute(select(sessions.c.id).where(
                sessions.c.player_id == player_id, sessions.c.daily == day)).scalar()
        return None if session_id is None else self.session(session_id)


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
