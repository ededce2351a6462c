"""In-game commands: intercepted before the shell, the same in every front end.

They are not shell commands (the debrief's timeline leaves them out) but they
take time like anything else the player does. A line is an in-game command when
its first word is one of :data:`GAME_COMMANDS` and it has no shell syntax
(``status | less`` goes to the shell); ``help`` with an argument is bash's help.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.game.debrief import format_duration, format_t
from pagerdrill.game.units import parse_duration
from pagerdrill.world.telemetry import Gauge, Sample

if TYPE_CHECKING:
    from pagerdrill.game.session import Session

__all__ = [
    "DASHBOARD_WINDOW_MS",
    "GAME_COMMANDS",
    "GameReply",
    "complete_game_command",
    "format_value",
    "run_game_command",
    "sparkline",
    "time_sparkline",
]

DASHBOARD_WINDOW_MS = 30 * 60 * 1000
_MAX_WINDOW_MS = 30 * 86_400_000
SPARK_WIDTH = 36
_BARS = "▁▂▃▄▅▆▇█"
_SHELL_SYNTAX = set("|&;<>()$`\\\"'*?[]{}=")


@dataclass(frozen=True)
class GameReply:
    output: str
    exit_status: int = 0
    ends: bool = False  # the drill ends after this command


def _status(session: Session, args: list[str]) -> GameReply:
    lines = [f"{session.scenario.title}: {format_t(session.t)} since the page", "Objectives:"]
    for s in session.objectives:
        mark = "✓" if s.met else "✗"
        note = f"  (met {format_t(s.met_at)}" if s.met_at is not None else ""
        if s.lost_at:
            note += ", LOST " + ", ".join(format_t(t) for t in s.lost_at)
        note += ")" if note else ""
        lines.append(f"  {mark} {s.objective.kind.value:<8}  {s.objective.description}{note}")
    ongoing = "" if session.users_served else " (ongoing)"
    lines.append(f"User impact so far: {format_duration(session.user_impact)} "
                 f"of users unserved{ongoing}")
    d = session.diagnosed
    declared = "not declared" if d is None else (
        f"#{d.number} ({'right' if d.correct else 'wrong'})")
    lines.append(f"Hints used: {session.hints_used}/{len(session.scenario.hints)}"
                 f"   Diagnosis: {declared}")
    return GameReply("\n".join(lines) + "\n")


def _hint(session: Session, args: list[str]) -> GameReply:
    total = len(session.scenario.hints)
    hint = session.take_hint()
    if hint is None:
        return GameReply(f"No more hints (you have used all {total}).\n", 1)
    return GameReply(f"Hint {session.hints_used}/{total}: {hint}\n")


def _candidates(session: Session) -> str:
    lines = ["What is the root cause? Declare it with `diagnose N`:"]
    lines += [f"  {i}. {c.text}" for i, c in enumerate(session.scenario.candidates, 1)]
    return "\n".join(lines) + "\n"


def _diagnose(session: Session, args: list[str]) -> GameReply:
    if not args:
        return GameReply(_candidates(session))
    done = session.diagnosed
    if done is not None and done.correct:
        return GameReply(f"You already identified the root cause (#{done.number}).\n")
    count = len(session.scenario.candidates)
    if len(args) > 1 or not args[0].isdigit() or session.scenario.candidate(int(args[0])) is None:
        return GameReply(f"diagnose: {' '.join(args)}: not a candidate number (1-{count})\n", 2)
    attempt = session.declare(int(args[0]))
    candidate = session.scenario.candidate(attempt.number)
    assert candidate is not None
    if attempt.correct:
        return GameReply(f"✓ Root cause declared: {candidate.text}\n"
                         "Now fix it: the drill checks the system, not your words.\n")
    return GameReply("✗ That is not the root cause. Keep investigating;\n"
                     "you may declare again (each wrong guess costs points).\n")


def _alerts(session: Session, args: list[str]) -> GameReply:
    telemetry = session.world.telemetry
    page, now = session.page_ms, session.world.clock.now_ms

    def rel(ms: int | None) -> str:
        return format_t(((ms or 0) - page) / 1000)

    firing = telemetry.firing()
    lines = ["Firing:" if firing else "No alerts firing."]
    lines += [f"  {a.rule.severity:<9} {a.rule.name}  {a.rule.summary}  "
              f"(since {rel(a.fired_at_ms)})" for a in firing]
    recent = [a for a in telemetry.alerts.values() if a.state != "firing"
              and a.resolved_at_ms is not None and now - a.resolved_at_ms <= DASHBOARD_WINDOW_MS]
    if recent:
        lines.append("Resolved in the last 30 minutes:")
        lines += [f"  {a.rule.severity:<9} {a.rule.name}  {a.rule.summary}  "
                  f"(fired {rel(a.fired_at_ms)}, resolved {rel(a.resolved_at_ms)})"
                  for a in recent]
    return GameReply("\n".join(lines) + "\n")


def sparkline(values: list[float], width: int = SPARK_WIDTH,
              bounds: tuple[float, float] | None = None) -> str:
    """Values as block characters; each character is the peak of its bucket."""
    if not values:
        return ""
    size = math.ceil(len(values) / width)
    peaks = [max(values[i:i + size]) for i in range(0, len(values), size)]
    low, high = bounds if bounds is not None else (min(values), max(values))
    if high <= low:
        return _BARS[3] * len(peaks)
    top = len(_BARS) - 1
    return "".join(_BARS[max(0, min(top, round((v - low) / (high - low) * top)))]
                   for v in peaks)


def time_sparkline(samples: list[Sample], width: int = SPARK_WIDTH,
                   bounds: tuple[float, float] | None = None) -> str:
    """Samples as block characters on a time axis from the first sample to the last.

    History before the page is coarser (minutes apart) than live samples (seconds
    apart): each character covers an equal slice of time, shows the peak of the
    samples in it, and a slice with none lies on the line between its neighbours
    (as a graph draws it). At most one character per sample.
    """
    if not samples:
        return ""
    count = min(width, len(samples))
    first, span = samples[0].t_ms, samples[-1].t_ms - samples[0].t_ms
    values = [s.value for s in samples]
    if bounds is None:
        bounds = (min(values), max(values))
    if span <= 0:
        return sparkline(values, width, bounds)
    peaks: list[float | None] = [None] * count
    for sample in samples:
        slot = min(count - 1, (sample.t_ms - first) * count // span)
        held = peaks[slot]
        peaks[slot] = sample.value if held is None else max(held, sample.value)
    known = [(i, peak) for i, peak in enumerate(peaks) if peak is not None]
    filled = [0.0] * count
    for (i, a), (j, b) in itertools.pairwise(known):
        for k in range(i, j):
            filled[k] = a + (b - a) * (k - i) / (j - i)
    filled[-1] = known[-1][1]
    return sparkline(filled, count, bounds)


def _window_label(ms: int) -> str:
    for unit, size in (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000),
                       ("second", 1000)):
        if ms % size == 0:
            n = ms // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return f"{ms / 1000:g} seconds"


# Byte units a dashboard shows scaled, as Grafana does: 66825428992 B is "62.2 GiB".
_BYTE_UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
_PREFIXES = ("B", "KiB", "MiB", "GiB", "TiB")


def format_value(value: float, unit: str) -> str:
    """A gauge reading with its unit, byte units scaled to the largest that fits."""
    if unit in _BYTE_UNITS:
        value *= _BYTE_UNITS[unit]
        step = 0
        while abs(value) >= 1024 and step < len(_PREFIXES) - 1:
            value /= 1024
            step += 1
        unit = _PREFIXES[step]
    number = f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return f"{number}%" if unit == "%" else f"{number} {unit}".rstrip()


def _gauge_row(gauge: Gauge, samples: list[Sample], title_width: int) -> str:
    if not samples:
        return f"  {gauge.title:<{title_width}}  (no data yet)"
    bounds = (0.0, 100.0) if gauge.unit == "%" else None
    line = time_sparkline(samples, bounds=bounds)
    return (f"  {gauge.title:<{title_width}}  {line:<{SPARK_WIDTH}}  "
            f"{format_value(samples[-1].value, gauge.unit)}")


def _dashboard(session: Session, args: list[str]) -> GameReply:
    """``dashboard [RANGE]``: the gauges over the last 30 minutes, or RANGE (6h, 2d...),
    history from before the page included."""
    telemetry = session.world.telemetry
    window = DASHBOARD_WINDOW_MS
    if args:
        try:
            window = parse_duration(args[0]) if len(args) == 1 else 0
        except ValueError:
            window = 0
        if not 1000 <= window <= _MAX_WINDOW_MS:
            return GameReply(f"dashboard: {' '.join(args)}: not a time range "
                             f"(e.g. 30m, 6h, 2d; at most 30d)\n", 2)
    if not telemetry.gauges:
        return GameReply("No dashboards for this system.\n")
    since = session.world.clock.now_ms - window
    width = max(len(g.title) for g in telemetry.gauges.values())
    lines = [f"Dashboard: last {_window_label(window)}, now {format_t(session.t)}"]
    for name, gauge in telemetry.gauges.items():
        series = telemetry.series.get(name)
        samples = series.since(since) if series is not None else []
        lines.append(_gauge_row(gauge, samples, width))
    return GameReply("\n".join(lines) + "\n")


def _chat(session: Session, args: list[str]) -> GameReply:
    chat = session.world.telemetry.chat
    if not chat:
        return GameReply("#incident: no messages yet.\n")
    lines = ["#incident"]
    lines += [f"  [{format_t((m.t_ms - session.page_ms) / 1000)}] {m.author}: {m.text}"
              for m in chat]
    return GameReply("\n".join(lines) + "\n")


def _help(session: Session, args: list[str]) -> GameReply:
    player = session.scenario.player
    return GameReply(
        f"You are on call, logged in as {player.user} on {player.host}. This is bash:\n"
        "investigate and fix with the usual tools. In-game commands (they take time too):\n"
        "  status        objectives, clock since the page, user impact so far\n"
        "  hint          the next hint (each one costs points)\n"
        "  diagnose      list the possible root causes; `diagnose N` declares one\n"
        "  alerts        firing and recently resolved alerts\n"
        "  dashboard     the key metrics over the last 30 minutes (`dashboard 6h`: longer)\n"
        "  chat          the incident channel\n"
        "  help          this help (`help NAME` is bash's help)\n"
        "  end           end the drill and see the debrief\n")


def _end(session: Session, args: list[str]) -> GameReply:
    return GameReply("Ending the drill.\n", ends=True)


_Handler = Callable[["Session", list[str]], GameReply]
_HANDLERS: dict[str, tuple[_Handler, bool]] = {  # name -> (handler, takes arguments)
    "status": (_status, False),
    "hint": (_hint, False),
    "diagnose": (_diagnose, True),
    "alerts": (_alerts, False),
    "dashboard": (_dashboard, True),
    "chat": (_chat, False),
    "help": (_help, False),
    "end": (_end, False),
}
GAME_COMMANDS = tuple(_HANDLERS)


def run_game_command(session: Session, line: str) -> GameReply | None:
    """The reply to an in-game command, or None when the line is for the shell."""
    words = line.split()
    if not words or words[0] not in _HANDLERS or _SHELL_SYNTAX & set(line):
        return None
    handler, takes_args = _HANDLERS[words[0]]
    if words[1:] and not takes_args:
        if words[0] == "help":
            return None
        return GameReply(f"{words[0]}: takes no arguments (type `help`)\n", 2)
    return handler(session, words[1:])


def complete_game_command(line: str) -> list[str]:
    """In-game command names completing the first word of ``line``."""
    if " " in line.lstrip():
        return []
    word = line.lstrip()
    return [name for name in GAME_COMMANDS if name.startswith(word)] if word else []
