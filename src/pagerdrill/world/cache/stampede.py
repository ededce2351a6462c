"""A fleet of app servers reading through Redis into PostgreSQL, and its cache stampede.

:class:`CacheFleet` is the fleet's state (``servers`` identical gunicorn hosts
with ``workers`` sync workers each, one database connection per busy worker),
advanced every simulated second by a world rule. The programs that deploy code
onto it (the app service, the warm-up job) are in
:mod:`pagerdrill.world.programs.cacheapp`.

Each simulated second, requests ask Redis for one of ``keys`` hot keys
(``product:<id>``; 5% of traffic is uncacheable and always reads the
database). A miss recomputes the value with an expensive query and writes it
back with the TTL the code computes (:func:`pagerdrill.world.cache.patterns.
cache_ttl`, jitter included). The database is ``cores`` CPUs shared by its
running queries (processor sharing); past ``4 x cores`` running backends it
thrashes and its throughput falls. Demand below capacity is served quickly;
above it every worker ends up waiting in the database, a query's latency
becomes ``running x cost / throughput``, and once that passes the app's
``statement_timeout`` every rebuild is cancelled: nothing is written back, the
cache stays empty, and the overload sustains itself (a metastable failure).
What brings it back: fewer concurrent rebuilds (a rate limit, fewer workers,
or a lock per key so that one request rebuilds and the others wait), or a warm
cache (the warm-up job reads in batches over one connection with no timeout).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.cache.patterns import CacheCode, cache_ttl
from pagerdrill.world.cache.server import Client, RedisServer
from pagerdrill.world.cache.service import server_on
from pagerdrill.world.database import PgError, PgServer, server_at
from pagerdrill.world.world import Registry, Rule

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

__all__ = ["FLEETS", "REBUILD_QUERY", "CacheFleet", "Deployed", "FleetSpec", "env_int",
           "fleet_of"]

REBUILD_QUERY = ("SELECT p.id, p.name, p.price_cents, c.name AS category, "
                 "coalesce(avg(r.rating), 0) AS rating, count(r.id) AS reviews "
                 "FROM products p JOIN categories c ON c.id = p.category_id "
                 "LEFT JOIN reviews r ON r.product_id = p.id WHERE p.id = $1 "
                 "GROUP BY p.id, c.name")
_CACHEABLE = 0.95  # the rest of the traffic is uncacheable and always reads the database
_THRASH_PER = 256.0  # backends past 4 x cores that halve the database's throughput
FLEETS: Registry[str, CacheFleet] = Registry("cache.fleets")


@dataclass(frozen=True)
class FleetSpec:
    name: str
    repo: str  # the working tree the service runs from
    servers: int = 50
    rps: float = 4000.0  # the fleet's requests per second
    keys: int = 400  # hot keys product:<first_id>...
    first_id: int = 1001
    code_rel: str = "app/cache.py"
    warm_rel: str = "scripts/warm_cache.py"
    env_path: str = "/etc/myapp/myapp.env"
    gunicorn_path: str = "/etc/myapp/gunicorn.conf.py"
    db_host: str = "db-01"
    database: str = "appdb"
    user: str = "myapp"
    redis_host: str = "cache-01"
    db_cores: int = 8
    rebuild_ms: float = 40.0  # database CPU one rebuild costs
    tail_ms: float = 5.0  # and one uncacheable read
    warm_row_ms: float = 0.5  # and one row of a warm-up batch
    timeout_s: float = 12.0  # the app's statement_timeout
    ttl_s: int = 300  # when the code's TTL cannot be worked out


def env_int(env: dict[str, str], name: str, default: int) -> int:
    try:
        return max(0, int(env.get(name, str(default))))
    except ValueError:
        return default


@dataclass
class Deployed:
    """What the fleet runs: the cache code, the environment, gunicorn's workers."""

    code: CacheCode = field(default_factory=CacheCode)
    env: dict[str, str] = field(default_factory=dict)
    workers: int = 16


