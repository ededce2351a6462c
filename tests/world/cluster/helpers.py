"""A world with one cluster running the seed's myapp deployment."""

from __future__ import annotations

from pagerdrill.world.builder import DEFAULT_START, new_world
from pagerdrill.world.cluster import (
    Cluster,
    Container,
    ContainerRun,
    EnvVar,
    KeyRef,
    StartContext,
    install_cluster,
)
from pagerdrill.world.world import World

ERROR_LINES = ("Error: Required environment variable DATABASE_PASSWORD is not set",
               "Process exited with code 1")


def myapp(ctx: StartContext, *, crash_after_s: float = 1.0) -> ContainerRun:
    """The app checks its own environment: no password, exit 1."""
    if not ctx.env.get("DATABASE_PASSWORD"):
        return ContainerRun(ERROR_LINES, 1, crash_after_s)
    return ContainerRun(("Server listening on :8080",))


def myapp_world(*, optional: bool, seed: int = 0, crash_after_s: float = 1.0,
                start: str = DEFAULT_START) -> tuple[World, Cluster]:
    world = new_world(seed=seed, start=start)
    cluster = install_cluster(world, "prod")
    cluster.add_namespace("prod")
    cluster.add_node("node-1", "10.0.1.21")
    cluster.set_program("myapp", lambda ctx: myapp(ctx, crash_after_s=crash_after_s))
    ref = KeyRef("secret", "myapp-credentials", "password", optional)
    container = Container("myapp", "registry.example.com/myapp:2.4.1",
                          env=[EnvVar("NODE_ENV", "production"),
                               EnvVar("DATABASE_PASSWORD", ref=ref)], ports=[8080])
    cluster.add_deployment("prod", "myapp", [container], pod_hash="7d9f8b",
                           pod_names=["myapp-7d9f8b-xkj2p"])
    return world, cluster
