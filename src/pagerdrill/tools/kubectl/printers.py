"""The ``kubectl get`` tables. Kubernetes computes these columns server-side
(pkg/printers/internalversion); the rules below follow those printers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pagerdrill.tools.kubectl.format import since
from pagerdrill.world.cluster import (
    Cluster,
    ConfigMap,
    Deployment,
    Event,
    Meta,
    Namespace,
    Node,
    Pod,
    ReplicaSet,
    Secret,
)

__all__ = ["KINDS", "Kind", "Obj", "kind_for", "labels_text", "pod_status", "wide_headers"]

Obj = Pod | Deployment | ReplicaSet | Secret | ConfigMap | Event | Namespace | Node
Row = Callable[[Cluster, Obj, int, bool], list[str]]


@dataclass(frozen=True)
class Kind:
    plural: str  # what NotFound errors name: pods, deployments.apps
    name_prefix: str  # what -o name prints: pod, deployment.apps
    namespaced: bool
    headers: tuple[str, ...]
    wide: tuple[str, ...]
    row: Row


def labels_text(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def pod_status(pod: Pod, now: int) -> tuple[int, str, str]:
    """(ready containers, STATUS, RESTARTS) as printPod computes them."""
    reason = pod.phase
    ready = restarts = 0
    last_restart: int | None = None
    has_running = False
    for status in reversed(pod.statuses):
        restarts += status.restart_count
        if status.last_state is not None and status.last_state.kind == "terminated":
            finished = status.last_state.finished_ms
            if last_restart is None or finished > last_restart:
                last_restart = finished
        state = status.state
        if state.kind in ("waiting", "terminated") and state.reason:
            reason = state.reason
        elif state.kind == "terminated":
            reason = f"ExitCode:{state.exit_code}"
        elif status.ready and state.kind == "running":
            has_running = True
            ready += 1
    if reason == "Completed" and has_running:
        reason = "Running" if pod.conditions.get("Ready") else "NotReady"
    text = str(restarts)
    if restarts and last_restart is not None:
        text = f"{restarts} ({since(now, last_restart)} ago)"
    return ready, reason, text


def _age(meta: Meta, now: int) -> str:
    return since(now, meta.created_ms)


def _pod_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Pod)
    ready, reason, restarts = pod_status(obj, now)
    row = [obj.name, f"{ready}/{len(obj.containers)}", reason, restarts, _age(obj.meta, now)]
    if wide:
        row += [obj.ip or "<none>", obj.node or "<none>", "<none>", "<none>"]
    return row


def _images(containers: list[str], images: list[str]) -> list[str]:
    return [",".join(containers), ",".join(images)]


def _deploy_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Deployment)
    rss = cluster.replicasets_of(obj)
    pods = [p for rs in rss for p in cluster.pods_of(rs)]
    ready = sum(1 for p in pods if p.ready)
    updated = len(cluster.pods_of(rss[-1])) if rss else 0
    row = [obj.meta.name, f"{ready}/{obj.replicas}", str(updated), str(ready),
           _age(obj.meta, now)]
    if wide:
        cs = obj.template.containers
        row += _images([c.name for c in cs], [c.image for c in cs])
        row.append(labels_text(obj.selector))
    return row


def _rs_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, ReplicaSet)
    pods = cluster.pods_of(obj)
    ready = sum(1 for p in pods if p.ready)
    row = [obj.meta.name, str(obj.replicas), str(len(pods)), str(ready), _age(obj.meta, now)]
    if wide:
        cs = obj.template.containers
        row += _images([c.name for c in cs], [c.image for c in cs])
        row.append(labels_text(obj.template.labels))
    return row


def _secret_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Secret)
    return [obj.meta.name, obj.type, str(len(obj.data)), _age(obj.meta, now)]


def _cm_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, ConfigMap)
    return [obj.meta.name, str(len(obj.data)), _age(obj.meta, now)]


def _ns_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Namespace)
    return [obj.meta.name, obj.phase, _age(obj.meta, now)]


def _node_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Node)
    row = [obj.meta.name, "Ready" if obj.ready else "NotReady",
           ",".join(obj.roles) or "<none>", _age(obj.meta, now), obj.version]
    if wide:
        row += [obj.ip, "<none>", obj.os_image, obj.kernel, obj.runtime]
    return row


def _event_row(cluster: Cluster, obj: Obj, now: int, wide: bool) -> list[str]:
    assert isinstance(obj, Event)
    target = f"{obj.kind.lower()}/{obj.object_name}"
    last = since(now, obj.last_ms)
    if wide:
        path = obj.field_path
        source = f"{obj.source}, {obj.source_host}" if obj.source_host else obj.source
        return [last, obj.type, obj.reason, target, path, source, obj.message,
                since(now, obj.first_ms), str(obj.count), obj.meta.name]
    return [last, obj.type, obj.reason, target, obj.message]


KINDS: dict[str, Kind] = {
    "pods": Kind("pods", "pod", True, ("NAME", "READY", "STATUS", "RESTARTS", "AGE"),
                 ("IP", "NODE", "NOMINATED NODE", "READINESS GATES"), _pod_row),
    "deployments": Kind("deployments.apps", "deployment.apps", True,
                        ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
                        ("CONTAINERS", "IMAGES", "SELECTOR"), _deploy_row),
    "replicasets": Kind("replicasets.apps", "replicaset.apps", True,
                        ("NAME", "DESIRED", "CURRENT", "READY", "AGE"),
                        ("CONTAINERS", "IMAGES", "SELECTOR"), _rs_row),
    "secrets": Kind("secrets", "secret", True, ("NAME", "TYPE", "DATA", "AGE"), (),
                    _secret_row),
    "configmaps": Kind("configmaps", "configmap", True, ("NAME", "DATA", "AGE"), (), _cm_row),
    "events": Kind("events", "event", True,
                   ("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"), (), _event_row),
    "namespaces": Kind("namespaces", "namespace", False, ("NAME", "STATUS", "AGE"), (),
                       _ns_row),
    "nodes": Kind("nodes", "node", False, ("NAME", "STATUS", "ROLES", "AGE", "VERSION"),
                  ("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION",
                   "CONTAINER-RUNTIME"), _node_row),
}
_WIDE_EVENTS = ("LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
                "FIRST SEEN", "COUNT", "NAME")

_ALIASES = {
    "pods": ("pod", "po"), "deployments": ("deployment", "deploy"),
    "replicasets": ("replicaset", "rs"), "secrets": ("secret",),
    "configmaps": ("configmap", "cm"), "events": ("event", "ev"),
    "namespaces": ("namespace", "ns"), "nodes": ("node", "no"),
}
_GROUPS = {"deployments": "apps", "replicasets": "apps"}


def kind_for(word: str) -> str | None:
    """The canonical plural for a resource word (``po``, ``deploy.apps``...)."""
    base, _, group = word.lower().partition(".")
    for plural, aliases in _ALIASES.items():
        if base == plural or base in aliases:
            api = _GROUPS.get(plural, "")
            if group and group not in (api, "v1", f"v1.{api}"):
                return None
            return plural
    return None


def wide_headers(plural: str) -> tuple[str, ...]:
    if plural == "events":
        return _WIDE_EVENTS
    kind = KINDS[plural]
    return kind.headers + kind.wide
