"""Our kubectl against the real one: the real kubectl reads the simulated cluster through a
minimal API endpoint (apiserver.py) and renders describe, -o json/yaml, logs and errors.
The simulated clock is set so that its "now" is the wall clock's (real kubectl computes
ages from the wall clock); a run that straddles a second boundary is retried."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest
from tests.tools.kubectl.apiserver import serve
from tests.tools.kubectl.helpers import bastion, kubectl
from tests.tools.kubectl.realkubectl import real_kubectl, requires_real_kubectl

from pagerdrill.world.cluster import Cluster
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

Outputs = tuple[tuple[int, str, str], list[tuple[int, str, str]]]

pytestmark = requires_real_kubectl

POD = "myapp-7d9f8b-xkj2p"
COMMANDS = [
    f"describe pod {POD}",
    f"get pod {POD} -o yaml",
    f"get pod {POD} -o json",
    "get pods -o yaml",
    "get deploy myapp -o yaml",
    "get rs -o json",
    f"get pod {POD} -o jsonpath={{.status.containerStatuses[0].state}}",
    f"logs {POD}",
    f"logs {POD} --previous",
    "get pod nope",
    "describe pod nope",
    "logs nope",
    "get deploy nope",
]


def _catch_up(world: World) -> None:
    """Building the world takes wall time (seconds on a loaded machine): bring the simulated
    clock level with the wall clock again just before the real kubectl runs."""
    lag_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000) - world.clock.now_ms
    if lag_ms >= 1000:
        world.advance(lag_ms // 1000)


def _run_both(host: Host, cluster: Cluster, tmp_path: Path, line: str) -> Outputs:
    """The real kubectl's output, and ours at each second the real one may have rendered at:
    it gets the objects as they are now but reads the wall clock for ages somewhere between
    its start and its exit."""
    _catch_up(host.world)
    started = time.monotonic()
    with serve(cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = subprocess.run([real_kubectl(), *line.split()], capture_output=True, text=True,
                              env=env, timeout=60, check=False)
    candidates = []
    for _ in range(int(time.monotonic() - started) + 2):
        ours = kubectl(host, line)
        candidates.append((ours.status, ours.out, ours.err))
        host.world.clock.advance(1000)  # the same objects, read a second later
    return (real.returncode, real.stdout, real.stderr), candidates


def _compare(tmp_path: Path, optional: bool, line: str) -> Outputs:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=3)
    host, cluster = bastion(optional=optional, start=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return _run_both(host, cluster, tmp_path, line)


@pytest.mark.parametrize("optional", [True, False], ids=["crashloop", "config-error"])
@pytest.mark.parametrize("line", COMMANDS)
def test_same_as_real_kubectl(tmp_path: Path, optional: bool, line: str) -> None:
    for _ in range(3):
        real, ours = _compare(tmp_path, optional, line)
        if real in ours:
            return
    assert ours[0] == real


HEALED = [
    "describe deploy myapp",
    "describe pods",
    "describe cm app",
    "describe secret myapp-credentials",
    "get cm -o yaml",
    "get deploy -o yaml",
    "get rs -o json",
    "get secret myapp-credentials -o yaml",
    "get events -o yaml",
    "get ns prod -o yaml",
    "get nodes -o json",
    "logs deploy/myapp",
]


def _healed(tmp_path: Path, line: str) -> Outputs:
    """Secret created, a configmap, a rollout restart: the running and rolled-over shapes."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=300)
    host, cluster = bastion(optional=True, start=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    cluster.create_configmap("prod", "app", {"a": "x", "multi": "l1\nl2", "trail": "t\n\n"})
    kubectl(host, "create secret generic myapp-credentials --from-literal=password=hunter2")
    host.world.advance(100)
    kubectl(host, "rollout restart deployment/myapp")
    host.world.advance(20)
    return _run_both(host, cluster, tmp_path, line)


@pytest.mark.parametrize("line", HEALED)
def test_healed_same_as_real_kubectl(tmp_path: Path, line: str) -> None:
    for _ in range(3):
        real, ours = _healed(tmp_path, line)
        if real in ours:
            return
    assert ours[0] == real


@pytest.mark.parametrize("line", [
    "create secret generic myapp-credentials --from-literal=password=hunter2",
    "create secret generic myapp-credentials --from-literal=password=hunter2 -n nope",
])
def test_create_secret_same_as_real_kubectl(tmp_path: Path, line: str) -> None:
    host, cluster = bastion(optional=True)
    with serve(cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = [subprocess.run([real_kubectl(), *line.split()], capture_output=True, text=True,
                               env=env, timeout=60, check=False) for _ in range(2)]
    real_secret = cluster.secrets.pop(("prod", "myapp-credentials"), None)
    ours = [kubectl(host, line) for _ in range(2)]
    assert [(r.returncode, r.stdout, r.stderr) for r in real] == [
        (o.status, o.out, o.err) for o in ours]
    ours_secret = cluster.secrets.get(("prod", "myapp-credentials"))
    assert (real_secret and real_secret.data) == (ours_secret and ours_secret.data)
