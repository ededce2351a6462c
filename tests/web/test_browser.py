"""End to end in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

A live server (conftest.py) serves the real pages; the tests play ``disk-full`` (seed 0)
by typing its solution transcript into the xterm.js terminal, watch the alerts and
dashboards change, declare the diagnosis in the Diagnose dialog, reload mid-game and
go on, and reach the debrief. Screenshots of the catalog, the war room and the debrief
(1280x720) are saved under artifacts/screenshots/; with PAGERDRILL_SCREENSHOTS_TO_DOCS=1 they
also replace the README's docs/screenshots/ (a test never changes tracked files otherwise).

Waiting for the terminal: every ``input``/``tick``/``game`` message the page sends is
answered by exactly one ``prompt`` (or ``ended``), in order, and the socket's opening
by one more; the test watches the page's own WebSocket frames and waits until the
answers have caught up with what was sent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pagerdrill.game.catalog import find_scenario

if TYPE_CHECKING:
    from web.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
TURN_TIMEOUT_S = 20.0
XSS = "<img src=x onerror=alert(1)>"

if not CHROMIUM.exists():
    why = f"{CHROMIUM} is not installed (apt-get install chromium; scripts/test does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(why, pytrace=False)
    pytest.skip(why, allow_module_level=True)

from playwright.sync_api import (  # noqa: E402  (after the skip: it needs a browser)
    Browser,
    Dialog,
    Page,
    Playwright,
    ViewportSize,
    WebSocket,
    sync_playwright,
)

VIEWPORT: ViewportSize = {"width": 1280, "height": 720}


# -- the page's WebSocket, as the test sees it -------------------------------------------------
@dataclass
class SocketLog:
    """One war room socket's frames: what the page sent and what the server answered."""

    url: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    def on_sent(self, payload: str | bytes) -> None:
        self.sent.append(json.loads(payload))

    def on_received(self, payload: str | bytes) -> None:
        frame = json.loads(payload)  # a "batch" frame carries several messages, in order
        self.received.extend(frame["messages"] if frame["type"] == "batch" else [frame])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m["type"] == kind]

    @property
    def inputs(self) -> list[str]:
        return [m["line"] for m in self.sent if m["type"] == "input"]

    @property
    def settled(self) -> bool:
        """Every turn the page asked for has been answered (or the drill is over)."""
        turns = sum(1 for m in self.sent if m["type"] in ("input", "tick", "game"))
        answers = len(self.of("prompt"))
        return bool(self.of("ended")) or answers >= 1 + turns


