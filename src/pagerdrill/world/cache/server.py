"""A Redis 7.0 server on a simulated host: keyspace, config, stats, clients, slowlog.

State and behaviour only; redis-cli renders. Nothing persists: :meth:`RedisServer.restart`
comes back empty (``save ""``, no AOF), which is what a cache-stampede scenario needs.
Scenario code drives traffic through :meth:`connect` / :meth:`execute`, or counts bulk
traffic with :meth:`record_traffic`, and may add ``tick_hooks`` run every simulated step.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.cache import admin, aggregates, strings  # noqa: F401  (register commands)
from pagerdrill.world.cache.dispatch import COMMANDS, Call, Reply
from pagerdrill.world.cache.errors import (
    OOM,
    CommandError,
    ErrorReply,
    unknown_command,
    unknown_subcommand,
    wrong_arity,
)
from pagerdrill.world.cache.keyspace import Database, RedisValue, RHash
from pagerdrill.world.world import Registry, Rule

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

__all__ = [
    "Client",
    "RedisServer",
    "RedisStats",
    "SlowlogEntry",
    "find_redis",
    "install_redis",
    "quote_arg",
]

_DATABASES = 16
_BASE_MEMORY = 876_264  # used_memory_startup of a fresh 7.0.15
_KEY_OVERHEAD = 56  # dictEntry + robj + sds headers, roughly
_OPS_SAMPLES = 16  # STATS_METRIC_SAMPLES

DEFAULT_CONFIG: dict[str, str] = {
    "maxmemory": "0",
    "maxmemory-policy": "noeviction",
    "maxmemory-samples": "5",
    "maxclients": "10000",
    "save": "",
    "appendonly": "no",
    "timeout": "0",
    "tcp-keepalive": "300",
    "databases": "16",
    "bind": "* -::*",
    "port": "6379",
    "hz": "10",
    "slowlog-log-slower-than": "10000",
    "slowlog-max-len": "128",
    "loglevel": "notice",
    "lazyfree-lazy-eviction": "no",
    "notify-keyspace-events": "",
    "dir": "/var/lib/redis",
}


@dataclass
class RedisStats:
    total_connections_received: int = 0
    total_commands_processed: int = 0
    keyspace_hits: int = 0
    keyspace_misses: int = 0
    expired_keys: int = 0
    evicted_keys: int = 0
    rejected_connections: int = 0
    total_error_replies: int = 0
    total_net_input_bytes: int = 0
    total_net_output_bytes: int = 0
    error_counts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)  # a busy fleet holds hundreds of these
class Client:
    id: int
    addr: str
    laddr: str
    fd: int
    created_ms: int
    last_ms: int
    name: bytes = b""
    db: int = 0
    cmd: str = "NULL"
    monitor: bool = False
    closed: bool = False


@dataclass(frozen=True)
class SlowlogEntry:
    id: int
    time_s: int
    duration_us: int
    argv: tuple[bytes, ...]
    addr: str
    name: bytes


def quote_arg(raw: bytes) -> str:
    """``sdscatrepr``: the quoting MONITOR and redis-cli use for strings."""
    out = ['"']
    for byte in raw:
        char = chr(byte)
        if char in '\\"':
            out.append("\\" + char)
        elif char in "\n\r\t\a\b":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\a": "\\a", "\b": "\\b"}[char])
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


class RedisServer:
    """One ``redis-server`` listening on ``host``:``port``."""

    def __init__(self, now_ms: Callable[[], int], *, host_name: str = "localhost",
                 ip: str = "127.0.0.1", port: int = 6379, pid: int = 0,
                 run_id: str = "0" * 40, version: str = "7.0.15") -> None:
        self.now_ms = now_ms
        self.host_name = host_name
        self.ip = ip
        self.port = port
        self.pid = pid
        self.run_id = run_id
        self.version = version
        self.config = dict(DEFAULT_CONFIG, port=str(port))
        self.running = True
        self.tick_hooks: list[Callable[[RedisServer, int], None]] = []
        # Bytes of data the scenario says are there beyond the modelled keys (a warm cache).
        self.extra_memory = 0
        self.flushes = 0  # FLUSHALL / FLUSHDB commands run since the world began
        self._reset()

    def _reset(self) -> None:
        self.started_ms = self.now_ms()
        self.stats = RedisStats()
        self.dirty = 0  # writes since the last save (there is none: since the start)
        self.dbs = [Database(i, self.now_ms, self._count_expired) for i in range(_DATABASES)]
        self.clients: dict[int, Client] = {}
        self.slowlog: deque[SlowlogEntry] = deque()
        self._slowlog_next_id = 0
        self._next_client_id = 3
        self._next_fd = 8
        self._next_port = 40_000
        self._laddr = ""
        self.monitor_feed: list[str] = []
        self._ops_samples: deque[int] = deque(maxlen=_OPS_SAMPLES)
        self._ops_mark = 0
        self.peak_memory = 0
        self.used_memory()  # sets the peak

    def _count_expired(self, count: int) -> None:
        self.stats.expired_keys += count

    # -- lifecycle ------------------------------------------------------------

    def restart(self) -> None:
        """Stop and start: no persistence, so the keyspace comes back empty."""
        self._reset()
        self.running = True

    def stop(self) -> None:
        self.running = False
        self.clients.clear()

    @property
    def uptime_s(self) -> int:
        return (self.now_ms() - self.started_ms) // 1000

    def tick(self, dt_ms: int) -> None:
        if not self.running:
            return
        for hook in list(self.tick_hooks):
            hook(self, dt_ms)
        for db in self.dbs:
            db.sweep()
        done = self.stats.total_commands_processed
        self._ops_samples.append((done - self._ops_mark) * 1000 // max(dt_ms, 1))
        self._ops_mark = done

    @property
    def instantaneous_ops_per_sec(self) -> int:
        if not self._ops_samples:
            return 0
        return sum(self._ops_samples) // len(self._ops_samples)

    # -- clients --------------------------------------------------------------

    def connect(self, addr: str | None = None, name: bytes = b"") -> Client:
        now = self.now_ms()
        if addr is None:
            self._next_port += 1
            addr = f"127.0.0.1:{self._next_port}"
        laddr = f"{self.ip}:{self.port}"
        if self._laddr != laddr:  # one string for every client (a fleet has hundreds)
            self._laddr = laddr
        client = Client(self._next_client_id, addr, self._laddr, self._next_fd, now, now, name)
        self._next_client_id += 1
        self._next_fd += 1
        self.clients[client.id] = client
        self.stats.total_connections_received += 1
        return client

    def disconnect(self, client: Client) -> None:
        client.closed = True
        client.monitor = False
        self.clients.pop(client.id, None)
        if not any(c.monitor for c in self.clients.values()):
            self.monitor_feed.clear()  # nobody reads it any more: keep sessions small

    # -- commands -------------------------------------------------------------

    def execute(self, client: Client, argv: list[bytes], duration_us: int = 1) -> Reply:
        """Run one command for ``client`` and return its reply (errors included)."""
        if not argv:
            return None
        client.last_ms = self.now_ms()
        self._feed_monitors(client, argv)
        try:
            reply = self._dispatch(client, argv)
        except CommandError as error:
            reply = ErrorReply(error.message)
        if isinstance(reply, ErrorReply):
            self.stats.total_error_replies += 1
            prefix = reply.message.split(" ", 1)[0]
            self.stats.error_counts[prefix] = self.stats.error_counts.get(prefix, 0) + 1
        self.stats.total_commands_processed += 1
        self.stats.total_net_input_bytes += sum(len(a) + 16 for a in argv)
        if duration_us > int(self.config["slowlog-log-slower-than"]) >= 0:
            self.add_slowlog(client, argv, duration_us)
        return reply

    def _dispatch(self, client: Client, argv: list[bytes]) -> Reply:
        name = argv[0].decode("utf-8", "surrogateescape").lower()
        spec = COMMANDS.get(name)
        if spec is None:
            return ErrorReply(unknown_command(argv))
        if spec.subcommands:
            if len(argv) < 2:
                return ErrorReply(wrong_arity(name))
            sub = spec.subcommands.get(argv[1].decode("utf-8", "surrogateescape").lower())
            if sub is None:
                return ErrorReply(unknown_subcommand(argv[1], name))
            spec = sub
        if not spec.arity_ok(len(argv)):
            return ErrorReply(wrong_arity(spec.name))
        client.cmd = spec.name
        if spec.write and not self._make_room():
            return ErrorReply(OOM)
        assert spec.handler is not None
        reply = spec.handler(Call(self, client, argv))
        if spec.write and not isinstance(reply, ErrorReply):
            self.dirty += 1
        return reply

    def _feed_monitors(self, client: Client, argv: list[bytes]) -> None:
        if not any(c.monitor for c in self.clients.values()):
            return
        now = self.now_ms()
        words = " ".join(quote_arg(a) for a in argv)
        self.monitor_feed.append(
            f"{now // 1000}.{now % 1000:03d}{client.id % 1000:03d} [{client.db} {client.addr}] "
            f"{words}")

    def add_slowlog(self, client: Client, argv: list[bytes], duration_us: int) -> None:
        """Record a slow command (slowlogCreateEntry's 32-argument / 128-byte limits)."""
        words = list(argv[:32])
        if len(argv) > 32:
            words[31] = b"... (%d more arguments)" % (len(argv) - 31)
        words = [w if len(w) <= 128 else w[:128] + b"... (%d more bytes)" % (len(w) - 128)
                 for w in words]
        entry = SlowlogEntry(self._slowlog_next_id, self.now_ms() // 1000, duration_us,
                             tuple(words), client.addr, client.name)
        self._slowlog_next_id += 1
        self.slowlog.appendleft(entry)
        while len(self.slowlog) > int(self.config["slowlog-max-len"]):
            self.slowlog.pop()

    def record_traffic(self, commands: int, hits: int = 0, misses: int = 0) -> None:
        """Count traffic that scenario code models in bulk instead of command by command."""
        self.stats.total_commands_processed += commands
        self.stats.keyspace_hits += hits
        self.stats.keyspace_misses += misses

    # -- memory ---------------------------------------------------------------

    def used_memory(self) -> int:
        """An estimate from the modelled keys plus ``extra_memory`` (O(keys): keep it off hot
        paths; a scenario with a large warm cache should model its bulk as extra_memory)."""
        total = _BASE_MEMORY + self.extra_memory
        for db in self.dbs:
            for key, value in db.data.items():
                total += _KEY_OVERHEAD + len(key) + _value_size(value)
        self.peak_memory = max(self.peak_memory, total)
        return total

    def _make_room(self) -> bool:
        """performEvictions: free memory per maxmemory-policy; False means OOM."""
        limit = int(self.config["maxmemory"])
        if limit <= 0:
            return True
        policy = self.config["maxmemory-policy"]
        while self.used_memory() > limit:
            if policy == "noeviction":
                return False
            victim = self._pick_victim(policy)
            if victim is None:
                return False
            db, key = victim
            db.delete(key)
            self.stats.evicted_keys += 1
        return True

    def _pick_victim(self, policy: str) -> tuple[Database, bytes] | None:
        volatile = policy.startswith("volatile-")
        best: tuple[int, Database, bytes] | None = None
        for db in self.dbs:
            keys = db.expires if volatile else db.data
            for key in keys:
                if policy.endswith("-ttl"):
                    rank = db.expires[key]
                elif policy.endswith("-random"):
                    rank = 0
                else:
                    rank = db.last_access.get(key, 0)
                if best is None or rank < best[0]:
                    best = (rank, db, key)
        return None if best is None else (best[1], best[2])


def _value_size(value: RedisValue) -> int:
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, RHash):
        return sum(len(k) + len(v) + 16 for k, v in value.items())
    if isinstance(value, list):
        return sum(len(v) + 11 for v in value)
    return sum(len(k) + 24 for k in value)


# Redis servers by (host name, port).
SERVERS: Registry[tuple[str, int], RedisServer] = Registry("redis.servers")


def _registry(world: World) -> dict[tuple[str, int], RedisServer]:
    return world.registered(SERVERS)


def install_redis(world: World, host: Host, port: int = 6379, *, pid: int = 0) -> RedisServer:
    """Put a Redis server on ``host``:``port`` and tick it with the world's clock."""

    run_id = f"{world.rng.child('redis', host.name, str(port)).getrandbits(160):040x}"
    server = RedisServer(lambda: world.clock.now_ms, host_name=host.name, ip=host.spec.ip,
                         port=port, pid=pid, run_id=run_id)
    _registry(world)[(host.name, port)] = server
    world.rules.append(Rule(f"redis:{host.name}:{port}", lambda w, dt: server.tick(dt)))
    return server


def find_redis(world: World, host: Host, port: int) -> RedisServer | None:
    """The running server a client on the network reaches at ``host``:``port``."""
    server = _registry(world).get((host.name, port))
    return server if server is not None and server.running else None

