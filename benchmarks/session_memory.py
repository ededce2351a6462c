"""Memory of one live session after its solution transcript (tracemalloc).

Scenario loading and the process-wide caches (parsed scenario, rendered log
chunks) are shared by every session in a server, so the figure is the marginal
cost: the traced memory held by N live sessions, divided by N.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc

from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.session import Session

SESSIONS = 20


def main() -> int:
    scenario = find_scenario("disk-full")
    warm = Session(scenario, seed=0)  # import and cache everything shared once
    for line in scenario.for_seed(0).solution:
        warm.submit(line)
    del warm
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    live = []
    for seed in range(SESSIONS):
        session = Session(scenario, seed=seed)
        for line in scenario.for_seed(seed).solution:
            if session.finished:
                break
            session.submit(line)
        live.append(session)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    per_session = held / SESSIONS / 1024
    outcomes = {s.outcome.value for s in live}
    print(f"{SESSIONS} live sessions after the solution transcript (outcomes: {sorted(outcomes)})")
    print(f"memory per live session: {per_session:.0f} KiB (target: at most 512 KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
