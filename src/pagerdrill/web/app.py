"""The war room web app: ``create_app(settings)`` builds the Starlette application.

Pages are static files (no inline scripts, so the CSP forbids them outright); the
browser draws them from the JSON API and one WebSocket per session (see
docs/web-protocol.md). The score and every result come from the server's replay of
the session's log; the browser can only send what a player can type or click.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import secrets
import sys
import time
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from pagerdrill.game.catalog import ScenarioNotFound, builtin_folders
from pagerdrill.game.daily import DailyChallenge, daily_challenge
from pagerdrill.game.debrief import build_report
from pagerdrill.game.loader import ScenarioError, load_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.sharecard import share_card
from pagerdrill.web.live import Hub, LiveSession
from pagerdrill.web.security import RateLimiter, SecurityHeaders
from pagerdrill.web.socket import session_socket
from pagerdrill.web.store import SessionRow, Store
from pagerdrill.web.views import metric_points, session_view

__all__ = ["COOKIE", "STATIC_DIR", "ServeSettings", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_FILES = ("xterm.js", "xterm.css", "addon-fit.js", "uPlot.iife.min.js", "uPlot.min.css")
COOKIE = "pd_player"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_BODY = 16 * 1024
MAX_SEED = 2**31 - 1


def _utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


@dataclass
class ServeSettings:
    db_url: str
    clock: Callable[[], float] = time.monotonic
    today: Callable[[], datetime.date] = _utc_today
    scenarios: list[Scenario] | None = None  # None: the built-in ones
    secure_cookies: bool = False  # set behind HTTPS
    api_rate: tuple[float, float] = (10.0, 60.0)  # per second, burst
    create_rate: tuple[float, float] = (0.5, 10.0)
    socket_rate: tuple[float, float] = (20.0, 80.0)


def _loadable() -> list[Scenario]:
    """The built-in scenarios; a broken one is reported and left out, not fatal."""
    loaded = []
    for folder in builtin_folders():
        try:
            loaded.append(load_scenario(folder))
        except ScenarioError as exc:
            print(f"pagerdrill serve: skipping {folder.name}: {exc}".splitlines()[0],
                  file=sys.stderr)
    return loaded


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class WarRoom:
    """The app's state: store, live sessions, scenarios, limits."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.store = Store(settings.db_url)
        scenarios = settings.scenarios if settings.scenarios is not None else _loadable()
        self.scenarios = {s.id: s for s in scenarios}
        self.hub = Hub(self.store, settings.clock, self._scenario)
        self.api_limit = RateLimiter(*settings.api_rate, clock=settings.clock)
        self.create_limit = RateLimiter(*settings.create_rate, clock=settings.clock)
        self.socket_limit = RateLimiter(*settings.socket_rate, clock=settings.clock)

    def _scenario(self, scenario_id: str, seed: int) -> Scenario:
        scenario = self.scenarios.get(scenario_id)
        if scenario is None:
            raise ScenarioNotFound(scenario_id)
        return scenario

    def now_ms(self) -> int:
        return int(time.time() * 1000)

    # -- identity ------------------------------------------------------------------
    def player(self, request: Request) -> tuple[str, bool]:
        """The player's id from the cookie, or a fresh one (True: set the cookie)."""
        token = request.cookies.get(COOKIE, "")
        if _TOKEN.match(token):
            self.store.ensure_player(token, self.now_ms())
            return token, False
        token = secrets.token_urlsafe(24)
        self.store.ensure_player(token, self.now_ms())
        return token, True

    def owned_session(self, player_id: str, session_id: str) -> SessionRow:
        row = self.store.session(session_id) if _TOKEN.match(session_id) else None
        if row is None or not secrets.compare_digest(row.player_id, player_id):
            raise ApiError(404, "no such session")  # another player's looks the same
        return row

    def daily(self) -> DailyChallenge:
        return daily_challenge(self.settings.today(), sorted(self.scenarios))

    async def live(self, row: SessionRow) -> LiveSession:
        try:
            return await self.hub.get(row)
        except LookupError as exc:
            raise ApiError(410, str(exc)) from None


def _set_cookie(response: Response, token: str, secure: bool) -> Response:
    response.set_cookie(COOKIE, token, max_age=5 * 365 * 86400, httponly=True,
                        samesite="lax", secure=secure)
    return response


async def _json_body(request: Request) -> dict[str, Any]:
    import json

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ApiError(413, f"request body over {MAX_BODY} bytes")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "request body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return data


def _endpoint(handler: Callable[[WarRoom, Request, str], Any], *,
              create: bool = False) -> Callable[[Request], Any]:
    """Wraps a handler with identity, rate limits and errors as ``{"error": ...}``."""

    async def endpoint(request: Request) -> Response:
        room: WarRoom = request.app.state.room
        player, fresh = room.player(request)
        try:
            wait = room.api_limit.allow(player)
            if not wait and create:
                wait = room.create_limit.allow(player)
            if wait:
                raise ApiError(429, f"too many requests: try again in {wait:.0f}s",
                               {"Retry-After": str(max(1, round(wait)))})
            result = await handler(room, request, player)
            response = result if isinstance(result, Response) else JSONResponse(result)
        except ApiError as exc:
            response = JSONResponse({"error": exc.message}, exc.status, headers=exc.headers)
        except Exception as exc:  # a bug: logged in full here, one line to the browser
            traceback.print_exc(file=sys.stderr)
            response = JSONResponse(
                {"error": f"internal error: {type(exc).__name__}: {exc}"}, 500)
        if fresh:
            _set_cookie(response, player, room.settings.secure_cookies)
        return response

    return endpoint


