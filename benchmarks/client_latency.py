"""Simulated psql and redis-cli against the real clients and servers on this machine.

The simulated side runs each command line through the player's shell (a world
with a PostgreSQL model holding leaked idle-in-transaction backends, and a Redis
model); the real side runs the real client against the real local server
(127.0.0.1:5432 database ``test``, 127.0.0.1:6379 db 9). Both in the same run;
the figure is the median over command lines of (real median / simulated median).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from pagerdrill.shell.session_shell import Shell
from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.cache import install_redis
from pagerdrill.world.database import PgServer, attach

REPEAT = 30
BY_STATE = "SELECT state, count(*) FROM pg_stat_activity GROUP BY state;"
LONGEST = ("SELECT pid, now() - pg_stat_activity.query_start AS duration, query, state "
           "FROM pg_stat_activity WHERE state != 'idle' ORDER BY duration DESC;")
PSQL = [BY_STATE, LONGEST, "SHOW max_connections;"]
REDIS = ["SET bench:k hello", "GET bench:k", "INCR bench:n", "TTL bench:k", "DBSIZE"]


def shell_with_servers() -> Shell:
    world = new_world(seed=0)
    host = add_linux_host(world, "db-01")
    now = world.clock.now_ms * 1000
    server = attach(host, PgServer(start_us=now - 86_400_000_000))
    server.add_role("myapp")
    server.add_database("appdb", owner="myapp")
    for i in range(40):
        backend = server.connect("myapp", "appdb", now - 400_000_000, application_name="node-pg")
        backend.state, backend.query = "idle in transaction", "SELECT * FROM users WHERE id = $1"
        backend.query_start = backend.xact_start = now - 300_000_000 - i * 1_000_000
    install_redis(world, host)
    return Shell(world, host, "root")


def median_seconds(run: Callable[[], object]) -> float:
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def real(argv: list[str]) -> Callable[[], object]:
    return lambda: subprocess.run(argv, capture_output=True, check=False)


def main() -> int:
    shell = shell_with_servers()
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = []
    for sql in PSQL:
        line = f'psql -U myapp -d appdb -c "{sql}"'
        cases.append((f"psql -c {sql[:40]}", lambda line=line: shell.run(line),
                      real(["psql", "-X", "-h", "127.0.0.1", "-d", "test", "-c", sql])))
    for command in REDIS:
        cases.append((f"redis-cli {command}", lambda c=command: shell.run(f"redis-cli {c}"),
                      real(["redis-cli", "-n", "9", *command.split()])))
    shell.run(f'psql -U myapp -d appdb -c "{BY_STATE}"')  # load the SQL engine once
    ratios = []
    print(f"{'command':<52} {'simulated':>11} {'real':>11} {'ratio':>7}")
    for label, simulated, actual in cases:
        sim_s, real_s = median_seconds(simulated), median_seconds(actual)
        ratios.append(real_s / sim_s)
        print(f"{label:<52} {sim_s * 1e3:>9.3f}ms {real_s * 1e3:>9.3f}ms {real_s / sim_s:>6.1f}x")
    subprocess.run(["redis-cli", "-n", "9", "DEL", "bench:k", "bench:n"], capture_output=True,
                   check=False)
    print(f"\nmedian ratio real/simulated: {statistics.median(ratios):.1f}x "
          "(target: at least 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
