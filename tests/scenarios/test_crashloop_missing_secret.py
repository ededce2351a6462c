"""The crashloop-missing-secret scenario: the seed's commands on seed 0, both forms of the
failure over seeds, the traps, the pipeline check, and the transcripts."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from tests.scenarios import kit
from tests.scenarios.kit import output
from tests.toolkit import run_tool
from tests.tools.kubectl.apiserver import serve
from tests.tools.kubectl.realkubectl import real_kubectl, requires_real_kubectl

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.game.session import Session
from pagerdrill.world.cluster import find_cluster

FOLDER = kit.folder("crashloop-missing-secret")
POD = "myapp-7d9f8b-xkj2p"
APP_ERROR = ("Error: Required environment variable DATABASE_PASSWORD is not set\n"
             "Process exited with code 1\n")

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def test_seed_zero_get_pods_is_the_seed_picture(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    assert output(session, "kubectl get pods") == (
        "NAME                 READY   STATUS             RESTARTS      AGE\n"
        "myapp-7d9f8b-xkj2p   0/1     CrashLoopBackOff   4 (73s ago)   3m5s\n")


def test_seed_zero_logs_and_previous_show_the_app_error(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    assert output(session, f"kubectl logs {POD}") == APP_ERROR
    assert output(session, f"kubectl logs {POD} --previous") == APP_ERROR


def test_seed_zero_describe_pod_shows_what_kubernetes_tried(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    out = output(session, f"kubectl describe pod {POD}")
    assert out.startswith(f"Name:             {POD}\nNamespace:        production\n")
    assert ("    State:          Waiting\n"
            "      Reason:       CrashLoopBackOff\n"
            "    Last State:     Terminated\n"
            "      Reason:       Error\n"
            "      Exit Code:    1\n") in out
    assert ("      DATABASE_PASSWORD:  <set to the key 'DATABASE_PASSWORD' in secret "
            "'myapp-credentials'>  Optional: true\n") in out
    assert re.search(r"  Warning  BackOff    \S+ \(x\d+ over 2m\d+s\)  kubelet  +"
                     r"spec\.containers\{myapp\}: Back-off "
                     rf"restarting failed container myapp in pod {POD}_production\(", out)


def test_seed_zero_secrets_commands(scenario: Scenario) -> None:
    session = Session(scenario, 0)
    result = session.submit("kubectl get secrets -n production")
    assert result.output == "No resources found in production namespace.\n"
    assert output(session, "kubectl get secrets -n staging") == (
        "NAME                TYPE     DATA   AGE\n"
        "myapp-credentials   Opaque   2      26h\n")
    missing = output(session, "kubectl describe secret myapp-credentials")
    assert missing == 'Error from server (NotFound): secrets "myapp-credentials" not found\n'
    assert output(session, "kubectl describe secret myapp-credentials -n staging").endswith(
        "Data\n====\nDATABASE_PASSWORD:  24 bytes\nSESSION_SECRET:     64 bytes\n")


@pytest.mark.parametrize("how", [
    "--from-env-file=/etc/myapp/secrets/production.env",
    "--from-literal=DATABASE_PASSWORD={password} --from-literal=SESSION_SECRET=s3cr3t",
    "--from-file=DATABASE_PASSWORD=/tmp/pw --from-literal=SESSION_SECRET=s3cr3t",
])
def test_each_way_of_creating_the_secret_resolves(scenario: Scenario, how: str) -> None:
    session = Session(scenario, 0)
    store = output(session, "cat /etc/myapp/secrets/production.env")
    password = re.search(r"^DATABASE_PASSWORD=(\S+)$", store, re.MULTILINE)
    assert password is not None
    session.submit(f"printf %s {password.group(1)} > /tmp/pw")
    created = output(session, "kubectl create secret generic myapp-credentials -n production "
                              + how.format(password=password.group(1)))
    assert created == "secret/myapp-credentials created\n"
    assert output(session, "kubectl describe secret myapp-credentials").endswith(
        "DATABASE_PASSWORD:  24 bytes\nSESSION_SECRET:     " + (
            "64 bytes\n" if "env-file" in how else "6 bytes\n"))
    session.submit("sleep 300")  # no restart: the back-off runs out and the pod comes up
    assert re.search(rf"^{POD}   1/1     Running   \d+ ", output(session, "kubectl get pods"),
                     re.MULTILINE)
    assert session.outcome.value == "resolved"


def _form(seed: int, scenario: Scenario) -> tuple[str, str]:
    variant = scenario.for_seed(seed)
    session = Session(variant, seed)
    return str(variant.variables["optional"]), output(session, "kubectl get pods")


def test_both_forms_over_seeds(scenario: Scenario) -> None:
    forms = dict(_form(seed, scenario) for seed in range(6))
    assert "   CrashLoopBackOff   4 (" in forms["true"]
    assert "   CreateContainerConfigError   0          3m" in forms["false"]


def test_config_error_form_has_no_logs_and_says_which_secret(scenario: Scenario) -> None:
    variant = scenario.for_seed(1)
    assert variant.variables["optional"] == "false"
    session = Session(variant, 1)
    pod = f"orders-{variant.variables['pod_hash']}-{variant.variables['pod_suffix']}"
    assert output(session, f"kubectl logs {pod}") == (
        f'Error from server (BadRequest): container "orders" in pod "{pod}" is waiting to '
        "start: CreateContainerConfigError\n")
    events = output(session, f"kubectl describe pod {pod}").split("Events:")[1]
    assert ('kubelet            spec.containers{orders}: Error: secret "orders-secrets" '
            "not found\n") in events


def test_copying_staging_fails_on_authentication(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "kubectl get secret myapp-credentials -n staging -o yaml | sed "
        "'s/namespace: staging/namespace: production/' | kubectl apply -f -",
        "kubectl rollout restart deployment/myapp", "sleep 30"])
    logs = output(session, "kubectl logs deployment/myapp --previous")
    assert 'Error: password authentication failed for user "myapp"' in logs
    assert kit.trap_ids(session) == {"copy-staging-secret"}
    assert session.outcome.value == "unresolved"


def test_rollback_mitigates_without_resolving(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["kubectl rollout undo deployment/myapp", "sleep 5"])
    assert kit.objectives(session) == [
        ("serving", True), ("secret", False), ("pipeline", False)]
    history = output(session, "kubectl rollout history deployment/myapp")
    assert history == ("deployment.apps/myapp \nREVISION  CHANGE-CAUSE\n"
                       "2         release 2.5.0 (ORD-418 order history)\n"
                       "3         release 2.4.3\n\n")


def test_the_pipeline_check_stops_a_deploy_with_a_missing_secret(scenario: Scenario) -> None:
    fix = next(line for line in scenario.solution if line.startswith("sed -i"))
    session = run_script(scenario, 0, ["cd /srv/deploy/myapp", fix])
    result = session.submit("./deploy.sh production")
    assert result.output == ("Deploying myapp to production\nError from server (NotFound): "
                             'secrets "myapp-credentials" not found\n')
    assert result.exit_status == 1
    assert not session.objectives[2].met  # not committed yet
    session.submit("git commit -am 'check secrets'")
    session.submit("kubectl get pods")
    assert session.objectives[2].met


def test_a_check_after_the_apply_does_not_count(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "cd /srv/deploy/myapp",
        "echo 'kubectl --context \"${ENV}\" get secret myapp-credentials' >> deploy.sh",
        "git commit -am 'check after'"])
    assert not session.objectives[2].met


test_the_solution_resolves = kit.solution_test(
    FOLDER, [0, 1, 3], ["serving", "secret", "pipeline"])


@pytest.mark.parametrize("name", ["copy-staging-secret", "delete-pods-only", "rollback-only",
                                  "secret-in-default-namespace"])
def test_wrong_paths_reach_their_outcome(name: str, scenario: Scenario) -> None:
    for seed in (0, 4):
        kit.assert_wrong_path(scenario, seed, name)


REAL_KUBECTL = [
    "get deploy myapp -o yaml",
    "get rs -o json",
    "get pods -o yaml",
    "get secret myapp-credentials -n staging -o yaml",
    "rollout history deployment/myapp",
    "rollout history deployment/myapp --revision=2",
    "logs myapp-7d9f8b-xkj2p --previous",
]


@requires_real_kubectl
@pytest.mark.parametrize("line", REAL_KUBECTL)
def test_the_real_kubectl_renders_the_scenario_the_same(tmp_path: Path, line: str,
                                                        scenario: Scenario) -> None:
    """Outputs without ages (the real kubectl reads the wall clock for those)."""
    session = Session(scenario, 0)
    cluster = find_cluster(session.world, "prod-eu1")
    assert cluster is not None
    argv = line.split() + ([] if "-n" in line.split() else ["-n", "production"])
    with serve(cluster, tmp_path) as config:
        env = dict(os.environ, KUBECONFIG=str(config), HOME=str(tmp_path))
        real = subprocess.run([real_kubectl(), *argv], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
    host = session.world.host("bastion")
    assert host is not None
    ours = run_tool(host, ["kubectl", *argv])
    assert (ours.status, ours.out, ours.err) == (real.returncode, real.stdout, real.stderr)
