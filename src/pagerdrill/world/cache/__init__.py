"""A Redis-like cache server: keyspace with Redis semantics on the simulated clock."""

from __future__ import annotations

from pagerdrill.world.cache.dispatch import Reply, Status
from pagerdrill.world.cache.errors import ErrorReply
from pagerdrill.world.cache.server import (
    Client,
    RedisServer,
    RedisStats,
    SlowlogEntry,
    find_redis,
    install_redis,
    quote_arg,
)

__all__ = [
    "Client",
    "ErrorReply",
    "RedisServer",
    "RedisStats",
    "Reply",
    "SlowlogEntry",
    "Status",
    "find_redis",
    "install_redis",
    "quote_arg",
]
