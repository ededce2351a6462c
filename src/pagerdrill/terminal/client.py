"""``pagerdrill play``: the drill in the player's own terminal.

Real time flows: each line is submitted at the monotonic time elapsed since the
page (the only place the game's clock meets the wall clock). Ctrl-C cancels the
line being typed, as in bash; Ctrl-D ends the drill and shows the debrief.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from pagerdrill.game.debrief import DebriefReport, build_report, render_debrief
from pagerdrill.game.session import END_OF_INPUT, Session
from pagerdrill.terminal.render import format_banner, format_events

__all__ = ["CONTINUATION_PROMPT", "play", "setup_readline"]

CONTINUATION_PROMPT = "> "

ReadLine = Callable[[str], str]  # input() semantics: EOFError at Ctrl-D, KeyboardInterrupt at ^C
T = TypeVar("T")


def setup_readline(session: Session) -> None:
    """History and tab completion through the simulated shell (if readline exists here)."""
    try:
        import readline
    except ImportError:  # e.g. Windows without pyreadline: plain input() still works
        return

    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            upto_cursor = readline.get_line_buffer()[: readline.get_endidx()]
            matches[:] = session.complete(upto_cursor)
        return matches[state] if state < len(matches) else None

    readline.clear_history()
    readline.set_completer_delims(" \t\n;|&<>()")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def _shielded(action: Callable[[], T]) -> T:
    """Run a turn with Ctrl-C ignored: a half-applied turn would break the session's log."""
    if threading.current_thread() is not threading.main_thread():
        return action()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return action()
    finally:
        signal.signal(signal.SIGINT, previous)


def _read_command(session: Session, read_line: ReadLine) -> str:
    line = read_line(session.prompt())
    while session.is_incomplete(line):
        line += "\n" + read_line(CONTINUATION_PROMPT)
    return line


def play(session: Session, *, read_line: ReadLine = input,
         write: Callable[[str], None] | None = None,
         clock: Callable[[], float] = time.monotonic,
         colour: bool | None = None) -> DebriefReport:
    """Run the drill until it ends (``end``, every objective, a fatal trap or Ctrl-D)."""
    if write is None:
        def write(text: str) -> None:
            sys.stdout.write(text)
            sys.stdout.flush()
    if colour is None:
        colour = sys.stdout.isatty()
    write(format_banner(session, colour))
    started = clock()
    while not session.finished:
        try:
            line = _read_command(session, read_line)
        except KeyboardInterrupt:
            write("^C\n")
            continue
        except EOFError:
            if session.in_program:  # Ctrl-D leaves psql/redis-cli, not the drill
                line = END_OF_INPUT
            else:
                write("\n")
                session.stop("eof")
                break
        at_ms = int((clock() - started) * 1000)
        turn = _shielded(lambda: session.submit(line, at_ms=at_ms))  # noqa: B023
        output = turn.output
        if output and not output.endswith("\n") and turn.events:
            output += "\n"
        write(output + format_events(turn.events, colour))
    report = build_report(session)
    write("\n" + render_debrief(report))
    return report
