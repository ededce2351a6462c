"""Scripted runs and ``pagerdrill test``: a scenario's transcripts replayed over many seeds.

The solution transcript must reach every objective and the ``resolved`` outcome
on every seed; each wrong-path transcript must reach the outcome it declares:
its entry in ``Scenario.wrong_path_outcomes`` (a ``# expect:`` header), else its
name, when that is the outcome itself (``failed``) or ends with it after a colon
(``rm-the-log:unresolved``) or in parentheses (``restart only (mitigated)``).
Each seed plays the scenario as drawn for that seed (``Scenario.for_seed``), so
the transcripts use that seed's host names and paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pagerdrill.game.model import Scenario
from pagerdrill.game.session import Outcome, Session

__all__ = [
    "DEFAULT_SEEDS",
    "ScenarioCheck",
    "SeedRun",
    "check_scenario",
    "expected_outcome",
    "render_check",
    "run_script",
]

DEFAULT_SEEDS = 20
SOLUTION = "solution"
_OUTCOMES = {o.value for o in Outcome}
_SUFFIX = re.compile(r"^(?P<name>.*?)\s*(?::\s*(?P<colon>\w+)|\((?P<paren>\w+)\))\s*$")


def run_script(scenario: Scenario, seed: int, lines: Iterable[str],
               **session_args: Any) -> Session:
    """Submit each line at the scripted cost; lines after the drill ends are not run."""
    session = Session(scenario, seed, **session_args)
    for line in lines:
        if session.finished:
            break
        session.submit(line)
    return session


def expected_outcome(path_name: str) -> str | None:
    name = path_name.strip()
    if name in _OUTCOMES:
        return name
    match = _SUFFIX.match(name)
    found = match and (match.group("colon") or match.group("paren"))
    return found if found in _OUTCOMES else None


@dataclass(frozen=True)
class SeedRun:
    path: str  # "solution" or the wrong path's name
    seed: int
    expected: str
    outcome: str  # "error" when the run raised
    unmet: list[str] = field(default_factory=list)  # the solution's unmet objectives
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.unmet and self.outcome == self.expected


@dataclass
class ScenarioCheck:
    scenario_id: str
    seeds: list[int]
    paths: list[str]
    runs: list[SeedRun]
    problems: list[str] = field(default_factory=list)  # about the scenario, not a seed

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.runs)


def _run_path(scenario: Scenario, path: str, expected: str, lines: list[str], seed: int,
              session_args: dict[str, Any]) -> SeedRun:
    try:
        session = run_script(scenario, seed, lines, **session_args)
    except Exception as exc:  # a broken scenario is reported per seed, never a traceback
        return SeedRun(path, seed, expected, "error", error=f"{type(exc).__name__}: {exc}")
    unmet = [s.objective.id for s in session.objectives if not s.met] if path == SOLUTION else []
    return SeedRun(path, seed, expected, session.outcome.value, unmet)


def check_scenario(scenario: Scenario, seeds: int = DEFAULT_SEEDS,
                   **session_args: Any) -> ScenarioCheck:
    seed_list = list(range(seeds))
    check = ScenarioCheck(scenario.id, seed_list, [SOLUTION], [])
    expected: dict[str, str] = {}
    for name in scenario.wrong_paths:
        outcome = scenario.wrong_path_outcomes.get(name) or expected_outcome(name)
        if outcome is None:
            check.problems.append(f"wrong path {name!r}: it does not declare an outcome "
                                  f"({', '.join(sorted(_OUTCOMES))})")
            continue
        expected[name] = outcome
        check.paths.append(name)
    if not scenario.solution:
        check.problems.append("the scenario has no solution transcript")
    for seed in seed_list:
        try:
            variant = scenario.for_seed(seed)
        except Exception as exc:  # a seed whose variables break the scenario
            error = f"{type(exc).__name__}: {exc}"
            check.runs += [SeedRun(p, seed, expected.get(p, Outcome.RESOLVED.value), "error",
                                   error=error) for p in check.paths]
            continue
        check.runs.append(_run_path(variant, SOLUTION, Outcome.RESOLVED.value,
                                    variant.solution, seed, session_args))
        for name in check.paths[1:]:
            check.runs.append(_run_path(variant, name, expected[name],
                                        variant.wrong_paths.get(name, []), seed, session_args))
    return check


def _cell(run: SeedRun) -> str:
    return f"{run.outcome} {'ok' if run.ok else 'FAIL'}"


def render_check(check: ScenarioCheck) -> str:
    width = max([len(p) for p in check.paths] + [len("unresolved FAIL")]) + 2
    header = "seed  " + "".join(f"{p:<{width}}" for p in check.paths)
    lines = [f"scenario {check.scenario_id}: {len(check.seeds)} seed(s)", header.rstrip()]
    by_seed: dict[int, list[SeedRun]] = {}
    for run in check.runs:
        by_seed.setdefault(run.seed, []).append(run)
    for seed in check.seeds:
        cells = "".join(f"{_cell(r):<{width}}" for r in by_seed.get(seed, []))
        lines.append(f"{seed:>4}  {cells}".rstrip())
    for run in check.runs:
        if run.ok:
            continue
        why = run.error or (f"objectives not met: {', '.join(run.unmet)}" if run.unmet
                            else f"expected {run.expected}, got {run.outcome}")
        lines.append(f"seed {run.seed} {run.path}: {why}")
    lines += [f"problem: {p}" for p in check.problems]
    failed = sum(1 for r in check.runs if not r.ok)
    if check.ok:
        lines.append(f"OK: {check.scenario_id} ({len(check.runs)} runs)")
    else:
        extra = f", {len(check.problems)} problem(s)" if check.problems else ""
        lines.append(f"FAILED: {check.scenario_id} ({failed} of {len(check.runs)} runs "
                     f"failed{extra})")
    return "\n".join(lines) + "\n"
