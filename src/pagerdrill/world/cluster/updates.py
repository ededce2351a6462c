"""Changes kubectl makes to a cluster besides create/delete: apply (a client-side
three-way merge against the last applied configuration) and rollout undo.

``kubectl apply`` stores what it applied in the object's
``kubectl.kubernetes.io/last-applied-configuration`` annotation; the next apply
removes the fields that were applied before and are gone from the new manifest,
keeps fields others set (``rollout restart``'s template annotation), and sets
the rest. The result says ``created``, ``configured`` or ``unchanged``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from pagerdrill.world.cluster.cluster import ApiError, Cluster
from pagerdrill.world.cluster.objects import Deployment, Meta, PodTemplate, ReplicaSet

__all__ = [
    "CHANGE_CAUSE",
    "LAST_APPLIED",
    "Applied",
    "DeploymentSpec",
    "RolloutError",
    "apply_configmap",
    "apply_deployment",
    "apply_namespace",
    "apply_secret",
    "merged_deployment",
    "rollout_history",
    "rollout_undo",
]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CHANGE_CAUSE = "kubernetes.io/change-cause"
_HASH_LABEL = "pod-template-hash"


class RolloutError(Exception):
    """A client-side rollout error (kubectl prints ``error: MESSAGE``)."""


@dataclass(frozen=True)
class Applied:
    action: str  # created | configured | unchanged
    missing_annotation: bool = False  # the live object was not created by apply


@dataclass(frozen=True)
class DeploymentSpec:
    """What a Deployment manifest sets (None: the manifest leaves it to the server)."""

    template: PodTemplate
    selector: dict[str, str]
    replicas: int | None = None
    strategy: str = "RollingUpdate"


def _merge(live: dict[str, Any], last: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Three-way merge of a flat map: drop what was applied before and is gone now."""
    out = {k: v for k, v in live.items() if not (k in last and k not in new)}
    out.update(new)
    return out


