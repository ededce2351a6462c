"""A Kubernetes cluster model: API objects, controllers and the kubelet state machine."""

from __future__ import annotations

from pagerdrill.world.cluster.cluster import ApiError, Cluster, template_hash
from pagerdrill.world.cluster.kubelet import BACKOFF_INITIAL_S, BACKOFF_MAX_S, resolve_env
from pagerdrill.world.cluster.objects import (
    ConfigMap,
    Container,
    ContainerRun,
    ContainerState,
    ContainerStatus,
    Deployment,
    EnvFrom,
    EnvVar,
    Event,
    KeyRef,
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
from pagerdrill.world.cluster.registry import find_cluster, install_cluster, write_kubeconfig

__all__ = [
    "BACKOFF_INITIAL_S",
    "BACKOFF_MAX_S",
    "ApiError",
    "Cluster",
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
    "find_cluster",
    "install_cluster",
    "resolve_env",
    "template_hash",
    "write_kubeconfig",
]
