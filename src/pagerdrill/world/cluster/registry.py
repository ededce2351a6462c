"""Clusters reachable from a world (a typed world registry) and the kubeconfig helper."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from pagerdrill.world.cluster.cluster import Cluster
from pagerdrill.world.world import Registry, Rule

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

__all__ = ["find_cluster", "install_cluster", "write_kubeconfig"]

# Clusters by name.
CLUSTERS: Registry[str, Cluster] = Registry("kube.clusters")


def _registry(world: World) -> dict[str, Cluster]:
    return world.registered(CLUSTERS)


def install_cluster(world: World, name: str, *, version: str = "v1.29.4") -> Cluster:
    """A cluster named ``name`` whose controllers run every simulated step."""

    cluster = Cluster(name, lambda: world.clock.now_ms, world.rng.child("cluster", name),
                      version=version)
    _registry(world)[name] = cluster
    world.rules.append(Rule(f"kube:{name}", lambda w, dt: cluster.tick(dt)))
    return cluster


def find_cluster(world: World, name: str) -> Cluster | None:
    return _registry(world).get(name)


def write_kubeconfig(host: Host, path: str, contexts: list[tuple[str, str, str]],
                     current: str, *, user: str = "admin", uid: int = 0, gid: int = 0) -> None:
    """Write ``path`` with (context, cluster, namespace) entries, as ``kubectl config`` would."""
    clusters = sorted({c for _, c, _ in contexts})
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": c, "cluster": {"server": f"https://{c}.k8s.internal:6443"}}
                     for c in clusters],
        "contexts": [{"name": n, "context": {"cluster": c, "namespace": ns, "user": user}}
                     for n, c, ns in contexts],
        "current-context": current,
        "preferences": {},
        "users": [{"name": user, "user": {"token": "REDACTED"}}],
    }
    host.fs.put(path, yaml.safe_dump(doc, sort_keys=False).encode(), mode=0o600, uid=uid,
                gid=gid)
