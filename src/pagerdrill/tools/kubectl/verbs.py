"""kubectl verbs besides get: describe, logs, create secret, delete, rollout."""

from __future__ import annotations

from collections.abc import Callable

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.kubectl.apply import apply, diff
from pagerdrill.tools.kubectl.cli import Flags, KubeError, Target
from pagerdrill.tools.kubectl.describe import (
    describe_configmap,
    describe_deployment,
    describe_pod,
    describe_secret,
)
from pagerdrill.tools.kubectl.get import get, list_objects, match_selector, parse_targets
from pagerdrill.tools.kubectl.printers import KINDS
from pagerdrill.tools.kubectl.rollout import rollout
from pagerdrill.tools.kubectl.serialize import to_json, to_yaml
from pagerdrill.world.cluster import ApiError, Cluster, ConfigMap, Deployment, Pod, Secret
from pagerdrill.world.errors import FsError

__all__ = ["VERBS"]

Verb = Callable[[Invocation, Target, Flags], CommandOutput]


def _server(err: ApiError) -> KubeError:
    return KubeError(f"Error from server ({err.reason}): {err.message}\n")


def describe(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    cluster, now = target.cluster, inv.world.clock.now_ms
    groups = parse_targets(flags.args[1:], "describe")
    status = 0
    first = True
    for plural, names in groups:
        items = list_objects(cluster, plural, target.namespace)
        if flags.get("selector"):
            items = [o for o in items if match_selector(o.meta.labels, flags.get("selector"))]
        if names is not None:
            by_name = {o.meta.name: o for o in items}
            chosen = []
            for name in names:
                # describe also matches by name prefix when there is no exact match
                found = [by_name[name]] if name in by_name else [
                    o for o in items if o.meta.name.startswith(name)]
                if not found:
                    inv.stderr.write(f'Error from server (NotFound): {KINDS[plural].plural} '
                                     f'"{name}" not found\n')
                    status = 1
                chosen += found
            items = chosen
        elif not items:
            inv.stderr.write(f"No resources found in {target.namespace} namespace.\n")
        for obj in items:
            if isinstance(obj, Pod):
                text = describe_pod(cluster, obj, now)
            elif isinstance(obj, Secret):
                text = describe_secret(obj)
            elif isinstance(obj, Deployment):
                text = describe_deployment(cluster, obj, now)
            elif isinstance(obj, ConfigMap):
                text = describe_configmap(obj, cluster, now)
            else:
                raise KubeError(f"error: describe for {plural} is not supported here\n")
            if not first:
                yield b"\n\n"
            first = False
            yield text.encode()
    return status


def _pod_for(cluster: Cluster, namespace: str, ref: str) -> Pod:
    kind, slash, name = ref.partition("/")
    if not slash:
        return cluster.get_pod(namespace, ref)
    if kind in ("pod", "pods", "po"):
        return cluster.get_pod(namespace, name)
    if kind in ("deployment", "deployments", "deploy", "deployment.apps"):
        dep = cluster.get_deployment(namespace, name)
        pods = [p for rs in reversed(cluster.replicasets_of(dep)) for p in cluster.pods_of(rs)]
        if not pods:
            raise KubeError("error: timed out waiting for the condition\n")
        return sorted(pods, key=lambda p: p.meta.created_ms)[0]
    raise KubeError(f'error: the server doesn\'t have a resource type "{kind}"\n')


def logs(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    args = flags.args[1:]
    if not args:
        raise KubeError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                        "POD or TYPE/NAME is a required argument for the logs command\n"
                        "See 'kubectl logs -h' for help and examples\n")
    try:
        pod = _pod_for(target.cluster, target.namespace, args[0])
    except ApiError as err:
        if err.reason == "NotFound":
            # kubectl 1.37 wraps the lookup's error and names the namespace it searched.
            raise KubeError(f"error: error from server (NotFound): {err.message} in "
                            f'namespace "{target.namespace}"\n') from None
        raise _server(err) from None
    names = [s.name for s in pod.statuses]
    wanted = flags.get("container") or (args[1] if len(args) > 1 else "")
    if not wanted:
        wanted = names[0]
        if len(names) > 1:
            inv.stderr.write(f'Defaulted container "{wanted}" out of: {", ".join(names)}\n')
    status = next((s for s in pod.statuses if s.name == wanted), None)
    if status is None:
        raise KubeError(f'Error from server (BadRequest): container {wanted} is not valid for '
                        f'pod {pod.name}\n')
    state, last = status.state, status.last_state
    prefix = 'Error from server (BadRequest): '
    # Which container instance the kubelet serves (validateContainerLogStatus).
    if "previous" in flags.bools:
        if last is None or last.kind != "terminated":
            raise KubeError(f'{prefix}previous terminated container "{wanted}" in pod '
                            f'"{pod.name}" not found\n')
        lines = status.logs if state.kind != "running" else status.previous_logs
    elif state.kind in ("running", "terminated") or last is not None:
        lines = status.logs
    else:
        raise KubeError(f'{prefix}container "{wanted}" in pod "{pod.name}" is waiting to '
                        f'start: {state.reason}\n')
    tail = flags.get("tail")
    if tail:
        try:
            count = int(tail)
        except ValueError:
            raise KubeError(f'error: invalid argument "{tail}" for "--tail" flag: strconv.'
                            f'ParseInt: parsing "{tail}": invalid syntax\n') from None
        if count >= 0:
            lines = lines[len(lines) - count:] if count else []
    for stamp, line in lines:
        if "timestamps" in flags.bools:
            from pagerdrill.tools.kubectl.format import rfc3339

            yield f"{rfc3339(stamp)[:-1]}.000000000Z {line}\n".encode()
        else:
            yield f"{line}\n".encode()
    if "follow" in flags.bools and state.kind == "running":
        inv.world.advance(5)  # follow is bounded: a few simulated seconds
    return 0


def _read(inv: Invocation, path: str) -> bytes:
    try:
        inode = inv.host.fs.lookup(path, inv.cwd, cred=inv.host.cred_for(inv.user))
        if inode.is_dir:
            raise KubeError(f"error: read {path}: is a directory\n")
        return b"".join(inv.host.fs.read_stream(inode, path=path))
    except FsError:
        raise KubeError(f"error: open {path}: no such file or directory\n") from None


def _secret_data(inv: Invocation, flags: Flags) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for literal in flags.multi.get("from-literal", []):
        key, eq, value = literal.partition("=")
        if not eq or not key:
            raise KubeError(f"error: invalid literal source {literal}, expected key=value\n")
        data[key] = value.encode()
    for spec in flags.multi.get("from-file", []):
        key, eq, path = spec.partition("=")
        if not eq:
            path, key = spec, spec.rstrip("/").rsplit("/", 1)[-1]
        data[key] = _read(inv, path)
    for path in flags.multi.get("from-env-file", []):
        for raw in _read(inv, path).decode("utf-8", "replace").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, eq, value = line.partition("=")
            if not eq:
                value = inv.env.get(key, "")
            data[key] = value.encode()
    return data


def create(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    args = flags.args[1:]
    if args[:2] != ["secret", "generic"]:
        what = " ".join(args[:2]) or "(nothing)"
        raise KubeError(f"error: create {what} is not supported here (only "
                        "'create secret generic')\n")
    if len(args) != 3:
        raise KubeError(f"error: exactly one NAME is required, got {len(args) - 2}\n"
                        "See 'kubectl create secret generic -h' for help and examples\n")
    name = args[2]
    data = _secret_data(inv, flags)
    secret_type = flags.get("type") or "Opaque"
    dry = flags.get("dry-run")
    if dry in ("client", "server"):
        doc: dict[str, object] = {"apiVersion": "v1", "kind": "Secret", "metadata": {
            "creationTimestamp": None, "name": name, "namespace": target.namespace}}
        if data:
            import base64

            doc["data"] = {k: base64.b64encode(v).decode() for k, v in data.items()}
        if secret_type != "Opaque":
            doc["type"] = secret_type
        output = flags.get("output")
        if output == "yaml":
            yield to_yaml(doc).encode()
        elif output == "json":
            yield to_json(doc).encode()
        else:
            yield f"secret/{name} created ({dry} dry run)\n".encode()
        return 0
    try:
        target.cluster.create_secret(target.namespace, name, data, secret_type)
    except ApiError as err:
        raise KubeError(f"error: failed to create secret {err.message}\n") from None
    yield f"secret/{name} created\n".encode()
    return 0


def delete(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    groups = parse_targets(flags.args[1:], "delete")
    status = 0
    cluster = target.cluster
    for plural, names in groups:
        if names is None:
            raise KubeError("error: resource(s) were provided, but no name was specified\n")
        for name in names:
            try:
                if plural == "pods":
                    cluster.delete_pod(target.namespace, name)
                elif plural == "secrets":
                    cluster.delete_secret(target.namespace, name)
                else:
                    raise KubeError(f"error: delete {plural} is not supported here\n")
            except ApiError as err:
                if "ignore-not-found" in flags.bools:
                    continue
                inv.stderr.write(f"Error from server ({err.reason}): {err.message}\n")
                status = 1
                continue
            yield f'{KINDS[plural].name_prefix.split(".")[0]} "{name}" deleted\n'.encode()
    return status


def top(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    """No metrics-server runs in these clusters: kubectl says so, as it does for real."""
    sub = flags.args[1] if len(flags.args) > 1 else ""
    if sub not in ("pod", "pods", "po", "node", "nodes", "no"):
        raise KubeError(f'error: unknown command "{sub}" for "kubectl top"\n' if sub else
                        "Display resource (CPU/memory) usage.\n\nAvailable Commands:\n"
                        "  node          Display resource (CPU/memory) usage of nodes\n"
                        "  pod           Display resource (CPU/memory) usage of pods\n")
    raise KubeError("error: Metrics API not available\n")
    yield b""


VERBS: dict[str, Verb] = {"get": get, "describe": describe, "logs": logs, "create": create,
                          "delete": delete, "rollout": rollout, "apply": apply, "diff": diff,
                          "top": top}
