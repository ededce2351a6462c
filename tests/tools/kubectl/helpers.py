"""The seed's crashloop world seen from a bastion with a kubeconfig."""

from __future__ import annotations

from tests.toolkit import Result, run_tool
from tests.world.cluster.helpers import myapp_world

from pagerdrill.world.builder import DEFAULT_START, add_linux_host
from pagerdrill.world.cluster import Cluster, write_kubeconfig
from pagerdrill.world.host import Host


def bastion(*, optional: bool, minutes: float = 3, crash_after_s: float = 1.0,
            start: str = DEFAULT_START) -> tuple[Host, Cluster]:
    world, cluster = myapp_world(optional=optional, crash_after_s=crash_after_s, start=start)
    host = add_linux_host(world, "bastion")
    write_kubeconfig(host, "/root/.kube/config",
                     [("prod", "prod", "prod"), ("staging", "staging", "staging")], "prod")
    world.advance(minutes * 60)
    return host, cluster


def kubectl(host: Host, line: str) -> Result:
    return run_tool(host, ["kubectl", *line.split()])
