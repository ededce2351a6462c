"""The session: one drill in progress, and the one façade both front ends use.

A session is its log. (scenario, seed, [(t_ms, line)]) rebuilds the identical
world, shell and transcript, which gives replay, persistence and scoring that
cannot be faked from a browser. So nothing here reads the wall clock: the front
end says when each line was entered (``at_ms``, ms since the page); a scripted
run charges a fixed :data:`COMMAND_COST_MS` per line instead.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pagerdrill.game.debrief import build_report
from pagerdrill.game.events import (
    AlertEvent,
    ChatEvent,
    DrillEndedEvent,
    Event,
    ObjectiveEvent,
    TrapEvent,
    event_to_json,
)
from pagerdrill.game.ingame import GAME_COMMANDS, complete_game_command, run_game_command
from pagerdrill.game.model import Objective, ObjectiveKind, Scenario, Trap, TrapOutcome
from pagerdrill.tools.api import Editor
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

__all__ = [
    "COMMAND_COST_MS",
    "END_OF_INPUT",
    "DiagnosisAttempt",
    "DrillOver",
    "Editor",
    "LogEntry",
    "ObjectiveState",
    "Outcome",
    "Session",
    "ShellFactory",
    "ShellLike",
    "TrapHit",
    "Turn",
]

COMMAND_COST_MS = 10_000  # a scripted command: typing it, reading its output
# Ctrl-D typed at an interactive program's prompt (psql, redis-cli), as it is logged.
END_OF_INPUT = "\x04"



class ShellResultLike(Protocol):
    @property
    def output(self) -> bytes: ...

    @property
    def exit_status(self) -> int: ...


class ShellLike(Protocol):
    def run(self, line: str) -> ShellResultLike: ...

    def prompt(self) -> str: ...

    def complete(self, line: str) -> list[str]: ...


# (world, host, user, cwd ("" = home), editor) -> the player's login shell.
ShellFactory = Callable[[World, Host, str, str, Editor | None], ShellLike]


class Outcome(enum.Enum):
    RESOLVED = "resolved"  # every mitigate and resolve objective holds
    MITIGATED = "mitigated"  # users are served, the root cause is still there
    UNRESOLVED = "unresolved"
    FAILED = "failed"  # a fail trap (e.g. data loss)


def _quit_without_saving(path: str, data: bytes) -> bytes | None:
    return None


class DrillOver(RuntimeError):
    """Raised by :meth:`Session.submit` once the drill has ended."""


@dataclass(frozen=True)
class LogEntry:
    """One logged input. ``line`` None is a tick: time passing while the player reads.

    ``edits`` are what the player saved in each editor the line opened (None: quit
    without saving), so a replay hands the same bytes back to ``nano``/``vim``.
    ``game`` marks an in-game command sent by a front end's button, which the game
    answers even while an interactive program (psql) holds the terminal.
    """

    t_ms: int  # since the page
    line: str | None
    edits: tuple[bytes | None, ...] = ()
    game: bool = False

    def to_json(self) -> list[Any]:
        """``[t_ms, line]``, plus ``{"edits": [base64|null...], "game": true}`` if any."""
        extra: dict[str, Any] = {}
        if self.edits:
            extra["edits"] = [None if e is None else base64.b64encode(e).decode("ascii")
                              for e in self.edits]
        if self.game:
            extra["game"] = True
        return [self.t_ms, self.line, extra] if extra else [self.t_ms, self.line]

    @classmethod
    def from_json(cls, item: LogEntry | Sequence[Any]) -> LogEntry:
        """From :meth:`to_json`'s form (or a ``(t_ms, line)`` pair); ValueError if malformed."""
        if isinstance(item, LogEntry):
            return item
        if not isinstance(item, (list, tuple)) or len(item) not in (2, 3):
            raise ValueError(f"log entry must be [t_ms, line] or [t_ms, line, extra]: {item!r}")
        t_ms, line = item[0], item[1]
        if not isinstance(t_ms, int) or isinstance(t_ms, bool) or t_ms < 0:
            raise ValueError(f"log entry time must be a non-negative integer: {t_ms!r}")
        if line is not None and not isinstance(line, str):
            raise ValueError(f"log entry line must be a string or null: {line!r}")
        extra = item[2] if len(item) == 3 else {}
        if not isinstance(extra, dict) or set(extra) - {"edits", "game"}:
            raise ValueError(f"log entry extra must be {{edits, game}}: {extra!r}")
        raw, game = extra.get("edits", []), extra.get("game", False)
        if not isinstance(raw, list) or not isinstance(game, bool):
            raise ValueError(f"log entry edits must be a list and game a boolean: {extra!r}")
        try:
            edits = tuple(None if e is None else base64.b64decode(e, validate=True)
                          for e in raw)
        except (TypeError, binascii.Error) as exc:
            raise ValueError(f"log entry edit is not base64: {exc}") from None
        return cls(t_ms, line, edits, game)


