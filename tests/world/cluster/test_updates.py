"""apply (three-way merge), rollout undo and history, the Recreate strategy, event expiry."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tests.world.cluster.helpers import myapp_world

from pagerdrill.world.cluster import (
    CHANGE_CAUSE,
    LAST_APPLIED,
    ApiError,
    DeploymentSpec,
    PodTemplate,
    RolloutError,
    apply_configmap,
    apply_deployment,
    apply_secret,
    rollout_history,
    rollout_undo,
)
from pagerdrill.world.cluster.objects import Container


def _last(data: dict[str, str]) -> str:
    return json.dumps({"data": data}) + "\n"


def test_apply_secret_created_unchanged_configured() -> None:
    _, cluster = myapp_world(optional=True)
    kw = {"labels": {}, "annotations": {}}
    first = apply_secret(cluster, "prod", "s", {"a": b"1"}, "Opaque", last_applied=_last(
        {"a": "MQ=="}), **kw)
    assert first.action == "created" and not first.missing_annotation
    assert cluster.secrets[("prod", "s")].meta.annotations[LAST_APPLIED].startswith('{"data"')
    again = apply_secret(cluster, "prod", "s", {"a": b"1"}, "Opaque", last_applied=_last(
        {"a": "MQ=="}), **kw)
    assert again.action == "unchanged"
    changed = apply_secret(cluster, "prod", "s", {"b": b"2"}, "Opaque", last_applied=_last(
        {"b": "Mg=="}), **kw)
    assert changed.action == "configured"
    # "a" was applied before and is gone from the manifest: the merge removes it.
    assert cluster.secrets[("prod", "s")].data == {"b": b"2"}


def test_apply_keeps_fields_it_never_applied() -> None:
    _, cluster = myapp_world(optional=True)
    cluster.create_secret("prod", "s", {"kept": b"x"})
    result = apply_secret(cluster, "prod", "s", {"new": b"y"}, "Opaque", labels={},
                          annotations={}, last_applied=_last({"new": "eQ=="}))
    assert (result.action, result.missing_annotation) == ("configured", True)
    assert cluster.secrets[("prod", "s")].data == {"kept": b"x", "new": b"y"}


def test_apply_secret_type_is_immutable() -> None:
    _, cluster = myapp_world(optional=True)
    cluster.create_secret("prod", "s", {})
    with pytest.raises(ApiError, match="field is immutable"):
        apply_secret(cluster, "prod", "s", {}, "kubernetes.io/tls", labels={},
                     annotations={}, last_applied="{}\n")


def test_apply_configmap_into_missing_namespace() -> None:
    _, cluster = myapp_world(optional=True)
    with pytest.raises(ApiError, match='namespaces "nope" not found'):
        apply_configmap(cluster, "nope", "c", {}, labels={}, annotations={},
                        last_applied="{}\n")


def _spec(image: str, *, strategy: str = "RollingUpdate") -> DeploymentSpec:
    return DeploymentSpec(PodTemplate({"app": "web"}, [Container("web", image)]),
                          {"app": "web"}, 2, strategy)


def test_recreate_stops_old_pods_before_new_ones_start() -> None:
    world, cluster = myapp_world(optional=True)
    apply_deployment(cluster, "prod", "web", _spec("web:1", strategy="Recreate"), labels={},
                     annotations={CHANGE_CAUSE: "v1"}, last_applied="{}\n")
    world.advance(5)
    old = {name for (_, name) in cluster.pods if name.startswith("web-")}
    assert len(old) == 2
    result = apply_deployment(cluster, "prod", "web", _spec("web:2", strategy="Recreate"),
                              labels={}, annotations={CHANGE_CAUSE: "v2"}, last_applied="{}\n")
    assert result.action == "configured"
    assert not {name for (_, name) in cluster.pods} & old
    assert not [n for (_, n) in cluster.pods if n.startswith("web-")]  # nothing serving yet
    world.advance(3)
    pods = [p for (_, n), p in cluster.pods.items() if n.startswith("web-")]
    assert len(pods) == 2 and all(p.containers[0].image == "web:2" for p in pods)
    assert rollout_history(cluster, "prod", "web") == [(1, "v1"), (2, "v2")]


def test_rollout_undo_brings_back_the_previous_template() -> None:
    world, cluster = myapp_world(optional=True)
    with pytest.raises(ApiError):
        rollout_undo(cluster, "prod", "web")
    with pytest.raises(RolloutError, match='no rollout history found for deployment "myapp"'):
        rollout_undo(cluster, "prod", "myapp")
    cluster.rollout_restart("prod", "myapp")
    world.advance(3)
    assert rollout_undo(cluster, "prod", "myapp") == "rolled back"
    dep = cluster.deployments[("prod", "myapp")]
    assert "kubectl.kubernetes.io/restartedAt" not in dep.template.annotations
    assert [rev for rev, _ in rollout_history(cluster, "prod", "myapp")] == [2, 3]
    assert rollout_undo(cluster, "prod", "myapp", 3).startswith(
        "skipped rollback (current template already matches revision 3)")
    with pytest.raises(RolloutError, match="unable to find specified revision 7 in history"):
        rollout_undo(cluster, "prod", "myapp", 7)


def test_apply_keeps_the_restart_annotation_it_did_not_set() -> None:
    _, cluster = myapp_world(optional=True)
    dep = cluster.deployments[("prod", "myapp")]
    spec = DeploymentSpec(replace(dep.template, annotations={}), dict(dep.selector), None)
    cluster.rollout_restart("prod", "myapp")
    generation = dep.generation
    result = apply_deployment(cluster, "prod", "myapp", spec, labels=dict(dep.meta.labels),
                              annotations={}, last_applied="{}\n")
    assert result.action == "configured"  # the last-applied annotation is new
    assert "kubectl.kubernetes.io/restartedAt" in dep.template.annotations
    assert dep.generation == generation


def test_events_expire_after_an_hour() -> None:
    world, cluster = myapp_world(optional=True)
    assert any(e.reason == "Scheduled" for e in cluster.events)
    world.advance(3700)
    assert not any(e.reason == "Scheduled" for e in cluster.events)
    assert any(e.reason == "BackOff" for e in cluster.events)  # still happening
