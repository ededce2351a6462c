"""Hash, list, set and sorted-set commands (the subset people type during incidents)."""

from __future__ import annotations

from pagerdrill.world.cache.dispatch import (
    Call,
    Reply,
    command,
    format_double,
    parse_double,
    parse_int,
)
from pagerdrill.world.cache.errors import SYNTAX, ZADD_GT_LT, ZADD_INCR, ZADD_NX_XX, CommandError
from pagerdrill.world.cache.keyspace import RHash, RList, RSet, RZSet

__all__: list[str] = []

_INTSET_MAX = 512  # set-max-intset-entries


def _int_member(raw: bytes) -> int | None:
    try:
        return parse_int(raw)
    except CommandError:
        return None


# -- hashes --------------------------------------------------------------------


@command("hset", -4, write=True)
def hset(call: Call) -> Reply:
    if len(call.argv) % 2:
        raise CommandError("ERR wrong number of arguments for 'hset' command")
    value = call.db.typed(call.argv[1], RHash)
    if value is None:
        value = RHash()
        call.db.store(call.argv[1], value)
    added = 0
    for i in range(2, len(call.argv), 2):
        added += call.argv[i] not in value
        value[call.argv[i]] = call.argv[i + 1]
    return added


@command("hget", 3)
def hget(call: Call) -> Reply:
    value = call.read(call.argv[1], RHash)
    return None if value is None else value.get(call.argv[2])


@command("hgetall", 2)
def hgetall(call: Call) -> Reply:
    value = call.read(call.argv[1], RHash)
    return [] if value is None else [part for item in value.items() for part in item]


@command("hdel", -3, write=True)
def hdel(call: Call) -> Reply:
    value = call.db.typed(call.argv[1], RHash)
    if value is None:
        return 0
    removed = sum(value.pop(field, None) is not None for field in call.argv[2:])
    call.db.drop_if_empty(call.argv[1])
    return removed


# -- lists ---------------------------------------------------------------------


def _push(call: Call, left: bool) -> Reply:
    value = call.db.typed(call.argv[1], RList)
    if value is None:
        value = RList()
        call.db.store(call.argv[1], value)
    for item in call.argv[2:]:
        if left:
            value.insert(0, item)
        else:
            value.append(item)
    return len(value)


@command("lpush", -3, write=True)
def lpush(call: Call) -> Reply:
    return _push(call, True)


@command("rpush", -3, write=True)
def rpush(call: Call) -> Reply:
    return _push(call, False)


def _index_range(start: int, stop: int, size: int) -> range:
    """LRANGE/ZRANGE index rules: negatives count from the end, clamp, may be empty."""
    if start < 0:
        start = max(size + start, 0)
    if stop < 0:
        stop = size + stop
    stop = min(stop, size - 1)
    return range(start, stop + 1) if start <= stop else range(0)


@command("lrange", 4)
def lrange(call: Call) -> Reply:
    start, stop = parse_int(call.argv[2]), parse_int(call.argv[3])
    value = call.read(call.argv[1], RList)
    if value is None:
        return []
    return [value[i] for i in _index_range(start, stop, len(value))]


@command("llen", 2)
def llen(call: Call) -> Reply:
    value = call.db.typed(call.argv[1], RList)
    return 0 if value is None else len(value)


# -- sets ----------------------------------------------------------------------


@command("sadd", -3, write=True)
def sadd(call: Call) -> Reply:
    value = call.db.typed(call.argv[1], RSet)
    if value is None:
        value = RSet()
        call.db.store(call.argv[1], value)
    added = 0
    for member in call.argv[2:]:
        if member not in value:
            value[member] = None
            added += 1
    return added


def _set_order(value: RSet) -> list[bytes]:
    """An all-integer set is an intset (sorted); any other 7.0 set is a hashtable."""
    numbers = [_int_member(m) for m in value]
    if len(value) <= _INTSET_MAX and all(n is not None for n in numbers):
        return [m for _, m in sorted(zip(numbers, value, strict=True), key=lambda p: p[0] or 0)]
    return list(value)


@command("smembers", 2)
def smembers(call: Call) -> Reply:
    value = call.read(call.argv[1], RSet)
    return [] if value is None else list(_set_order(value))


@command("scard", 2)
def scard(call: Call) -> Reply:
    value = call.db.typed(call.argv[1], RSet)
    return 0 if value is None else len(value)


# -- sorted sets ---------------------------------------------------------------


@command("zadd", -4, write=True)
def zadd(call: Call) -> Reply:
    flags: set[bytes] = set()
    i = 2
    while i < len(call.argv) and call.argv[i].lower() in (b"nx", b"xx", b"gt", b"lt", b"ch",
                                                         b"incr"):
        flags.add(call.argv[i].lower())
        i += 1
    pairs = call.argv[i:]
    if not pairs or len(pairs) % 2:
        raise CommandError(SYNTAX)
    if {b"nx", b"xx"} <= flags:
        raise CommandError(ZADD_NX_XX)
    if len(flags & {b"nx", b"gt", b"lt"}) > 1:
        raise CommandError(ZADD_GT_LT)
    if b"incr" in flags and len(pairs) > 2:
        raise CommandError(ZADD_INCR)
    scores = [parse_double(pairs[j]) for j in range(0, len(pairs), 2)]
    value = call.db.typed(call.argv[1], RZSet)
    if value is None:
        if b"xx" in flags:
            return None if b"incr" in flags else 0
        value = RZSet()
        call.db.store(call.argv[1], value)
    added = changed = 0
    result: float | None = None
    for score, member in zip(scores, pairs[1::2], strict=True):
        old = value.get(member)
        if (old is None and b"xx" in flags) or (old is not None and b"nx" in flags):
            continue
        new = score + (old or 0.0) if b"incr" in flags else score
        if old is not None and ((b"gt" in flags and new <= old) or
                                (b"lt" in flags and new >= old)):
            continue
        if old is None:
            added += 1
        elif new != old:
            changed += 1
        value[member] = new
        result = new
    call.db.drop_if_empty(call.argv[1])
    if b"incr" in flags:
        return None if result is None else format_double(result)
    return added + changed if b"ch" in flags else added


def _zordered(value: RZSet) -> list[tuple[bytes, float]]:
    return sorted(value.items(), key=lambda item: (item[1], item[0]))


@command("zrange", -4)
def zrange(call: Call) -> Reply:
    options = [w.lower() for w in call.argv[4:]]
    if any(opt not in (b"withscores", b"rev") for opt in options):
        raise CommandError(SYNTAX)
    start, stop = parse_int(call.argv[2]), parse_int(call.argv[3])
    value = call.read(call.argv[1], RZSet)
    if value is None:
        return []
    ordered = _zordered(value)
    if b"rev" in options:
        ordered.reverse()
    replies: list[Reply] = []
    for i in _index_range(start, stop, len(ordered)):
        member, score = ordered[i]
        replies.append(member)
        if b"withscores" in options:
            replies.append(format_double(score))
    return replies


@command("zcard", 2)
def zcard(call: Call) -> Reply:
    value = call.db.typed(call.argv[1], RZSet)
    return 0 if value is None else len(value)
