"""kubectl apply -f, diff -f, rollout history|undo and top."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.toolkit import run_tool
from tests.tools.kubectl.apiserver import serve
from tests.tools.kubectl.helpers import bastion, kubectl
from tests.tools.kubectl.realkubectl import real_kubectl, requires_real_kubectl

SECRET = b"""apiVersion: v1
kind: Secret
metadata:
  name: myapp-credentials
type: Opaque
stringData:
  password: hunter2
"""
DEPLOYMENT = b"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          env:
            - name: TOKEN
              valueFrom:
                secretKeyRef: {name: web-token, key: token}
"""


def test_apply_creates_then_unchanged_then_configured() -> None:
    host, cluster = bastion(optional=True)
    host.fs.put("/root/s.yaml", SECRET)
    assert kubectl(host, "apply -f /root/s.yaml").out == "secret/myapp-credentials created\n"
    assert kubectl(host, "apply -f /root/s.yaml").out == "secret/myapp-credentials unchanged\n"
    host.fs.put("/root/s.yaml", SECRET.replace(b"hunter2", b"hunter3"))
    assert kubectl(host, "apply -f /root/s.yaml").out == \
        "secret/myapp-credentials configured\n"
    assert cluster.secrets[("prod", "myapp-credentials")].data == {"password": b"hunter3"}
    # describe never shows the last-applied copy (it holds the secret)
    assert "Annotations:  <none>\n" in kubectl(host, "describe secret myapp-credentials").out


def test_apply_stdin_directory_and_several_documents() -> None:
    host, cluster = bastion(optional=True)
    host.fs.put("/root/k8s/a.yaml", SECRET + b"---\n" + DEPLOYMENT)
    host.fs.put("/root/k8s/notes.txt", b"not a manifest")
    result = kubectl(host, "apply -f /root/k8s/")
    assert (result.status, result.out) == (
        0, "secret/myapp-credentials created\ndeployment.apps/web created\n")
    assert ("prod", "web") in cluster.deployments
    piped = run_tool(host, ["kubectl", "apply", "-f", "-"], stdin=SECRET)
    assert piped.out == "secret/myapp-credentials unchanged\n"


def test_apply_warns_about_objects_it_did_not_create() -> None:
    host, _ = bastion(optional=True)
    kubectl(host, "create secret generic myapp-credentials --from-literal=password=x")
    host.fs.put("/root/s.yaml", SECRET)
    result = kubectl(host, "apply -f /root/s.yaml")
    assert result.out == "secret/myapp-credentials configured\n"
    assert result.err == (
        "Warning: resource secrets/myapp-credentials is missing the kubectl.kubernetes.io/"
        "last-applied-configuration annotation which is required by kubectl apply. kubectl "
        "apply should only be used on resources created declaratively by either kubectl "
        "create --save-config or kubectl apply. The missing annotation will be patched "
        "automatically.\n")


def test_apply_errors() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, "apply -f /nope.yaml").err == \
        'error: the path "/nope.yaml" does not exist\n'
    assert kubectl(host, "apply").err == "error: must specify one of -f and -k\n"
    host.fs.put("/root/s.yaml", SECRET.replace(b"  name:", b"  namespace: staging\n  name:"))
    result = kubectl(host, "apply -n prod -f /root/s.yaml")
    assert (result.status, result.err) == (1, (
        'error: the namespace from the provided object "staging" does not match the namespace '
        "\"prod\". You must pass '--namespace=staging' to perform this operation.\n"))
    result = kubectl(host, "apply -f /root/s.yaml")
    assert result.err == ('Error from server (NotFound): error when creating "/root/s.yaml": '
                          'namespaces "staging" not found\n')
    host.fs.put("/root/x.yaml", b"apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n")
    assert kubectl(host, "apply -f /root/x.yaml").err == (
        'error: resource mapping not found for name: "web" namespace: "" from "/root/x.yaml": '
        'no matches for kind "Service" in version "v1"\nensure CRDs are installed first\n')


def test_apply_dry_run_changes_nothing() -> None:
    host, cluster = bastion(optional=True)
    host.fs.put("/root/s.yaml", SECRET)
    assert kubectl(host, "apply -f /root/s.yaml --dry-run=client").out == \
        "secret/myapp-credentials created (client dry run)\n"
    assert ("prod", "myapp-credentials") not in cluster.secrets


