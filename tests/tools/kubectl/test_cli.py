"""kubectl errors, flags, contexts and output formats."""

from __future__ import annotations

import json

import pytest
import yaml
from tests.toolkit import run_tool
from tests.tools.kubectl.helpers import bastion, kubectl

from pagerdrill.tools.kubectl.format import human_duration, tabwrite
from pagerdrill.tools.kubectl.jsonpath import render
from pagerdrill.world.builder import add_linux_host, new_world

POD = "myapp-7d9f8b-xkj2p"


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (130, "2m10s"), (599, "9m59s"),
    (600, "10m"), (179 * 60 + 59, "179m"), (3 * 3600, "3h"), (5 * 3600 + 60, "5h1m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (3 * 86400 + 3600, "3d1h"),
    (8 * 86400, "8d"), (400 * 86400, "400d"), (730 * 86400, "2y"), (731 * 86400, "2y1d"),
    (9 * 365 * 86400, "9y"),
])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds * 1000) == text


def test_human_duration_clock_skew() -> None:
    assert human_duration(-1500) == "0s"
    assert human_duration(-2500) == "<invalid>"


def test_tabwriter_blocks_restart_at_lines_without_tabs() -> None:
    text = "a:\tx\nlonger key:\ty\nplain\nk:\tz\n"
    assert tabwrite(text, minwidth=0, padding=2) == (
        "a:           x\nlonger key:  y\nplain\nk:  z\n")
    assert tabwrite("A\tB\n\tlong-cell\tC\n", minwidth=6, padding=3) == (
        "A     B\n      long-cell   C\n")


def test_jsonpath_forms() -> None:
    doc = {"items": [{"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "x"}}},
                     {"metadata": {"name": "b"}}]}
    assert render("{.items[*].metadata.name}", doc) == "a b"
    assert render('{range .items[*]}{.metadata.name}{"\\n"}{end}', doc) == "a\nb\n"
    assert render("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", doc) == "x"
    assert render("{.items[-1:].metadata.name}", doc) == "b"
    assert render('{.items[?(@.metadata.name=="b")].metadata.name}', doc) == "b"
    assert render("{..name}", doc) == "a b"
    assert render("{.nope}", doc) == ""


def test_not_found_errors() -> None:
    host, _ = bastion(optional=True)
    cases = {
        "get pod nope": 'Error from server (NotFound): pods "nope" not found\n',
        "get ns nope": 'Error from server (NotFound): namespaces "nope" not found\n',
        "get deploy nope": 'Error from server (NotFound): deployments.apps "nope" not found\n',
        "describe pod nope": 'Error from server (NotFound): pods "nope" not found\n',
        "logs nope": 'error: error from server (NotFound): pods "nope" not found in namespace '
                     '"prod"\n',
        "delete pod nope": 'Error from server (NotFound): pods "nope" not found\n',
        "get frobs": 'error: the server doesn\'t have a resource type "frobs"\n',
        "get pods --frob": "error: unknown flag: --frob\nSee 'kubectl get --help' for usage.\n",
        "get pods -z": "error: unknown shorthand flag: 'z' in -z\n"
                       "See 'kubectl get --help' for usage.\n",
        "get pods --context nope": "error: context was not found for specified context: nope\n",
        "get pods -o table": 'error: unable to match a printer suitable for the output format '
                             '"table", allowed formats are: custom-columns,custom-columns-file,'
                             'go-template,go-template-file,json,jsonpath,jsonpath-as-json,'
                             'jsonpath-file,name,template,templatefile,wide,yaml\n',
    }
    for line, err in cases.items():
        result = kubectl(host, line)
        assert (result.status, result.out, result.err) == (1, "", err), line


def test_empty_lists_go_to_stderr() -> None:
    host, _ = bastion(optional=True)
    for line, err in (("get pods -n staging", "No resources found in staging namespace.\n"),
                      ("get secrets", "No resources found in prod namespace.\n"),
                      ("get secrets -A", "No resources found\n"),
                      ("get pods -l app=other", "No resources found in prod namespace.\n")):
        assert (kubectl(host, line).out, kubectl(host, line).err) == ("", err), line


def test_namespace_flag_forms_and_all_namespaces() -> None:
    host, _ = bastion(optional=True)
    expected = kubectl(host, "get pods").out
    for line in ("get pods -n prod", "get pods -nprod", "get pods --namespace=prod",
                 "-n prod get pods", "get pods --namespace prod", "get po", "get pod"):
        assert kubectl(host, line).out == expected, line
    assert kubectl(host, "get pods -A").out == (
        "NAMESPACE   NAME                 READY   STATUS             RESTARTS      AGE\n"
        "prod        myapp-7d9f8b-xkj2p   0/1     CrashLoopBackOff   5 (22s ago)   3m\n")
    assert kubectl(host, "get pods -n default").err == \
        "No resources found in default namespace.\n"


def test_wide_labels_name_and_all() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, "get pods -o wide --show-labels").out == (
        "NAME                 READY   STATUS             RESTARTS      AGE   IP            "
        "NODE     NOMINATED NODE   READINESS GATES   LABELS\n"
        "myapp-7d9f8b-xkj2p   0/1     CrashLoopBackOff   5 (22s ago)   3m    10.244.0.13   "
        "node-1   <none>           <none>            app=myapp,pod-template-hash=7d9f8b\n")
    assert kubectl(host, "get pods -o name").out == f"pod/{POD}\n"
    assert kubectl(host, "get all").out == (
        "NAME                     READY   STATUS             RESTARTS      AGE\n"
        "pod/myapp-7d9f8b-xkj2p   0/1     CrashLoopBackOff   5 (22s ago)   3m\n"
        "\n"
        "NAME                    READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "deployment.apps/myapp   0/1     1            0           3m\n"
        "\n"
        "NAME                           DESIRED   CURRENT   READY   AGE\n"
        "replicaset.apps/myapp-7d9f8b   1         1         0       3m\n")


