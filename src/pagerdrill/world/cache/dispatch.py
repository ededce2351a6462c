"""The command table: one declaration per command (arity, write flag), bodies elsewhere.

Arity follows Redis's convention: ``n`` means exactly ``n`` words including the
command name, ``-n`` means at least ``n``. Containers (CONFIG, CLIENT, SLOWLOG)
hold subcommands whose errors name them ``config|get`` as Redis 7 does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from pagerdrill.world.cache.errors import NOT_FLOAT, NOT_INTEGER, CommandError, ErrorReply
from pagerdrill.world.cache.keyspace import Database

if TYPE_CHECKING:
    from pagerdrill.world.cache.server import Client, RedisServer

__all__ = [
    "COMMANDS",
    "Call",
    "CommandSpec",
    "Reply",
    "Status",
    "command",
    "format_double",
    "parse_double",
    "parse_int",
]

_T = TypeVar("_T")


class Status(str):
    """A RESP simple string (``+OK``), as opposed to a bulk string (bytes)."""


Reply = Status | ErrorReply | int | bytes | None | list["Reply"]

_INT = re.compile(rb"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(rb"[+-]?(inf|infinity|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)", re.IGNORECASE)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def parse_int(raw: bytes, error: str = NOT_INTEGER) -> int:
    """``string2ll``: no sign but '-', no spaces, no leading zeros, 64-bit range."""
    if not _INT.fullmatch(raw) or raw == b"-0":
        raise CommandError(error)
    value = int(raw)
    if not _INT64[0] <= value <= _INT64[1]:
        raise CommandError(error)
    return value


def parse_double(raw: bytes) -> float:
    if not _FLOAT.fullmatch(raw):
        raise CommandError(NOT_FLOAT)
    return float(raw)


def format_double(value: float) -> bytes:
    """``addReplyDouble`` in RESP2: ``%.17g``, with ``inf``/``-inf``."""
    if value == float("inf"):
        return b"inf"
    if value == float("-inf"):
        return b"-inf"
    return (b"%.17g" % value)


@dataclass
class Call:
    """One command being executed: the server, the calling client and the words."""

    server: RedisServer
    client: Client
    argv: list[bytes]

    @property
    def db(self) -> Database:
        return self.server.dbs[self.client.db]

    @property
    def args(self) -> list[bytes]:
        return self.argv[1:]

    def read(self, key: bytes, cls: type[_T]) -> _T | None:
        """A read lookup, counted in keyspace_hits / keyspace_misses."""
        value = self.db.typed(key, cls)
        if value is None:
            self.server.stats.keyspace_misses += 1
        else:
            self.server.stats.keyspace_hits += 1
        return value

    def now_ms(self) -> int:
        return self.server.now_ms()


Handler = Callable[[Call], Reply]


@dataclass
class CommandSpec:
    name: str
    arity: int
    handler: Handler | None = None
    write: bool = False
    subcommands: dict[str, CommandSpec] = field(default_factory=dict)

    def arity_ok(self, argc: int) -> bool:
        return argc == self.arity if self.arity > 0 else argc >= -self.arity


COMMANDS: dict[str, CommandSpec] = {}


def command(name: str, arity: int, *, write: bool = False) -> Callable[[Handler], Handler]:
    """Register ``name`` (``container|sub`` for a subcommand) with its arity."""

    def register(handler: Handler) -> Handler:
        container, _, sub = name.partition("|")
        if sub:
            parent = COMMANDS.setdefault(container, CommandSpec(container, -2))
            parent.subcommands[sub] = CommandSpec(name, arity, handler, write)
        else:
            COMMANDS[name] = CommandSpec(name, arity, handler, write)
        return handler

    return register
