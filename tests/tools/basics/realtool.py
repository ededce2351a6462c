"""Run a command for real (LC_ALL=C, TZ=UTC) and in the simulation, and compare."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from toolkit import run_tool

__all__ = ["SIM_DIR", "Outcome", "both", "fresh_host"]

SIM_DIR = "/data"

Outcome = tuple[bytes, bytes, int]


def fresh_host() -> Host:
    return add_linux_host(new_world(seed=0), "web-01")


def both(tmp_path: Path, argv: list[str], files: dict[str, bytes], stdin: bytes = b"",
         host: Host | None = None) -> tuple[Outcome, Outcome]:
    """(real, simulated) stdout, stderr, status for ``argv`` run in a dir of ``files``.

    Both sides see the same files under relative names; only the absolute directory
    differs, so the real tmp path is rewritten to SIM_DIR (it is random).
    """
    host = host or fresh_host()
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        host.fs.put(f"{SIM_DIR}/{name}", data)
    env = {"LC_ALL": "C", "TZ": "UTC", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    real = subprocess.run(argv, cwd=tmp_path, input=stdin, capture_output=True, env=env,
                          timeout=20, check=False)
    ours = run_tool(host, argv, stdin, cwd=SIM_DIR)
    real_out = real.stdout.replace(str(tmp_path).encode(), SIM_DIR.encode())
    real_err = real.stderr.replace(str(tmp_path).encode(), SIM_DIR.encode())
    return (real_out, real_err, real.returncode), (ours.stdout, ours.stderr, ours.status)
