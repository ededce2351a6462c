"""kubectl version: the client is kubectl 1.37.1, the server the cluster's version."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.tools.kubectl.apiserver import serve
from tests.tools.kubectl.helpers import bastion, kubectl
from tests.tools.kubectl.realkubectl import real_kubectl, requires_real_kubectl

SKEW = ("Warning: version difference between client (1.37) and server (1.29) exceeds the "
        "supported minor version skew of +/-1\n")


def test_client_and_server() -> None:
    host, _ = bastion(optional=True)
    result = kubectl(host, "version")
    assert (result.status, result.out, result.err) == (
        0, "Client Version: v1.37.1\nKustomize Version: v5.8.1\nServer Version: v1.29.4\n",
        SKEW)


def test_client_only_does_not_ask_the_server() -> None:
    host, _ = bastion(optional=True)
    result = kubectl(host, "version --client --kubeconfig=/nonexistent")
    assert (result.status, result.out, result.err) == (
        0, "Client Version: v1.37.1\nKustomize Version: v5.8.1\n", "")


def test_client_is_a_version_flag_only() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, "get pods --client").err == (
        "error: unknown flag: --client\nSee 'kubectl get --help' for usage.\n")


@requires_real_kubectl
@pytest.mark.parametrize("line", [
    "version",
    "version --client",
    "version --client=false",
    "version -o json",
    "version -o yaml",
    "version --client --output=json",
    "version -o yaml --client",
    "version -o wide",
    "version extra more",
])
def test_same_as_real_kubectl(tmp_path: Path, line: str) -> None:
    host, cluster = bastion(optional=True)
    with serve(cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = subprocess.run([real_kubectl(), *line.split()], capture_output=True, text=True,
                              env=env, timeout=60, check=False)
    ours = kubectl(host, line)
    assert (ours.status, ours.out, ours.err) == (real.returncode, real.stdout, real.stderr)
