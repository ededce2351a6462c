"""A minimal Kubernetes API endpoint over a simulated cluster (tests only).

Serves discovery, pods, deployments, replicasets, secrets, configmaps, namespaces,
nodes, events (with involvedObject field selectors) and pod logs, so the real kubectl
can render our objects and serve as the oracle for describe, -o json/yaml and logs.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.tools.kubectl.protobuf import secret_from_protobuf

from pagerdrill.tools.kubectl.get import list_objects
from pagerdrill.tools.kubectl.serialize import list_dict, to_dict
from pagerdrill.world.cluster import ApiError, Cluster

_CORE = [("pods", "Pod", True), ("secrets", "Secret", True), ("configmaps", "ConfigMap", True),
         ("events", "Event", True), ("namespaces", "Namespace", False),
         ("nodes", "Node", False)]
_APPS = [("deployments", "Deployment", True), ("replicasets", "ReplicaSet", True)]
_SHORT = {"pods": ["po"], "deployments": ["deploy"], "replicasets": ["rs"],
          "configmaps": ["cm"], "events": ["ev"], "namespaces": ["ns"], "nodes": ["no"]}


def _resources(group_version: str, items: list[tuple[str, str, bool]]) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind,
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
         "shortNames": _SHORT.get(name, [])} for name, kind, namespaced in items]
    resources += [{"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                   "verbs": ["get"]}] if group_version == "v1" else []
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class _Handler(BaseHTTPRequestHandler):
    cluster: Cluster

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, code: int, body: Any, ctype: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        cluster = self.cluster
        if url.path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": []})
        if url.path == "/apis":
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})
        if url.path == "/api/v1":
            return self._send(200, _resources("v1", _CORE))
        if url.path == "/apis/apps/v1":
            return self._send(200, _resources("apps/v1", _APPS))
        if url.path == "/version":
            major, minor = cluster.version.removeprefix("v").split(".")[:2]
            return self._send(200, {"major": major, "minor": minor,
                                    "gitVersion": cluster.version})
        rest = parts[2:] if parts[:1] == ["api"] else parts[3:]
        namespace = None
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural = rest[0] if rest else ""
        name = rest[1] if len(rest) > 1 else None
        if plural not in {p for p, _, _ in _CORE + _APPS}:
            return self._send(404, _status(404, "NotFound", "the server could not find the "
                                                            "requested resource"))
        items = list_objects(cluster, plural, namespace)
        if name is None:
            selector = query.get("fieldSelector", [""])[0]
            wanted = dict(t.split("=", 1) for t in selector.split(",") if "=" in t)
            docs = [to_dict(cluster, o) for o in items]
            for key, value in wanted.items():
                path = key.split(".")
                docs = [d for d in docs if _dig(d, path) == value]
            body = list_dict(docs)
            kind = {p: k for p, k, _ in _CORE + _APPS}[plural]
            body["kind"] = f"{kind}List"
            body["apiVersion"] = "v1" if plural in {p for p, _, _ in _CORE} else "apps/v1"
            return self._send(200, body)
        found = [o for o in items if o.meta.name == name]
        if not found:
            group = "" if plural in {p for p, _, _ in _CORE} else ".apps"
            return self._send(404, _status(404, "NotFound", f'{plural}{group} "{name}" not found'))
        if rest[2:] == ["log"]:
            return self._log(found[0], query)
        return self._send(200, to_dict(cluster, found[0]))

    def do_POST(self) -> None:
        """Create a Secret (what ``kubectl create secret generic`` and the create path of
        ``kubectl apply`` send)."""
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        raw = self._body()
        if parts[-1:] != ["secrets"] or len(parts) < 5:
            return self._send(405, _status(405, "MethodNotAllowed", "not supported"))
        if self.headers.get("Content-Type") == "application/vnd.kubernetes.protobuf":
            body = secret_from_protobuf(raw)
            data = dict(body["data_bytes"])
        else:
            body = json.loads(raw)
            data = {k: base64.b64decode(v) for k, v in (body.get("data") or {}).items()}
        data.update({k: str(v).encode() for k, v in (body.get("stringData") or {}).items()})
        try:
            secret = self.cluster.create_secret(parts[3], body["metadata"]["name"], data,
                                                body.get("type") or "Opaque")
        except ApiError as err:
            code = 409 if err.reason == "AlreadyExists" else 404
            return self._send(code, _status(code, err.reason, err.message))
        meta = body.get("metadata") or {}
        secret.meta.labels.update(meta.get("labels") or {})
        secret.meta.annotations.update(meta.get("annotations") or {})  # apply's last-applied
        return self._send(201, to_dict(self.cluster, secret))

    def _body(self) -> bytes:
        """The request body: kubectl 1.37 streams it chunked, without a Content-Length."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip(), 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(chunks)

    def _log(self, pod: Any, query: dict[str, list[str]]) -> None:
        status = pod.statuses[0]
        previous = query.get("previous", ["false"])[0] == "true"
        state, last = status.state, status.last_state
        if previous:
            if last is None:
                return self._send(400, _status(
                    400, "BadRequest", f'previous terminated container "{status.name}" in pod '
                                       f'"{pod.name}" not found'))
            lines = status.logs if state.kind != "running" else status.previous_logs
        elif state.kind == "waiting" and last is None:
            return self._send(400, _status(
                400, "BadRequest", f'container "{status.name}" in pod "{pod.name}" is waiting '
                                   f"to start: {state.reason}"))
        else:
            lines = status.logs
        text = "".join(f"{line}\n" for _, line in lines)
        return self._send(200, text.encode(), "text/plain")


def _dig(doc: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


@contextmanager
def serve(cluster: Cluster, tmp: Path) -> Iterator[Path]:
    """Serve ``cluster`` on localhost; yields a kubeconfig path for the real kubectl."""
    handler = type("Handler", (_Handler,), {"cluster": cluster})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = tmp / "kubeconfig"
    config.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {
            "server": f"http://127.0.0.1:{server.server_address[1]}"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "namespace": "prod",
                                                  "user": "admin"}}],
        "users": [{"name": "admin", "user": {}}]}))
    try:
        yield config
    finally:
        server.shutdown()
        server.server_close()