class WarRoom:
    """Drives the war room page: the terminal, the buttons, and waits on the socket."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[SocketLog] = []
        page.on("websocket", self._opened)

    def _opened(self, ws: WebSocket) -> None:
        if "/ws/" not in ws.url:
            return
        log = SocketLog(ws.url)
        ws.on("framesent", log.on_sent)
        ws.on("framereceived", log.on_received)
        ws.on("close", lambda _ws: setattr(log, "closed", True))
        self.sockets.append(log)

    @property
    def socket(self) -> SocketLog:
        assert self.sockets, "the war room opened no WebSocket"
        return self.sockets[-1]

    def wait(self, condition: Any, what: str, timeout: float = TURN_TIMEOUT_S) -> None:
        """Lets the page run (and Playwright deliver its events) until ``condition()``."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                frames = self.socket.received[-8:] if self.sockets else []
                raise AssertionError(f"timed out waiting for {what}; last frames: {frames}")
            self.page.wait_for_timeout(20)

    def open(self, url: str) -> None:
        """Goes to the war room and waits for the terminal's first prompt."""
        opened = len(self.sockets)
        self.page.goto(url)
        self.wait(lambda: len(self.sockets) > opened and self.socket.settled,
                  "the war room's socket and first prompt")

    def reload(self) -> None:
        opened = len(self.sockets)
        self.page.reload()
        self.wait(lambda: len(self.sockets) > opened and self.socket.settled,
                  "the reloaded war room's socket and prompt")

    def run(self, line: str) -> None:
        """Types a line into the terminal, presses Enter, waits for the prompt to return."""
        log = self.socket
        self.wait(lambda: log.settled, "the prompt before typing")
        before = len(log.inputs)
        self.page.locator("#terminal").click()
        self.page.keyboard.type(line)
        self.page.keyboard.press("Enter")
        self.wait(lambda: len(log.inputs) > before, f"the page to send {line!r}")
        assert log.inputs[before] == line, f"the page sent {log.inputs[before]!r}, not {line!r}"
        self.wait(lambda: log.settled, f"the prompt after {line!r}")
        errors = log.of("error")
        assert not errors, f"the server answered {line!r} with {errors}"
        if not log.of("ended"):  # xterm draws asynchronously: wait for the prompt on screen
            prompt = log.of("prompt")[-1]["prompt"].rstrip()
            self.wait(lambda: self.screen().rstrip().endswith(prompt),
                      f"the terminal to draw the prompt after {line!r}")

    def diagnose(self, number: int) -> str:
        """Declares candidate ``number`` in the Diagnose dialog; the verdict shown."""
        log = self.socket
        self.wait(lambda: log.settled, "the prompt before diagnosing")
        answered = len(log.of("game"))
        self.page.locator("#diagnose-button").click()
        dialog = self.page.locator("#diagnose-dialog")
        dialog.wait_for(state="visible")
        dialog.locator(f"input[name=candidate][value='{number}']").check()
        self.page.locator("#diagnose-submit").click()
        self.wait(lambda: len(log.of("game")) > answered and log.settled,
                  "the verdict on the diagnosis")
        result = self.page.locator("#diagnose-result")
        self.wait(lambda: result.inner_text() not in ("", "Checking…"), "the verdict shown")
        verdict = result.inner_text()
        self.page.locator("#diagnose-cancel").click()
        dialog.wait_for(state="hidden")
        return verdict

    def screen(self) -> str:
        """The terminal's visible rows as text."""
        return self.page.locator("#terminal .xterm-rows").inner_text().replace("\xa0", " ")

    def texts(self, selector: str) -> list[str]:
        return [t.replace("\xa0", " ") for t in self.page.locator(selector).all_inner_texts()]


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile: a new player (cookie) for each test."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """Every JavaScript dialog (alert/confirm/prompt) the page opens, and every uncaught
    exception in the page's scripts: a test asserts there are none."""
    seen: list[str] = []

    def record(dialog: Dialog) -> None:
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    page.on("pageerror", lambda error: seen.append(f"uncaught: {error}"))
    return seen


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("PAGERDRILL_SCREENSHOTS_TO_DOCS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def start_session(page: Page, server: LiveServer, seed: int = 0) -> str:
    """A disk-full drill with a fixed seed (the Play button picks a random one), started
    from the page's own context so it belongs to the page's player; its war room URL."""
    page.goto(server.url + "/")
    created = page.request.post(server.url + "/api/sessions",
                                data={"scenario": "disk-full", "seed": seed})
    assert created.status == 201, created.text()
    return server.url + str(created.json()["url"])


# -- the tests --------------------------------------------------------------------------------
def test_the_catalog_lists_the_scenarios(page: Page, live_server: LiveServer,
                                         dialogs: list[str]) -> None:
    page.goto(live_server.url + "/")
    card = page.locator("#scenarios article", has=page.locator("#scenario-disk-full"))
    card.wait_for()
    shown = page.locator("#scenarios article h3").evaluate_all("hs => hs.map(h => h.id)")
    assert shown == [f"scenario-{id_}" for id_ in live_server.scenario_ids]
    scenario = find_scenario("disk-full")
    assert page.locator("#scenario-disk-full").inner_text() == scenario.title
    assert scenario.teaser in card.inner_text()
    assert card.get_by_role("button", name="Play").is_enabled()
    page.locator("#daily-section").wait_for()
    assert page.locator("#status").is_hidden()
    screenshot(page, "catalog")
    assert dialogs == []


def test_the_play_button_starts_a_drill(page: Page, live_server: LiveServer,
                                        dialogs: list[str]) -> None:
    page.goto(live_server.url + "/")
    card = page.locator("#scenarios article", has=page.locator("#scenario-disk-full"))
    card.get_by_role("button", name="Play").click()
    page.wait_for_url("**/play/*")
    room = WarRoom(page)
    room.wait(lambda: bool(room.sockets) and room.socket.settled, "the first prompt")
    page.locator("#scenario-title").filter(has_text=find_scenario("disk-full").title).wait_for()
    assert dialogs == []


def test_play_disk_full_through_to_the_debrief(page: Page, live_server: LiveServer,
                                               dialogs: list[str]) -> None:
    room = WarRoom(page)
    room.open(start_session(page, live_server, seed=0))
    page.locator("#scenario-title").filter(has_text=find_scenario("disk-full").title).wait_for()
    assert page.locator("#alerts li.firing").count() >= 1, room.texts("#alerts li")
    assert page.locator("#objectives li.met").count() == 0
    charts_at_page = room.texts("#dashboards .chart-value")
    assert charts_at_page and "no data" not in charts_at_page

    solution = find_scenario("disk-full").for_seed(0).solution
    reload_after = solution.index("truncate -s 0 /var/log/myapp/app.log") + 1
    verdict = ""
    for i, line in enumerate(solution):
        if room.socket.of("ended"):
            break
        if line.startswith("diagnose "):
            verdict = room.diagnose(int(line.split()[1]))
            continue
        room.run(line)
        if line == "du -sh /var/log/myapp/*":  # the culprit on screen, alerts firing
            assert "app.log" in room.screen()
            screenshot(page, "warroom")
        if i + 1 == reload_after:
            # Mid-game: the terminal shows the earlier commands after a reload, and play goes on.
            on_screen = room.screen()
            room.reload()
            after = room.screen()
            assert line in after and "du -sh /var/log/myapp/*" in after, after
            assert after.rstrip().endswith("root@web-01:~#"), after
            assert on_screen.rstrip().splitlines()[-3:] == after.rstrip().splitlines()[-3:]

    assert verdict.startswith("✓ Root cause declared"), verdict
    assert room.socket.of("ended"), "the solution did not end the drill"
    # The alerts and dashboards followed the fix.
    assert page.locator("#alerts li.resolved").count() >= 1, room.texts("#alerts li")
    assert page.locator("#alerts li.firing").count() == 0, room.texts("#alerts li")
    assert room.texts("#dashboards .chart-value") != charts_at_page
    assert page.locator("#objectives li.met").count() == page.locator("#objectives li").count()

    # The page goes to the debrief by itself.
    page.wait_for_url("**/debrief/*", timeout=15_000)
    page.locator("#report").wait_for()
    grade = page.locator("#grade").inner_text().strip()
    assert re.fullmatch(r"[A-F][+-]?", grade), grade
    assert (page.locator("#outcome").text_content() or "").strip() == "resolved"
    share = page.locator("#share").input_value()
    assert "disk" not in share.lower() and "log" not in share.lower(), share  # no spoilers
    expert = page.locator("#expert").inner_text()
    assert "truncate -s 0" in expert
    screenshot(page, "debrief")
    assert dialogs == []


def test_a_script_in_a_filename_is_shown_not_run(page: Page, live_server: LiveServer,
                                                 dialogs: list[str]) -> None:
    room = WarRoom(page)
    room.open(start_session(page, live_server, seed=0))
    room.run(f"cd /tmp && touch '{XSS}'; ls")
    output = "".join(m["data"] for m in room.socket.of("output"))
    assert XSS in output  # the server sent it as it is...
    page.wait_for_timeout(300)  # ...an onerror would have fired by now
    assert XSS in room.screen()  # ...the terminal shows it as text...
    assert dialogs == []  # ...and nothing ran
    assert page.locator("img[src='x']").count() == 0