@dataclass(frozen=True)
class Turn:
    input: str
    output: str
    exit_status: int
    t: float  # seconds since the page, when the line ran
    prompt: str  # the prompt the line was typed at
    events: tuple[Event, ...] = ()
    game_command: bool = False  # an in-game command (status, hint...), not a shell line

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "exit_status": self.exit_status,
            "t": self.t,
            "prompt": self.prompt,
            "game_command": self.game_command,
            "events": [event_to_json(e) for e in self.events],
        }


@dataclass
class ObjectiveState:
    objective: Objective
    met: bool = False
    met_at: float | None = None  # the first time it held
    changes: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def lost_at(self) -> list[float]:
        """Times it stopped holding after having been met (a regression)."""
        return [t for t, met in self.changes if not met]


@dataclass(frozen=True)
class TrapHit:
    trap: Trap
    t: float


@dataclass(frozen=True)
class DiagnosisAttempt:
    t: float
    number: int
    candidate_id: str
    correct: bool


def default_shell_factory(world: World, host: Host, user: str, cwd: str,
                          editor: Editor | None) -> ShellLike:
    """The real bash-like shell, logged in as the player."""
    from pagerdrill.shell.session_shell import Shell  # late: the game sits above the shell

    shell = Shell(world, host, user)
    if cwd and host.fs.exists(cwd):
        shell.state.cwd = cwd
        shell.state.set_var("PWD", cwd, export=True)
    shell.editor = editor
    return shell


