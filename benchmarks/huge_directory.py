"""Commands over the inode-exhaustion scenario's session directory (about a million files).

The directory is a formula until a file is touched, so counting and deleting by age
must not cost one Python object per file. Prints the directory's size, the traced
memory of the whole world, and the wall time of each command in a live session.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.hookkit import scenario_vars
from pagerdrill.game.session import Session

SEED = 0
COMMANDS = ("df -i /", "du --inodes -s {dir}", "ls -f {dir} | head -n 3 >/dev/null",
            "find {dir} | wc -l", "ls {dir} | wc -l", "rm -rf {dir}/*",
            "find {dir} -type f -mmin +1440 -delete", "find {dir} -type f | wc -l")


def main() -> int:
    scenario = find_scenario("inode-exhaustion")
    Session(scenario, seed=SEED)  # import and cache what every session shares
    gc.collect()
    tracemalloc.start()
    session = Session(scenario, seed=SEED)
    gc.collect()
    world_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    directory = f"/var/lib/{scenario_vars(session.world)['app']}/sessions"
    print(f"inode-exhaustion seed {SEED}: {directory}")
    print(f"  world after build: {world_bytes / 1024:.0f} KiB traced")
    for template in COMMANDS:
        line = template.format(dir=directory)
        start = time.perf_counter()
        out = session.submit(line).output.strip().splitlines()
        elapsed = time.perf_counter() - start
        shown = f"  -> {out[-1][:40]}" if out and len(out) <= 3 else ""
        print(f"  {elapsed * 1000:9.1f} ms  {line}{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
