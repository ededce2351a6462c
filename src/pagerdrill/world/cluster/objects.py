"""Kubernetes API objects as plain state (the fields kubectl shows), no behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "ConfigMap",
    "Container",
    "ContainerRun",
    "ContainerState",
    "ContainerStatus",
    "Deployment",
    "EnvFrom",
    "EnvVar",
    "Event",
    "KeyRef",
    "Meta",
    "Namespace",
    "Node",
    "Pod",
    "PodTemplate",
    "Program",
    "ReplicaSet",
    "Secret",
    "StartContext",
]


@dataclass
class Meta:
    name: str
    namespace: str
    uid: str
    created_ms: int
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyRef:
    """``valueFrom.secretKeyRef`` / ``configMapKeyRef``."""

    kind: str  # "secret" or "configmap"
    name: str
    key: str
    optional: bool = False


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str = ""
    ref: KeyRef | None = None


@dataclass(frozen=True)
class EnvFrom:
    kind: str  # "secret" or "configmap"
    name: str
    optional: bool = False
    prefix: str = ""


@dataclass
class Container:
    name: str
    image: str
    env: list[EnvVar] = field(default_factory=list)
    env_from: list[EnvFrom] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)


@dataclass
class PodTemplate:
    labels: dict[str, str]
    containers: list[Container]
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StartContext:
    """What a starting container's program sees: its resolved environment and identity."""

    pod: str
    namespace: str
    container: str
    image: str
    env: dict[str, str]
    args: tuple[str, ...]
    now_ms: int


@dataclass(frozen=True)
class ContainerRun:
    """A program's plan: print ``lines``; exit with ``exit_code`` after ``exit_after_s``,
    or keep running when ``exit_after_s`` is None. ``ready`` is False for a process that
    never gets to serving (its readiness probe never passes before it exits);
    ``exit_lines`` are printed as it exits (its dying words, stamped then)."""

    lines: tuple[str, ...] = ()
    exit_code: int = 0
    exit_after_s: float | None = None
    ready: bool = True
    exit_lines: tuple[str, ...] = ()


Program = Callable[[StartContext], ContainerRun]


@dataclass
class ContainerState:
    kind: str  # "waiting" | "running" | "terminated"
    reason: str = ""
    message: str = ""
    exit_code: int = 0
    started_ms: int = 0
    finished_ms: int = 0
    container_id: str = ""


@dataclass
class ContainerStatus:
    name: str
    image: str
    state: ContainerState = field(default_factory=lambda: ContainerState("waiting",
                                                                         "ContainerCreating"))
    last_state: ContainerState | None = None
    restart_count: int = 0
    ready: bool = False
    started: bool = False
    # Log lines of the current (latest) container instance and of the previous one.
    logs: list[tuple[int, str]] = field(default_factory=list)
    previous_logs: list[tuple[int, str]] = field(default_factory=list)
    # Kubelet bookkeeping: when the next sync acts, the backoff entry, the planned exit.
    next_sync_ms: int = 0
    backoff_s: int = 0
    backoff_updated_ms: int | None = None
    exit_at_ms: int | None = None
    exit_code: int = 0
    exit_lines: tuple[str, ...] = ()
    instances: int = 0


@dataclass
class Pod:
    meta: Meta
    containers: list[Container]
    node: str = ""
    host_ip: str = ""
    ip: str = ""
    phase: str = "Pending"
    start_ms: int | None = None
    owner: str = ""  # ReplicaSet name
    statuses: list[ContainerStatus] = field(default_factory=list)
    conditions: dict[str, bool] = field(default_factory=dict)
    deleted: bool = False
    kube_api_volume: str = ""

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def ready_count(self) -> int:
        return sum(1 for s in self.statuses if s.ready)

    @property
    def ready(self) -> bool:
        return bool(self.statuses) and all(s.ready for s in self.statuses)


@dataclass
class ReplicaSet:
    meta: Meta
    template: PodTemplate
    replicas: int
    owner: str  # Deployment name
    hash: str
    revision: int


@dataclass
class Deployment:
    meta: Meta
    template: PodTemplate
    replicas: int = 1
    selector: dict[str, str] = field(default_factory=dict)
    revision: int = 0
    strategy: str = "RollingUpdate"  # or "Recreate": old pods go before new ones start
    generation: int = 1  # bumped by every change to the spec


@dataclass
class Secret:
    meta: Meta
    data: dict[str, bytes] = field(default_factory=dict)
    type: str = "Opaque"


@dataclass
class ConfigMap:
    meta: Meta
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class Event:
    meta: Meta
    type: str  # Normal | Warning
    reason: str
    kind: str  # involved object kind, e.g. "Pod"
    object_name: str
    message: str
    source: str
    first_ms: int
    last_ms: int
    count: int = 1
    source_host: str = ""
    object_uid: str = ""
    field_path: str = ""  # spec.containers{NAME} for kubelet events about a container


@dataclass
class Namespace:
    meta: Meta
    phase: str = "Active"


@dataclass
class Node:
    meta: Meta
    ip: str
    ready: bool = True
    roles: tuple[str, ...] = ()
    version: str = "v1.29.4"
    os_image: str = "Ubuntu 22.04.4 LTS"
    kernel: str = "5.15.0-105-generic"
    runtime: str = "containerd://1.7.13"
    pod_cidr_index: int = 0
