"""A PostgreSQL server model (state, SQL over DuckDB) and where servers live on hosts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Backend, Database, Lock, PgError, PgServer, Role, Table, TooManyClients
from .settings import Setting

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

    from .engine import Column, Outcome, SqlSession, split_statements

# The SQL engine (DuckDB, numpy: ~140 ms and ~45 MB) loads on first use, not with
# every command: most drills never run psql.
_ENGINE_NAMES = {"Column", "Outcome", "SqlSession", "split_statements"}


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Backend",
    "Column",
    "Database",
    "Lock",
    "Outcome",
    "PgError",
    "PgServer",
    "Role",
    "Setting",
    "SqlSession",
    "Table",
    "TooManyClients",
    "attach",
    "server_at",
    "split_statements",
]


def attach(host: Host, server: PgServer) -> PgServer:
    """Make ``server`` reachable at ``host``:``server.port``."""
    host.pg_servers[server.port] = server
    return server


def server_at(world: World, here: Host, address: str, port: int) -> PgServer | None:
    """The server a client on ``here`` reaches at ``address``:``port`` (name, IP, localhost)."""
    target: Host | None = None
    if address in ("", "localhost", "127.0.0.1", "::1", here.name, here.spec.ip) or \
            address.startswith("/"):
        target = here
    else:
        for host in world.hosts.values():
            if address in (host.name, host.spec.ip, f"{host.name}.{host.spec.domain}"):
                target = host
    return None if target is None else target.pg_servers.get(port)
