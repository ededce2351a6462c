"""The session WebSocket: typed messages, the game driven through it, persistence by log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.websockets import WebSocketDisconnect

from pagerdrill.web.app import COOKIE
from web.kit import ORIGIN, FakeClock, client, messages_of, new_session, run, until


def test_a_command_answers_with_its_output_state_and_prompt(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c)
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            assert ws.receive_json() == {"type": "prompt", "prompt": "root@web-01:~# ",
                                         "continuation": False}
            output, messages = run(ws, "df -h /")
    assert output == ("Filesystem      Size  Used Avail Use% Mounted on\n"
                      "/dev/sda1        80G   80G     0 100% /\n")
    state = next(messages_of(messages, "state"))
    assert state["t"] > 0 and state["users_served"] is False
    assert [m["type"] for m in messages][-1] == "prompt"


def test_an_open_quote_asks_for_more_and_ctrl_c_drops_it(tmp_path: Path) -> None:
    with client(tmp_path) as c, c.websocket_connect(f"/ws/{new_session(c)}",
                                                     headers=ORIGIN) as ws:
        until(ws, "prompt")
        ws.send_json({"type": "input", "line": "echo 'one"})
        assert ws.receive_json() == {"type": "prompt", "prompt": "> ", "continuation": True}
        output, _ = run(ws, "two'")
        assert output == "one\ntwo\n"
        ws.send_json({"type": "input", "line": "echo 'dropped"})
        until(ws, "prompt")
        ws.send_json({"type": "interrupt"})
        assert ws.receive_json()["continuation"] is False
        assert run(ws, "echo fresh")[0] == "fresh\n"
        view = c.get(f"/api/sessions/{new_session(c)}").json()
        assert view["terminal"] == ""


def test_tab_completes_through_the_simulated_shell(tmp_path: Path) -> None:
    with client(tmp_path) as c, c.websocket_connect(f"/ws/{new_session(c)}",
                                                     headers=ORIGIN) as ws:
        until(ws, "prompt")
        ws.send_json({"type": "complete", "line": "cat /etc/logrotate.d/ng"})
        reply = ws.receive_json()
    assert reply == {"type": "completions", "line": "cat /etc/logrotate.d/ng",
                     "matches": ["/etc/logrotate.d/nginx"]}


def test_psql_holds_the_terminal_until_ctrl_d(tmp_path: Path) -> None:
    with client(tmp_path) as c, c.websocket_connect(
            f"/ws/{new_session(c, 'pool-exhaustion')}", headers=ORIGIN) as ws:
        until(ws, "prompt")
        _, messages = run(ws, "psql")
        assert messages[-1]["prompt"] == "appdb=# "
        output, _ = run(ws, "select 1 as one;")
        assert output == " one \n-----\n   1\n(1 row)\n\n"
        ws.send_json({"type": "eof"})
        messages = until(ws, "prompt")
        assert messages[-1]["prompt"].endswith(":~# ")


def test_time_passes_with_ticks_and_the_channel_speaks(tmp_path: Path) -> None:
    clock = FakeClock()
    with client(tmp_path, clock) as c:
        sid = new_session(c)
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")
            clock.now += 15 * 60  # a quarter of an hour reading dashboards
            ws.send_json({"type": "tick"})
            messages = until(ws, "prompt")
        events = [m["event"] for m in messages_of(messages, "event")]
        assert any(e["kind"] == "chat" for e in events)
        assert next(messages_of(messages, "state"))["t"] == pytest.approx(900, abs=1)
        assert any(next(messages_of(messages, "metrics"))["points"].values())
        # Time is paused while no tab is open.
        clock.now += 3600
        assert c.get(f"/api/sessions/{sid}").json()["t"] == pytest.approx(900, abs=1)


def test_buttons_hint_diagnose_and_end_reach_the_debrief(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c)
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")
            ws.send_json({"type": "game", "command": "hint"})
            hint = until(ws, "game")[-1]
            assert hint["output"].startswith("Hint 1/3: ")
            ws.send_json({"type": "game", "command": "diagnose 1"})
            assert until(ws, "game")[-1]["command"] == "diagnose 1"
            ws.send_json({"type": "game", "command": "end"})
            ended = until(ws, "ended")
            assert ended[-1] == {"type": "ended", "debrief_url": f"/debrief/{sid}"}
            assert any(m["event"]["kind"] == "ended" for m in messages_of(ended, "event"))
            ws.send_json({"type": "input", "line": "ls"})
            assert ws.receive_json() == {"type": "error", "message": "the drill is over"}
        debrief = c.get(f"/api/sessions/{sid}/debrief").json()
        assert debrief["outcome"] == "unresolved" and debrief["hints_used"] == 1
        assert debrief["score"]["grade"] and debrief["share"].startswith("pagerdrill ")
        assert "disk" not in debrief["share"].lower()
        assert c.get(f"/api/sessions/{sid}").json()["terminal"] == ""  # buttons are not typing
        assert c.get("/api/catalog").json()["scenarios"][0]["best_grade"] == \
            debrief["score"]["grade"]


def test_the_editor_pane_edits_a_simulated_file(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c, "pool-exhaustion")  # disk-full's disk has no room for it
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")
            ws.send_json({"type": "input", "line": "nano /tmp/notes"})
            opened = until(ws, "editor")[-1]
            assert opened == {"type": "editor", "path": "/tmp/notes", "content": ""}
            ws.send_json({"type": "editor_save", "content": "<b>not html</b>\n"})
            until(ws, "prompt")
            assert run(ws, "cat /tmp/notes")[0] == "<b>not html</b>\n"
            ws.send_json({"type": "input", "line": "vim /tmp/notes"})
            until(ws, "editor")
            ws.send_json({"type": "editor_cancel"})
            until(ws, "prompt")
            ws.send_json({"type": "editor_save", "content": "late"})
            assert ws.receive_json() == {"type": "error", "message": "no editor is open"}
        # The saved text is in the log: a fresh server process replays it.
        with client(tmp_path) as restarted:
            restarted.cookies.set(COOKIE, c.cookies[COOKIE])
            with restarted.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
                until(ws, "prompt")
                assert run(ws, "cat /tmp/notes")[0] == "<b>not html</b>\n"


def test_a_reconnect_and_a_server_restart_resume_the_same_session(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c)
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")
            run(ws, "truncate -s 0 /var/log/myapp/app.log")
            run(ws, "df -h /")
        before = c.get(f"/api/sessions/{sid}").json()
        with c.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as ws:
            until(ws, "prompt")
            assert run(ws, "echo back")[0] == "back\n"
        cookie = c.cookies[COOKIE]
    with client(tmp_path) as restarted:
        restarted.cookies.set(COOKIE, cookie)
        after = restarted.get(f"/api/sessions/{sid}").json()
    assert after["terminal"].startswith(before["terminal"])
    assert after["terminal"].endswith("# echo back\nback\n")
    assert after["objectives"] == before["objectives"] or after["t"] > before["t"]
    assert "100% /" not in after["terminal"].split("df -h /")[1]


def test_the_origin_and_the_owner_are_checked(tmp_path: Path) -> None:
    with client(tmp_path) as c:
        sid = new_session(c)
        for headers in ({"origin": "http://evil.example"}, {}):
            with pytest.raises(WebSocketDisconnect) as refused, \
                    c.websocket_connect(f"/ws/{sid}", headers=headers):
                pass
            assert refused.value.code == 1008
        with client(tmp_path) as other:
            other.get("/api/catalog")
            with pytest.raises(WebSocketDisconnect) as refused, \
                    other.websocket_connect(f"/ws/{sid}", headers=ORIGIN):
                pass
            assert refused.value.code == 1008


@pytest.mark.parametrize(("raw", "error"), [
    ("not json", "message is not JSON"),
    ("[1]", "message must be a JSON object with a type"),
    ('{"type": "launch"}', "unknown message type 'launch' (one of: input, complete, "),
    ('{"type": "tick", "at": 5}', "bad 'tick' message: unknown field 'at'"),
    ('{"type": "input"}', "bad 'input' message: line: Field required"),
    ('{"type": "game", "command": "rm -rf /"}', "bad 'game' message: command: String should"),
    ('{"type": "input", "line": "' + "x" * 70_000 + '"}', "message over 65536 bytes"),
])
def test_bad_messages_get_a_clear_error_and_the_session_goes_on(tmp_path: Path, raw: str,
                                                                error: str) -> None:
    with client(tmp_path) as c, c.websocket_connect(f"/ws/{new_session(c)}",
                                                     headers=ORIGIN) as ws:
        until(ws, "prompt")
        ws.send_text(raw)
        reply = ws.receive_json()
        assert reply["type"] == "error" and reply["message"].startswith(error)
        assert run(ws, "echo alive")[0] == "alive\n"


def test_a_flood_is_rate_limited_with_a_message(tmp_path: Path) -> None:
    with client(tmp_path, socket_rate=(1.0, 3.0)) as c, c.websocket_connect(
            f"/ws/{new_session(c)}", headers=ORIGIN) as ws:
        until(ws, "prompt")
        for _ in range(4):
            ws.send_text(json.dumps({"type": "complete", "line": "e"}))
        replies = [ws.receive_json() for _ in range(4)]
    # The refusal is sent at once; the accepted ones are answered in order after it.
    assert sorted(r["type"] for r in replies) == ["completions"] * 3 + ["error"]
    refusal = next(r for r in replies if r["type"] == "error")
    assert refusal["message"] == "slow down: too many messages (wait 1.0s)"


def test_two_server_processes_on_one_store_share_the_session(tmp_path: Path) -> None:
    """Behind a load balancer, each command may reach another process: each catches up
    with the log the other stored before it runs the next command."""
    with client(tmp_path) as one, client(tmp_path) as two:
        sid = new_session(one, "pool-exhaustion")
        two.cookies.set(COOKIE, one.cookies[COOKIE])
        with one.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as a, \
                two.websocket_connect(f"/ws/{sid}", headers=ORIGIN) as b:
            until(a, "prompt")
            until(b, "prompt")
            run(a, "echo first > /tmp/shared")
            output, _ = run(b, "echo second >> /tmp/shared; cat /tmp/shared")
            assert output == "first\nsecond\n"
            assert run(a, "wc -l < /tmp/shared")[0] == "2\n"
        view = one.get(f"/api/sessions/{sid}").json()
    assert view["terminal"].endswith("# wc -l < /tmp/shared\n2\n")
    assert view["terminal"].count("root@app-01:~# ") == 3
