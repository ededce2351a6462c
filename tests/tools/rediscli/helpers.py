"""Run our redis-cli against a world with one Redis, with the terminal flag chosen."""

from __future__ import annotations

from tests.toolkit import Result, StubShell

from pagerdrill.tools.api import ByteInput, ByteSink, Invocation
from pagerdrill.tools.registry import lookup
from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.cache import RedisServer, install_redis
from pagerdrill.world.host import Host


class _Shell(StubShell):
    """StubShell whose host is always set (ShellContext wants a Host, not None)."""

    def __init__(self, host: Host, tty: bool) -> None:
        super().__init__(host=host, stdout_is_terminal=tty)
        self.host: Host = host


def redis_host() -> tuple[Host, RedisServer]:
    world = new_world(seed=0)
    host = add_linux_host(world, "cache-01")
    return host, install_redis(world, host)


def cli(host: Host, *args: str, tty: bool = False, stdin: bytes = b"") -> Result:
    tool = lookup("redis-cli")
    assert tool is not None
    sink = ByteSink()
    inv = Invocation(["redis-cli", *args], host.world, host, _Shell(host, tty),
                     ByteInput([stdin] if stdin else []), sink)
    gen = tool(inv)
    out: list[bytes] = []
    try:
        while True:
            out.append(next(gen))
    except StopIteration as stop:
        status = int(stop.value)
    return Result(b"".join(out), sink.getvalue(), status)