def test_diff_shows_the_change_masks_secrets_and_exits_1() -> None:
    host, _ = bastion(optional=True)
    host.fs.put("/root/s.yaml", SECRET)
    new = kubectl(host, "diff -f /root/s.yaml")
    assert new.status == 1
    lines = new.out.splitlines()
    assert lines[0].startswith("diff -u -N /tmp/LIVE-") and lines[0].endswith(
        "/v1.Secret.prod.myapp-credentials")
    assert lines[1].endswith("\t1970-01-01 00:00:00.000000000 +0000")
    assert "+  password: '***'" in lines and "hunter2" not in "\n".join(lines[:5])
    kubectl(host, "apply -f /root/s.yaml")
    same = kubectl(host, "diff -f /root/s.yaml")
    assert (same.status, same.out) == (0, "")
    host.fs.put("/root/s.yaml", SECRET.replace(b"hunter2", b"hunter3"))
    changed = kubectl(host, "diff -f /root/s.yaml").out
    assert "-  password: '*** (before)'\n+  password: '*** (after)'\n" in changed


def test_diff_of_a_deployment_shows_the_new_secret_reference() -> None:
    host, _ = bastion(optional=True)
    manifest = DEPLOYMENT.replace(b"name: web\n  labels", b"name: myapp\n  labels")
    host.fs.put("/root/d.yaml", manifest.replace(b"{app: web}", b"{app: myapp}"))
    out = kubectl(host, "diff -f /root/d.yaml").out
    assert out.splitlines()[0].endswith("/apps.v1.Deployment.prod.myapp")
    assert "-  generation: 1\n+  generation: 2\n" in out
    assert "+              name: web-token\n" in out


def test_rollout_history_and_undo() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, "rollout history deployment/myapp").out == (
        "deployment.apps/myapp \nREVISION  CHANGE-CAUSE\n1         <none>\n\n")
    result = kubectl(host, "rollout undo deployment/myapp")
    assert (result.status, result.err) == (
        1, 'error: no rollout history found for deployment "myapp"\n')
    kubectl(host, "rollout restart deployment/myapp")
    assert kubectl(host, "rollout undo deploy/myapp").out == "deployment.apps/myapp rolled back\n"
    assert kubectl(host, "rollout history deployment myapp").out == (
        "deployment.apps/myapp \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n")
    assert kubectl(host, "rollout undo deployment/myapp --to-revision=3").out == (
        "deployment.apps/myapp skipped rollback (current template already matches revision "
        "3)\n")
    assert kubectl(host, "rollout history deployment/myapp --revision=9").err == \
        "error: unable to find the specified revision\n"


def test_top_without_metrics_server() -> None:
    host, _ = bastion(optional=True)
    for line in ("top pods", "top nodes"):
        assert (kubectl(host, line).status, kubectl(host, line).err) == (
            1, "error: Metrics API not available\n")


@requires_real_kubectl
@pytest.mark.parametrize("line", [
    "rollout history deployment/myapp",
    "rollout history deployment/myapp --revision=1",
    "rollout history deployment/nope",
    "rollout undo deployment/myapp --to-revision=9",
    "top pods",
])
def test_same_as_real_kubectl(tmp_path: Path, line: str) -> None:
    host, cluster = bastion(optional=True)
    kubectl(host, "rollout restart deployment/myapp")
    host.world.advance(20)
    with serve(cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = subprocess.run([real_kubectl(), *line.split()], capture_output=True, text=True,
                              env=env, timeout=60, check=False)
    ours = kubectl(host, line)
    assert (ours.status, ours.out, ours.err) == (real.returncode, real.stdout, real.stderr)


APPLIED = [
    ["apply", "--validate=false", "-f", "{dir}/s.yaml"],
    ["apply", "--validate=false", "-n", "prod", "-f", "{dir}/other-ns.yaml"],
    ["apply", "--validate=false", "-f", "{dir}/nope.yaml"],
]


@requires_real_kubectl
@pytest.mark.parametrize("argv", APPLIED, ids=["create", "namespace-mismatch", "no-file"])
def test_apply_same_as_real_kubectl(tmp_path: Path, argv: list[str]) -> None:
    """The create path of apply (our test API server has no PATCH): the output, and the
    object stored with its last-applied-configuration, as our kubectl renders it."""
    other = SECRET.replace(b"  name:", b"  namespace: staging\n  name:")
    (tmp_path / "s.yaml").write_bytes(SECRET)
    (tmp_path / "other-ns.yaml").write_bytes(other)
    real_host, real_cluster = bastion(optional=True)
    with serve(real_cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = subprocess.run([real_kubectl(), *(a.format(dir=tmp_path) for a in argv)],
                              capture_output=True, text=True, env=env, timeout=60,
                              check=False)
    host, _ = bastion(optional=True)
    host.fs.put("/work/s.yaml", SECRET)
    host.fs.put("/work/other-ns.yaml", other)
    ours = run_tool(host, ["kubectl", *(a.format(dir="/work") for a in argv)])
    assert (ours.status, ours.out, ours.err.replace("/work", str(tmp_path))) == (
        real.returncode, real.stdout, real.stderr)
    line = "get secrets -o yaml"
    assert kubectl(real_host, line).out == kubectl(host, line).out
