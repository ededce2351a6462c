"""``kubectl describe``: the blocks kubectl's describers write (through one tabwriter,
minwidth 0, padding 2, so alignment restarts at every line without a tab)."""

from __future__ import annotations

from pagerdrill.tools.kubectl.format import rfc1123z, since, tabwrite
from pagerdrill.tools.kubectl.serialize import deployment_conditions, image_id
from pagerdrill.world.cluster import (
    LAST_APPLIED,
    Cluster,
    ConfigMap,
    Container,
    ContainerState,
    ContainerStatus,
    Deployment,
    Event,
    Pod,
    PodTemplate,
    Secret,
)

__all__ = ["describe_configmap", "describe_deployment", "describe_pod", "describe_secret",
           "events_block", "pod_template_lines"]


def _map_lines(title: str, values: dict[str, str]) -> list[str]:
    if not values:
        return [f"{title}:\t<none>"]
    lines = []
    for i, key in enumerate(sorted(values)):
        lines.append(f"{title + ':' if i == 0 else ''}\t{key}={values[key]}")
    return lines


def _annotations(values: dict[str, str]) -> list[str]:
    # describe never prints kubectl apply's copy of the object (it may hold secrets)
    values = {k: v for k, v in values.items() if k != LAST_APPLIED}
    if not values:
        return ["Annotations:\t<none>"]
    return [f"{'Annotations:' if i == 0 else ''}\t{k}: {values[k]}"
            for i, k in enumerate(sorted(values))]


def events_block(events: list[Event], now: int) -> list[str]:
    if not events:
        return ["Events:\t<none>"]
    lines = ["Events:", "  Type\tReason\tAge\tFrom\tMessage", "  ----\t------\t----\t----\t-------"]
    for ev in sorted(events, key=lambda e: e.last_ms):
        first = since(now, ev.first_ms)
        age = f"{since(now, ev.last_ms)} (x{ev.count} over {first})" if ev.count > 1 else first
        # kubectl 1.33+ names the container the event is about (involvedObject.fieldPath).
        message = f"{ev.field_path}: {ev.message.strip()}" if ev.field_path else ev.message.strip()
        lines.append(f"  {ev.type}\t{ev.reason}\t{age}\t{ev.source}\t{message}")
    return lines


def _state(title: str, state: ContainerState) -> list[str]:
    if state.kind == "running":
        return [f"    {title}:\tRunning", f"      Started:\t{rfc1123z(state.started_ms)}"]
    if state.kind == "waiting":
        lines = [f"    {title}:\tWaiting"]
        if state.reason:
            lines.append(f"      Reason:\t{state.reason}")
        return lines
    lines = [f"    {title}:\tTerminated"]
    if state.reason:
        lines.append(f"      Reason:\t{state.reason}")
    lines += [f"      Exit Code:\t{state.exit_code}",
              f"      Started:\t{rfc1123z(state.started_ms)}",
              f"      Finished:\t{rfc1123z(state.finished_ms)}"]
    return lines


def _env(container: Container, indent: str) -> list[str]:
    lines: list[str] = []
    if container.env_from:
        lines.append(f"{indent}Environment Variables from:")
        for src in container.env_from:
            kind = "Secret" if src.kind == "secret" else "ConfigMap"
            prefix = f" with prefix '{src.prefix}'" if src.prefix else ""
            lines.append(f"{indent}  {src.name}\t{kind}{prefix}\tOptional: "
                         f"{str(src.optional).lower()}")
    if not container.env:
        lines.append(f"{indent}Environment:\t<none>")
        return lines
    lines.append(f"{indent}Environment:")
    for var in container.env:
        ref = var.ref
        if ref is None:
            lines.append(f"{indent}  {var.name}:\t{var.value}")
        elif ref.kind == "secret":
            lines.append(f"{indent}  {var.name}:\t<set to the key '{ref.key}' in secret "
                         f"'{ref.name}'>\tOptional: {str(ref.optional).lower()}")
        else:
            lines.append(f"{indent}  {var.name}:\t<set to the key '{ref.key}' of config map "
                         f"'{ref.name}'>\tOptional: {str(ref.optional).lower()}")
    return lines


