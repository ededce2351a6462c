"""Per-command latency: simulated tools against the real tools on this machine.

The simulated side runs each command line through the player's shell in a live
``disk-full`` session. The real side runs the same command line with bash and
GNU coreutils over a materialised copy of the files it reads: the same names
and the same bytes (files larger than CAP, i.e. the 64G log, are cut at CAP;
no command below reads them). Both sides are timed in the same run, each
command repeated; the figure is the median over commands of
(real median / simulated median).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pagerdrill.game.catalog import find_scenario
from pagerdrill.game.session import Session
from pagerdrill.world.fs import Inode

REPEAT = 25
CAP = 64 * 1024 * 1024  # bytes materialised per file

COMMANDS = [
    "df -h",
    "du -sh /var/log/*",
    "du -sh /var/log/nginx/*",
    "ls -la /var/log",
    "grep -c ' 500 ' /var/log/nginx/access.log",
    "tail -n 20 /var/log/nginx/error.log",
    "wc -l /var/log/nginx/access.log",
    "cat /etc/logrotate.d/myapp",
    "find /var/log -name '*.gz' -mtime +7",
    "sort /etc/passwd | cut -d: -f1 | head -5",
]


def materialise(session: Session, root: Path) -> None:
    """Write the session's /etc and /var/log into ``root`` (files capped at CAP)."""
    fs = session.world.hosts[session.scenario.player.host].fs

    def copy(inode: Inode, path: str) -> None:
        target = root / path.lstrip("/")
        if inode.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            for name, child in fs.children(inode):
                copy(child, f"{path.rstrip('/')}/{name}")
        elif inode.is_file and inode.content is not None:
            target.write_bytes(inode.content.read(0, min(inode.size, CAP)))
            os.utime(target, (inode.mtime_ms / 1000, inode.mtime_ms / 1000))

    for top in ("/etc", "/var/log"):
        copy(fs.lookup(top), top)


def median_seconds(run: object, repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    session = Session(find_scenario("disk-full"), seed=0)
    shell = session.shell
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        materialise(session, root)
        print(f"{'command':<45} {'simulated':>11} {'real':>11} {'ratio':>8}")
        for command in COMMANDS:
            real_line = command.replace(" /", f" {root}/") if command != "df -h" else command

            def simulated(line: str = command) -> None:
                shell.run(line)

            def real(line: str = real_line) -> None:
                subprocess.run(["bash", "-c", line], cwd=root, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False,
                               env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})

            sim_s, real_s = median_seconds(simulated), median_seconds(real)
            ratios.append(real_s / sim_s)
            print(f"{command:<45} {sim_s * 1e3:>9.3f}ms {real_s * 1e3:>9.3f}ms "
                  f"{real_s / sim_s:>7.1f}x")
    figure = statistics.median(ratios)
    print(f"\nmedian ratio real/simulated: {figure:.1f}x (target: at least 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
