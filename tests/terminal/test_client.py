"""The play loop, driven with injected input, output and clock."""

from __future__ import annotations

from collections.abc import Iterator

from game.kit import new_session
from pagerdrill.game.session import Session
from pagerdrill.terminal.client import play


class Keyboard:
    """Lines as a player types them; "^C" and "^D" stand for the keys."""

    def __init__(self, *keys: str) -> None:
        self.keys: Iterator[str] = iter(keys)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        key = next(self.keys, "^D")
        if key == "^C":
            raise KeyboardInterrupt
        if key == "^D":
            raise EOFError
        return key


class Clock:
    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def drive(session: Session, *keys: str, step: float = 5.0) -> tuple[str, Keyboard]:
    written: list[str] = []
    keyboard = Keyboard(*keys)
    play(session, read_line=keyboard, write=written.append, clock=Clock(step), colour=False)
    return "".join(written), keyboard


def test_banner_prompt_output_and_debrief_on_ctrl_d() -> None:
    session = new_session()
    screen, keyboard = drive(session, "echo hi")
    assert screen.startswith("*** PAGE *** [critical] PagerDuty, Tue 17 Mar 03:07 UTC\n")
    assert "hi\n" in screen
    assert keyboard.prompts == ["root@web-01:~# ", "root@web-01:~# "]
    assert session.end_reason == "eof"
    assert "DEBRIEF: The queue that would not drain" in screen


def test_real_time_is_passed_as_at_ms() -> None:
    session = new_session()
    drive(session, "echo a", "echo b", step=7.25)
    assert [e.t_ms for e in session.log] == [7250, 14500]


def test_ctrl_c_cancels_the_line_and_prompts_again() -> None:
    session = new_session()
    screen, keyboard = drive(session, "^C", "echo after")
    assert "^C\n" in screen
    assert [t.input for t in session.transcript] == ["echo after"]
    assert len(keyboard.prompts) == 3


def test_an_open_quote_continues_with_the_continuation_prompt() -> None:
    session = new_session()
    _, keyboard = drive(session, "echo 'one", "two'")
    assert keyboard.prompts[:2] == ["root@web-01:~# ", "> "]
    assert session.transcript[0].input == "echo 'one\ntwo'"


def test_ctrl_c_in_a_continuation_drops_the_whole_command() -> None:
    session = new_session()
    drive(session, "echo 'one", "^C", "echo ok")
    assert [t.input for t in session.transcript] == ["echo ok"]


def test_events_are_shown_before_the_next_prompt() -> None:
    session = new_session()
    screen, _ = drive(session, "sleep 60", "touch /run/app.up", step=1.0)
    assert "ALERT FIRING (critical) QueueBacklog: Job queue above 50\n" in screen
    assert "#incident <vp-eng> Any update? Customers are asking.\n" in screen
    assert "✓ Objective met (mitigate): The app serves again\n" in screen


def test_the_drill_ends_by_itself_when_every_objective_is_met() -> None:
    session = new_session()
    screen, keyboard = drive(session, "touch /run/app.up", "touch /etc/app/fixed",
                             "touch /etc/app/alert", "echo never")
    assert session.end_reason == "all-objectives"
    assert "The drill is over (every objective is met): resolved." in screen
    assert len(keyboard.prompts) == 3 and "never" not in screen


def test_end_shows_the_debrief() -> None:
    session = new_session()
    screen, _ = drive(session, "end")
    assert session.end_reason == "end"
    assert "Ending the drill.\n" in screen and "Score 0/100, grade F" in screen


def test_colour_only_when_asked() -> None:
    session = new_session()
    written: list[str] = []
    play(session, read_line=Keyboard(), write=written.append, clock=Clock(1), colour=True)
    assert "\x1b[1;31m*** PAGE ***" in written[0]