def _container(pod: Pod, container: Container, status: ContainerStatus) -> list[str]:
    lines = [f"  {container.name}:"]
    cid = status.state.container_id or (status.last_state.container_id
                                        if status.last_state else "")
    # kubectl prints both IDs whenever the container has a status, empty or not.
    lines += [f"    Container ID:\t{cid}", f"    Image:\t{container.image}",
              f"    Image ID:\t{image_id(container.image) if status.instances else ''}"]
    if container.ports:
        lines += [f"    Port:\t{'/TCP, '.join(map(str, container.ports))}/TCP",
                  f"    Host Port:\t{'/TCP, '.join('0' for _ in container.ports)}/TCP"]
    else:
        lines += ["    Port:\t<none>", "    Host Port:\t<none>"]
    if container.args:
        lines.append("    Args:")
        lines += [f"      {arg}" for arg in container.args]
    lines += _state("State", status.state)
    if status.last_state is not None and status.last_state.kind == "terminated":
        lines += _state("Last State", status.last_state)
    lines += [f"    Ready:\t{'True' if status.ready else 'False'}",
              f"    Restart Count:\t{status.restart_count}"]
    lines += _env(container, "    ")
    lines += ["    Mounts:",
              f"      /var/run/secrets/kubernetes.io/serviceaccount from {pod.kube_api_volume} "
              "(ro)"]
    return lines


def describe_pod(cluster: Cluster, pod: Pod, now: int) -> str:
    lines = [f"Name:\t{pod.name}", f"Namespace:\t{pod.meta.namespace}", "Priority:\t0",
             "Service Account:\tdefault",
             f"Node:\t{pod.node}/{pod.host_ip}" if pod.node else "Node:\t<none>"]
    if pod.start_ms is not None:
        lines.append(f"Start Time:\t{rfc1123z(pod.start_ms)}")
    lines += _map_lines("Labels", pod.meta.labels)
    lines += _annotations(pod.meta.annotations)
    lines += [f"Status:\t{pod.phase}", f"IP:\t{pod.ip}"]
    lines += ["IPs:", f"  IP:\t{pod.ip}"] if pod.ip else ["IPs:\t<none>"]
    if pod.owner:
        lines.append(f"Controlled By:\tReplicaSet/{pod.owner}")
    lines.append("Containers:")
    for container, status in zip(pod.containers, pod.statuses, strict=True):
        lines += _container(pod, container, status)
    lines += ["Conditions:", "  Type\tStatus"]
    lines += [f"  {kind} \t{'True' if ok else 'False'} " for kind, ok in pod.conditions.items()]
    lines += [
        "Volumes:", f"  {pod.kube_api_volume}:",
        "    Type:\tProjected (a volume that contains injected data from multiple sources)",
        "    TokenExpirationSeconds:\t3607", "    ConfigMapName:\tkube-root-ca.crt",
        "    Optional:\tfalse", "    DownwardAPI:\ttrue",
        "QoS Class:\tBestEffort", "Node-Selectors:\t<none>",
        "Tolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
        "\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s"]
    lines += events_block(cluster.events_for(pod.meta.namespace, "Pod", pod.name), now)
    return tabwrite("\n".join(lines) + "\n", minwidth=0, padding=2)


def describe_secret(secret: Secret) -> str:
    lines = [f"Name:\t{secret.meta.name}", f"Namespace:\t{secret.meta.namespace}"]
    lines += _map_lines("Labels", secret.meta.labels)
    lines += _annotations(secret.meta.annotations)
    lines += ["", f"Type:\t{secret.type}", "", "Data", "===="]
    lines += [f"{key}:\t{len(value)} bytes" for key, value in sorted(secret.data.items())]
    return tabwrite("\n".join(lines) + "\n", minwidth=0, padding=2)


