"""The kubelet's container state machine for one pod (restartPolicy: Always).

Mirrors the real kubelet: a container whose config cannot be built (a missing Secret
or key that is not optional) stays Waiting/CreateContainerConfigError and never runs;
a container whose process exits goes Terminated, and each restart after the first is
delayed by the kubelet's per-container back-off (10s doubling to 5m, forgotten once
the container has stayed up for 10 minutes: the back-off entry expires after 2 x max).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pagerdrill.world.cluster.objects import (
    Container,
    ContainerRun,
    ContainerState,
    ContainerStatus,
    Pod,
    StartContext,
)

if TYPE_CHECKING:
    from pagerdrill.world.cluster.cluster import Cluster

__all__ = ["BACKOFF_INITIAL_S", "BACKOFF_MAX_S", "CONFIG_RETRY_S", "resolve_env", "sync_pod"]

BACKOFF_INITIAL_S = 10
BACKOFF_MAX_S = 300
CONFIG_RETRY_S = 10  # how often the pod worker retries a config error
_BACKOFF_EVENT_S = 10
_EXPIRE_MS = 2 * BACKOFF_MAX_S * 1000


def resolve_env(cluster: Cluster, namespace: str, container: Container) -> dict[str, str] | str:
    """The container's environment, or the kubelet's error (``secret "x" not found``)."""
    env: dict[str, str] = {}
    for source in container.env_from:
        values = cluster.config_values(source.kind, namespace, source.name)
        if values is None:
            if source.optional:
                continue
            return f'{source.kind} "{source.name}" not found'
        for key, value in values.items():
            env[source.prefix + key] = value
    for var in container.env:
        ref = var.ref
        if ref is None:
            env[var.name] = var.value
            continue
        values = cluster.config_values(ref.kind, namespace, ref.name)
        if values is None:
            if ref.optional:
                continue
            return f'{ref.kind} "{ref.name}" not found'
        if ref.key not in values:
            if ref.optional:
                continue
            kind = "Secret" if ref.kind == "secret" else "ConfigMap"
            return f"couldn't find key {ref.key} in {kind} {namespace}/{ref.name}"
        env[var.name] = values[ref.key]
    return env


def sync_pod(cluster: Cluster, pod: Pod, now: int) -> None:
    for container, status in zip(pod.containers, pod.statuses, strict=True):
        if status.next_sync_ms <= now:
            _sync_container(cluster, pod, container, status, now)
    _update_pod_status(pod)


def _sync_container(cluster: Cluster, pod: Pod, container: Container,
                    status: ContainerStatus, now: int) -> None:
    state = status.state
    if state.kind == "running":
        if status.exit_at_ms is not None and status.exit_at_ms <= now:
            _terminate(status, status.exit_at_ms)
            status.next_sync_ms = now + 1000
        else:
            status.next_sync_ms = status.exit_at_ms if status.exit_at_ms is not None else 1 << 62
        return
    if state.kind == "terminated" or state.reason == "CrashLoopBackOff":
        last = state if state.kind == "terminated" else status.last_state
        assert last is not None
        if _in_backoff(status, last.finished_ms, now):
            restart_ms = last.finished_ms + status.backoff_s * 1000
            if state.kind == "terminated" or now >= status.next_sync_ms:
                if state.kind == "terminated":
                    status.last_state = state
                status.state = ContainerState(
                    "waiting", "CrashLoopBackOff",
                    f"back-off {status.backoff_s}s restarting failed container="
                    f"{container.name} pod={pod.name}_{pod.meta.namespace}({pod.meta.uid})")
                cluster.record_event(
                    pod.meta.namespace, "Pod", pod.name, "Warning", "BackOff",
                    f"Back-off restarting failed container {container.name} in pod "
                    f"{pod.name}_{pod.meta.namespace}({pod.meta.uid})", "kubelet", pod.node,
                             container=container.name)
            status.next_sync_ms = min(restart_ms, now + _BACKOFF_EVENT_S * 1000)
            return
        if status.backoff_updated_ms is None or last.finished_ms - status.backoff_updated_ms \
                > _EXPIRE_MS:
            status.backoff_s = BACKOFF_INITIAL_S
        else:
            status.backoff_s = min(status.backoff_s * 2, BACKOFF_MAX_S)
        status.backoff_updated_ms = now
    _start(cluster, pod, container, status, now)


def _in_backoff(status: ContainerStatus, finished_ms: int, now: int) -> bool:
    if status.backoff_updated_ms is None:
        return False
    if finished_ms - status.backoff_updated_ms > _EXPIRE_MS:
        return False
    return now - finished_ms < status.backoff_s * 1000


def _terminate(status: ContainerStatus, at_ms: int) -> None:
    code = status.exit_code
    status.logs = status.logs + [(at_ms, line) for line in status.exit_lines]
    status.exit_lines = ()
    status.state = ContainerState("terminated", "Error" if code else "Completed",
                                  exit_code=code, started_ms=status.state.started_ms,
                                  finished_ms=at_ms, container_id=status.state.container_id)
    status.ready = False
    status.started = False
    status.exit_at_ms = None


def _start(cluster: Cluster, pod: Pod, container: Container, status: ContainerStatus,
           now: int) -> None:
    ns = pod.meta.namespace
    cluster.record_event(ns, "Pod", pod.name, "Normal", "Pulled",
                         f'Container image "{container.image}" already present on machine',
                         "kubelet", pod.node,
                             container=container.name)
    env = resolve_env(cluster, ns, container)
    if isinstance(env, str):
        status.state = ContainerState("waiting", "CreateContainerConfigError", env)
        cluster.record_event(ns, "Pod", pod.name, "Warning", "Failed", f"Error: {env}",
                             "kubelet", pod.node,
                             container=container.name)
        status.next_sync_ms = now + CONFIG_RETRY_S * 1000
        return
    cluster.record_event(ns, "Pod", pod.name, "Normal", "Created",
                         f"Created container {container.name}", "kubelet", pod.node,
                             container=container.name)
    cluster.record_event(ns, "Pod", pod.name, "Normal", "Started",
                         f"Started container {container.name}", "kubelet", pod.node,
                             container=container.name)
    previous = status.state if status.state.kind == "terminated" else status.last_state
    if status.instances > 0:
        status.restart_count += 1
        status.last_state = previous
        status.previous_logs = status.logs
    status.instances += 1
    run = cluster.program_for(ns, pod, container)(StartContext(
        pod.name, ns, container.name, container.image, env, tuple(container.args), now))
    _apply_run(cluster, status, run, now)


def _apply_run(cluster: Cluster, status: ContainerStatus, run: ContainerRun, now: int) -> None:
    status.state = ContainerState("running", started_ms=now,
                                  container_id=f"containerd://{cluster.hex_id(64)}")
    status.logs = [(now, line) for line in run.lines]
    status.ready = run.ready
    status.started = True
    status.exit_code = run.exit_code
    status.exit_lines = run.exit_lines if run.exit_after_s is not None else ()
    if run.exit_after_s is None:
        status.exit_at_ms = None
        status.next_sync_ms = 1 << 62
    else:
        status.exit_at_ms = now + int(run.exit_after_s * 1000)
        status.next_sync_ms = status.exit_at_ms


def _update_pod_status(pod: Pod) -> None:
    if any(s.instances > 0 for s in pod.statuses):
        pod.phase = "Running"
    ready = pod.ready
    pod.conditions["Ready"] = ready
    pod.conditions["ContainersReady"] = ready
