"""String commands and the generic key commands (DEL, EXPIRE, TTL, TYPE, KEYS, SCAN)."""

from __future__ import annotations

from pagerdrill.world.cache.dispatch import Call, Reply, Status, command, parse_int
from pagerdrill.world.cache.errors import (
    EXPIRE_FLAGS,
    GT_LT,
    INVALID_CURSOR,
    OVERFLOW,
    SYNTAX,
    CommandError,
    invalid_expire,
)
from pagerdrill.world.cache.keyspace import glob_match, key_hash, type_name

__all__ = ["OK"]

OK = Status("OK")
_MAX_MS = (1 << 63) - 1


def _expire_at(call: Call, amount: int, unit_ms: int, name: str) -> int:
    """Absolute expiry in ms, with setGenericCommand's range checks."""
    if amount <= 0 or amount > _MAX_MS // unit_ms:
        raise CommandError(invalid_expire(name))
    when = amount * unit_ms + call.now_ms()
    if when > _MAX_MS:
        raise CommandError(invalid_expire(name))
    return when


@command("get", 2)
def get(call: Call) -> Reply:
    return call.read(call.argv[1], bytes)


@command("set", -3, write=True)
def set_(call: Call) -> Reply:
    key, value = call.argv[1], call.argv[2]
    flags: set[str] = set()
    when: int | None = None
    words = call.argv[3:]
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word in (b"nx", b"xx", b"get", b"keepttl"):
            flags.add(word.decode())
        elif word in (b"ex", b"px", b"exat", b"pxat") and i + 1 < len(words):
            if when is not None or "keepttl" in flags:
                raise CommandError(SYNTAX)
            amount = parse_int(words[i + 1])
            i += 1
            if word in (b"ex", b"px"):
                when = _expire_at(call, amount, 1000 if word == b"ex" else 1, "set")
            else:
                if amount <= 0:
                    raise CommandError(invalid_expire("set"))
                when = amount * (1000 if word == b"exat" else 1)
            flags.add("expire")
        else:
            raise CommandError(SYNTAX)
        i += 1
    if {"nx", "xx"} <= flags or ("keepttl" in flags and "expire" in flags):
        raise CommandError(SYNTAX)
    old = call.db.typed(key, bytes) if "get" in flags else None
    exists = call.db.contains(key)
    if ("nx" in flags and exists) or ("xx" in flags and not exists):
        return old if "get" in flags else None
    call.db.store(key, value, keep_ttl="keepttl" in flags)
    if when is not None:
        call.db.set_expiry(key, when)
    return old if "get" in flags else OK


@command("setex", 4, write=True)
def setex(call: Call) -> Reply:
    when = _expire_at(call, parse_int(call.argv[2]), 1000, "setex")
    call.db.store(call.argv[1], call.argv[3])
    call.db.set_expiry(call.argv[1], when)
    return OK


@command("setnx", 3, write=True)
def setnx(call: Call) -> Reply:
    if call.db.contains(call.argv[1]):
        return 0
    call.db.store(call.argv[1], call.argv[2])
    return 1


@command("mget", -2)
def mget(call: Call) -> Reply:
    replies: list[Reply] = []
    for key in call.args:
        value = call.db.lookup(key)
        replies.append(value if isinstance(value, bytes) else None)
        if value is None:
            call.server.stats.keyspace_misses += 1
        else:
            call.server.stats.keyspace_hits += 1
    return replies


@command("mset", -3, write=True)
def mset(call: Call) -> Reply:
    if len(call.argv) % 2 == 0:
        raise CommandError("ERR wrong number of arguments for 'mset' command")
    for i in range(1, len(call.argv), 2):
        call.db.store(call.argv[i], call.argv[i + 1])
    return OK


def _incr(call: Call, delta: int) -> Reply:
    key = call.argv[1]
    current = call.db.typed(key, bytes)
    value = 0 if current is None else parse_int(current)
    result = value + delta
    if not -(1 << 63) <= result < (1 << 63):
        raise CommandError(OVERFLOW)
    call.db.store(key, b"%d" % result, keep_ttl=True)
    return result


@command("incr", 2, write=True)
def incr(call: Call) -> Reply:
    return _incr(call, 1)


@command("decr", 2, write=True)
def decr(call: Call) -> Reply:
    return _incr(call, -1)


@command("incrby", 3, write=True)
def incrby(call: Call) -> Reply:
    return _incr(call, parse_int(call.argv[2]))


@command("decrby", 3, write=True)
def decrby(call: Call) -> Reply:
    delta = parse_int(call.argv[2])
    if delta == -(1 << 63):
        raise CommandError("ERR decrement would overflow")
    return _incr(call, -delta)


@command("append", 3, write=True)
def append(call: Call) -> Reply:
    current = call.db.typed(call.argv[1], bytes) or b""
    value = current + call.argv[2]
    call.db.store(call.argv[1], value, keep_ttl=True)
    return len(value)


