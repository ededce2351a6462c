"""``kubectl apply -f`` and ``kubectl diff -f``.

apply creates or updates each object (``secret/x created``, ``configured``,
``unchanged``); diff writes the live and the would-be objects as YAML into two
temporary directories and prints ``diff -u -N`` of them, exit 1 when they differ.
Secret values are masked in diff output as kubectl masks them.
"""

from __future__ import annotations

import copy
from typing import Any

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.basics.diff import unified_diff
from pagerdrill.tools.kubectl.cli import Flags, KubeError, Target
from pagerdrill.tools.kubectl.manifest import (
    Manifest,
    ManifestError,
    deployment_spec,
    last_applied,
    read_manifests,
    secret_data,
)
from pagerdrill.tools.kubectl.serialize import to_dict, to_yaml
from pagerdrill.world.cluster import (
    ApiError,
    Applied,
    Cluster,
    apply_configmap,
    apply_deployment,
    apply_namespace,
    apply_secret,
    merged_deployment,
)

__all__ = ["apply", "diff"]

_PREFIX = {"secrets": "secret", "configmaps": "configmap", "namespaces": "namespace",
           "deployments": "deployment.apps"}
_GVK = {"secrets": "v1.Secret", "configmaps": "v1.ConfigMap", "namespaces": "v1.Namespace",
        "deployments": "apps.v1.Deployment"}
_MISSING = ("Warning: resource {plural}/{name} is missing the kubectl.kubernetes.io/"
            "last-applied-configuration annotation which is required by kubectl apply. kubectl "
            "apply should only be used on resources created declaratively by either kubectl "
            "create --save-config or kubectl apply. The missing annotation will be patched "
            "automatically.\n")


def _apply_one(cluster: Cluster, m: Manifest) -> Applied:
    labels, annotations, last = m.labels(), m.annotations(), last_applied(m)
    if m.plural == "secrets":
        return apply_secret(cluster, m.namespace, m.name, secret_data(m),
                            str(m.doc.get("type") or "Opaque"), labels=labels,
                            annotations=annotations, last_applied=last)
    if m.plural == "configmaps":
        data = {str(k): str(v) for k, v in (m.doc.get("data") or {}).items()}
        return apply_configmap(cluster, m.namespace, m.name, data, labels=labels,
                               annotations=annotations, last_applied=last)
    if m.plural == "namespaces":
        return apply_namespace(cluster, m.name, labels=labels, last_applied=last)
    return apply_deployment(cluster, m.namespace, m.name, deployment_spec(m), labels=labels,
                            annotations=annotations, last_applied=last)


def _dry(flags: Flags) -> str:
    dry = flags.get("dry-run")
    if dry in ("", "none"):
        return ""
    if dry not in ("client", "server", "unchanged"):
        raise KubeError(f'error: Invalid dry-run value ({dry}). Must be "none", "server", or '
                        '"client".\n')
    return "client" if dry == "unchanged" else dry


