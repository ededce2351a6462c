"""API objects as the JSON the API server returns, and kubectl's -o json / -o yaml."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from pagerdrill.tools.kubectl.format import rfc3339
from pagerdrill.world.cluster import (
    Cluster,
    ConfigMap,
    Container,
    ContainerState,
    Deployment,
    Event,
    Meta,
    Namespace,
    Node,
    Pod,
    ReplicaSet,
    Secret,
)

__all__ = ["deployment_conditions", "image_id", "list_dict", "to_dict", "to_json", "to_yaml"]

Obj = Pod | Deployment | ReplicaSet | Secret | ConfigMap | Event | Namespace | Node


def image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _meta(meta: Meta, *, namespaced: bool = True, rv: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {"creationTimestamp": rfc3339(meta.created_ms), "name": meta.name,
                           "resourceVersion": str(rv), "uid": meta.uid}
    if namespaced:
        out["namespace"] = meta.namespace
    if meta.labels:
        out["labels"] = dict(meta.labels)
    if meta.annotations:
        out["annotations"] = dict(meta.annotations)
    return out


def _owner(kind: str, name: str, uid: str) -> list[dict[str, Any]]:
    api = "apps/v1"
    return [{"apiVersion": api, "blockOwnerDeletion": True, "controller": True, "kind": kind,
             "name": name, "uid": uid}]


def _container(c: Container) -> dict[str, Any]:
    out: dict[str, Any] = {"image": c.image, "imagePullPolicy": "IfNotPresent", "name": c.name,
                           "resources": {}, "terminationMessagePath": "/dev/termination-log",
                           "terminationMessagePolicy": "File"}
    if c.args:
        out["args"] = list(c.args)
    if c.ports:
        out["ports"] = [{"containerPort": p, "protocol": "TCP"} for p in c.ports]
    env: list[dict[str, Any]] = []
    for var in c.env:
        if var.ref is None:
            env.append({"name": var.name, "value": var.value})
        else:
            ref_key = "secretKeyRef" if var.ref.kind == "secret" else "configMapKeyRef"
            ref: dict[str, Any] = {"key": var.ref.key, "name": var.ref.name}
            if var.ref.optional:
                ref["optional"] = True
            env.append({"name": var.name, "valueFrom": {ref_key: ref}})
    if env:
        out["env"] = env
    if c.env_from:
        out["envFrom"] = [
            {("secretRef" if f.kind == "secret" else "configMapRef"):
             {"name": f.name, **({"optional": True} if f.optional else {})},
             **({"prefix": f.prefix} if f.prefix else {})} for f in c.env_from]
    return out


def _state(state: ContainerState | None) -> dict[str, Any]:
    if state is None:
        return {}
    if state.kind == "running":
        return {"running": {"startedAt": rfc3339(state.started_ms)}}
    if state.kind == "waiting":
        body = {"reason": state.reason}
        if state.message:
            body["message"] = state.message
        return {"waiting": body}
    return {"terminated": {"containerID": state.container_id, "exitCode": state.exit_code,
                           "finishedAt": rfc3339(state.finished_ms), "reason": state.reason,
                           "startedAt": rfc3339(state.started_ms)}}


def _pod(cluster: Cluster, pod: Pod) -> dict[str, Any]:
    meta = _meta(pod.meta)
    meta["generateName"] = pod.owner + "-"
    rs = cluster.replicasets.get((pod.meta.namespace, pod.owner))
    if rs is not None:
        meta["ownerReferences"] = _owner("ReplicaSet", rs.meta.name, rs.meta.uid)
    statuses = []
    for c, s in zip(pod.containers, pod.statuses, strict=True):
        entry: dict[str, Any] = {"image": c.image, "imageID": "", "lastState":
                                 _state(s.last_state), "name": s.name, "ready": s.ready,
                                 "restartCount": s.restart_count, "started": s.started,
                                 "state": _state(s.state)}
        if s.instances:
            entry["imageID"] = image_id(c.image)
        cid = s.state.container_id or (s.last_state.container_id if s.last_state else "")
        if cid:
            entry["containerID"] = cid
        statuses.append(entry)
    conditions = []
    unready = ", ".join(s.name for s in pod.statuses if not s.ready)
    for kind, ok in pod.conditions.items():
        cond: dict[str, Any] = {"lastProbeTime": None,
                                "lastTransitionTime": rfc3339(pod.meta.created_ms),
                                "status": "True" if ok else "False", "type": kind}
        if not ok and kind in ("Ready", "ContainersReady"):
            cond["message"] = f"containers with unready status: [{unready}]"
            cond["reason"] = "ContainersNotReady"
        conditions.append(cond)
    status: dict[str, Any] = {
        "conditions": conditions,
        "containerStatuses": statuses, "phase": pod.phase, "qosClass": "BestEffort"}
    if pod.host_ip:
        status.update(hostIP=pod.host_ip, hostIPs=[{"ip": pod.host_ip}])
    if pod.ip:
        status.update(podIP=pod.ip, podIPs=[{"ip": pod.ip}])
    if pod.start_ms is not None:
        status["startTime"] = rfc3339(pod.start_ms)
    containers = [_container(c) for c in pod.containers]
    for entry in containers:
        entry["volumeMounts"] = [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                  "name": pod.kube_api_volume, "readOnly": True}]
    spec: dict[str, Any] = {
        "containers": containers, "dnsPolicy": "ClusterFirst",
        "tolerations": [{"effect": "NoExecute", "key": f"node.kubernetes.io/{key}",
                         "operator": "Exists", "tolerationSeconds": 300}
                        for key in ("not-ready", "unreachable")],
        "volumes": [{"name": pod.kube_api_volume, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}],
                           "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath":
                                                     "metadata.namespace"},
                                        "path": "namespace"}]}}]}}],
        "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
        "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "serviceAccount": "default", "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30}
    if pod.node:
        spec["nodeName"] = pod.node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec,
            "status": status}


def _template(labels: dict[str, str], annotations: dict[str, str],
              containers: list[Container]) -> dict[str, Any]:
    meta: dict[str, Any] = {"creationTimestamp": None, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"metadata": meta, "spec": {"containers": [_container(c) for c in containers],
                                       "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                                       "schedulerName": "default-scheduler",
                                       "securityContext": {},
                                       "terminationGracePeriodSeconds": 30}}


def deployment_conditions(cluster: Cluster,
                          dep: Deployment) -> list[tuple[str, str, str, str]]:
    """(type, status, reason, message) as the deployment controller sets them."""
    rss = cluster.replicasets_of(dep)
    ready = sum(1 for rs in rss for p in cluster.pods_of(rs) if p.ready)
    new = rss[-1] if rss else None
    available = ready >= dep.replicas
    new_ready = new is not None and sum(1 for p in cluster.pods_of(new) if p.ready) >= \
        dep.replicas and all(not cluster.pods_of(rs) for rs in rss[:-1])
    name = new.meta.name if new else ""
    return [
        ("Available", "True" if available else "False",
         "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
         "Deployment has minimum availability." if available
         else "Deployment does not have minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable" if new_ready else "ReplicaSetUpdated",
         f'ReplicaSet "{name}" has successfully progressed.' if new_ready
         else f'ReplicaSet "{name}" is progressing.'),
    ]


def _deployment(cluster: Cluster, dep: Deployment) -> dict[str, Any]:
    meta = _meta(dep.meta, rv=dep.generation + 1)
    meta.setdefault("annotations", {})["deployment.kubernetes.io/revision"] = str(dep.revision)
    meta["generation"] = dep.generation
    pods = [p for rs in cluster.replicasets_of(dep) for p in cluster.pods_of(rs)]
    ready = sum(1 for p in pods if p.ready)
    rss = cluster.replicasets_of(dep)
    updated = len(cluster.pods_of(rss[-1])) if rss else 0
    status: dict[str, Any] = {"observedGeneration": dep.generation, "replicas": len(pods),
                              "updatedReplicas": updated}
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    if len(pods) - ready:
        status["unavailableReplicas"] = len(pods) - ready
    stamp = rfc3339(dep.meta.created_ms)
    status["conditions"] = [
        {"lastTransitionTime": stamp, "lastUpdateTime": stamp, "message": message,
         "reason": reason, "status": state, "type": kind}
        for kind, state, reason, message in deployment_conditions(cluster, dep)]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
        "progressDeadlineSeconds": 600, "replicas": dep.replicas, "revisionHistoryLimit": 10,
        "selector": {"matchLabels": dict(dep.selector)},
        "strategy": {"type": "Recreate"} if dep.strategy == "Recreate" else {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate"},
        "template": _template(dep.template.labels, dep.template.annotations,
                              dep.template.containers)}, "status": status}


def _replicaset(cluster: Cluster, rs: ReplicaSet) -> dict[str, Any]:
    meta = _meta(rs.meta)
    dep = cluster.deployments.get((rs.meta.namespace, rs.owner))
    if dep is not None:
        meta["ownerReferences"] = _owner("Deployment", dep.meta.name, dep.meta.uid)
    pods = cluster.pods_of(rs)
    ready = sum(1 for p in pods if p.ready)
    status: dict[str, Any] = {"observedGeneration": 1, "replicas": len(pods),
                              "fullyLabeledReplicas": len(pods)}
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta, "spec": {
        "replicas": rs.replicas, "selector": {"matchLabels": dict(rs.template.labels)},
        "template": _template(rs.template.labels, rs.template.annotations,
                              rs.template.containers)}, "status": status}


def _event(ev: Event) -> dict[str, Any]:
    involved: dict[str, Any] = {"kind": ev.kind, "name": ev.object_name,
                                "namespace": ev.meta.namespace, "uid": ev.object_uid}
    if ev.field_path:
        involved["fieldPath"] = ev.field_path
    involved["apiVersion"] = "v1" if ev.kind == "Pod" else "apps/v1"
    source: dict[str, Any] = {"component": ev.source}
    if ev.source_host:
        source["host"] = ev.source_host
    return {"apiVersion": "v1", "count": ev.count, "eventTime": None,
            "firstTimestamp": rfc3339(ev.first_ms), "involvedObject": involved,
            "kind": "Event", "lastTimestamp": rfc3339(ev.last_ms), "message": ev.message,
            "metadata": _meta(ev.meta), "reason": ev.reason, "reportingComponent": ev.source,
            "reportingInstance": ev.source_host, "source": source, "type": ev.type}


def to_dict(cluster: Cluster, obj: Obj) -> dict[str, Any]:
    if isinstance(obj, Pod):
        return _pod(cluster, obj)
    if isinstance(obj, Deployment):
        return _deployment(cluster, obj)
    if isinstance(obj, ReplicaSet):
        return _replicaset(cluster, obj)
    if isinstance(obj, Secret):
        data = {k: base64.b64encode(v).decode() for k, v in obj.data.items()}
        out: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret",
                               "metadata": _meta(obj.meta), "type": obj.type}
        if data:
            out["data"] = data
        return out
    if isinstance(obj, ConfigMap):
        return {"apiVersion": "v1", "data": dict(obj.data), "kind": "ConfigMap",
                "metadata": _meta(obj.meta)}
    if isinstance(obj, Event):
        return _event(obj)
    if isinstance(obj, Namespace):
        return {"apiVersion": "v1", "kind": "Namespace",
                "metadata": _meta(obj.meta, namespaced=False),
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": obj.phase}}
    return {"apiVersion": "v1", "kind": "Node", "metadata": _meta(obj.meta, namespaced=False),
            "spec": {}, "status": {
                "addresses": [{"address": obj.ip, "type": "InternalIP"},
                              {"address": obj.meta.name, "type": "Hostname"}],
                "conditions": [{"reason": "KubeletReady", "status": "True" if obj.ready
                                else "Unknown", "type": "Ready"}],
                "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": obj.runtime,
                             "kernelVersion": obj.kernel, "kubeletVersion": obj.version,
                             "operatingSystem": "linux", "osImage": obj.os_image}}}


def list_dict(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "items": items, "kind": "List",
            "metadata": {"resourceVersion": ""}}


def to_json(doc: Any) -> str:
    """encoding/json MarshalIndent with 4 spaces: sorted keys, HTML characters escaped."""
    text = json.dumps(doc, indent=4, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


_PLAIN_BAD = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]|: |\s#|:$|\s$|\n|\t")
_RESERVED = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO"
    r"|on|On|ON|off|Off|OFF|[-+]?(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+"
    r"|0o?[0-7]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|=)$")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    # go-yaml: strings that would read back as another type are double-quoted; strings
    # plain style cannot carry are single-quoted unless they need escapes.
    if text == "" or _RESERVED.match(text) or not text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    if _PLAIN_BAD.search(text):
        return "'" + text.replace("'", "''") + "'"
    return text


def _yaml(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            if isinstance(item, dict) and item:
                out.append(f"{pad}{_scalar(key)}:")
                _yaml(item, indent + 2, out)
            elif isinstance(item, list) and item:
                out.append(f"{pad}{_scalar(key)}:")
                _yaml(item, indent, out)
            elif _is_block(item):
                out.append(f"{pad}{_scalar(key)}: " + _block(item, indent + 2))
            else:
                out.append(f"{pad}{_scalar(key)}: {_inline(item)}")
        return
    for item in value:
        if isinstance(item, dict) and item:
            sub: list[str] = []
            _yaml(item, indent + 2, sub)
            sub[0] = f"{pad}- " + sub[0][indent + 2:]
            out.extend(sub)
        elif isinstance(item, list) and item:
            sub = []
            _yaml(item, indent + 2, sub)
            sub[0] = f"{pad}- " + sub[0][indent + 2:]
            out.extend(sub)
        elif _is_block(item):
            out.append(f"{pad}- " + _block(item, indent + 2))
        else:
            out.append(f"{pad}- {_inline(item)}")


def _is_block(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value and value.replace("\n", "").isprintable()


def _block(text: str, indent: int) -> str:
    """go-yaml's literal style: ``|``, ``|-`` without a final newline, ``|+`` keeping more."""
    stripped = text.rstrip("\n")
    trailing = len(text) - len(stripped)
    head = "|-" if trailing == 0 else "|" if trailing == 1 else "|+"
    body = [(" " * indent + line) if line else "" for line in stripped.split("\n")]
    body += [""] * (trailing - 1) if trailing > 1 else []
    return head + "\n" + "\n".join(body)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(doc: Any) -> str:
    """sigs.k8s.io/yaml: sorted keys, sequences not indented under their key."""
    out: list[str] = []
    _yaml(doc, 0, out)
    return "\n".join(out) + "\n"
