"""Run a command both for real (GNU, LC_ALL=C) and in the simulation, and compare."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from toolkit import Result, run_tool

__all__ = ["SIM_DIR", "Outcome", "both", "fresh_host"]

SIM_DIR = "/data"


def fresh_host() -> Host:
    return add_linux_host(new_world(seed=0), "web-01")


Outcome = tuple[bytes, bytes, int]


def both(tmp_path: Path, argv: list[str], files: dict[str, bytes], stdin: bytes = b"",
         real_argv: list[str] | None = None, host: Host | None = None
         ) -> tuple[Outcome, Outcome]:
    """(real, simulated) stdout, stderr and status for ``argv`` run in a dir of ``files``.

    Both runs use relative paths from a directory holding the same files, so
    output matches byte for byte; only the absolute directory differs, and it is
    rewritten to SIM_DIR in the real stderr (the tmp path is random).
    """
    host = host or fresh_host()
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        host.fs.put(f"{SIM_DIR}/{name}", data)
    env = {"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    real = subprocess.run(real_argv or argv, cwd=tmp_path, input=stdin, capture_output=True,
                          env=env, timeout=20, check=False)
    ours: Result = run_tool(host, argv, stdin, cwd=SIM_DIR)
    real_err = real.stderr.replace(str(tmp_path).encode(), SIM_DIR.encode())
    return (real.stdout, real_err, real.returncode), (ours.stdout, ours.stderr, ours.status)
