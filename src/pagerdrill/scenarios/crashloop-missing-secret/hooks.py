"""Hooks for the crashloop-missing-secret scenario: the cluster, its history, the checks.

The YAML declares the bastion, the team's secret store and the deploy repository
(the manifests of both releases and deploy.sh). ``setup`` builds what data cannot:
the cluster with its staging and production namespaces, the app's container
program, and the history replayed on the cluster's own clock: the previous
release running for days, the Secret created by hand in staging and the new
release there yesterday, then the release to production a few minutes before
the page, whose pods have been failing ever since. The manifests applied are
the files of the repository's commits, so what ``git show`` and ``kubectl get
-o yaml`` print agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from pagerdrill.game.hookkit import scenario_vars
from pagerdrill.tools.kubectl.manifest import Manifest, deployment_spec, last_applied
from pagerdrill.world.cluster import (
    Cluster,
    ContainerRun,
    Program,
    StartContext,
    apply_deployment,
    find_cluster,
    install_cluster,
    merged_deployment,
    write_kubeconfig,
)
from pagerdrill.world.git import find_repository
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

__all__ = [
    "available_replicas",
    "container_restarts",
    "crash_looping",
    "pipeline_validates",
    "pods_ready",
    "secret_fixed",
    "setup",
    "staging_values_in_production",
    "unavailable_percent",
]

_S = 1000
_DAY = 86_400_000
RELEASED_AGO_MS = 176 * _S  # the production release: at the page its pod is 3m old, 4 restarts
PREVIOUS_RELEASE_MS = 120 * _DAY  # the pipeline's first commit: the deployment since then
STAGING_RELEASE_MS = _DAY + 2 * 3_600_000  # the release commit's date
CRASH_AFTER_S = 8.0  # node loads its modules, then validates its config and exits
KEYS = ("DATABASE_PASSWORD", "SESSION_SECRET")
DEPLOYMENT_FILE = "k8s/{env}/deployment.yaml"


@dataclass(frozen=True)
class Names:
    app: str
    namespace: str
    secret: str
    cluster: str
    version: str
    replicas: int
    optional: bool
    pod: str
    pod_hash: str


def names(world: World) -> Names:
    v = scenario_vars(world)
    app = str(v.get("app", "myapp"))
    pod_hash = str(v.get("pod_hash", "7d9f8b"))
    return Names(app, str(v.get("namespace", "production")),
                 f"{app}-{v.get('secret_suffix', 'credentials')}",
                 str(v.get("cluster", "prod-eu1")), str(v.get("version", "2.5.0")),
                 int(v.get("replicas", 1)), str(v.get("optional", "true")) == "true",
                 f"{app}-{pod_hash}-{v.get('pod_suffix', 'xkj2p')}", pod_hash)


def credentials(world: World, env: str) -> dict[str, str]:
    """Each environment's values in the team store (a named stream: the same every call)."""
    rng = world.rng.child("crashloop-missing-secret", "credentials", env)
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    password = "".join(rng.choice(alphabet) for _ in range(24))
    session = "".join(f"{rng.getrandbits(8):02x}" for _ in range(32))
    return {"DATABASE_PASSWORD": password, "SESSION_SECRET": session}


def _bastion(world: World) -> Host:
    host = world.host(str(scenario_vars(world).get("bastion", "bastion")))
    assert host is not None
    return host


def _cluster(world: World) -> Cluster | None:
    return find_cluster(world, names(world).cluster)


# -- the app ------------------------------------------------------------------------------


def app_program(world: World) -> Program:
    """What the app's container does at start: check its config, connect, serve."""
    n = names(world)
    expected = {n.namespace: credentials(world, "production"),
                "staging": credentials(world, "staging")}

    def run(ctx: StartContext) -> ContainerRun:
        tag = ctx.image.rsplit(":", 1)[-1]
        if tag != n.version:  # the previous release has no order history: no secrets
            return ContainerRun((f"{n.app} {tag} listening on :8080",))
        for key in KEYS:
            if not ctx.env.get(key):
                return ContainerRun((), 1, CRASH_AFTER_S, ready=False, exit_lines=(
                    f"Error: Required environment variable {key} is not set",
                    "Process exited with code 1"))
        want = expected.get(ctx.namespace)
        if want is not None and ctx.env["DATABASE_PASSWORD"] != want["DATABASE_PASSWORD"]:
            return ContainerRun((
                f"{n.app} {tag} starting (NODE_ENV={ctx.env.get('NODE_ENV', '')})",
                f"Connecting to orders database at orders-db.{ctx.namespace}.svc:5432"),
                1, CRASH_AFTER_S + 2, ready=False, exit_lines=(
                    f'Error: password authentication failed for user "{n.app}"',
                    "Process exited with code 1"))
        return ContainerRun((
            f"{n.app} {tag} starting (NODE_ENV={ctx.env.get('NODE_ENV', '')})",
            f"Connecting to orders database at orders-db.{ctx.namespace}.svc:5432",
            "Connected; schema is up to date", f"{n.app} {tag} listening on :8080"))

    return run


