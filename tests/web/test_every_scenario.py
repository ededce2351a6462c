"""Every built-in scenario played to the end through the war room's WebSocket: its
solution resolves it there too, and the page's data (map, dashboards) is served."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pagerdrill.game.catalog import builtin_folders, find_scenario
from pagerdrill.web.app import ServeSettings, create_app
from web.kit import ORIGIN, FakeClock, new_session, unbatched, until


@pytest.mark.parametrize("scenario_id", sorted(f.name for f in builtin_folders()))
def test_the_solution_resolves_through_the_socket(tmp_path: Path, scenario_id: str) -> None:
    scenario = find_scenario(scenario_id)
    settings = ServeSettings(db_url=f"sqlite:///{tmp_path / 'pd.db'}", clock=FakeClock(),
                             today=lambda: datetime.date(2026, 11, 25), scenarios=[scenario],
                             socket_rate=(1000.0, 1000.0))
    with TestClient(create_app(settings)) as c:
        sid = new_session(c, scenario_id, seed=3)
        page = c.get(f"/api/sessions/{sid}").json()
        assert page["architecture"]["components"] and page["metrics"] and page["candidates"]
        assert page["users_served"] is False  # paged for a reason
        ended = False
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")  # the one it greets with
            for line in scenario.for_seed(3).solution:
                ws.send_json({"type": "input", "line": line})
                kinds: list[str] = []
                while not {"prompt", "ended", "error"} & set(kinds):
                    kinds += [m["type"] for m in unbatched(ws.receive_json())]
                assert "error" not in kinds, (line, kinds)
                if "ended" in kinds:
                    ended = True
                    break
        assert ended
        debrief = c.get(f"/api/sessions/{sid}/debrief").json()
        assert debrief["outcome"] == "resolved", debrief["outcome"]