def _last(meta: Meta) -> dict[str, Any]:
    try:
        doc = json.loads(meta.annotations.get(LAST_APPLIED, "") or "{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _dig(doc: dict[str, Any], *path: str) -> dict[str, Any]:
    for key in path:
        found = doc.get(key)
        doc = found if isinstance(found, dict) else {}
    return doc


def _merge_meta(meta: Meta, labels: dict[str, str], annotations: dict[str, str],
                last_applied: str) -> tuple[dict[str, str], dict[str, str]]:
    last = _last(meta)
    new_labels = _merge(meta.labels, _dig(last, "metadata", "labels"), labels)
    new_annotations = _merge(meta.annotations, _dig(last, "metadata", "annotations"),
                             annotations)
    new_annotations[LAST_APPLIED] = last_applied
    return new_labels, new_annotations


def _stamp(meta: Meta, labels: dict[str, str], annotations: dict[str, str],
           last_applied: str) -> None:
    meta.labels.update(labels)
    meta.annotations.update(annotations)
    meta.annotations[LAST_APPLIED] = last_applied


def apply_secret(cluster: Cluster, namespace: str, name: str, data: dict[str, bytes],
                 type_: str, *, labels: dict[str, str], annotations: dict[str, str],
                 last_applied: str) -> Applied:
    secret = cluster.secrets.get((namespace, name))
    if secret is None:
        created = cluster.create_secret(namespace, name, data, type_)
        _stamp(created.meta, labels, annotations, last_applied)
        return Applied("created")
    if type_ != secret.type:
        raise ApiError("Invalid", f'Secret "{name}" is invalid: type: Invalid value: '
                                  f'"{type_}": field is immutable')
    missing = LAST_APPLIED not in secret.meta.annotations
    last = _last(secret.meta)
    applied_keys = {**_dig(last, "data"), **_dig(last, "stringData")}
    new_data = _merge(secret.data, applied_keys, data)
    new_labels, new_annotations = _merge_meta(secret.meta, labels, annotations, last_applied)
    changed = (new_data, new_labels, new_annotations) != (
        secret.data, secret.meta.labels, secret.meta.annotations)
    secret.data = {k: bytes(v) for k, v in new_data.items()}
    secret.meta.labels, secret.meta.annotations = new_labels, new_annotations
    return Applied("configured" if changed else "unchanged", missing)


def apply_configmap(cluster: Cluster, namespace: str, name: str, data: dict[str, str], *,
                    labels: dict[str, str], annotations: dict[str, str],
                    last_applied: str) -> Applied:
    cm = cluster.configmaps.get((namespace, name))
    if cm is None:
        created = cluster.create_configmap(namespace, name, data)
        _stamp(created.meta, labels, annotations, last_applied)
        return Applied("created")
    missing = LAST_APPLIED not in cm.meta.annotations
    new_data = _merge(cm.data, _dig(_last(cm.meta), "data"), data)
    new_labels, new_annotations = _merge_meta(cm.meta, labels, annotations, last_applied)
    changed = (new_data, new_labels, new_annotations) != (
        cm.data, cm.meta.labels, cm.meta.annotations)
    cm.data = {k: str(v) for k, v in new_data.items()}
    cm.meta.labels, cm.meta.annotations = new_labels, new_annotations
    return Applied("configured" if changed else "unchanged", missing)


def apply_namespace(cluster: Cluster, name: str, *, labels: dict[str, str],
                    last_applied: str) -> Applied:
    if name not in cluster.namespaces:
        ns = cluster.add_namespace(name)
        _stamp(ns.meta, labels, {}, last_applied)
        return Applied("created")
    ns = cluster.namespaces[name]
    missing = LAST_APPLIED not in ns.meta.annotations
    new_labels, new_annotations = _merge_meta(ns.meta, labels, {}, last_applied)
    new_labels["kubernetes.io/metadata.name"] = name
    changed = (new_labels, new_annotations) != (ns.meta.labels, ns.meta.annotations)
    ns.meta.labels, ns.meta.annotations = new_labels, new_annotations
    return Applied("configured" if changed else "unchanged", missing)


def merged_deployment(live: Deployment, spec: DeploymentSpec, *, labels: dict[str, str],
                      annotations: dict[str, str], last_applied: str) -> Deployment:
    """The Deployment as it would be after the apply (``kubectl diff`` shows this)."""
    last = _last(live.meta)
    last_template = _dig(last, "spec", "template", "metadata")
    template = PodTemplate(
        _merge(live.template.labels, _dig(last_template, "labels"), spec.template.labels),
        list(spec.template.containers),
        _merge(live.template.annotations, _dig(last_template, "annotations"),
               spec.template.annotations))
    new_labels, new_annotations = _merge_meta(live.meta, labels, annotations, last_applied)
    meta = replace(live.meta, labels=new_labels, annotations=new_annotations)
    replicas = live.replicas if spec.replicas is None else spec.replicas
    merged = replace(live, meta=meta, template=template, replicas=replicas,
                     strategy=spec.strategy)
    if (template, replicas, spec.strategy) != (live.template, live.replicas, live.strategy):
        merged.generation = live.generation + 1
    return merged


def apply_deployment(cluster: Cluster, namespace: str, name: str, spec: DeploymentSpec, *,
                     labels: dict[str, str], annotations: dict[str, str],
                     last_applied: str) -> Applied:
    live = cluster.deployments.get((namespace, name))
    if live is None:
        if namespace not in cluster.namespaces:
            raise ApiError("NotFound", f'namespaces "{namespace}" not found')
        dep = Deployment(Meta(name, namespace, cluster.uid(), cluster.now_ms(), dict(labels),
                              dict(annotations)), spec.template,
                         1 if spec.replicas is None else spec.replicas, dict(spec.selector),
                         strategy=spec.strategy)
        dep.meta.annotations[LAST_APPLIED] = last_applied
        cluster.deployments[(namespace, name)] = dep
        cluster.reconcile()
        return Applied("created")
    if spec.selector != live.selector:
        raise ApiError("Invalid", f'Deployment.apps "{name}" is invalid: spec.selector: '
                                  "Invalid value: the selector is immutable: field is "
                                  "immutable")
    missing = LAST_APPLIED not in live.meta.annotations
    merged = merged_deployment(live, spec, labels=labels, annotations=annotations,
                               last_applied=last_applied)
    changed = (merged.meta.labels, merged.meta.annotations, merged.template, merged.replicas,
               merged.strategy) != (live.meta.labels, live.meta.annotations, live.template,
                                    live.replicas, live.strategy)
    live.meta.labels, live.meta.annotations = merged.meta.labels, merged.meta.annotations
    live.template, live.replicas, live.strategy = (merged.template, merged.replicas,
                                                   merged.strategy)
    live.generation = merged.generation
    cluster.reconcile()
    return Applied("configured" if changed else "unchanged", missing)


def _revisions(cluster: Cluster, dep: Deployment) -> dict[int, ReplicaSet]:
    return {rs.revision: rs for rs in cluster.replicasets_of(dep)}


def rollout_history(cluster: Cluster, namespace: str, name: str) -> list[tuple[int, str]]:
    """(revision, change cause) for each ReplicaSet the Deployment owns, oldest first."""
    dep = cluster.get_deployment(namespace, name)
    return [(rev, rs.meta.annotations.get(CHANGE_CAUSE, ""))
            for rev, rs in sorted(_revisions(cluster, dep).items())]


def rollout_undo(cluster: Cluster, namespace: str, name: str, to_revision: int = 0) -> str:
    """Put a previous revision's pod template back: ``rolled back`` or ``skipped ...``."""
    dep = cluster.get_deployment(namespace, name)
    revisions = _revisions(cluster, dep)
    if to_revision:
        target = revisions.get(to_revision)
        if target is None:
            raise RolloutError(f"unable to find specified revision {to_revision} in history")
    else:
        older = [rev for rev in revisions if rev < dep.revision]
        if not older:
            raise RolloutError(f'no rollout history found for deployment "{name}"')
        target = revisions[max(older)]
    labels = {k: v for k, v in target.template.labels.items() if k != _HASH_LABEL}
    template = PodTemplate(labels, list(target.template.containers),
                           dict(target.template.annotations))
    if template == dep.template:
        return f"skipped rollback (current template already matches revision {target.revision})"
    dep.template = template
    dep.generation += 1
    dep.revision += 1
    target.revision = dep.revision
    target.meta.annotations["deployment.kubernetes.io/revision"] = str(dep.revision)
    cluster.reconcile()
    return "rolled back"

