"""A world with one PostgreSQL server holding leaked idle-in-transaction backends."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.database import PgServer, attach
from pagerdrill.world.host import Host

LEAK_QUERY = "SELECT * FROM users WHERE id = $1"


def leaky_host(leaked: int = 3) -> tuple[Host, PgServer]:
    world = new_world(seed=0)
    host = add_linux_host(world, "db-01")
    now = world.clock.now_ms * 1000
    server = attach(host, PgServer(start_us=now - 86_400_000_000))
    server.add_role("myapp")
    server.add_database("appdb", owner="myapp")
    for i in range(leaked):
        backend = server.connect("myapp", "appdb", now - 400_000_000, application_name="node-pg",
                                 client_addr="10.0.1.5")
        backend.state, backend.query = "idle in transaction", LEAK_QUERY
        start = now - 312_345_678 - i * 1_000_000
        backend.query_start = backend.xact_start = backend.state_change = start
    for _ in range(2):
        server.connect("myapp", "appdb", now - 100_000_000, application_name="node-pg")
    return host, server


@pytest.fixture
def db_host() -> tuple[Host, PgServer]:
    return leaky_host()
