"""Connection and server commands: PING, SELECT, INFO, CONFIG, SLOWLOG, CLIENT, MONITOR."""

from __future__ import annotations

from pagerdrill.world.cache.dispatch import Call, Reply, Status, command, parse_int
from pagerdrill.world.cache.errors import (
    CLIENT_NAME,
    DB_RANGE,
    SLOWLOG_COUNT,
    SYNTAX,
    CommandError,
)
from pagerdrill.world.cache.info import render_info
from pagerdrill.world.cache.keyspace import glob_match

__all__: list[str] = []

OK = Status("OK")
_MEMORY_UNITS = {b"": 1, b"b": 1, b"k": 1000, b"kb": 1024, b"m": 1000**2, b"mb": 1024**2,
                 b"g": 1000**3, b"gb": 1024**3}
_POLICIES = ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
             "allkeys-lfu", "allkeys-random", "noeviction")


@command("ping", -1)
def ping(call: Call) -> Reply:
    if len(call.argv) > 2:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return call.argv[1] if len(call.argv) == 2 else Status("PONG")


@command("echo", 2)
def echo(call: Call) -> Reply:
    return call.argv[1]


@command("select", 2)
def select(call: Call) -> Reply:
    index = parse_int(call.argv[1])
    if not 0 <= index < len(call.server.dbs):
        raise CommandError(DB_RANGE)
    call.client.db = index
    return OK


@command("quit", -1)
def quit_(call: Call) -> Reply:
    return OK


def _flush_args(call: Call) -> None:
    if len(call.argv) > 2 or (len(call.argv) == 2 and
                              call.argv[1].lower() not in (b"async", b"sync")):
        raise CommandError(SYNTAX)


@command("flushdb", -1, write=True)
def flushdb(call: Call) -> Reply:
    _flush_args(call)
    call.db.flush()
    call.server.flushes += 1
    return OK


@command("flushall", -1, write=True)
def flushall(call: Call) -> Reply:
    _flush_args(call)
    for db in call.server.dbs:
        db.flush()
    call.server.flushes += 1
    return OK


@command("info", -1)
def info(call: Call) -> Reply:
    sections = [a.decode("utf-8", "replace").lower() for a in call.argv[1:]]
    return render_info(call.server, sections).encode()


@command("monitor", 1)
def monitor(call: Call) -> Reply:
    call.client.monitor = True
    return OK


# -- CONFIG --------------------------------------------------------------------


@command("config|get", -3)
def config_get(call: Call) -> Reply:
    found: list[Reply] = []
    seen: set[str] = set()
    for pattern in call.argv[2:]:
        for name, value in call.server.config.items():
            if name not in seen and glob_match(pattern, name.encode(), nocase=True):
                seen.add(name)
                found += [name.encode(), value.encode()]
    return found


def _memory(raw: bytes) -> int | None:
    text = raw.lower()
    digits = text.rstrip(b"kmgb")
    unit = text[len(digits):]
    if not digits.isdigit() or unit not in _MEMORY_UNITS:
        return None
    return int(digits) * _MEMORY_UNITS[unit]


@command("config|set", -4)
def config_set(call: Call) -> Reply:
    if len(call.argv) % 2:
        raise CommandError("ERR wrong number of arguments for 'config|set' command")
    updates: dict[str, str] = {}
    for i in range(2, len(call.argv), 2):
        name = call.argv[i].decode("utf-8", "replace").lower()
        raw = call.argv[i + 1]
        if name not in call.server.config:
            raise CommandError(
                f"ERR Unknown option or number of arguments for CONFIG SET - '{name}'")
        value = raw.decode("utf-8", "replace")
        if name == "maxmemory":
            size = _memory(raw)
            if size is None:
                raise CommandError(f"ERR CONFIG SET failed (possibly related to argument "
                                   f"'{name}') - argument must be a memory value")
            value = str(size)
        elif name == "maxmemory-policy" and value.lower() not in _POLICIES:
            raise CommandError(f"ERR CONFIG SET failed (possibly related to argument "
                               f"'{name}') - argument(s) must be one of the following: "
                               + ", ".join(_POLICIES))
        elif name == "maxmemory-policy":
            value = value.lower()
        updates[name] = value
    call.server.config.update(updates)
    return OK


# -- SLOWLOG -------------------------------------------------------------------


@command("slowlog|get", -2)
def slowlog_get(call: Call) -> Reply:
    count = 10
    if len(call.argv) > 3:
        raise CommandError("ERR wrong number of arguments for 'slowlog|get' command")
    if len(call.argv) == 3:
        count = parse_int(call.argv[2], SLOWLOG_COUNT)
        if count < -1:
            raise CommandError(SLOWLOG_COUNT)
    entries = list(call.server.slowlog)
    if count >= 0:
        entries = entries[:count]
    return [[e.id, e.time_s, e.duration_us, list(e.argv), e.addr.encode(), e.name]
            for e in entries]


@command("slowlog|len", 2)
def slowlog_len(call: Call) -> Reply:
    return len(call.server.slowlog)


@command("slowlog|reset", 2)
def slowlog_reset(call: Call) -> Reply:
    call.server.slowlog.clear()
    return OK


# -- CLIENT --------------------------------------------------------------------


def client_line(call: Call, now_ms: int) -> str:
    lines = []
    for client in call.server.clients.values():
        flags = "O" if client.monitor else "N"
        events = "r"
        lines.append(
            f"id={client.id} addr={client.addr} laddr={client.laddr} fd={client.fd} "
            f"name={client.name.decode('utf-8', 'replace')} "
            f"age={(now_ms - client.created_ms) // 1000} idle={(now_ms - client.last_ms) // 1000} "
            f"flags={flags} db={client.db} sub=0 psub=0 ssub=0 multi=-1 qbuf=26 "
            f"qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0 "
            f"tot-mem=37658 events={events} cmd={client.cmd} user=default redir=-1 resp=2\n")
    return "".join(lines)


@command("client|list", -2)
def client_list(call: Call) -> Reply:
    if len(call.argv) > 2:
        raise CommandError(SYNTAX)
    return client_line(call, call.now_ms()).encode()


@command("client|setname", 3)
def client_setname(call: Call) -> Reply:
    name = call.argv[2]
    if any(b <= 32 or b > 126 for b in name):
        raise CommandError(CLIENT_NAME)
    call.client.name = name
    return OK


@command("client|getname", 2)
def client_getname(call: Call) -> Reply:
    return call.client.name or None


@command("client|id", 2)
def client_id(call: Call) -> Reply:
    return call.client.id