# -- reading the world ----------------------------------------------------------------------


def _pods(world: World) -> tuple[Cluster, list[Any]] | None:
    cluster = _cluster(world)
    if cluster is None:
        return None
    n = names(world)
    dep = cluster.deployments.get((n.namespace, n.app))
    if dep is None:
        return cluster, []
    return cluster, [p for rs in cluster.replicasets_of(dep) for p in cluster.pods_of(rs)]


def available_replicas(world: World) -> float:
    found = _pods(world)
    return float(sum(1 for p in found[1] if p.ready)) if found else 0.0


def unavailable_percent(world: World) -> float:
    replicas = names(world).replicas
    return round(100.0 * max(0.0, replicas - available_replicas(world)) / replicas, 1)


def container_restarts(world: World) -> float:
    found = _pods(world)
    return float(sum(s.restart_count for p in found[1] for s in p.statuses)) if found else 0.0


def crash_looping(world: World) -> bool:
    found = _pods(world)
    return bool(found) and any(s.state.reason in ("CrashLoopBackOff",
                                                  "CreateContainerConfigError")
                               for p in (found[1] if found else []) for s in p.statuses)


def pods_ready(world: World) -> bool:
    """Users are served: as many Ready pods as the deployment wants."""
    return available_replicas(world) >= names(world).replicas


def _secret_values(world: World) -> dict[str, str] | None:
    cluster = _cluster(world)
    n = names(world)
    secret = cluster.secrets.get((n.namespace, n.secret)) if cluster else None
    if secret is None:
        return None
    return {k: v.decode("utf-8", "replace") for k, v in secret.data.items()}


def secret_fixed(world: World) -> bool:
    """The Secret holds production's password and the new release's pods are all Ready."""
    values = _secret_values(world)
    want = credentials(world, "production")
    if values is None or values.get("DATABASE_PASSWORD") != want["DATABASE_PASSWORD"]:
        return False
    if not values.get("SESSION_SECRET"):
        return False
    cluster = _cluster(world)
    n = names(world)
    dep = cluster.deployments.get((n.namespace, n.app)) if cluster else None
    if cluster is None or dep is None:
        return False
    if not all(c.image.endswith(f":{n.version}") for c in dep.template.containers):
        return False  # rolled back: users are served, the release is not
    newest = cluster.replicasets_of(dep)[-1]
    return sum(1 for p in cluster.pods_of(newest) if p.ready) >= n.replicas


def staging_values_in_production(world: World) -> bool:
    values = _secret_values(world)
    staging = credentials(world, "staging")
    return values is not None and values.get("DATABASE_PASSWORD") == staging[
        "DATABASE_PASSWORD"]


_SECRET_CHECK = re.compile(r"\bkubectl\b.*\b(?:get|describe)\s+(?:secrets?\b|secret/)")
_APPLY = re.compile(r"\bkubectl\b.*\bapply\b")
_SET_E = re.compile(r"^\s*set\s+(?:-[a-zA-Z]*e|-o\s+errexit)", re.MULTILINE)


def pipeline_validates(world: World) -> bool:
    """deploy.sh, as committed, asks the cluster for each Secret before it applies, and a
    missing one stops the script (``set -e`` or an explicit exit)."""
    repo = find_repository(_bastion(world), f"/srv/deploy/{names(world).app}")
    if repo is None:
        return False
    script = repo.head_files().get("deploy.sh")
    if script is None:
        return False
    text = script.decode("utf-8", "replace")
    lines = [line.split(" #", 1)[0] for line in text.splitlines()
             if not line.lstrip().startswith("#")]
    apply_at = next((i for i, line in enumerate(lines) if _APPLY.search(line)), None)
    check_at = next((i for i, line in enumerate(lines) if _SECRET_CHECK.search(line)), None)
    if apply_at is None or check_at is None or check_at > apply_at:
        return False
    return bool(_SET_E.search(text)) or "exit" in lines[check_at]


# -- building the history ----------------------------------------------------------------


