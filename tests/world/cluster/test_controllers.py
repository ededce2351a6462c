"""Deployment and ReplicaSet controllers: rollout restart, pod replacement, hashes."""

from __future__ import annotations

from tests.world.cluster.helpers import myapp_world

from pagerdrill.world.cluster import ApiError, PodTemplate, template_hash
from pagerdrill.world.cluster.objects import Container

_SAFE = set("bcdfghjklmnpqrstvwxz2456789")


def test_template_hash_is_stable_and_safe() -> None:
    template = PodTemplate({"app": "myapp"}, [Container("myapp", "nginx:1.25")])
    first = template_hash(template)
    assert first == template_hash(PodTemplate({"app": "myapp"}, [Container("myapp",
                                                                           "nginx:1.25")]))
    assert 1 <= len(first) <= 10 and set(first) <= _SAFE
    other = PodTemplate({"app": "myapp"}, [Container("myapp", "nginx:1.26")])
    assert template_hash(other) != first


def test_pinned_names_and_initial_events() -> None:
    _, cluster = myapp_world(optional=True)
    assert list(cluster.replicasets) == [("prod", "myapp-7d9f8b")]
    rs = cluster.replicasets[("prod", "myapp-7d9f8b")]
    assert rs.meta.annotations["deployment.kubernetes.io/revision"] == "1"
    assert rs.meta.labels == {"app": "myapp", "pod-template-hash": "7d9f8b"}
    assert list(cluster.pods) == [("prod", "myapp-7d9f8b-xkj2p")]
    reasons = [(e.reason, e.source, e.message) for e in cluster.events]
    assert reasons[:3] == [
        ("ScalingReplicaSet", "deployment-controller",
         "Scaled up replica set myapp-7d9f8b from 0 to 1"),
        ("SuccessfulCreate", "replicaset-controller", "Created pod: myapp-7d9f8b-xkj2p"),
        ("Scheduled", "default-scheduler",
         "Successfully assigned prod/myapp-7d9f8b-xkj2p to node-1"),
    ]


def test_deleting_a_pod_makes_the_replicaset_replace_it() -> None:
    world, cluster = myapp_world(optional=True)
    world.advance(30)
    cluster.delete_pod("prod", "myapp-7d9f8b-xkj2p")
    names = [name for _, name in cluster.pods]
    assert len(names) == 1 and names[0] != "myapp-7d9f8b-xkj2p"
    assert names[0].startswith("myapp-7d9f8b-") and len(names[0]) == len("myapp-7d9f8b-xkj2p")
    assert set(names[0][-5:]) <= _SAFE
    new = cluster.pods[("prod", names[0])]
    assert new.statuses[0].restart_count == 0
    killing = [e for e in cluster.events if e.reason == "Killing"]
    assert killing and killing[0].message == "Stopping container myapp"
    created = [e.message for e in cluster.events if e.reason == "SuccessfulCreate"]
    assert created[-1] == f"Created pod: {names[0]}"
    try:
        cluster.delete_pod("prod", "myapp-7d9f8b-xkj2p")
    except ApiError as err:
        assert (err.reason, err.message) == ("NotFound", 'pods "myapp-7d9f8b-xkj2p" not found')
    else:
        raise AssertionError("deleting twice must fail")


def test_rollout_restart_rolls_to_a_new_replicaset() -> None:
    world, cluster = myapp_world(optional=True)
    world.advance(60)
    cluster.create_secret("prod", "myapp-credentials", {"password": b"hunter2"})
    cluster.rollout_restart("prod", "myapp")
    dep = cluster.deployments[("prod", "myapp")]
    assert "kubectl.kubernetes.io/restartedAt" in dep.template.annotations
    rss = cluster.replicasets_of(dep)
    assert len(rss) == 2 and rss[1].revision == 2 and rss[1].meta.name != "myapp-7d9f8b"
    # Old pod kept until the new one is ready (maxUnavailable 25% of 1 rounds to 0).
    assert len(cluster.pods) == 2
    world.advance(3)
    assert rss[0].replicas == 0 and rss[1].replicas == 1
    pods = list(cluster.pods.values())
    assert len(pods) == 1 and pods[0].owner == rss[1].meta.name and pods[0].ready
    scaling = [e.message for e in cluster.events if e.reason == "ScalingReplicaSet"]
    assert scaling[-2:] == [f"Scaled up replica set {rss[1].meta.name} from 0 to 1",
                            "Scaled down replica set myapp-7d9f8b from 1 to 0"]


def test_secret_already_exists_and_missing_namespace() -> None:
    _, cluster = myapp_world(optional=True)
    cluster.create_secret("prod", "s", {"k": b"v"})
    for ns, message in (("prod", 'secrets "s" already exists'),
                        ("nope", 'namespaces "nope" not found')):
        try:
            cluster.create_secret(ns, "s", {})
        except ApiError as err:
            assert err.message == message
        else:
            raise AssertionError(message)
