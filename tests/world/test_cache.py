"""The Redis model: semantics on the simulated clock, stats, eviction, restart."""

from __future__ import annotations

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.cache import ErrorReply, RedisServer, Status, find_redis, install_redis
from pagerdrill.world.cache.errors import OOM, WRONGTYPE


def _server() -> tuple[RedisServer, list[int]]:
    now = [1_000_000]
    return RedisServer(lambda: now[0]), now


def _run(server: RedisServer, line: str) -> object:
    client = next(iter(server.clients.values()), None) or server.connect()
    return server.execute(client, [w.encode() for w in line.split()])


def test_expiry_follows_the_injected_clock() -> None:
    server, now = _server()
    assert _run(server, "set k v px 1500") == Status("OK")
    now[0] += 1499
    assert _run(server, "get k") == b"v"
    now[0] += 1
    assert _run(server, "get k") is None
    assert server.stats.expired_keys == 1
    assert server.stats.keyspace_hits == 1 and server.stats.keyspace_misses == 1


def test_ttl_rounds_like_redis() -> None:
    server, now = _server()
    _run(server, "set k v ex 10")
    now[0] += 9_400
    assert _run(server, "ttl k") == 1
    assert _run(server, "pttl k") == 600


def test_wrongtype() -> None:
    server, _ = _server()
    _run(server, "hset h f v")
    assert _run(server, "get h") == ErrorReply(WRONGTYPE)


def test_eviction_by_policy_and_oom() -> None:
    server, _ = _server()
    _run(server, "config set maxmemory 900000")
    for i in range(200):
        _run(server, f"set key:{i} {'x' * 100}")
    assert server.stats.evicted_keys == 0
    server.extra_memory = 100_000
    assert _run(server, "set more v") == ErrorReply(OOM)
    _run(server, "config set maxmemory-policy allkeys-lru")
    server.extra_memory = 20_000
    assert _run(server, "set more v") == Status("OK")
    assert server.stats.evicted_keys > 0


def test_restart_forgets_everything() -> None:
    server, now = _server()
    _run(server, "set k v")
    now[0] += 5000
    server.restart()
    assert server.uptime_s == 0
    assert _run(server, "dbsize") == 0
    assert server.stats.total_commands_processed == 1


def test_world_ticks_the_server_and_hooks() -> None:
    world = new_world(seed=0)
    host = add_linux_host(world, "cache-01")
    server = install_redis(world, host)
    app = server.connect("10.0.1.20:50000")

    def traffic(srv: RedisServer, dt_ms: int) -> None:
        srv.execute(app, [b"GET", b"user:1"])

    server.tick_hooks.append(traffic)
    server.execute(app, [b"SET", b"tmp", b"1", b"EX", b"2"])
    world.advance(3)
    assert server.stats.expired_keys == 1
    assert server.stats.keyspace_misses == 3
    assert server.instantaneous_ops_per_sec == 1
    assert find_redis(world, host, 6379) is server
    assert find_redis(world, host, 6380) is None


def test_slowlog_records_slow_commands() -> None:
    server, _ = _server()
    client = server.connect()
    server.execute(client, [b"KEYS", b"*"], duration_us=25_000)
    assert _run(server, "slowlog len") == 1
    entry = _run(server, "slowlog get")
    assert isinstance(entry, list) and entry[0][3] == [b"KEYS", b"*"]


def test_scan_visits_every_key_once() -> None:
    server, _ = _server()
    for i in range(57):
        _run(server, f"set k{i} v")
    seen: list[bytes] = []
    cursor = b"0"
    while True:
        reply = _run(server, f"scan {cursor.decode()} count 7")
        assert isinstance(reply, list)
        cursor, keys = reply
        assert isinstance(keys, list)
        seen += [k for k in keys if isinstance(k, bytes)]
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(b"k%d" % i for i in range(57))
