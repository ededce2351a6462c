"""Memory of one live session after its solution transcript (tracemalloc).

Scenario loading and the process-wide caches (parsed scenario, rendered log
chunks) are shared by every session in a server, so the figure is the marginal
cost: the traced memory held by N live sessions, divided by N.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc

from pagerdrill.game.catalog import builtin_scenarios
from pagerdrill.game.model import Scenario
from pagerdrill.game.session import Session

SESSIONS = 20


def play(scenario: Scenario, seed: int) -> Session:
    """A session that has run its seed's solution transcript."""
    session = Session(scenario, seed=seed)
    for line in scenario.for_seed(seed).solution:
        if session.finished:
            break
        session.submit(line)
    return session


def main() -> int:
    for scenario in builtin_scenarios():
        measure(scenario)
    return 0


def measure(scenario: Scenario) -> None:
    play(scenario, 0)  # import and cache everything shared once

    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    live = []
    for seed in range(SESSIONS):
        live.append(play(scenario, seed))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    per_session = held / SESSIONS / 1024
    outcomes = {s.outcome.value for s in live}
    print(f"{scenario.id}: {SESSIONS} live sessions after the solution transcript "
          f"(outcomes: {sorted(outcomes)}): {per_session:.0f} KiB per session "
          "(target: at most 512 KiB)")


if __name__ == "__main__":
    sys.exit(main())
