"""The fleet behind a read-through cache: a cold cache stampedes unless rebuilds are bounded."""

from __future__ import annotations

import pytest
from tests.world.cache.samples import HEADER, NAIVE
from tests.world.cache.samples import SEED as LOCKED

from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.cache.service import RedisService, server_on
from pagerdrill.world.cache.stampede import FLEETS, CacheFleet, FleetSpec
from pagerdrill.world.database import PgServer, attach
from pagerdrill.world.host import Host
from pagerdrill.world.programs.cacheapp import CacheApp, CacheWarmer, read_env, read_workers
from pagerdrill.world.services import Unit
from pagerdrill.world.world import World

SPEC = FleetSpec(name="shop", repo="/srv/shop", servers=50, rps=4000, keys=200,
                 env_path="/etc/shop/shop.env", gunicorn_path="/etc/shop/gunicorn.conf.py",
                 db_host="db-01", database="shopdb", user="shop", redis_host="cache-01")


def test_read_env() -> None:
    assert read_env("# c\nA=1\nexport B='two'\n\nC = \"3\"\nnot a line\n") == {
        "A": "1", "B": "two", "C": "3"}


@pytest.mark.parametrize(("text", "expected"), [
    ("bind = '127.0.0.1:8000'\nworkers = 16\n", 16),
    ("workers = 2 * 4 + 1\n", 9),
    ("timeout = 30\n", 1),
    ("workers = 0\n", "Error: 'workers' must be a positive integer, not 0"),
    ("workers = cpu_count\n", "NameError: name 'cpu_count' is not defined"),
    ("import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n", 9),
    ("workers = multiprocessing.cpu_count()\n", "NameError: name 'multiprocessing' is not defined"),
    ("base = 6\nworkers = base * 2\n", 12),
    ("workers = '16'\n", "Error: 'workers' must be a positive integer, not '16'"),
    ("workers = 10 ** 10 ** 10\n", "Error: unsupported expression for 'workers': 10 ** 10 ** 10"),
    ("workers = ().__class__\n", "Error: unsupported expression for 'workers': ().__class__"),
    ("workers = = 3\n", "SyntaxError: invalid syntax (gunicorn.conf.py, line 1)"),
])
def test_read_workers(text: str, expected: int | str) -> None:
    assert read_workers(text) == expected


def _world(world: World, code: str, workers: int = 16, rate_limit: int = 0) -> Host:
    app = add_linux_host(world, "app-01", "10.0.1.10")
    cache = add_linux_host(world, "cache-01", "10.0.3.30")
    db = add_linux_host(world, "db-01", "10.0.2.20")
    server = attach(db, PgServer(first_pid=900))
    server.add_role("shop")
    server.add_database("shopdb", owner="shop")
    server.set_setting("max_connections", "1000")
    cache.services.add(Unit("redis-server.service", "redis", ["/usr/bin/redis-server"],
                            program_factory=RedisService))
    app.fs.put("/srv/shop/app/cache.py", code.encode())
    app.fs.put("/srv/shop/scripts/warm_cache.py", (HEADER + "\n\ndef main(ids):\n"
               "    for i in ids:\n        r.setex(f'product:{i}', 3600, '{}')\n").encode())
    app.fs.put("/etc/shop/shop.env", f"RATE_LIMIT_RPS={rate_limit}\n".encode())
    app.fs.put("/etc/shop/gunicorn.conf.py", f"workers = {workers}\n".encode())
    app.services.add(Unit("shop.service", "shop", ["gunicorn"],
                          program_factory=lambda: CacheApp(SPEC)))
    app.services.add(Unit("shop-cache-warm.service", "warm", ["python3"], restart="no",
                          program_factory=lambda: CacheWarmer(SPEC)), start=False)
    return app


def _fleet(world: World) -> CacheFleet:
    return world.registered(FLEETS)["shop"]


def _keys(world: World) -> int:
    server = server_on(world.hosts["cache-01"])
    assert server is not None
    return len(server.dbs[0])


def test_a_cold_cache_stampedes_and_stays_empty(world: World) -> None:
    _world(world, NAIVE)
    world.advance(120)
    fleet = _fleet(world)
    assert fleet.saturated and fleet.active == 800 and fleet.latency_s > 12
    assert fleet.p99_ms == 12_000 and fleet.db_cpu == 100 and fleet.hit_ratio == 0
    assert _keys(world) == 0
    pg = world.hosts["db-01"].pg_servers[5432]
    assert len(pg.client_backends()) == 800
    assert {b.state for b in pg.client_backends()} == {"active"}


def test_fewer_workers_let_the_rebuilds_finish(world: World) -> None:
    _world(world, NAIVE, workers=8)  # 400 concurrent rebuilds finish inside the timeout
    world.advance(60)
    fleet = _fleet(world)
    assert _keys(world) == 200 and not fleet.saturated
    assert fleet.hit_ratio == pytest.approx(0.95) and fleet.p99_ms < 100
    pg = world.hosts["db-01"].pg_servers[5432]
    assert len(pg.client_backends()) <= 52  # back to about one pooled connection a server


def test_a_lock_bounds_the_rebuilds_to_the_missing_keys(world: World) -> None:
    _world(world, LOCKED)
    world.advance(2)
    assert _fleet(world).active <= 210  # one rebuild per missing key, not one per request
    world.advance(30)
    assert _keys(world) == 200 and _fleet(world).p99_ms < 100


def test_the_warmer_fills_the_cache_even_under_the_stampede(world: World) -> None:
    app = _world(world, NAIVE)
    world.advance(10)
    app.services.start("shop-cache-warm")
    world.advance(25)
    assert 0 < _keys(world) < 200  # batch by batch
    world.advance(60)
    assert _keys(world) == 200 and not _fleet(world).saturated
    assert app.services.find("shop-cache-warm").state == "inactive"
    server = server_on(world.hosts["cache-01"])
    assert server is not None and server.dbs[0].expires[b"product:1001"] > world.clock.now_ms


def test_synchronised_expiry_stampedes_again(world: World) -> None:
    """Keys the naive code rebuilt within seconds all expire within seconds, TTL later."""
    app = _world(world, NAIVE, workers=8)
    world.advance(60)
    assert _keys(world) == 200
    app.fs.put("/etc/shop/gunicorn.conf.py", b"workers = 16\n")
    app.services.restart("shop")
    world.advance(240)
    assert not _fleet(world).saturated
    world.advance(60)  # the default 300 s TTL has run out for all of them
    assert _fleet(world).saturated and _keys(world) == 0


def test_the_rate_limit_sheds_load(world: World) -> None:
    _world(world, NAIVE, rate_limit=2)
    world.advance(60)
    fleet = _fleet(world)
    assert _keys(world) == 200 and fleet.error_ratio > 0.9 and fleet.db_cpu < 10


def test_a_stopped_app_holds_no_connections(world: World) -> None:
    app = _world(world, NAIVE)
    world.advance(5)
    app.services.stop("shop")
    world.advance(2)
    assert not world.hosts["db-01"].pg_servers[5432].client_backends()
    server = server_on(world.hosts["cache-01"])
    assert server is not None and not server.clients
