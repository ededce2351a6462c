"""The seed's crashloop-missing-secret debugging path, as kubectl prints it."""

from __future__ import annotations

from pathlib import Path

from tests.tools.kubectl.helpers import bastion, kubectl

POD = "myapp-7d9f8b-xkj2p"
APP_ERROR = ("Error: Required environment variable DATABASE_PASSWORD is not set\n"
             "Process exited with code 1\n")


def test_get_pods_crash_loop() -> None:
    host, _ = bastion(optional=True)
    result = kubectl(host, "get pods")
    assert result.status == 0 and result.err == ""
    assert result.out == (
        "NAME                 READY   STATUS             RESTARTS      AGE\n"
        "myapp-7d9f8b-xkj2p   0/1     CrashLoopBackOff   5 (22s ago)   3m\n")


def test_logs_and_previous_show_the_app_error() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, f"logs {POD}").out == APP_ERROR
    assert kubectl(host, f"logs {POD} --previous").out == APP_ERROR
    assert kubectl(host, f"logs {POD} -p --tail 1").out == "Process exited with code 1\n"
    assert kubectl(host, f"logs pod/{POD} -c myapp").out == APP_ERROR


def test_describe_pod_crash_loop_container_block() -> None:
    host, _ = bastion(optional=True)
    out = kubectl(host, f"describe pod {POD}").out
    assert (
        "    State:          Waiting\n"
        "      Reason:       CrashLoopBackOff\n"
        "    Last State:     Terminated\n"
        "      Reason:       Error\n"
        "      Exit Code:    1\n"
        "      Started:      Tue, 17 Mar 2026 03:09:37 +0000\n"
        "      Finished:     Tue, 17 Mar 2026 03:09:38 +0000\n"
        "    Ready:          False\n"
        "    Restart Count:  5\n"
        "    Environment:\n"
        "      NODE_ENV:           production\n"
        "      DATABASE_PASSWORD:  <set to the key 'password' in secret 'myapp-credentials'>"
        "  Optional: true\n") in out
    # kubectl 1.37 prefixes the container's field path (the seed's older kubectl did not).
    assert "  Warning  BackOff    1s (x18 over 2m55s)  kubelet            " \
           "spec.containers{myapp}: Back-off restarting failed container myapp in pod " \
           "myapp-7d9f8b-xkj2p_prod(" in out


DESCRIBE_CONFIG_ERROR = (Path(__file__).parent / "data" /
                         "describe_config_error.txt").read_text()


def test_describe_pod_config_error_full() -> None:
    host, _ = bastion(optional=False)
    result = kubectl(host, f"describe pod {POD}")
    assert (result.status, result.err) == (0, "")
    assert result.out == DESCRIBE_CONFIG_ERROR


def test_config_error_get_and_logs() -> None:
    host, _ = bastion(optional=False)
    assert kubectl(host, "get pods").out == (
        "NAME                 READY   STATUS                       RESTARTS   AGE\n"
        "myapp-7d9f8b-xkj2p   0/1     CreateContainerConfigError   0          3m\n")
    result = kubectl(host, f"logs {POD}")
    assert (result.status, result.out) == (1, "")
    assert result.err == ('Error from server (BadRequest): container "myapp" in pod '
                          '"myapp-7d9f8b-xkj2p" is waiting to start: '
                          "CreateContainerConfigError\n")
    result = kubectl(host, f"logs {POD} --previous")
    assert result.err == ('Error from server (BadRequest): previous terminated container '
                          '"myapp" in pod "myapp-7d9f8b-xkj2p" not found\n')


def test_secret_missing_then_created_then_rollout() -> None:
    host, _ = bastion(optional=False)
    result = kubectl(host, "get secrets -n prod")
    assert (result.status, result.out, result.err) == (
        0, "", "No resources found in prod namespace.\n")
    result = kubectl(host, "create secret generic myapp-credentials "
                           "--from-literal=password=hunter2 -n prod")
    assert (result.status, result.out) == (0, "secret/myapp-credentials created\n")
    result = kubectl(host, "create secret generic myapp-credentials --from-literal=password=x")
    assert (result.status, result.err) == (
        1, 'error: failed to create secret secrets "myapp-credentials" already exists\n')
    assert kubectl(host, "get secrets").out == (
        "NAME                TYPE     DATA   AGE\n"
        "myapp-credentials   Opaque   1      0s\n")
    assert kubectl(host, "describe secret myapp-credentials").out == (
        "Name:         myapp-credentials\n"
        "Namespace:    prod\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  7 bytes\n")
    assert kubectl(host, "get secret myapp-credentials -o jsonpath={.data.password}").out \
        == "aHVudGVyMg=="
    assert kubectl(host, "rollout restart deployment/myapp").out == \
        "deployment.apps/myapp restarted\n"
    result = kubectl(host, "rollout status deployment/myapp")
    assert result.status == 0
    assert result.out.endswith('deployment "myapp" successfully rolled out\n')
    lines = kubectl(host, "get pods").out.splitlines()
    assert len(lines) == 2 and "   1/1     Running   0          " in lines[1]
