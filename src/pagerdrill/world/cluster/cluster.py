"""A Kubernetes cluster: API objects plus the controllers and kubelets that move them.

Controllers run on every simulated step (:meth:`Cluster.tick`): the deployment
controller keeps one ReplicaSet per pod-template hash and rolls replicas over, the
ReplicaSet controller creates and deletes pods, the scheduler binds pods to nodes and
the kubelet (``kubelet.py``) runs containers. Scenarios script what a container does
when it starts with :meth:`Cluster.set_program`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict

from pagerdrill.world.cluster import kubelet
from pagerdrill.world.cluster.objects import (
    ConfigMap,
    Container,
    ContainerRun,
    ContainerStatus,
    Deployment,
    Event,
    Meta,
    Namespace,
    Node,
    Pod,
    PodTemplate,
    Program,
    ReplicaSet,
    Secret,
    StartContext,
)
from pagerdrill.world.rng import Rng

__all__ = ["ApiError", "Cluster", "template_hash"]

_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand
_FNV_OFFSET, _FNV_PRIME = 0x811C9DC5, 0x01000193
EVENT_TTL_MS = 3_600_000


_HASHES: dict[str, str] = {}  # repr of a template -> its hash (the controller asks each tick)


def template_hash(template: PodTemplate) -> str:
    """pod-template-hash: FNV-32a of the template, its decimal digits safe-encoded."""
    key = repr(template)  # plain data all the way down: equal reprs, equal templates
    found = _HASHES.get(key)
    if found is None:
        value = _FNV_OFFSET
        for byte in json.dumps(asdict(template), sort_keys=True).encode():
            value = ((value ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
        found = "".join(_ALPHANUMS[ord(d) % len(_ALPHANUMS)] for d in str(value))
        if len(_HASHES) >= 4096:  # bounded: a long-running server sees many templates
            _HASHES.clear()
        _HASHES[key] = found
    return found


def _always_running(ctx: StartContext) -> ContainerRun:
    return ContainerRun()


class ApiError(Exception):
    """An API server error: ``reason`` (NotFound, AlreadyExists...) and its message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Cluster:
    def __init__(self, name: str, now_ms: Callable[[], int], rng: Rng,
                 *, version: str = "v1.29.4") -> None:
        self.name = name
        self.now_ms = now_ms
        self.rng = rng
        self.version = version
        self.namespaces: dict[str, Namespace] = {}
        self.nodes: dict[str, Node] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.replicasets: dict[tuple[str, str], ReplicaSet] = {}
        self.pods: dict[tuple[str, str], Pod] = {}
        self.secrets: dict[tuple[str, str], Secret] = {}
        self.configmaps: dict[tuple[str, str], ConfigMap] = {}
        self.events: list[Event] = []
        self.programs: dict[str, Program] = {}
        # Scenario-pinned names: the next pods of a ReplicaSet, the hash of a Deployment.
        self.pinned_pod_names: dict[tuple[str, str], list[str]] = {}
        # (template hash it stands for, pinned hash): a pin lapses when the template changes.
        self.pinned_hashes: dict[tuple[str, str], tuple[str, str]] = {}
        self._ip_counter = 10
        self._event_seq = 0
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.add_namespace(ns)

    # ---- identity helpers -------------------------------------------------------------
    def hex_id(self, n: int) -> str:
        return f"{self.rng.getrandbits(n * 4):0{n}x}"

    def uid(self) -> str:
        h = self.hex_id(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def _meta(self, name: str, namespace: str, labels: dict[str, str] | None = None) -> Meta:
        return Meta(name, namespace, self.uid(), self.now_ms(), dict(labels or {}))

    def _require_ns(self, namespace: str) -> None:
        if namespace not in self.namespaces:
            raise ApiError("NotFound", f'namespaces "{namespace}" not found')

    # ---- building (scenario API) ------------------------------------------------------
    def add_namespace(self, name: str) -> Namespace:
        ns = self.namespaces.get(name)
        if ns is None:
            ns = self.namespaces[name] = Namespace(self._meta(name, ""))
            ns.meta.labels["kubernetes.io/metadata.name"] = name
            # The root-CA publisher puts this ConfigMap in every namespace.
            self.configmaps[(name, "kube-root-ca.crt")] = ConfigMap(
                self._meta("kube-root-ca.crt", name),
                {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0B"
                 "AQsFADAVMRMwEQYDVQQDEwprdWJlcm5ldGVz\n-----END CERTIFICATE-----\n"})
        return ns

    def add_node(self, name: str, ip: str, *, roles: tuple[str, ...] = ()) -> Node:
        node = Node(self._meta(name, ""), ip, roles=roles, version=self.version,
                    pod_cidr_index=len(self.nodes))
        node.meta.labels.update({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                 "kubernetes.io/arch": "amd64"})
        self.nodes[name] = node
        return node

    def set_program(self, container: str, program: Program) -> None:
        """What a container named ``container`` does each time it starts."""
        self.programs[container] = program

    def program_for(self, namespace: str, pod: Pod, container: Container) -> Program:
        return self.programs.get(container.name, _always_running)

    def add_deployment(self, namespace: str, name: str, containers: list[Container], *,
                       replicas: int = 1, labels: dict[str, str] | None = None,
                       pod_hash: str | None = None,
                       pod_names: list[str] | None = None) -> Deployment:
        """A Deployment selecting ``app=name``; ``pod_hash``/``pod_names`` pin names."""
        self._require_ns(namespace)
        pod_labels = dict(labels or {"app": name})
        dep = Deployment(self._meta(name, namespace, pod_labels),
                         PodTemplate(pod_labels, containers), replicas, dict(pod_labels))
        self.deployments[(namespace, name)] = dep
        if pod_hash is not None:
            self.pinned_hashes[(namespace, name)] = (template_hash(dep.template), pod_hash)
        if pod_names:
            rs_hash = pod_hash or template_hash(dep.template)
            self.pinned_pod_names[(namespace, f"{name}-{rs_hash}")] = list(pod_names)
        self.reconcile()
        return dep

    def pin_names(self, namespace: str, name: str, template: PodTemplate, pod_hash: str,
                  pod_names: list[str]) -> None:
        """The ReplicaSet made for ``template`` is ``name-pod_hash`` and its first pods
        take ``pod_names`` (a scenario reproducing names from a story)."""
        self.pinned_hashes[(namespace, name)] = (template_hash(template), pod_hash)
        self.pinned_pod_names[(namespace, f"{name}-{pod_hash}")] = list(pod_names)

    def config_values(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        if kind == "secret":
            secret = self.secrets.get((namespace, name))
            if secret is None:
                return None
            return {k: v.decode("utf-8", "replace") for k, v in secret.data.items()}
        cm = self.configmaps.get((namespace, name))
        return None if cm is None else dict(cm.data)

    # ---- API verbs ---------------------------------------------------------------------
    def create_secret(self, namespace: str, name: str, data: dict[str, bytes],
                      type_: str = "Opaque") -> Secret:
        self._require_ns(namespace)
        if (namespace, name) in self.secrets:
            raise ApiError("AlreadyExists", f'secrets "{name}" already exists')
        secret = Secret(self._meta(name, namespace), dict(data), type_)
        self.secrets[(namespace, name)] = secret
        return secret

    def create_configmap(self, namespace: str, name: str, data: dict[str, str]) -> ConfigMap:
        self._require_ns(namespace)
        if (namespace, name) in self.configmaps:
            raise ApiError("AlreadyExists", f'configmaps "{name}" already exists')
        cm = ConfigMap(self._meta(name, namespace), dict(data))
        self.configmaps[(namespace, name)] = cm
        return cm

    def delete_secret(self, namespace: str, name: str) -> None:
        if self.secrets.pop((namespace, name), None) is None:
            raise ApiError("NotFound", f'secrets "{name}" not found')

    def get_pod(self, namespace: str, name: str) -> Pod:
        pod = self.pods.get((namespace, name))
        if pod is None:
            raise ApiError("NotFound", f'pods "{name}" not found')
        return pod

    def delete_pod(self, namespace: str, name: str) -> Pod:
        pod = self.get_pod(namespace, name)
        for container in pod.containers:
            self.record_event(namespace, "Pod", name, "Normal", "Killing",
                              f"Stopping container {container.name}", "kubelet", pod.node,
                              container=container.name)
        pod.deleted = True
        del self.pods[(namespace, name)]
        self.reconcile()
        return pod

    def get_deployment(self, namespace: str, name: str) -> Deployment:
        dep = self.deployments.get((namespace, name))
        if dep is None:
            raise ApiError("NotFound", f'deployments.apps "{name}" not found')
        return dep

    def rollout_restart(self, namespace: str, name: str) -> Deployment:
        """``kubectl rollout restart``: stamp the template, which makes a new ReplicaSet."""
        dep = self.get_deployment(namespace, name)
        stamp = _rfc3339(self.now_ms())
        dep.template.annotations["kubectl.kubernetes.io/restartedAt"] = stamp
        dep.generation += 1
        self.reconcile()
        return dep

    # ---- queries -----------------------------------------------------------------------
    def pods_of(self, rs: ReplicaSet) -> list[Pod]:
        return [p for p in self.pods.values()
                if p.owner == rs.meta.name and p.meta.namespace == rs.meta.namespace]

    def replicasets_of(self, dep: Deployment) -> list[ReplicaSet]:
        return sorted((rs for rs in self.replicasets.values()
                       if rs.owner == dep.meta.name and rs.meta.namespace == dep.meta.namespace),
                      key=lambda rs: rs.revision)

    def events_for(self, namespace: str, kind: str, name: str) -> list[Event]:
        return [e for e in self.events if e.meta.namespace == namespace and e.kind == kind
                and e.object_name == name]

    def record_event(self, namespace: str, kind: str, name: str, type_: str, reason: str,
                     message: str, source: str, host: str = "", *,
                     container: str = "") -> Event:
        now = self.now_ms()
        uid = self._uid_of(kind, namespace, name)
        field_path = f"spec.containers{{{container}}}" if container else ""
        for event in self.events:
            if (event.meta.namespace, event.kind, event.object_name, event.object_uid,
                    event.reason, event.message, event.type) == (
                    namespace, kind, name, uid, reason, message, type_):
                event.count += 1
                event.last_ms = now
                return event
        # Real event names are the object's name and the creation time in hex nanoseconds.
        self._event_seq += 1
        meta = self._meta(f"{name}.{now * 1_000_000 + self._event_seq:x}", namespace)
        event = Event(meta, type_, reason, kind, name, message, source, now, now,
                      source_host=host, object_uid=uid, field_path=field_path)
        self.events.append(event)
        return event

    def _uid_of(self, kind: str, namespace: str, name: str) -> str:
        stores: dict[str, dict[tuple[str, str], Pod] | dict[tuple[str, str], ReplicaSet]
                     | dict[tuple[str, str], Deployment]] = {
            "Pod": self.pods, "ReplicaSet": self.replicasets, "Deployment": self.deployments}
        obj = stores.get(kind, {}).get((namespace, name))
        return obj.meta.uid if obj is not None else ""

    # ---- controllers -------------------------------------------------------------------
    def tick(self, dt_ms: int = 1000) -> None:
        self.reconcile()
        # The API server forgets events an hour after their last occurrence (--event-ttl).
        cutoff = self.now_ms() - EVENT_TTL_MS
        if any(e.last_ms < cutoff for e in self.events):
            self.events = [e for e in self.events if e.last_ms >= cutoff]

    def reconcile(self) -> None:
        now = self.now_ms()
        for dep in list(self.deployments.values()):
            self._sync_deployment(dep)
        for rs in list(self.replicasets.values()):
            self._sync_replicaset(rs)
        for pod in list(self.pods.values()):
            if not pod.node:
                self._schedule(pod)
            kubelet.sync_pod(self, pod, now)

    def _sync_deployment(self, dep: Deployment) -> None:
        ns, name = dep.meta.namespace, dep.meta.name
        rs_hash = template_hash(dep.template)
        pinned = self.pinned_hashes.get((ns, name))
        if pinned is not None and pinned[0] == rs_hash:
            rs_hash = pinned[1]
        rs_name = f"{name}-{rs_hash}"
        new = self.replicasets.get((ns, rs_name))
        if new is None:
            dep.revision += 1
            labels = dict(dep.template.labels, **{"pod-template-hash": rs_hash})
            tmpl = PodTemplate(labels, dep.template.containers,
                               dict(dep.template.annotations))
            new = ReplicaSet(self._meta(rs_name, ns, labels), tmpl, 0, name, rs_hash,
                             dep.revision)
            new.meta.annotations["deployment.kubernetes.io/revision"] = str(dep.revision)
            cause = dep.meta.annotations.get("kubernetes.io/change-cause")
            if cause:  # the controller copies the change cause onto the new ReplicaSet
                new.meta.annotations["kubernetes.io/change-cause"] = cause
            self.replicasets[(ns, rs_name)] = new
        if dep.strategy == "Recreate":
            # Every old pod goes first; the new ReplicaSet scales up once they are gone.
            for old in self.replicasets_of(dep):
                if old is not new:
                    self._scale(dep, old, 0)
            if any(self.pods_of(old) for old in self.replicasets_of(dep) if old is not new):
                return
            self._scale(dep, new, dep.replicas)
            return
        self._scale(dep, new, dep.replicas)
        new_ready = sum(1 for p in self.pods_of(new) if p.ready)
        budget = max(0, dep.replicas - new_ready)
        for old in self.replicasets_of(dep):
            if old is new:
                continue
            target = min(old.replicas, budget)
            budget -= target
            self._scale(dep, old, target)

    def _scale(self, dep: Deployment, rs: ReplicaSet, replicas: int) -> None:
        if rs.replicas == replicas:
            return
        verb = "up" if replicas > rs.replicas else "down"
        self.record_event(dep.meta.namespace, "Deployment", dep.meta.name, "Normal",
                          "ScalingReplicaSet",
                          f"Scaled {verb} replica set {rs.meta.name} from {rs.replicas} to "
                          f"{replicas}", "deployment-controller")
        rs.replicas = replicas

    def _sync_replicaset(self, rs: ReplicaSet) -> None:
        ns = rs.meta.namespace
        pods = self.pods_of(rs)
        while len(pods) < rs.replicas:
            pods.append(self._create_pod(rs))
        extra = len(pods) - rs.replicas
        if extra > 0:
            # The controller deletes unready and younger pods first.
            victims = sorted(pods, key=lambda p: (p.ready, -p.meta.created_ms))[:extra]
            for pod in victims:
                for container in pod.containers:
                    self.record_event(ns, "Pod", pod.name, "Normal", "Killing",
                                      f"Stopping container {container.name}", "kubelet",
                                      pod.node, container=container.name)
                del self.pods[(ns, pod.name)]
                self.record_event(ns, "ReplicaSet", rs.meta.name, "Normal", "SuccessfulDelete",
                                  f"Deleted pod: {pod.name}", "replicaset-controller")

    def _create_pod(self, rs: ReplicaSet) -> Pod:
        ns = rs.meta.namespace
        pinned = self.pinned_pod_names.get((ns, rs.meta.name))
        name = ""
        while pinned and (not name or (ns, name) in self.pods):
            name = pinned.pop(0)
        while not name or (ns, name) in self.pods:
            suffix = "".join(self.rng.choice(_ALPHANUMS) for _ in range(5))
            name = f"{rs.meta.name}-{suffix}"
        pod = Pod(self._meta(name, ns, rs.template.labels), rs.template.containers,
                  owner=rs.meta.name)
        pod.meta.annotations = dict(rs.template.annotations)
        pod.statuses = [ContainerStatus(c.name, c.image) for c in pod.containers]
        pod.kube_api_volume = "kube-api-access-" + "".join(
            self.rng.choice(_ALPHANUMS) for _ in range(5))
        pod.conditions = {"PodReadyToStartContainers": False, "Initialized": True,
                          "Ready": False, "ContainersReady": False, "PodScheduled": False}
        self.pods[(ns, name)] = pod
        self.record_event(ns, "ReplicaSet", rs.meta.name, "Normal", "SuccessfulCreate",
                          f"Created pod: {name}", "replicaset-controller")
        return pod

    def _schedule(self, pod: Pod) -> None:
        ready = [n for n in self.nodes.values() if n.ready and "control-plane" not in n.roles]
        if not ready:
            return
        node = min(ready, key=lambda n: sum(1 for p in self.pods.values() if p.node
                                            == n.meta.name))
        pod.node, pod.host_ip = node.meta.name, node.ip
        self._ip_counter += 1
        pod.ip = f"10.244.{node.pod_cidr_index}.{self._ip_counter % 250 + 2}"
        pod.start_ms = self.now_ms()
        pod.conditions["PodScheduled"] = True
        pod.conditions["PodReadyToStartContainers"] = True
        self.record_event(pod.meta.namespace, "Pod", pod.name, "Normal", "Scheduled",
                          f"Successfully assigned {pod.meta.namespace}/{pod.name} to "
                          f"{node.meta.name}", "default-scheduler")
        for status in pod.statuses:
            status.next_sync_ms = self.now_ms() + 1000


def _rfc3339(ms: int) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
