"""Helpers for the in-process web tests: an app on a temp SQLite db with a fake clock."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient
from starlette.testclient import WebSocketTestSession as Socket

from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.web.app import ServeSettings, create_app

ORIGIN = {"origin": "http://testserver"}


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@functools.cache
def scenarios() -> tuple[Scenario, ...]:
    """A fixed catalog, so these tests do not depend on every built-in scenario."""
    return tuple(find_scenario(name) for name in ("disk-full", "pool-exhaustion"))


def settings(tmp_path: Path, clock: FakeClock | None = None, **overrides: Any) -> ServeSettings:
    return ServeSettings(db_url=f"sqlite:///{tmp_path / 'pd.db'}", clock=clock or FakeClock(),
                         today=lambda: datetime.date(2026, 11, 25),
                         scenarios=list(scenarios()), **overrides)


def client(tmp_path: Path, clock: FakeClock | None = None, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings(tmp_path, clock, **overrides)))


def new_session(c: TestClient, scenario: str = "disk-full", seed: int = 0) -> str:
    response = c.post("/api/sessions", json={"scenario": scenario, "seed": seed})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def until(ws: Socket, kind: str, limit: int = 50) -> list[dict[str, Any]]:
    """Messages up to and including the first of type ``kind``."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        for message in unbatched(ws.receive_json()):
            seen.append(message)
            if message["type"] == kind:
                return seen
    raise AssertionError(f"no {kind!r} message in {seen}")


def unbatched(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages of one frame: a ``batch`` carries several, in order."""
    return list(frame["messages"]) if frame["type"] == "batch" else [frame]


def run(ws: Socket, line: str) -> tuple[str, list[dict[str, Any]]]:
    """Type a line; the terminal output and every message up to the next prompt."""
    ws.send_json({"type": "input", "line": line})
    messages = until(ws, "prompt")
    return "".join(m["data"] for m in messages if m["type"] == "output"), messages


def messages_of(messages: list[dict[str, Any]], kind: str) -> Iterator[dict[str, Any]]:
    return (m for m in messages if m["type"] == kind)