class CacheFleet:
    """The fleet's load on Redis and PostgreSQL, second by second."""

    def __init__(self, spec: FleetSpec, world: World) -> None:
        self.spec = spec
        self.world = world
        self.deployed = Deployed()
        self.up = False
        self.active = 0.0  # running queries in the database
        self.latency_s = 0.005
        self.hit_ratio = _CACHEABLE
        self.p99_ms = 50.0
        self.error_ratio = 0.0
        self.db_cpu = 12.5
        self.saturated = False
        self.warmers = 0  # warm-up connections
        self.backends: list[int] = []
        self.clients: list[Client] = []
        self._redis_id = 0
        self._fill_acc = 0.0
        self._hits_acc = 0.0
        self._miss_acc = 0.0
        self.next_log_ms = 0  # the app log is throttled: one sample every few seconds
        self._next_pg_log_ms = 0
        self._next_fatal_ms = 0
        self.lost = 0  # connections the server dropped, for the app's log
        self._rng = world.rng.child("cacheapp", spec.name)

    # -- what is running ----------------------------------------------------------

    @property
    def concurrency(self) -> int:
        return self.spec.servers * self.deployed.workers

    @property
    def rate_limit(self) -> int:
        return env_int(self.deployed.env, "RATE_LIMIT_RPS", 0)

    def keys(self) -> list[bytes]:
        return [f"product:{self.spec.first_id + i}".encode() for i in range(self.spec.keys)]

    def cache_host(self) -> Host:
        found = next(h for h in self.world.hosts.values() if h.name == self.spec.redis_host
                     or h.spec.ip == self.spec.redis_host)
        return found

    def redis(self) -> RedisServer | None:
        server = server_on(self.cache_host())
        return server if server is not None and server.running else None

    def pg(self) -> PgServer | None:
        here = next(iter(self.world.hosts.values()))
        server = server_at(self.world, here, self.spec.db_host, 5432)
        return server if server is not None and server.running else None

    def cold_factor(self) -> float:
        """A freshly restarted database reads from disk until shared_buffers warm up."""
        until = self.world.facts.get(f"{self.spec.db_host}.cold_until_ms")
        left = int(until) - self.world.clock.now_ms if isinstance(until, int) else 0
        return 1.0 if left <= 0 else 0.45

    # -- the model ------------------------------------------------------------------

    def thrash(self, running: float) -> float:
        return 1.0 / (1.0 + max(0.0, running - 4 * self.spec.db_cores) / _THRASH_PER)

    def capacity(self) -> float:
        return self.spec.db_cores * 1000.0 * self.cold_factor()

    def batch_latency_s(self, size: int) -> float:
        """How long one warm-up batch of ``size`` rows takes right now (no timeout)."""
        cost = self.spec.warm_row_ms * size  # a primary-key batch, no per-row aggregate
        share = self.capacity() * self.thrash(self.active) / max(1.0, self.active + 1)
        return max(0.05, cost / share)

    def tick(self, dt_ms: int) -> None:
        now = self.world.clock.now_ms
        seconds = dt_ms / 1000
        redis = self.redis()
        pg = self.pg()
        spec = self.spec
        if not self.up:
            self._settle(pg, redis, 0, 0.0, now)
            self.p99_ms, self.error_ratio, self.db_cpu = 0.0, 1.0, 1.0
            return
        keys = self.keys()
        present = {k for k in keys if redis is not None and redis.dbs[0].contains(k)}
        missing = [k for k in keys if k not in present]
        self.hit_ratio = _CACHEABLE * len(present) / len(keys) if redis is not None else 0.0
        admitted = spec.rps if not self.rate_limit else min(spec.rps,
                                                            self.rate_limit * spec.servers)
        shed = spec.rps - admitted
        hot = admitted * (_CACHEABLE - self.hit_ratio)
        tail = admitted * (1 - _CACHEABLE)
        locked = self.deployed.code.locked
        rebuilds = min(hot, len(missing) / max(self.latency_s, 0.05)) if locked else hot
        demand = rebuilds * spec.rebuild_ms + tail * spec.tail_ms
        queries = rebuilds + tail
        cost = demand / queries if queries else spec.tail_ms
        cap = self.capacity()
        cap_running = min(self.concurrency, len(missing) + 10) if locked else self.concurrency
        if pg is not None:  # workers beyond max_connections get "too many clients" instead
            cap_running = min(cap_running, pg.int_setting("max_connections")
                              - pg.int_setting("superuser_reserved_connections"))
        if pg is None:
            self.saturated, self.active, self.latency_s = False, 0.0, 0.0
            done = 0.0
            self.error_ratio = (queries / spec.rps if spec.rps else 0) + shed / spec.rps
            self.p99_ms = 30.0
        elif demand <= 0.9 * cap * self.thrash(0):
            use = demand / cap
            self.saturated = False
            self.latency_s = cost / 1000 / (1 - use)
            self.active = queries * self.latency_s
            done = rebuilds
            self.db_cpu = round(100 * use, 1)
            self.error_ratio = shed / spec.rps
            self.p99_ms = 50.0 + (self.latency_s * 1000 * 2 if hot > admitted * 0.002 else 0)
        else:
            self.saturated = True
            self.active = float(cap_running + self.warmers)
            throughput = cap * self.thrash(self.active)
            self.latency_s = self.active * cost / throughput
            self.db_cpu = 100.0
            timed_out = self.latency_s >= spec.timeout_s
            done = 0.0 if timed_out else throughput / cost * (rebuilds / queries)
            stuck = self.active >= self.concurrency
            self.p99_ms = spec.timeout_s * 1000 if timed_out or stuck else \
                self.latency_s * 1000 + 50
            failing = queries if timed_out else 0.0
            if timed_out and pg is not None and now >= self._next_pg_log_ms and self.backends:
                self._next_pg_log_ms = now + 2000
                pid = self.backends[now // 1000 % len(self.backends)]
                pg.log.append((now * 1000, pid, "ERROR",
                               "canceling statement due to statement timeout"))
                pg.log.append((now * 1000, pid, "STATEMENT", REBUILD_QUERY))
            self.error_ratio = min(1.0, (failing + shed) / spec.rps)
        self._count(redis, admitted, seconds)
        if redis is not None and pg is not None and done and missing:
            self._fill(redis, missing, done * seconds, locked)
        self._settle(pg, redis, admitted, self.latency_s, now)

    def _count(self, redis: RedisServer | None, admitted: float, seconds: float) -> None:
        if redis is None:
            return
        self._hits_acc += admitted * self.hit_ratio * seconds
        self._miss_acc += admitted * (1 - self.hit_ratio) * seconds
        hits, misses = int(self._hits_acc), int(self._miss_acc)
        self._hits_acc -= hits
        self._miss_acc -= misses
        redis.record_traffic(hits + misses + misses, hits, misses)

    def _fill(self, redis: RedisServer, missing: list[bytes], completed: float,
              locked: bool) -> None:
        """Write back what the finished rebuilds computed (duplicates when unlocked)."""
        count = completed if locked else len(missing) * (1 - math.exp(-completed / len(missing)))
        self._fill_acc += count
        n = min(len(missing), int(self._fill_acc))
        self._fill_acc -= n
        client = self.writer(redis)
        for key in self._rng.sample(missing, n):
            ttl = self.ttl(self.deployed.code)
            value = json.dumps({"id": int(key.split(b":")[1]), "cached": True}).encode()
            redis.execute(client, [b"SETEX", key, str(ttl).encode(), value])

    def ttl(self, code: CacheCode, env: dict[str, str] | None = None) -> int:
        """The TTL ``code`` gives the next key it writes (its jitter drawn from the world)."""
        rng = self._rng

        def rand(name: str, args: list[float]) -> float:
            if name in ("randint", "randrange") and len(args) >= 2:
                return rng.randint(int(args[0]), int(args[1]))
            if name == "uniform" and len(args) >= 2:
                return rng.uniform(args[0], args[1])
            return rng.random()

        env = self.deployed.env if env is None else env
        return cache_ttl(code, env, rand, env_int(env, "CACHE_TTL_SECONDS", self.spec.ttl_s))

    def writer(self, redis: RedisServer) -> Client:
        """The connection the fleet writes rebuilt values with."""
        live = [c for c in self.clients if not c.closed and c.id in redis.clients]
        if not live:
            self.clients = []
            return redis.connect("10.0.1.10:48000")
        return live[0]

    # -- connections as the servers see them ----------------------------------------

    def _settle(self, pg: PgServer | None, redis: RedisServer | None, admitted: float,
                latency: float, now: int) -> None:
        self._redis_clients(redis)
        if pg is None:
            self.backends = []
            return
        want = 0 if not self.up else min(self.concurrency,
                                         self.spec.servers + round(self.active))
        alive = [pid for pid in self.backends if pid in pg.backends]
        self.lost += len(self.backends) - len(alive)
        now_us = now * 1000
        while len(alive) < want:
            index = len(alive)
            try:
                backend = pg.connect(self.spec.user, self.spec.database, now_us,
                                     application_name=self.spec.name,
                                     client_addr=self._addr(index),
                                     client_port=40_000 + index * 7 % 20_000)
            except PgError as error:
                if now >= self._next_fatal_ms:
                    self._next_fatal_ms = now + 2000
                    pg.log.append((now_us, 0, error.severity, error.message))
                break
            alive.append(backend.pid)
        for pid in alive[want:]:
            pg.disconnect(pid)
        self.backends = alive[:want]
        running = round(self.active)
        window = int(min(latency, self.spec.timeout_s) * 1_000_000)
        for i, pid in enumerate(self.backends):
            backend = pg.backends[pid]
            if i < running:
                ago = (pid * 7919 % max(window, 1)) if window else 0
                backend.state, backend.query = "active", REBUILD_QUERY
                backend.query_start = backend.xact_start = backend.state_change = now_us - ago
                lwlock = self.saturated and pid % 5 == 0
                backend.wait_event_type = "LWLock" if lwlock else None
                backend.wait_event = "BufferMapping" if lwlock else None
            elif backend.state != "idle":
                backend.state, backend.xact_start = "idle", None
                backend.state_change = now_us
                backend.wait_event_type, backend.wait_event = "Client", "ClientRead"

    def _addr(self, index: int) -> str:
        server = index % self.spec.servers
        return f"10.0.1.{10 + server}"

    def _redis_clients(self, redis: RedisServer | None) -> None:
        if redis is None:
            self.clients = []
            return
        self.clients = [c for c in self.clients if c.id in redis.clients]
        want = self.concurrency if self.up else 0
        while len(self.clients) < want:
            index = len(self.clients)
            self._redis_id += 1
            self.clients.append(redis.connect(
                f"{self._addr(index)}:{41_000 + self._redis_id % 20_000}"))
        for client in self.clients[want:]:
            redis.disconnect(client)
        self.clients = self.clients[:want]
        now = self.world.clock.now_ms
        for client in self.clients:
            client.cmd, client.last_ms = "get", now


def fleet_of(world: World, spec: FleetSpec) -> CacheFleet:
    """The fleet behind ``spec.name``, created (and ticked by a world rule) on first use."""
    fleets = world.registered(FLEETS)
    fleet = fleets.get(spec.name)
    if fleet is None:
        fleet = fleets[spec.name] = CacheFleet(spec, world)
        world.rules.append(Rule(f"cacheapp:{spec.name}", lambda w, dt: fleet.tick(dt)))
    return fleet


