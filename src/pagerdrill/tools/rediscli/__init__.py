"""redis-cli over the simulated Redis servers (world.cache)."""

from __future__ import annotations

from pagerdrill.tools.rediscli.cli import redis_cli
from pagerdrill.tools.rediscli.session import RedisCliSession

__all__ = ["RedisCliSession", "redis_cli"]
