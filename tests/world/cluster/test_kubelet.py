"""The kubelet state machine: config errors, crash loops with the real back-off."""

from __future__ import annotations

from tests.world.cluster.helpers import ERROR_LINES, myapp_world

from pagerdrill.world.cluster import ContainerRun, StartContext

POD = ("prod", "myapp-7d9f8b-xkj2p")


def test_missing_secret_not_optional_is_create_container_config_error() -> None:
    world, cluster = myapp_world(optional=False)
    world.advance(180)
    pod = cluster.pods[POD]
    status = pod.statuses[0]
    assert (status.state.kind, status.state.reason) == ("waiting", "CreateContainerConfigError")
    assert status.state.message == 'secret "myapp-credentials" not found'
    assert status.restart_count == 0 and status.last_state is None
    assert status.logs == [] and status.instances == 0
    assert pod.phase == "Pending"
    failed = [e for e in cluster.events_for("prod", "Pod", pod.name) if e.reason == "Failed"]
    assert len(failed) == 1 and failed[0].type == "Warning" and failed[0].source == "kubelet"
    assert failed[0].message == 'Error: secret "myapp-credentials" not found'
    assert failed[0].count > 10  # retried on every sync, aggregated into one event


def test_missing_key_not_optional() -> None:
    world, cluster = myapp_world(optional=False)
    cluster.create_secret("prod", "myapp-credentials", {"user": b"app"})
    world.advance(30)
    state = cluster.pods[POD].statuses[0].state
    assert state.reason == "CreateContainerConfigError"
    assert state.message == "couldn't find key password in Secret prod/myapp-credentials"


def _restart_gaps(world_seconds: int) -> tuple[list[int], list[int]]:
    """Gaps (ms) between each termination and the next start, and the restart counts."""
    world, cluster = myapp_world(optional=True)
    gaps: list[int] = []
    counts: list[int] = []
    status = cluster.pods[POD].statuses[0]
    last_instances = status.instances
    for _ in range(world_seconds):
        world.advance(1)
        if status.instances != last_instances and status.last_state is not None:
            gaps.append(status.state.started_ms - status.last_state.finished_ms)
            counts.append(status.restart_count)
        last_instances = status.instances
    return gaps, counts


def test_crash_loop_backoff_doubles_to_five_minutes() -> None:
    gaps, counts = _restart_gaps(1500)
    # The first restart is immediate (no back-off entry yet), then 10s doubling, capped at 5m.
    assert gaps[:8] == [1000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]
    assert counts[:8] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_crash_states_and_logs() -> None:
    world, cluster = myapp_world(optional=True)
    status = cluster.pods[POD].statuses[0]
    world.advance(2)  # started at t+1, exits 1s later
    assert (status.state.kind, status.state.reason, status.state.exit_code) == (
        "terminated", "Error", 1)
    assert [line for _, line in status.logs] == list(ERROR_LINES)
    world.advance(30)
    assert (status.state.kind, status.state.reason) == ("waiting", "CrashLoopBackOff")
    assert status.state.message.startswith("back-off 20s restarting failed container=myapp "
                                           "pod=myapp-7d9f8b-xkj2p_prod(")
    assert status.last_state is not None and status.last_state.exit_code == 1
    assert status.last_state.reason == "Error"
    assert status.restart_count == 2
    assert [line for _, line in status.previous_logs] == list(ERROR_LINES)
    assert not status.ready and cluster.pods[POD].phase == "Running"
    backoff = [e for e in cluster.events if e.reason == "BackOff"]
    assert backoff[0].message.startswith("Back-off restarting failed container myapp in pod "
                                         "myapp-7d9f8b-xkj2p_prod(")


def test_backoff_resets_after_ten_minutes_of_running() -> None:
    world, cluster = myapp_world(optional=True)
    runs = iter([5.0, 5.0, 5.0, 700.0, 5.0, 5.0])

    def program(ctx: StartContext) -> ContainerRun:
        return ContainerRun(("boom",), 2, next(runs, 5.0))

    cluster.set_program("myapp", program)
    status = cluster.pods[POD].statuses[0]
    gaps: list[int] = []
    seen = status.instances
    for _ in range(1200):
        world.advance(1)
        if status.instances != seen and status.last_state is not None:
            gaps.append(status.state.started_ms - status.last_state.finished_ms)
        seen = status.instances
    # 3 quick crashes (0, 10s, 20s), then 700s up: the back-off entry expired, restart at once,
    # and the next crash waits the initial 10s again.
    assert gaps[:5] == [1000, 10_000, 20_000, 1000, 10_000]


def test_creating_the_secret_heals_a_config_error() -> None:
    world, cluster = myapp_world(optional=False)
    world.advance(60)
    cluster.create_secret("prod", "myapp-credentials", {"password": b"hunter2"})
    world.advance(10)
    pod = cluster.pods[POD]
    status = pod.statuses[0]
    assert status.state.kind == "running" and status.ready and status.restart_count == 0
    assert pod.phase == "Running" and pod.conditions["Ready"]
    assert [line for _, line in status.logs] == ["Server listening on :8080"]


def test_creating_the_secret_heals_a_crash_loop_at_the_next_retry() -> None:
    world, cluster = myapp_world(optional=True)
    world.advance(100)
    status = cluster.pods[POD].statuses[0]
    assert status.state.reason == "CrashLoopBackOff"
    cluster.create_secret("prod", "myapp-credentials", {"password": b"hunter2"})
    world.advance(5)
    assert status.state.reason == "CrashLoopBackOff"  # still waiting out the back-off
    world.advance(160)
    assert status.state.kind == "running" and status.ready
    assert status.restart_count == 5 and status.last_state is not None


def test_dying_words_are_logged_when_the_container_exits_and_it_is_never_ready() -> None:
    world, cluster = myapp_world(optional=True)
    cluster.set_program("myapp", lambda ctx: ContainerRun(
        ("booting",), 1, 5.0, ready=False, exit_lines=ERROR_LINES))
    cluster.delete_pod(*POD)
    world.advance(3)
    pod = next(p for p in cluster.pods.values() if p.meta.namespace == "prod")
    status = pod.statuses[0]
    assert status.state.kind == "running" and not status.ready and not pod.ready
    assert [line for _, line in status.logs] == ["booting"]
    world.advance(5)
    assert status.instances == 2  # it died and (first restart: no back-off) started again
    assert [line for _, line in status.previous_logs] == ["booting", *ERROR_LINES]
    started, died = status.previous_logs[0][0], status.previous_logs[1][0]
    assert died - started == 5000
    assert [line for _, line in status.logs] == ["booting"]
