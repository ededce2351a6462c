"""Manifests for ``kubectl apply -f`` and ``kubectl diff -f``: files, directories or
stdin, YAML (several documents) or JSON, read into the objects the world applies.

Kinds understood: Secret, ConfigMap, Deployment (apps/v1), Namespace, and List of
those. Other kinds fail as kubectl fails on a kind the server does not serve.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from dataclasses import dataclass
from typing import Any

import yaml

from pagerdrill.tools.api import Invocation
from pagerdrill.tools.kubectl.cli import Flags, KubeError, Target
from pagerdrill.world.cluster import (
    LAST_APPLIED,
    Container,
    DeploymentSpec,
    EnvFrom,
    EnvVar,
    KeyRef,
    PodTemplate,
)
from pagerdrill.world.errors import FsError

__all__ = ["Manifest", "ManifestError", "deployment_spec", "last_applied", "read_manifests",
           "secret_data"]

_EXTENSIONS = (".json", ".yaml", ".yml")
_KINDS = {("v1", "Secret"): "secrets", ("v1", "ConfigMap"): "configmaps",
          ("v1", "Namespace"): "namespaces", ("apps/v1", "Deployment"): "deployments"}


class ManifestError(Exception):
    """One object kubectl could not apply: the message for stderr, the rest go on."""


@dataclass
class Manifest:
    source: str  # the file name as kubectl reports it ("STDIN" for -)
    doc: dict[str, Any]
    plural: str
    name: str
    namespace: str  # "" for cluster-scoped kinds

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind"))

    @property
    def meta(self) -> dict[str, Any]:
        found = self.doc.get("metadata")
        return found if isinstance(found, dict) else {}

    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.meta.get("labels") or {}).items()}

    def annotations(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.meta.get("annotations") or {}).items()
                if k != LAST_APPLIED}


def _read(inv: Invocation, path: str) -> list[tuple[str, bytes]]:
    if path == "-":
        return [("STDIN", inv.stdin.read())]
    fs, cred = inv.host.fs, inv.host.cred_for(inv.user)
    try:
        inode = fs.lookup(path, inv.cwd, cred=cred)
    except FsError:
        raise KubeError(f'error: the path "{path}" does not exist\n') from None
    if not inode.is_dir:
        return [(path, b"".join(fs.read_stream(inode, path=path)))]
    out = []
    for name in sorted(fs.listdir(inode)):
        if not name.endswith(_EXTENSIONS):
            continue
        child = posixpath.join(path, name)
        found = fs.lookup(child, inv.cwd, cred=cred)
        if not found.is_dir:
            out.append((child, b"".join(fs.read_stream(found, path=child))))
    return out


def _documents(source: str, data: bytes) -> list[Any]:
    text = data.decode("utf-8", "replace")
    try:
        if text.lstrip().startswith(("{", "[")):
            return [json.loads(text)]
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except (yaml.YAMLError, ValueError) as err:
        line = getattr(getattr(err, "problem_mark", None), "line", 0) + 1
        raise KubeError(f"error: error parsing {source}: error converting YAML to JSON: "
                        f"yaml: line {line}: {getattr(err, 'problem', 'invalid syntax')}\n"
                        ) from None


def read_manifests(inv: Invocation, flags: Flags, target: Target,
                   errors: list[str]) -> list[Manifest]:
    """Every object in the -f sources; problems with single objects go to ``errors``."""
    paths = flags.multi.get("filename", [])
    if not paths:
        raise KubeError("error: must specify one of -f and -k\n")
    out: list[Manifest] = []
    for path in paths:
        for source, data in _read(inv, path):
            docs = _documents(source, data)
            while docs:
                doc = docs.pop(0)
                if isinstance(doc, dict) and doc.get("kind") == "List":
                    docs[:0] = list(doc.get("items") or [])
                    continue
                try:
                    out.append(_manifest(source, doc, target))
                except ManifestError as err:
                    errors.append(str(err))
    return out


def _manifest(source: str, doc: Any, target: Target) -> Manifest:
    if not isinstance(doc, dict):
        raise ManifestError(f"error: error validating \"{source}\": error validating data: "
                            "invalid object to validate; if you choose to ignore these "
                            "errors, turn validation off with --validate=false\n")
    kind, api = doc.get("kind"), doc.get("apiVersion")
    if not kind or not api:
        missing = "kind" if not kind else "apiVersion"
        raise ManifestError(f"error: error validating \"{source}\": error validating data: "
                            f"{missing} not set; if you choose to ignore these errors, turn "
                            "validation off with --validate=false\n")
    meta = _mapping(doc.get("metadata"))
    name = str(meta.get("name") or "")
    plural = _KINDS.get((str(api), str(kind)))
    if plural is None:
        raise ManifestError(f'error: resource mapping not found for name: "{name}" namespace: '
                            f'"{meta.get("namespace") or ""}" from "{source}": no matches for '
                            f'kind "{kind}" in version "{api}"\nensure CRDs are installed '
                            "first\n")
    if not name:
        raise ManifestError(f'error: error when retrieving current configuration of:\n'
                            f'Resource: "{plural}", GroupVersionKind: "{api}, Kind={kind}"\n'
                            f'Name: "", Namespace: "{target.namespace}"\nfrom server for: '
                            f'"{source}": resource name may not be empty\n')
    namespace = ""
    if plural != "namespaces":
        own = str(meta.get("namespace") or "")
        if own and target.explicit_namespace and own != target.namespace:
            raise KubeError(f'error: the namespace from the provided object "{own}" does not '
                            f'match the namespace "{target.namespace}". You must pass '
                            f"'--namespace={own}' to perform this operation.\n")
        namespace = own or target.namespace
    return Manifest(source, doc, plural, name, namespace)


def last_applied(manifest: Manifest) -> str:
    """The annotation kubectl apply stores: the object as applied, compact JSON."""
    doc = json.loads(json.dumps(manifest.doc))
    meta = doc.setdefault("metadata", {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != LAST_APPLIED}
    meta["annotations"] = annotations
    if manifest.namespace:
        meta["namespace"] = manifest.namespace
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def secret_data(manifest: Manifest) -> dict[str, bytes]:
    data: dict[str, bytes] = {}
    for key, value in (manifest.doc.get("data") or {}).items():
        try:
            data[str(key)] = base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise ManifestError(
                f'Error from server (BadRequest): error when creating "{manifest.source}": '
                'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at '
                "input byte 0\n") from None
    for key, value in (manifest.doc.get("stringData") or {}).items():
        data[str(key)] = str(value).encode()
    return data


def _ref(body: Any, kind: str, key: bool) -> KeyRef | EnvFrom:
    body = body if isinstance(body, dict) else {}
    optional = body.get("optional") is True
    if key:
        return KeyRef(kind, str(body.get("name", "")), str(body.get("key", "")), optional)
    return EnvFrom(kind, str(body.get("name", "")), optional)


def _container(body: dict[str, Any]) -> Container:
    env: list[EnvVar] = []
    for var in body.get("env") or []:
        source = var.get("valueFrom") or {}
        if "secretKeyRef" in source or "configMapKeyRef" in source:
            kind = "secret" if "secretKeyRef" in source else "configmap"
            ref = _ref(source.get("secretKeyRef") or source.get("configMapKeyRef"), kind, True)
            assert isinstance(ref, KeyRef)
            env.append(EnvVar(str(var.get("name")), ref=ref))
        else:
            env.append(EnvVar(str(var.get("name")), str(var.get("value", ""))))
    env_from: list[EnvFrom] = []
    for entry in body.get("envFrom") or []:
        kind = "secret" if "secretRef" in entry else "configmap"
        ref = _ref(entry.get("secretRef") or entry.get("configMapRef"), kind, False)
        assert isinstance(ref, EnvFrom)
        env_from.append(EnvFrom(ref.kind, ref.name, ref.optional, str(entry.get("prefix", ""))))
    ports = [int(p.get("containerPort", 0)) for p in body.get("ports") or []
             if isinstance(p, dict)]
    return Container(str(body.get("name", "")), str(body.get("image", "")), env, env_from,
                     [str(a) for a in body.get("args") or []], ports)


def deployment_spec(manifest: Manifest) -> DeploymentSpec:
    spec = _mapping(manifest.doc.get("spec"))
    where = f'The Deployment "{manifest.name}" is invalid: '
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    labels = {str(k): str(v) for k, v in (tmeta.get("labels") or {}).items()}
    containers = (template.get("spec") or {}).get("containers") or []
    problems = []
    if not selector:
        problems.append("spec.selector: Required value")
    elif any(labels.get(k) != str(v) for k, v in selector.items()):
        problems.append("spec.template.metadata.labels: Invalid value: "
                        f'map[string]string{{{_go_map(labels)}}}: `selector` does not match '
                        "template `labels`")
    if not containers:
        problems.append("spec.template.spec.containers: Required value")
    if problems:
        joined = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise ManifestError(f'The Deployment "{manifest.name}" is invalid: {joined}\n'
                            if len(problems) == 1 else where + joined + "\n")
    replicas = spec.get("replicas")
    strategy = str((spec.get("strategy") or {}).get("type") or "RollingUpdate")
    return DeploymentSpec(
        PodTemplate(labels, [_container(c) for c in containers if isinstance(c, dict)],
                    {str(k): str(v) for k, v in (tmeta.get("annotations") or {}).items()}),
        {str(k): str(v) for k, v in selector.items()},
        int(replicas) if isinstance(replicas, int) else None, strategy)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _go_map(values: dict[str, str]) -> str:
    return ", ".join(f'"{k}":"{v}"' for k, v in sorted(values.items()))
