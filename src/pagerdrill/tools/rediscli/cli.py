"""redis-cli - the Redis command line interface.

Usage: redis-cli [-h host] [-p port] [-n db] [-a password] [--raw] [--no-raw]
                 [-r repeat] [-i interval] [--scan [--pattern P] [--count N]] [cmd [arg ...]]

Replies print as redis-cli 7.0 prints them: quoted and typed (``(integer) 1``) on a
terminal or with ``--no-raw``, bare with ``--raw`` or into a pipe. With no command,
typed at a terminal, it opens its ``127.0.0.1:6379>`` prompt (``quit`` or Ctrl-D
leaves); with input piped in, it reads commands one per line. ``-i`` waits in simulated time.
MONITOR prints what clients send during 5 simulated seconds, then stops.

Not supported: -u URI, -s socket, TLS,
--bigkeys, --memkeys, --latency*, --stat, --rdb, --pipe, --eval, -x, -e, --csv, --json,
RESP3 (-3). ``-r -1`` stops after 1000 repeats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.rediscli.render import format_raw, format_tty
from pagerdrill.tools.rediscli.session import INVALID_ARGS, RedisCliSession, split_args
from pagerdrill.tools.rediscli.usage import HELP, VERSION
from pagerdrill.tools.registry import command
from pagerdrill.world.cache import RedisServer, Status, find_redis

__all__ = ["MONITOR_SECONDS", "connection_refused", "redis_cli", "resolve_server"]

MONITOR_SECONDS = 5
_REPEAT_CAP = 1000
_LOCAL = ("127.0.0.1", "localhost", "::1")


@dataclass
class _Options:
    host: str = "127.0.0.1"
    port: int = 6379
    db: int = 0
    raw: bool | None = None
    repeat: int = 1
    interval: float = 0.0
    scan: bool = False
    pattern: bytes | None = None
    count: int | None = None
    argv: list[bytes] = field(default_factory=list)


def connection_refused(host: str, port: int) -> str:
    return f"Could not connect to Redis at {host}:{port}: Connection refused\n"


def _atoi(text: str) -> int:
    """C atoi: leading digits, 0 when there are none."""
    digits = ""
    for i, char in enumerate(text.strip()):
        if char.isdigit() or (i == 0 and char in "+-"):
            digits += char
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def _parse(args: list[str]) -> _Options | str:
    opts = _Options()
    i = 0
    with_value = {"-h", "-p", "-n", "-a", "-r", "-i", "--pattern", "--count", "--user", "--pass"}
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            break
        if arg in with_value:
            if i + 1 >= len(args):
                return f"Unrecognized option or bad number of args for: '{arg}'\n"
            value = args[i + 1]
            i += 1
            if arg == "-h":
                opts.host = value
            elif arg == "-p":
                opts.port = _atoi(value)
            elif arg == "-n":
                opts.db = _atoi(value)
            elif arg == "-r":
                opts.repeat = _atoi(value)
            elif arg == "-i":
                try:
                    opts.interval = float(value)
                except ValueError:
                    opts.interval = 0.0
            elif arg == "--pattern":
                opts.pattern = value.encode()
            elif arg == "--count":
                opts.count = _atoi(value)
        elif arg == "--raw":
            opts.raw = True
        elif arg == "--no-raw":
            opts.raw = False
        elif arg == "--scan":
            opts.scan = True
        elif arg == "--no-auth-warning":
            pass
        elif arg == "--help":
            return HELP
        elif arg in ("-v", "--version"):
            return VERSION
        else:
            return f"Unrecognized option or bad number of args for: '{arg}'\n"
        i += 1
    opts.argv = [a.encode("utf-8", "surrogateescape") for a in args[i:]]
    return opts


def resolve_server(inv: Invocation, host: str, port: int) -> RedisServer | str:
    """The server at host:port as the player's machine reaches it, or the error to print."""
    target = inv.host if host in _LOCAL or host in (inv.host.name, inv.host.spec.ip) else \
        next((h for h in inv.world.hosts.values()
              if host in (h.name, h.spec.ip, f"{h.name}.{h.spec.domain}")), None)
    if target is None:
        return f"Could not connect to Redis at {host}:{port}: Name or service not known\n"
    server = find_redis(inv.world, target, port)
    if server is None:
        return connection_refused(host, port)
    return server


@command("redis-cli")
def redis_cli(inv: Invocation) -> CommandOutput:
    opts = _parse(inv.args)
    if opts in (HELP, VERSION):
        yield str(opts).encode()
        return 0
    if isinstance(opts, str):
        inv.stderr.write(opts)
        return 1
    server = resolve_server(inv, opts.host, opts.port)
    if isinstance(server, str):
        inv.stderr.write(server)
        return 1
    raw = opts.raw if opts.raw is not None else not inv.shell.stdout_is_terminal
    session = RedisCliSession(server, opts.host, opts.port, db=opts.db, raw=raw)
    if session.select_error:
        inv.stderr.write(session.select_error)
    if not (opts.scan or opts.argv) and inv.shell.stdin_is_terminal:
        inv.shell.take_terminal(session)  # the 127.0.0.1:6379> prompt
        return 0
    try:
        if opts.scan:
            yield from _scan(session, opts)
        elif opts.argv:
            yield from _repeat(inv, session, opts)
        else:
            for line in inv.stdin.lines():
                argv = split_args(line.decode("utf-8", "surrogateescape"))
                if argv is None:
                    yield INVALID_ARGS.encode()
                elif argv:
                    yield session.render(argv, session.call(argv))
    finally:
        session.close()
    return 0


def _repeat(inv: Invocation, session: RedisCliSession, opts: _Options) -> CommandOutput:
    times = _REPEAT_CAP if opts.repeat < 0 else opts.repeat
    for n in range(times):
        if n and opts.interval > 0:
            inv.world.advance(opts.interval)
        reply = session.call(opts.argv)
        yield session.render(opts.argv, reply)
        if opts.argv[0].lower() == b"monitor" and reply == Status("OK"):
            yield from _monitor(inv, session)
            return 0
    return 0


def _monitor(inv: Invocation, session: RedisCliSession) -> CommandOutput:
    """Print the commands other clients send while simulated time runs, then stop."""
    seen = len(session.server.monitor_feed)
    for _ in range(MONITOR_SECONDS):
        inv.world.advance(1)
        feed = session.server.monitor_feed
        for line in feed[seen:]:
            yield line.encode("utf-8", "surrogateescape") + b"\n"
        seen = len(feed)
    return 0


def _scan(session: RedisCliSession, opts: _Options) -> CommandOutput:
    cursor = b"0"
    while True:
        argv = [b"SCAN", cursor]
        if opts.pattern is not None:
            argv += [b"MATCH", opts.pattern]
        if opts.count is not None:
            argv += [b"COUNT", b"%d" % opts.count]
        reply = session.call(argv)
        if not isinstance(reply, list) or len(reply) != 2:
            yield (format_raw(reply) + b"\n" if session.raw else format_tty(reply).encode())
            return 1
        cursor_reply, keys = reply
        for key in keys if isinstance(keys, list) else []:
            yield format_raw(key) + b"\n" if session.raw else format_tty(key).encode()
        if not isinstance(cursor_reply, bytes) or cursor_reply == b"0":
            return 0
        cursor = cursor_reply