@command("strlen", 2)
def strlen(call: Call) -> Reply:
    return len(call.db.typed(call.argv[1], bytes) or b"")


@command("del", -2, write=True)
def delete(call: Call) -> Reply:
    return sum(call.db.contains(key) and call.db.delete(key) for key in call.args)


@command("unlink", -2, write=True)
def unlink(call: Call) -> Reply:
    return delete(call)


@command("exists", -2)
def exists(call: Call) -> Reply:
    return sum(call.db.contains(key) for key in call.args)


@command("type", 2)
def type_(call: Call) -> Reply:
    value = call.db.lookup(call.argv[1])
    return Status("none" if value is None else type_name(value))


def _expire(call: Call, unit_ms: int) -> Reply:
    key = call.argv[1]
    amount = parse_int(call.argv[2])
    flags = {w.lower() for w in call.argv[3:]}
    if not flags <= {b"nx", b"xx", b"gt", b"lt"}:
        bad = next(w for w in call.argv[3:] if w.lower() not in (b"nx", b"xx", b"gt", b"lt"))
        raise CommandError(f"ERR Unsupported option {bad.decode('utf-8', 'replace')}")
    if b"nx" in flags and len(flags) > 1:
        raise CommandError(EXPIRE_FLAGS)
    if {b"gt", b"lt"} <= flags:
        raise CommandError(GT_LT)
    if abs(amount) > _MAX_MS // unit_ms:
        raise CommandError(invalid_expire(call.argv[0].decode().lower()))
    when = amount * unit_ms + call.now_ms()
    if not call.db.contains(key):
        return 0
    current = call.db.expires.get(key)
    if (b"nx" in flags and current is not None) or (b"xx" in flags and current is None):
        return 0
    if b"gt" in flags and (current is None or when <= current):
        return 0
    if b"lt" in flags and current is not None and when >= current:
        return 0
    if when <= call.now_ms():
        call.db.delete(key)
        return 1
    call.db.set_expiry(key, when)
    return 1


@command("expire", -3, write=True)
def expire(call: Call) -> Reply:
    return _expire(call, 1000)


@command("pexpire", -3, write=True)
def pexpire(call: Call) -> Reply:
    return _expire(call, 1)


def _ttl(call: Call, in_ms: bool) -> Reply:
    key = call.argv[1]
    if not call.db.contains(key):
        return -2
    when = call.db.expires.get(key)
    if when is None:
        return -1
    left = max(when - call.now_ms(), 0)
    return left if in_ms else (left + 500) // 1000


@command("ttl", 2)
def ttl(call: Call) -> Reply:
    return _ttl(call, False)


@command("pttl", 2)
def pttl(call: Call) -> Reply:
    return _ttl(call, True)


@command("persist", 2, write=True)
def persist(call: Call) -> Reply:
    if not call.db.contains(call.argv[1]):
        return 0
    return 1 if call.db.expires.pop(call.argv[1], None) is not None else 0


@command("keys", 2)
def keys(call: Call) -> Reply:
    pattern = call.argv[1]
    return [key for key in call.db.ordered_keys() if glob_match(pattern, key)]


@command("scan", -2)
def scan(call: Call) -> Reply:
    """Walk keys in hash order; the cursor is the next hash value to visit."""
    raw = call.argv[1]
    if not raw.isdigit() or int(raw) >= 1 << 64:
        raise CommandError(INVALID_CURSOR)
    cursor = int(raw)
    pattern: bytes | None = None
    wanted_type: str | None = None
    count = 10
    words = call.argv[2:]
    i = 0
    while i < len(words):
        word = words[i].lower()
        if i + 1 >= len(words):
            raise CommandError(SYNTAX)
        if word == b"count":
            count = parse_int(words[i + 1])
            if count < 1:
                raise CommandError(SYNTAX)
        elif word == b"match":
            pattern = words[i + 1]
        elif word == b"type":
            wanted_type = words[i + 1].decode("utf-8", "replace").lower()
        else:
            raise CommandError(SYNTAX)
        i += 2
    if cursor >= 1 << 32:
        return [b"0", []]
    ordered = [k for k in call.db.ordered_keys() if key_hash(k) >= cursor]
    batch = ordered[:count]
    rest = ordered[count:]
    # Never split one hash bucket across two calls.
    while batch and rest and key_hash(rest[0]) == key_hash(batch[-1]):
        batch.append(rest.pop(0))
    found: list[Reply] = []
    for key in batch:
        value = call.db.data.get(key)
        if value is None or (pattern is not None and not glob_match(pattern, key)):
            continue
        if wanted_type is not None and type_name(value) != wanted_type:
            continue
        found.append(key)
    next_cursor = b"%d" % key_hash(rest[0]) if rest else b"0"
    return [next_cursor, found]


@command("dbsize", 1)
def dbsize(call: Call) -> Reply:
    call.db.sweep()
    return len(call.db)