def describe_configmap(cm: ConfigMap, cluster: Cluster, now: int) -> str:
    lines = [f"Name:\t{cm.meta.name}", f"Namespace:\t{cm.meta.namespace}"]
    lines += _map_lines("Labels", cm.meta.labels)
    lines += _annotations(cm.meta.annotations)
    lines += ["", "Data", "===="]
    for key, value in sorted(cm.data.items()):
        lines += [f"{key}:", "----", value, ""]  # 1.37: a blank line after each value
    lines += ["", "BinaryData", "====", ""]
    lines += events_block(cluster.events_for(cm.meta.namespace, "ConfigMap", cm.meta.name), now)
    return tabwrite("\n".join(lines) + "\n", minwidth=0, padding=2)


def pod_template_lines(template: PodTemplate) -> list[str]:
    """The block under ``Pod Template:`` (describe.DescribePodTemplate), untabulated."""
    # Only a block's first line is indented: continuation lines start with their tab.
    lines = [("  " if i == 0 else "") + line
             for i, line in enumerate(_map_lines("Labels", template.labels))]
    if template.annotations:
        lines += [("  " if i == 0 else "") + line
                  for i, line in enumerate(_annotations(template.annotations))]
    lines.append("  Containers:")
    for c in template.containers:
        lines.append(f"   {c.name}:")
        lines.append(f"    Image:\t{c.image}")
        ports = f"{'/TCP, '.join(map(str, c.ports))}/TCP" if c.ports else "<none>"
        lines += [f"    Port:\t{ports}", f"    Host Port:\t{'0/TCP' if c.ports else '<none>'}"]
        lines += _env(c, "    ")
        lines.append("    Mounts:\t<none>")
    lines += ["  Volumes:\t<none>", "  Node-Selectors:\t<none>", "  Tolerations:\t<none>"]
    return lines


def describe_deployment(cluster: Cluster, dep: Deployment, now: int) -> str:
    rss = cluster.replicasets_of(dep)
    pods = [p for rs in rss for p in cluster.pods_of(rs)]
    ready = sum(1 for p in pods if p.ready)
    updated = len(cluster.pods_of(rss[-1])) if rss else 0
    annotations = dict(dep.meta.annotations)
    annotations["deployment.kubernetes.io/revision"] = str(dep.revision)
    lines = [f"Name:\t{dep.meta.name}", f"Namespace:\t{dep.meta.namespace}",
             f"CreationTimestamp:\t{rfc1123z(dep.meta.created_ms)}"]
    lines += _map_lines("Labels", dep.meta.labels)
    lines += _annotations(annotations)
    lines += [f"Selector:\t{','.join(f'{k}={v}' for k, v in sorted(dep.selector.items()))}",
              f"Replicas:\t{dep.replicas} desired | {updated} updated | {len(pods)} total | "
              f"{ready} available | {len(pods) - ready} unavailable",
              f"StrategyType:\t{dep.strategy}", "MinReadySeconds:\t0"]
    if dep.strategy == "RollingUpdate":
        lines.append("RollingUpdateStrategy:\t25% max unavailable, 25% max surge")
    lines.append("Pod Template:")
    lines += pod_template_lines(dep.template)
    lines += ["Conditions:", "  Type\tStatus\tReason", "  ----\t------\t------"]
    lines += [f"  {kind} \t{status}\t{reason}"
              for kind, status, reason, _ in deployment_conditions(cluster, dep)]
    new = rss[-1] if rss else None
    old = rss[:-1]
    lines.append("OldReplicaSets:\t" + (", ".join(
        f"{rs.meta.name} ({len(cluster.pods_of(rs))}/{rs.replicas} replicas created)"
        for rs in old) or "<none>"))
    lines.append("NewReplicaSet:\t" + (f"{new.meta.name} ({len(cluster.pods_of(new))}/"
                                       f"{new.replicas} replicas created)" if new else "<none>"))
    lines += events_block(cluster.events_for(dep.meta.namespace, "Deployment", dep.meta.name),
                          now)
    return tabwrite("\n".join(lines) + "\n", minwidth=0, padding=2)