class Session:
    def __init__(self, scenario: Scenario, seed: int, *,
                 shell_factory: ShellFactory | None = None,
                 editor: Editor | None = None) -> None:
        scenario = scenario.for_seed(seed)  # names, sizes and red herrings vary by seed
        self.scenario = scenario
        self.seed = seed
        self.world = scenario.build_world(seed)
        self.page_ms = self.world.clock.now_ms
        host = self.world.host(scenario.player.host)
        if host is None:
            raise ValueError(f"scenario {scenario.id}: no host {scenario.player.host!r}")
        make_shell = shell_factory or default_shell_factory
        self._editor = editor
        self._replayed_edits: list[bytes | None] = []  # the entry being replayed
        self._edits: list[bytes | None] = []  # what this line's editors returned
        self.shell = make_shell(self.world, host, scenario.player.user, scenario.player.cwd,
                                None if editor is None else self._edit)
        self.log: list[LogEntry] = []
        self.transcript: list[Turn] = []
        self.objectives = [ObjectiveState(o) for o in scenario.objectives]
        self.traps: list[TrapHit] = []
        self.hints_used = 0
        self.diagnoses: list[DiagnosisAttempt] = []
        self.mitigated_at: float | None = None
        self.resolved_at: float | None = None
        self.impact_s = 0.0  # seconds users spent unserved since the page
        # Why the drill ended: end, all-objectives, trap, exit, time-limit; eof (stop()).
        self.end_reason: str | None = None
        self._impact_checked_at = 0.0
        self._event_cursor = len(self.world.telemetry.events)
        self._check_objectives()  # the baseline: nothing is reported at t=0

    # -- time ------------------------------------------------------------------
    @property
    def elapsed_ms(self) -> int:
        return self.world.clock.now_ms - self.page_ms

    @property
    def t(self) -> float:
        return self.elapsed_ms / 1000

    def _advance_to(self, target_ms: int) -> None:
        """Advance on the whole-second grid from the page, so any split of the same span
        steps the rules identically (live play and its replay must agree)."""
        now = self.elapsed_ms
        if target_ms <= now:
            return
        offset = now % 1000
        if offset:
            first = min(1000 - offset, target_ms - now)
            self.world.advance(first / 1000)
            now += first
        whole = (target_ms - now) // 1000
        if whole:
            self.world.advance(whole)  # an int: World.advance multiplies by 1000 exactly
            now += whole * 1000
        if target_ms > now:
            self.world.advance((target_ms - now) / 1000)  # < 1 s: exact in float

    # -- the shell -------------------------------------------------------------
    def prompt(self) -> str:
        return self.shell.prompt()

    def complete(self, line: str) -> list[str]:
        return complete_game_command(line) + self.shell.complete(line)

    def is_incomplete(self, line: str) -> bool:
        """True when the line needs more input (an open quote, a trailing ``|``)."""
        from pagerdrill.shell.parser import is_incomplete

        check = getattr(self.shell, "is_incomplete", None)
        return bool(check(line)) if callable(check) else is_incomplete(line)

    # -- turns -----------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.end_reason is not None

    def submit(self, line: str, at_ms: int | None = None) -> Turn:
        """Run one line (a shell command or an in-game command) and report what changed.

        ``at_ms``: the real time since the page when the line was entered (interactive
        play), scaled by the scenario's time speed; None for a scripted line, which
        costs :data:`COMMAND_COST_MS`. Either way a line costs at least the scenario's
        per-command time, time never runs backwards, and it stops at the time limit.
        """
        return self._turn(line, self._target_ms(at_ms))

    def _target_ms(self, at_ms: int | None) -> int:
        rules = self.scenario.time
        now = self.elapsed_ms
        if at_ms is None:
            target = now + max(COMMAND_COST_MS, rules.per_command_ms)
        else:
            target = max(int(at_ms * rules.speed), now + rules.per_command_ms)
        if rules.limit_ms is not None:
            target = max(now, min(target, rules.limit_ms))
        return target

    def game_command(self, line: str, at_ms: int | None = None) -> Turn:
        """An in-game command (``hint``, ``diagnose 2``, ``end``...) from a front end's
        button: the game answers it even while psql holds the terminal."""
        words = line.split()
        if not words or words[0] not in GAME_COMMANDS:
            raise ValueError(f"not an in-game command: {line!r}")
        return self._turn(line, self._target_ms(at_ms), game=True)

    def tick(self, at_ms: int) -> list[Event]:
        """Let time pass with no input (the player is reading a dashboard): the alerts,
        chat and metrics up to ``at_ms`` (real ms since the page, as in :meth:`submit`).
        Logged, so a replay passes the same time the same way; nothing if no time passes."""
        if self.finished:
            return []
        rules = self.scenario.time
        target = int(at_ms * rules.speed)
        if rules.limit_ms is not None:
            target = min(target, rules.limit_ms)
        if target <= self.elapsed_ms:
            return []
        self._advance_to(target)
        self.log.append(LogEntry(target, None))
        return self._collect_events()

    def _edit(self, path: str, data: bytes) -> bytes | None:
        """The editor the shell sees: a replay hands back what was saved, else the front
        end's editor is asked; every answer is kept for the log."""
        if self._replayed_edits:
            saved = self._replayed_edits.pop(0)
        elif self._editor is not None:
            saved = self._editor(path, data)
        else:
            saved = None
        self._edits.append(saved)
        return saved

    def _turn(self, line: str, target_ms: int,
              replayed_edits: tuple[bytes | None, ...] = (), *, game: bool = False) -> Turn:
        if self.finished:
            raise DrillOver("the drill is over")
        self._advance_to(target_ms)
        self._replayed_edits, self._edits = list(replayed_edits), []
        prompt = self.shell.prompt()
        # At a program's own prompt (psql's appdb=#), every line is that program's.
        reply = None if self.in_program and not game else run_game_command(self, line)
        if reply is not None:
            output, status, game = reply.output, reply.exit_status, True
            if reply.ends:
                self.end_reason = "end"
        else:
            output, status, game = self._run_shell(line)
        self.log.append(LogEntry(target_ms, line, tuple(self._edits), game))
        self._replayed_edits, self._edits = [], []
        events = self._collect_events()
        turn = Turn(line, output, status, target_ms / 1000, prompt, tuple(events), game)
        self.transcript.append(turn)
        return turn

    def stop(self, reason: str = "end") -> None:
        """End the drill without a turn (end of input, Ctrl-D); no time passes."""
        if self.end_reason is None:
            self.end_reason = reason

    @property
    def in_program(self) -> bool:
        """An interactive program (psql, redis-cli) holds the terminal."""
        return getattr(self.shell, "repl", None) is not None

    def _run_shell(self, line: str) -> tuple[str, int, bool]:
        if line == END_OF_INPUT:
            end = getattr(self.shell, "end_of_input", None)
            output = end() if callable(end) else None
            return (output or b"").decode("utf-8", errors="replace"), 0, False
        try:
            result = self.shell.run(line)
        except Exception as exc:  # a simulator bug must not end the player's drill
            return f"pagerdrill: internal error: {type(exc).__name__}: {exc}\n", 70, False
        if getattr(self.shell, "exited", False) and self.end_reason is None:
            self.end_reason = "exit"  # logged out of the start host: the drill is over
        return result.output.decode("utf-8", errors="replace"), result.exit_status, False

    def _collect_events(self) -> list[Event]:
        limit = self.scenario.time.limit_ms
        events: list[Event] = self._telemetry_events()
        events += self._check_objectives()
        events += self._check_traps()
        if self.end_reason is None:
            if any(h.trap.outcome is TrapOutcome.FAIL for h in self.traps):
                self.end_reason = "trap"
            elif self.objectives and all(s.met for s in self.objectives):
                self.end_reason = "all-objectives"
            elif limit is not None and self.elapsed_ms >= limit:
                self.end_reason = "time-limit"
        if self.end_reason is not None:
            events.append(DrillEndedEvent(self.t, self.outcome.value, self.end_reason))
        return events

    def _telemetry_events(self) -> list[Event]:
        telemetry = self.world.telemetry
        fresh = telemetry.events[self._event_cursor:]
        self._event_cursor = len(telemetry.events)
        events: list[Event] = []
        for e in fresh:
            t = (e.t_ms - self.page_ms) / 1000
            if e.kind == "chat":
                events.append(ChatEvent(t, e.source, e.text))
            else:
                alert = telemetry.alerts.get(e.source)
                severity = alert.rule.severity if alert else ""
                state = "firing" if e.kind == "alert-firing" else "resolved"
                events.append(AlertEvent(t, e.source, severity, e.text, state))
        return events

    def _check_objectives(self) -> list[Event]:
        t = self.t
        if not self._mitigated_now():  # impact accrues over the span that just ended
            self.impact_s += t - self._impact_checked_at
        self._impact_checked_at = t
        events: list[Event] = []
        for state in self.objectives:
            met = bool(state.objective.met(self.world))
            if met == state.met:
                continue
            state.met = met
            state.changes.append((t, met))
            if met and state.met_at is None:
                state.met_at = t
            o = state.objective
            events.append(ObjectiveEvent(t, o.id, o.kind.value, o.description, met))
        if self.mitigated_at is None and self._mitigated_now():
            self.mitigated_at = t
        if self.resolved_at is None and self._resolved_now():
            self.resolved_at = t
        return events

    def _check_traps(self) -> list[Event]:
        fired = {h.trap.id for h in self.traps}
        events: list[Event] = []
        for trap in self.scenario.traps:
            if trap.id in fired or not trap.triggered(self.world):
                continue
            self.traps.append(TrapHit(trap, self.t))
            # A penalty is the player's to discover (df still says 100%); the debrief
            # names it. Only a drill-ending trap is announced when it happens.
            if trap.outcome is TrapOutcome.FAIL:
                events.append(TrapEvent(self.t, trap.id, trap.description, trap.consequence,
                                        True, trap.destructive))
        return events

    def _held(self, *kinds: ObjectiveKind) -> bool:
        return all(s.met for s in self.objectives if s.objective.kind in kinds)

    def _mitigated_now(self) -> bool:
        return self._held(ObjectiveKind.MITIGATE)

    @property
    def users_served(self) -> bool:
        """Every mitigate objective holds (as of the last check)."""
        return self._mitigated_now()

    def _resolved_now(self) -> bool:
        return self._held(ObjectiveKind.MITIGATE, ObjectiveKind.RESOLVE)

    # -- what the game tracks ----------------------------------------------------
    @property
    def user_impact(self) -> float:
        """Seconds users have been unserved since the page, up to now."""
        ongoing = 0.0 if self._mitigated_now() else self.t - self._impact_checked_at
        return self.impact_s + ongoing

    @property
    def outcome(self) -> Outcome:
        if any(h.trap.outcome is TrapOutcome.FAIL for h in self.traps):
            return Outcome.FAILED
        if self._resolved_now():
            return Outcome.RESOLVED
        if self._mitigated_now():
            return Outcome.MITIGATED
        return Outcome.UNRESOLVED

    def take_hint(self) -> str | None:
        """The next progressive hint, or None when all have been given."""
        if self.hints_used >= len(self.scenario.hints):
            return None
        self.hints_used += 1
        return self.scenario.hints[self.hints_used - 1]

    @property
    def diagnosed(self) -> DiagnosisAttempt | None:
        """The correct declaration once made, else the last wrong one (or None)."""
        right = [d for d in self.diagnoses if d.correct]
        return right[0] if right else (self.diagnoses[-1] if self.diagnoses else None)

    def declare(self, number: int) -> DiagnosisAttempt:
        candidate = self.scenario.candidate(number)
        if candidate is None:
            raise ValueError(f"no candidate {number}")
        attempt = DiagnosisAttempt(self.t, number, candidate.id, candidate.correct)
        self.diagnoses.append(attempt)
        return attempt

    # -- persistence -------------------------------------------------------------
    @classmethod
    def replay(cls, scenario: Scenario, seed: int,
               log: Iterable[LogEntry | Sequence[Any]], **kwargs: Any) -> Session:
        """Rebuild the identical session from its log (the times are the effective ones).

        Entries may be :class:`LogEntry` or their JSON form; ValueError if one is malformed.
        """
        entries = [LogEntry.from_json(e) for e in log]
        if "editor" not in kwargs and any(e.edits for e in entries):
            kwargs["editor"] = _quit_without_saving  # the recorded edits answer first
        session = cls(scenario, seed, **kwargs)
        for entry in entries:
            if session.finished:
                break
            session.apply(entry)
        return session

    def apply(self, entry: LogEntry) -> list[Event]:
        """Run one logged entry exactly as it ran when it was logged (replay, or catching
        up with entries another server process stored); its events."""
        if entry.line is not None:
            return list(self._turn(entry.line, entry.t_ms, entry.edits, game=entry.game).events)
        if self.finished:
            raise DrillOver("the drill is over")
        self._advance_to(entry.t_ms)
        self.log.append(entry)
        return self._collect_events()

    def log_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario.id, "seed": self.seed,
                "log": [e.to_json() for e in self.log]}

    def to_json(self) -> dict[str, Any]:
        """The result document of ``pagerdrill run --json``."""
        report = build_report(self)
        diagnosis = report.diagnosis
        return {
            "scenario": self.scenario.id,
            "seed": self.seed,
            "transcript": [{"input": t.input, "output": t.output,
                            "exit_status": t.exit_status, "t": t.t} for t in self.transcript],
            "objectives": [{"id": s.objective.id, "kind": s.objective.kind.value,
                            "met": s.met, "met_at": s.met_at, "lost_at": s.lost_at}
                           for s in self.objectives],
            "diagnosis": None if diagnosis is None else {
                "choice": diagnosis.number, "candidate": diagnosis.candidate_id,
                "correct": diagnosis.correct, "first_try": diagnosis.first_try},
            "score": report.score.total,
            "grade": report.score.grade,
            "outcome": self.outcome.value,
            "end_reason": self.end_reason,
            "hints_used": self.hints_used,
            "traps": [{"id": h.trap.id, "t": h.t, "outcome": h.trap.outcome.value,
                       "destructive": h.trap.destructive} for h in self.traps],
            "time_to_mitigate": self.mitigated_at,
            "time_to_resolve": self.resolved_at,
        }
