"""The HTTP side of the war room: pages, identity, the JSON API, limits and headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagerdrill.web.app import COOKIE
from pagerdrill.web.security import CSP
from web.kit import FakeClock, client, new_session


def test_the_catalog_lists_every_scenario_and_today_s_daily(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        body = c.get("/api/catalog").json()
    ids = [s["id"] for s in body["scenarios"]]
    assert {"disk-full", "pool-exhaustion"} <= set(ids)
    first = body["scenarios"][ids.index("disk-full")]
    assert first["difficulty"] == "beginner" and first["estimated_minutes"] > 0
    assert first["teaser"] and first["best_grade"] is None
    assert body["daily"]["date"] == "2026-11-25" and body["daily"]["scenario"] in ids
    assert body["daily"]["played"] is False
    assert body["player"]["device_link"].startswith("/device/")


def test_a_player_gets_an_http_only_cookie_once(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        first = c.get("/api/catalog")
        assert COOKIE in first.cookies
        assert "httponly" in first.headers["set-cookie"].lower()
        assert "samesite=lax" in first.headers["set-cookie"].lower()
        assert "set-cookie" not in c.get("/api/catalog").headers


def test_pages_are_static_html_under_a_strict_csp(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        for path in ("/", "/play/x" * 1, "/debrief/y"):
            page = c.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert page.headers["content-security-policy"] == CSP
            assert page.headers["x-frame-options"] == "DENY"
            assert "<script>" not in page.text and " on" + "load=" not in page.text
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP.split("script-src")[1]\
        .split(";")[0]


def test_a_display_name_is_validated_and_kept(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        assert c.post("/api/player", json={"name": "  Ada  "}).json() == {"name": "Ada"}
        assert c.get("/api/catalog").json()["player"]["name"] == "Ada"
        for bad in ("", "x" * 41, "tab\there", 7):
            response = c.post("/api/player", json={"name": bad})
            assert response.status_code == 400
            assert response.json()["error"] == "name must be 1 to 40 printable characters"
        assert c.post("/api/player", content=b"{not json").json() == {
            "error": "request body is not JSON"}
        big = c.post("/api/player", content=b"[" + b"1," * 20_000 + b"1]")
        assert big.status_code == 413


def test_sessions_start_with_the_page_and_a_prompt(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c)
        view = c.get(f"/api/sessions/{sid}").json()
    assert view["scenario"]["id"] == "disk-full" and view["prompt"] == "root@web-01:~# "
    assert view["page"]["title"] and view["t"] == 0 and not view["finished"]
    assert view["terminal"] == "" and view["hints"] == {"used": 0, "total": 3, "given": []}
    assert [c["number"] for c in view["candidates"]] == list(range(1, len(view["candidates"]) + 1))
    assert {m["name"].split("{")[0] for m in view["metrics"]} >= {"disk_used_percent"}


def test_bad_session_requests_get_precise_errors(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        assert c.post("/api/sessions", json={"scenario": "nope"}).json() == {
            "error": "no scenario 'nope'"}
        response = c.post("/api/sessions", json={"scenario": "disk-full", "seed": -1})
        assert response.status_code == 400 and "seed must be an integer" in response.json()["error"]
        assert c.get("/api/sessions/not-a-session").status_code == 404
        sid = new_session(c)
        assert c.get(f"/api/sessions/{sid}/debrief").status_code == 409


def test_one_player_cannot_read_another_player_s_session(tmp_path: Path) -> None:
    with client(tmp_path) as alice:
        sid = new_session(alice)
        with client(tmp_path) as mallory:  # same server db, another cookie
            mallory.get("/api/catalog")
            response = mallory.get(f"/api/sessions/{sid}")
            assert response.status_code == 404 and response.json() == {"error": "no such session"}


def test_the_device_link_carries_the_player_to_a_second_device(tmp_path: Path) -> None:
    with client(tmp_path) as laptop:
        sid = new_session(laptop)
        link = laptop.get("/api/catalog").json()["player"]["device_link"]
        with client(tmp_path) as phone:
            assert phone.get(link, follow_redirects=False).status_code == 303
            assert phone.get(f"/api/sessions/{sid}").status_code == 200


def test_too_many_requests_get_429_with_retry_after(tmp_path: Path) -> None:
    clock = FakeClock()
    with client(tmp_path, clock, create_rate=(0.1, 2.0)) as c:
        new_session(c)
        new_session(c)
        refused = c.post("/api/sessions", json={"scenario": "disk-full"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "10"
        assert refused.json()["error"] == "too many requests: try again in 10s"
        clock.now += 10
        assert c.post("/api/sessions", json={"scenario": "disk-full"}).status_code == 201


def test_the_daily_challenge_is_graded_once_per_day(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        first = c.post("/api/sessions", json={"daily": True}).json()["id"]
        again = c.post("/api/sessions", json={"daily": True}).json()["id"]
        assert first != again
        assert c.get("/api/catalog").json()["daily"]["played"] is True
        daily = c.get("/api/catalog").json()["daily"]
        assert c.get(f"/api/sessions/{first}").json()["scenario"]["id"] == daily["scenario"]


def test_a_server_bug_is_a_json_500_not_a_traceback(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pagerdrill.web import app as app_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("scenario hooks changed under the server")

    with client(tmp_path) as c:
        sid = new_session(c)
        monkeypatch.setattr(app_module, "session_view", broken)
        response = c.get(f"/api/sessions/{sid}")
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal error: RuntimeError: scenario hooks changed under the server"}
