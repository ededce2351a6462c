"""Our memlab against the real one (memlab 2.0.5) on the same simulated snapshots.

The real memlab comes from tests/reference (``scripts/test`` installs it with npm), or
from $MEMLAB. Real memlab prints progress lines that a
terminal overwrites (``parsing ...``, ``calculating ...``): they are dropped
before comparing, as they never stay on a player's screen.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from tests.toolkit import run_tool
from tests.world.node.gateway import REPO, gateway_host

from pagerdrill.world.host import Host
from pagerdrill.world.process import Signal

INSTALLED = Path(__file__).resolve().parents[2] / "reference/node_modules/.bin/memlab"
MEMLAB = os.environ.get("MEMLAB") or (str(INSTALLED) if INSTALLED.exists() else "")
_PROGRESS = re.compile(r"^(parsing |calculating |building |propagating |identifying |"
                       r"annotating |marking |Checking unbounded|start analysis)")

if not MEMLAB and os.environ.get("CI") == "true":
    raise RuntimeError(f"the real memlab is required in CI: {INSTALLED} is missing "
                       "(scripts/test installs it)")
pytestmark = pytest.mark.skipif(
    not MEMLAB, reason="no real memlab: run scripts/test (npm ci in tests/reference) or set MEMLAB")


def real(args: list[str], cwd: Path) -> str:
    done = subprocess.run([MEMLAB, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)
    text = (done.stdout + done.stderr).replace("\x1b[K", "")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return "".join(line for line in text.splitlines(keepends=True)
                   if not _PROGRESS.match(line))


def snapshots(tmp_path: Path) -> tuple[Host, list[str]]:
    host = gateway_host()
    host.world.advance(17 * 3600)  # past 1000 sockets: unbound-shape reports them
    pid = host.services.find("gw").main_pid or 0
    for _ in range(2):
        host.procs.kill(pid, Signal.SIGUSR2)
        host.world.advance(300)
    names = sorted(n for n in host.fs.listdir(host.fs.lookup(REPO)) if n.endswith("snapshot"))
    for name in names:
        data = b"".join(host.fs.read_stream(host.fs.lookup(f"{REPO}/{name}")))
        (tmp_path / name).write_bytes(data)
    return host, names


@pytest.mark.parametrize("plugin", ["unbound-object", "unbound-shape"])
def test_analyze(plugin: str, tmp_path: Path) -> None:
    host, _ = snapshots(tmp_path)
    ours = run_tool(host, ["npx", "memlab", "analyze", plugin, "--snapshot-dir", REPO])
    assert ours.err == real(["analyze", plugin, "--snapshot-dir", str(tmp_path)], tmp_path)


def test_trace(tmp_path: Path) -> None:
    host, names = snapshots(tmp_path)
    args = ["trace", "--snapshot", names[-1], "--node-id=@40007"]
    ours = run_tool(host, ["npx", "memlab", *args], cwd=REPO)
    assert ours.err == real(args, tmp_path)
