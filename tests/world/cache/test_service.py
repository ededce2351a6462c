"""redis-server under systemd: a restart is a cold start, with Redis's own log lines."""

from __future__ import annotations

from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.cache import ErrorReply
from pagerdrill.world.cache.service import RedisService, redis_log_line, server_on
from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit
from pagerdrill.world.world import World


def _redis_host(world: World) -> Host:
    host = add_linux_host(world, "cache-01")
    host.services.add(Unit("redis-server.service", "Advanced key-value store",
                           ["/usr/bin/redis-server", "0.0.0.0:6379"], user="redis",
                           program_factory=RedisService))
    return host


def _log(host: Host) -> str:
    inode = host.fs.lookup("/var/log/redis/redis-server.log")
    return b"".join(host.fs.read_stream(inode)).decode()


def test_log_line_format() -> None:
    assert redis_log_line(1776132600123, 2209, "M", "*", "Ready to accept connections") == (
        "2209:M 14 Apr 2026 02:10:00.123 * Ready to accept connections\n")


def test_a_restart_empties_the_cache_and_resets_the_stats(world: World) -> None:
    host = _redis_host(world)
    server = server_on(host)
    assert server is not None and server.running
    client = server.connect()
    for n in range(5):
        server.execute(client, [b"SETEX", b"product:%d" % n, b"3600", b"{}"])
    server.execute(client, [b"GET", b"product:1"])
    first_run_id = server.run_id
    world.advance(120)
    assert server.uptime_s == 120 and server.stats.keyspace_hits == 1 and server.dirty == 5
    host.services.restart("redis-server")
    assert server_on(host) is server and server.running
    assert len(server.dbs[0]) == 0 and server.uptime_s == 0
    assert server.stats.keyspace_hits == 0 and server.dirty == 0
    assert server.run_id != first_run_id and not server.clients
    log = _log(host)
    assert "Received SIGTERM scheduling shutdown..." in log
    assert "Saving the final RDB snapshot" not in log  # save "": nothing to save
    assert log.rstrip().endswith("* Ready to accept connections")


def test_a_stopped_server_is_unreachable(world: World) -> None:
    from pagerdrill.world.cache import find_redis

    host = _redis_host(world)
    host.services.stop("redis-server")
    assert find_redis(world, host, 6379) is None
    assert 6379 not in host.listeners
    host.services.start("redis-server")
    assert find_redis(world, host, 6379) is not None


def test_flushes_are_counted(world: World) -> None:
    host = _redis_host(world)
    server = server_on(host)
    assert server is not None
    client = server.connect()
    server.execute(client, [b"SET", b"k", b"v"])
    assert server.execute(client, [b"FLUSHALL", b"nope"]) == ErrorReply("ERR syntax error")
    assert server.flushes == 0
    server.execute(client, [b"FLUSHDB"])
    server.execute(client, [b"FLUSHALL", b"ASYNC"])
    assert server.flushes == 2