def test_events_default_columns_and_sort() -> None:
    host, _ = bastion(optional=False)
    out = kubectl(host, "get events --sort-by=.lastTimestamp").out
    assert out.splitlines()[0] == "LAST SEEN   TYPE      REASON              OBJECT" \
                                  "                    MESSAGE"
    assert out.splitlines()[-1] == ('9s          Warning   Failed              '
                                    'pod/myapp-7d9f8b-xkj2p    Error: secret '
                                    '"myapp-credentials" not found')


def test_json_yaml_and_jsonpath_agree() -> None:
    host, _ = bastion(optional=True)
    as_json = json.loads(kubectl(host, f"get pod {POD} -o json").out)
    as_yaml = yaml.safe_load(kubectl(host, f"get pod {POD} -o yaml").out)
    assert as_json == as_yaml
    status = as_json["status"]["containerStatuses"][0]
    assert status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert status["restartCount"] == 5
    listed = json.loads(kubectl(host, "get pods -o json").out)
    assert listed["kind"] == "List" and len(listed["items"]) == 1
    path = "{.items[0].status.containerStatuses[0].lastState.terminated.reason}"
    assert kubectl(host, f"get pods -o jsonpath={path}").out == "Error"


def test_create_secret_sources() -> None:
    host, cluster = bastion(optional=True)
    host.fs.put("/root/pw.txt", b"from-file")
    host.fs.put("/root/app.env", b"# comment\nDB_USER=app\n\nDB_HOST=db.internal\n")
    result = kubectl(host, "create secret generic s1 --from-file=/root/pw.txt "
                           "--from-file=other=/root/pw.txt --from-env-file=/root/app.env")
    assert result.out == "secret/s1 created\n"
    assert cluster.secrets[("prod", "s1")].data == {
        "pw.txt": b"from-file", "other": b"from-file", "DB_USER": b"app",
        "DB_HOST": b"db.internal"}
    assert kubectl(host, "create secret generic s2 --from-file=/nope").err == \
        "error: open /nope: no such file or directory\n"
    assert kubectl(host, "create secret generic s3 --from-literal=novalue").err == \
        "error: invalid literal source novalue, expected key=value\n"
    assert kubectl(host, "create secret generic s4 -n nope --from-literal=a=b").err == \
        'error: failed to create secret namespaces "nope" not found\n'
    assert kubectl(host, "create secret generic").err == (
        "error: exactly one NAME is required, got 0\n"
        "See 'kubectl create secret generic -h' for help and examples\n")
    dry = kubectl(host, "create secret generic s5 --from-literal=a=b --dry-run=client -o yaml")
    assert dry.out == ("apiVersion: v1\ndata:\n  a: Yg==\nkind: Secret\nmetadata:\n"
                       "  creationTimestamp: null\n  name: s5\n  namespace: prod\n")
    assert ("prod", "s5") not in cluster.secrets


def test_delete_pod_is_replaced() -> None:
    host, _ = bastion(optional=True)
    result = kubectl(host, f"delete pod {POD}")
    assert (result.status, result.out) == (0, f'pod "{POD}" deleted\n')
    lines = kubectl(host, "get pods").out.splitlines()
    assert len(lines) == 2 and not lines[1].startswith(POD)
    assert lines[1].startswith("myapp-7d9f8b-")


def test_contexts() -> None:
    host, _ = bastion(optional=True)
    assert kubectl(host, "config current-context").out == "prod\n"
    assert kubectl(host, "config get-contexts").out == (
        "CURRENT   NAME      CLUSTER   AUTHINFO   NAMESPACE\n"
        "*         prod      prod      admin      prod\n"
        "          staging   staging   admin      staging\n")
    result = kubectl(host, "get pods --context staging")
    assert result.err == ("Unable to connect to the server: dial tcp: lookup "
                          "staging.k8s.internal on 127.0.0.53:53: no such host\n")
    assert kubectl(host, "config use-context staging").out == 'Switched to context "staging".\n'
    assert kubectl(host, "config current-context").out == "staging\n"


def test_without_kubeconfig() -> None:
    world = new_world(seed=0)
    host = add_linux_host(world, "laptop")
    result = run_tool(host, ["kubectl", "get", "pods"])
    assert (result.status, result.err) == (
        1, "The connection to the server localhost:8080 was refused - did you specify the "
           "right host or port?\n")
    assert run_tool(host, ["kubectl", "config", "current-context"]).err == \
        "error: current-context is not set\n"
