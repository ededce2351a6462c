"""One Redis logical database: typed values, expiry on the simulated clock, key order.

Expiry is lazy on access (as ``lookupKey`` does) plus an active sweep each tick;
both count ``expired_keys``. Iteration order (KEYS, SCAN) follows a stable hash of
the key, so it looks as unordered as Redis's dict yet is the same on every run.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import TypeVar

from pagerdrill.world.cache.errors import WRONGTYPE, CommandError

_T = TypeVar("_T")

__all__ = [
    "Database",
    "RHash",
    "RList",
    "RSet",
    "RZSet",
    "RedisValue",
    "glob_match",
    "key_hash",
    "type_name",
]


class RHash(dict[bytes, bytes]):
    """A hash: field -> value, in insertion order (a small hash is a listpack)."""


class RList(list[bytes]):
    """A list."""


class RSet(dict[bytes, None]):
    """A set; members kept in insertion order (only integer sets are sorted)."""


class RZSet(dict[bytes, float]):
    """A sorted set: member -> score."""


RedisValue = bytes | RHash | RList | RSet | RZSet

_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bytes, "string"), (RHash, "hash"), (RList, "list"), (RSet, "set"), (RZSet, "zset"))


def type_name(value: RedisValue) -> str:
    for cls, name in _TYPE_NAMES:
        if isinstance(value, cls):
            return name
    raise TypeError(type(value).__name__)


def key_hash(key: bytes) -> int:
    return zlib.crc32(key)


class Database:
    """Keys of one ``SELECT``-able database."""

    def __init__(self, index: int, now_ms: Callable[[], int],
                 on_expired: Callable[[int], None]) -> None:
        self.index = index
        self._now_ms = now_ms
        self._on_expired = on_expired
        self.data: dict[bytes, RedisValue] = {}
        self.expires: dict[bytes, int] = {}
        self.last_access: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self.data)

    # -- lookup ---------------------------------------------------------------

    def _expire_if_due(self, key: bytes) -> bool:
        when = self.expires.get(key)
        if when is not None and when <= self._now_ms():
            self.delete(key)
            self._on_expired(1)
            return True
        return False

    def lookup(self, key: bytes, touch: bool = True) -> RedisValue | None:
        if key not in self.data or self._expire_if_due(key):
            return None
        if touch:
            self.last_access[key] = self._now_ms()
        return self.data[key]

    def typed(self, key: bytes, cls: type[_T]) -> _T | None:
        """The value under ``key`` if it is a ``cls``; WRONGTYPE if it is something else."""
        value = self.lookup(key)
        if value is None:
            return None
        if not isinstance(value, cls):
            raise CommandError(WRONGTYPE)
        return value

    def contains(self, key: bytes) -> bool:
        return self.lookup(key, touch=False) is not None

    # -- changes --------------------------------------------------------------

    def store(self, key: bytes, value: RedisValue, keep_ttl: bool = False) -> None:
        self.data[key] = value
        self.last_access[key] = self._now_ms()
        if not keep_ttl:
            self.expires.pop(key, None)

    def delete(self, key: bytes) -> bool:
        if key not in self.data:
            return False
        del self.data[key]
        self.expires.pop(key, None)
        self.last_access.pop(key, None)
        return True

    def drop_if_empty(self, key: bytes) -> None:
        """Aggregates vanish with their last element, as in Redis."""
        value = self.data.get(key)
        if value is not None and not isinstance(value, bytes) and not value:
            self.delete(key)

    def set_expiry(self, key: bytes, when_ms: int) -> None:
        self.expires[key] = when_ms

    def flush(self) -> None:
        self.data.clear()
        self.expires.clear()
        self.last_access.clear()

    def sweep(self) -> int:
        """Remove every key whose time has come (the active expire cycle)."""
        now = self._now_ms()
        due = [key for key, when in self.expires.items() if when <= now]
        for key in due:
            self.delete(key)
        if due:
            self._on_expired(len(due))
        return len(due)

    # -- iteration ------------------------------------------------------------

    def ordered_keys(self) -> list[bytes]:
        """Live keys in the stable hash order SCAN and KEYS walk."""
        self.sweep()
        return sorted(self.data, key=lambda k: (key_hash(k), k))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.ordered_keys())


def glob_match(pattern: bytes, text: bytes, nocase: bool = False) -> bool:
    """Redis's ``stringmatchlen``: ``*``, ``?``, ``[...]`` with ``^`` and ranges, ``\\``."""
    if nocase:
        pattern, text = pattern.lower(), text.lower()
    return _match(pattern, 0, text, 0)


def _match(p: bytes, pi: int, s: bytes, si: int) -> bool:
    while pi < len(p):
        char = p[pi]
        if char == ord("*"):
            while pi + 1 < len(p) and p[pi + 1] == ord("*"):
                pi += 1
            if pi + 1 == len(p):
                return True
            return any(_match(p, pi + 1, s, start) for start in range(si, len(s) + 1))
        if si >= len(s):
            return False
        if char == ord("?"):
            pass
        elif char == ord("["):
            matched, pi = _match_class(p, pi + 1, s[si])
            if not matched:
                return False
        else:
            if char == ord("\\") and pi + 1 < len(p):
                pi += 1
                char = p[pi]
            if char != s[si]:
                return False
        pi += 1
        si += 1
    return si == len(s)


def _match_class(p: bytes, pi: int, byte: int) -> tuple[bool, int]:
    """Match one ``[...]`` class; returns (matched, index of the closing bracket)."""
    negate = pi < len(p) and p[pi] == ord("^")
    if negate:
        pi += 1
    matched = False
    while pi < len(p) and p[pi] != ord("]"):
        if p[pi] == ord("\\") and pi + 1 < len(p):
            pi += 1
            matched |= p[pi] == byte
        elif pi + 2 < len(p) and p[pi + 1] == ord("-"):
            low, high = sorted((p[pi], p[pi + 2]))
            matched |= low <= byte <= high
            pi += 2
        else:
            matched |= p[pi] == byte
        pi += 1
    if pi >= len(p):
        pi = len(p) - 1  # an unclosed class ends the pattern, as in stringmatchlen
    return matched != negate, pi