# -- API handlers ----------------------------------------------------------------------
async def catalog(room: WarRoom, request: Request, player: str) -> dict[str, Any]:
    best = room.store.best_grades(player)
    daily = room.daily()
    scenario = room.scenarios[daily.scenario_id]
    tried = room.store.daily_session(player, daily.day)
    name = room.store.ensure_player(player, room.now_ms()).name
    return {
        "player": {"name": name, "device_link": f"/device/{player}"},
        "daily": {"date": daily.day.isoformat(), "number": daily.number,
                  "scenario": scenario.id, "title": scenario.title,
                  "difficulty": scenario.difficulty.value, "played": tried is not None,
                  "grade": tried.grade if tried else None},
        "scenarios": [{"id": s.id, "title": s.title, "difficulty": s.difficulty.value,
                       "teaser": s.teaser, "estimated_minutes": s.estimated_minutes,
                       "best_grade": best.get(s.id)} for s in room.scenarios.values()],
    }


async def set_name(room: WarRoom, request: Request, player: str) -> dict[str, Any]:
    name = (await _json_body(request)).get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 40 \
            or not name.strip().isprintable():
        raise ApiError(400, "name must be 1 to 40 printable characters")
    room.store.set_player_name(player, name.strip())
    return {"name": name.strip()}


def _chosen(room: WarRoom, body: dict[str, Any]) -> tuple[str, int]:
    """The scenario and seed a request asks for (a random seed if it names none)."""
    scenario_id, seed = body.get("scenario"), body.get("seed")
    if not isinstance(scenario_id, str) or scenario_id not in room.scenarios:
        raise ApiError(404, f"no scenario {scenario_id!r}")
    if seed is None:
        return scenario_id, secrets.randbelow(MAX_SEED)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ApiError(400, f"seed must be an integer from 0 to {MAX_SEED}")
    return scenario_id, seed


async def create_session(room: WarRoom, request: Request, player: str) -> Response:
    body = await _json_body(request)
    daily_day = None
    if body.get("daily") is True:
        daily = room.daily()
        scenario_id, seed = daily.scenario_id, daily.seed
        if room.store.daily_session(player, daily.day) is None:
            daily_day = daily.day  # the graded try; later ones are practice
    else:
        scenario_id, seed = _chosen(room, body)
    session_id = secrets.token_urlsafe(24)
    room.store.create_session(session_id, player, scenario_id, seed, room.now_ms(), daily_day)
    return JSONResponse({"id": session_id, "url": f"/play/{session_id}"}, 201)


async def get_session(room: WarRoom, request: Request, player: str) -> dict[str, Any]:
    row = room.owned_session(player, request.path_params["session_id"])
    live = await room.live(row)
    async with live.lock:
        return session_view(live.session, row.id, continuation=bool(live.pending),
                            debrief_url=f"/debrief/{row.id}" if live.session.finished else None)


async def get_debrief(room: WarRoom, request: Request, player: str) -> dict[str, Any]:
    row = room.owned_session(player, request.path_params["session_id"])
    live = await room.live(row)
    session = live.session
    if not session.finished:
        raise ApiError(409, "the drill is still running")
    report = build_report(session)
    telemetry = session.world.telemetry
    points = metric_points(session)
    daily_number = room.daily().number if row.daily == room.settings.today() else None
    return {**report.to_json(),
            "difficulty": session.scenario.difficulty.value,
            "metrics": [{"name": n, "title": g.title, "unit": g.unit, "points": points[n]}
                        for n, g in telemetry.gauges.items()],
            "share": share_card(report, session.scenario.difficulty,
                                daily_number=daily_number)}


# -- pages -----------------------------------------------------------------------------
def _page(name: str) -> Callable[[Request], Any]:
    async def page(request: Request) -> Response:
        room: WarRoom = request.app.state.room
        player, fresh = room.player(request)
        response = FileResponse(STATIC_DIR / name, media_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        return _set_cookie(response, player, room.settings.secure_cookies) if fresh \
            else response

    return page


async def device(request: Request) -> Response:
    """The link a player opens on a second device to carry their identity over."""
    room: WarRoom = request.app.state.room
    token = request.path_params["token"]
    response = RedirectResponse("/", 303)
    if _TOKEN.match(token):  # an id the player copied from their other device
        room.store.ensure_player(token, room.now_ms())
        _set_cookie(response, token, room.settings.secure_cookies)
    return response


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "live_sessions": len(request.app.state.room.hub)})


def missing_vendor_files() -> list[str]:
    return [f for f in VENDOR_FILES if not (STATIC_DIR / "vendor" / f).is_file()]


def create_app(settings: ServeSettings) -> Starlette:
    room = WarRoom(settings)
    routes = [
        Route("/", _page("catalog.html")),
        Route("/play/{session_id}", _page("warroom.html")),
        Route("/debrief/{session_id}", _page("debrief.html")),
        Route("/device/{token}", device),
        Route("/healthz", health),
        Route("/api/catalog", _endpoint(catalog)),
        Route("/api/player", _endpoint(set_name), methods=["POST"]),
        Route("/api/sessions", _endpoint(create_session, create=True), methods=["POST"]),
        Route("/api/sessions/{session_id}", _endpoint(get_session)),
        Route("/api/sessions/{session_id}/debrief", _endpoint(get_debrief)),
        WebSocketRoute("/ws/{session_id}", session_socket),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        room.store.close()

    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
    app.state.room = room
    return app