class _Replay:
    """The cluster's clock during setup: the past, stepped second by second where it matters."""

    def __init__(self, cluster: Cluster, start_ms: int) -> None:
        self.cluster = cluster
        self.t = start_ms
        cluster.now_ms = lambda: self.t

    def run_until(self, end_ms: int, step_ms: int = _S) -> None:
        while self.t < end_ms:
            self.t = min(end_ms, self.t + step_ms)
            self.cluster.tick(step_ms)


def _manifest(world: World, env: str, commit_index: int) -> Manifest:
    n = names(world)
    repo = find_repository(_bastion(world), f"/srv/deploy/{n.app}")
    assert repo is not None
    commit = list(reversed(repo.history()))[commit_index]
    path = DEPLOYMENT_FILE.format(env=env)
    doc = yaml.safe_load(commit.files[path].decode())
    namespace = str(doc["metadata"]["namespace"])
    return Manifest(path, doc, "deployments", n.app, namespace)


def _apply(cluster: Cluster, m: Manifest, *, pin: tuple[str, list[str]] | None = None) -> None:
    spec = deployment_spec(m)
    applied = last_applied(m)
    live = cluster.deployments.get((m.namespace, m.name))
    if pin is not None and live is not None:
        merged = merged_deployment(live, spec, labels=m.labels(), annotations=m.annotations(),
                                   last_applied=applied)
        cluster.pin_names(m.namespace, m.name, merged.template, pin[0], pin[1])
    apply_deployment(cluster, m.namespace, m.name, spec, labels=m.labels(),
                     annotations=m.annotations(), last_applied=applied)


def _store(host: Host, world: World, env: str) -> None:
    values = credentials(world, env)
    app = names(world).app
    text = (f"# {app} {env} - synced from Vault kv/{app}/{env}. Do not edit by hand.\n"
            + "".join(f"{k}={v}\n" for k, v in values.items()))
    host.fs.put(f"/etc/{app}/secrets/{env}.env", text.encode(), mode=0o600)


def setup(world: World) -> None:
    n = names(world)
    page = world.clock.now_ms
    bastion = _bastion(world)
    for env in ("production", "staging"):
        _store(bastion, world, env)
    # deploy.sh is executable (the scenario format has no file modes for repositories).
    repo = find_repository(bastion, f"/srv/deploy/{n.app}")
    assert repo is not None
    repo.modes["deploy.sh"] = "100755"
    script = f"/srv/deploy/{n.app}/deploy.sh"
    bastion.fs.chmod(bastion.fs.lookup(script), 0o755, path=script)
    cluster = install_cluster(world, n.cluster)
    replay = _Replay(cluster, page - PREVIOUS_RELEASE_MS - _DAY)
    for ns in cluster.namespaces.values():  # made with the cluster, before the replay began
        ns.meta.created_ms = replay.t
    for cm in cluster.configmaps.values():
        cm.meta.created_ms = replay.t
    cluster.add_node(f"{n.cluster}-cp-1", "10.20.0.10", roles=("control-plane",))
    for i in range(1, 4):
        cluster.add_node(f"{n.cluster}-worker-{i}", f"10.20.1.{10 + i}")
    cluster.add_namespace("staging")
    cluster.add_namespace(n.namespace)
    cluster.set_program(n.app, app_program(world))
    # The previous release, in both environments, days ago.
    replay.run_until(page - PREVIOUS_RELEASE_MS, _DAY)
    for env in ("staging", "production"):
        _apply(cluster, _manifest(world, env, 0))
    replay.run_until(page - PREVIOUS_RELEASE_MS + 10 * _S)
    # Yesterday: the Secret created by hand in staging, then the release there.
    replay.run_until(page - STAGING_RELEASE_MS - 5 * 60 * _S, 3_600_000)
    cluster.create_secret("staging", n.secret, {k: v.encode() for k, v in
                                                credentials(world, "staging").items()})
    replay.run_until(page - STAGING_RELEASE_MS)
    _apply(cluster, _manifest(world, "staging", 1))
    replay.run_until(page - STAGING_RELEASE_MS + 20 * _S)
    # Minutes ago: the release to production, without its Secret.
    replay.run_until(page - RELEASED_AGO_MS, 3_600_000)
    _apply(cluster, _manifest(world, "production", 1), pin=(n.pod_hash, [n.pod]))
    replay.run_until(page)
    cluster.now_ms = lambda: world.clock.now_ms
    write_kubeconfig(bastion, "/root/.kube/config",
                     [("production", n.cluster, n.namespace), ("staging", n.cluster, "staging")],
                     "production")