def apply(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    errors: list[str] = []
    dry = _dry(flags)
    manifests = read_manifests(inv, flags, target, errors)
    cluster = target.cluster
    for m in manifests:
        try:
            if dry:
                exists = _live(cluster, m) is not None
                yield (f"{_PREFIX[m.plural]}/{m.name} {'configured' if exists else 'created'}"
                       f" ({dry} dry run)\n").encode()
                continue
            result = _apply_one(cluster, m)
        except ManifestError as err:
            errors.append(str(err))
            continue
        except ApiError as err:
            verb = "creating" if _live(cluster, m) is None else "patching"
            errors.append(f'Error from server ({err.reason}): error when {verb} "{m.source}": '
                          f"{err.message}\n")
            continue
        if result.missing_annotation:
            inv.stderr.write(_MISSING.format(plural=m.plural, name=m.name))
        yield f"{_PREFIX[m.plural]}/{m.name} {result.action}\n".encode()
    for error in errors:
        inv.stderr.write(error)
    return 1 if errors else 0


def _live(cluster: Cluster, m: Manifest) -> Any:
    if m.plural == "namespaces":
        return cluster.namespaces.get(m.name)
    key = (m.namespace, m.name)
    if m.plural == "secrets":
        return cluster.secrets.get(key)
    if m.plural == "configmaps":
        return cluster.configmaps.get(key)
    return cluster.deployments.get(key)


def _scratch(cluster: Cluster, m: Manifest) -> Cluster:
    """A cluster holding a copy of the live object, for a dry run of the apply."""
    scratch = Cluster(cluster.name, cluster.now_ms, cluster.rng.child("dry-run", m.name),
                      version=cluster.version)
    if m.namespace:
        scratch.add_namespace(m.namespace)
    live = _live(cluster, m)
    if live is not None:
        key = (m.namespace, m.name)
        if m.plural == "secrets":
            scratch.secrets[key] = copy.deepcopy(live)
        elif m.plural == "configmaps":
            scratch.configmaps[key] = copy.deepcopy(live)
        elif m.plural == "namespaces":
            scratch.namespaces[m.name] = copy.deepcopy(live)
    return scratch


def _merged(cluster: Cluster, m: Manifest) -> dict[str, Any]:
    live = _live(cluster, m)
    if m.plural == "deployments" and live is not None:
        merged = merged_deployment(live, deployment_spec(m), labels=m.labels(),
                                   annotations=m.annotations(), last_applied=last_applied(m))
        return to_dict(cluster, merged)
    scratch = _scratch(cluster, m)
    _apply_one(scratch, m)
    return to_dict(scratch, _live(scratch, m))


def _mask(live: dict[str, Any] | None, merged: dict[str, Any]) -> None:
    """kubectl diff never prints secret values: ``***``, or before/after when they differ."""
    old = (live or {}).get("data") or {}
    new = merged.get("data") or {}
    for key in set(old) | set(new):
        if key in old and key in new and old[key] != new[key]:
            old[key], new[key] = "*** (before)", "*** (after)"
        else:
            for side in (old, new):
                if key in side:
                    side[key] = "***"


def _stamp(ms: int) -> str:
    import datetime as _dt

    when = _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC)
    return f"{when:%Y-%m-%d %H:%M:%S}.{ms % 1000 * 1_000_000:09d} +0000"


def diff(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    errors: list[str] = []
    manifests = read_manifests(inv, flags, target, errors)
    cluster = target.cluster
    rng = inv.world.rng.child("kubectl-diff", inv.world.clock.now_ms)
    live_dir = f"/tmp/LIVE-{rng.getrandbits(32)}"
    merged_dir = f"/tmp/MERGED-{rng.getrandbits(32)}"
    files: list[tuple[str, str, str]] = []
    for m in manifests:
        try:
            live_obj = _live(cluster, m)
            live = to_dict(cluster, live_obj) if live_obj is not None else None
            merged = _merged(cluster, m)
        except ManifestError as err:
            errors.append(str(err))
            continue
        except ApiError as err:
            errors.append(f"Error from server ({err.reason}): {err.message}\n")
            continue
        if m.plural == "secrets":
            live, merged = copy.deepcopy(live), copy.deepcopy(merged)
            _mask(live, merged)
        ns = f".{m.namespace}" if m.namespace else ""
        files.append((f"{_GVK[m.plural]}{ns}.{m.name}", to_yaml(live) if live else "",
                      to_yaml(merged)))
    now = inv.world.clock.now_ms
    changed = False
    for name, before, after in sorted(files):
        if before == after:
            continue
        changed = True
        a, b = f"{live_dir}/{name}", f"{merged_dir}/{name}"
        yield f"diff -u -N {a} {b}\n".encode()
        head_a = f"{a}\t{_stamp(now) if before else _stamp(0)}"
        yield from unified_diff(before.encode().splitlines(keepends=True),
                                after.encode().splitlines(keepends=True), head_a,
                                f"{b}\t{_stamp(now)}", 3)
    for error in errors:
        inv.stderr.write(error)
    return 1 if changed or errors else 0
