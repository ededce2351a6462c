"""A small world and a handful of test-only tools (names start with ``t``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pagerdrill.shell import Shell
from pagerdrill.tools import registry
from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.fs import Mount
from pagerdrill.world.host import Host, HostSpec, User
from pagerdrill.world.world import World

START_MS = 1_710_000_000_000


def _register(name: str) -> Callable[[Callable[[Invocation], CommandOutput]], object]:
    def wrap(fn: Callable[[Invocation], CommandOutput]) -> object:
        if registry.lookup(name) is None:
            registry.command(name)(fn)
        return fn

    return wrap


@_register("tcat")
def tcat(inv: Invocation) -> CommandOutput:
    """Copy stdin (or files) to stdout."""
    if not inv.args:
        yield from inv.stdin.chunks()
        return 0
    status = 0
    for path in inv.args:
        try:
            inode = inv.host.fs.lookup(path, inv.cwd)
            yield from inv.host.fs.read_stream(inode, path=path)
        except Exception as error:
            inv.error(f"{path}: {getattr(error, 'strerror', error)}")
            status = 1
    return status


@_register("tyes")
def tyes(inv: Invocation) -> CommandOutput:
    line = (" ".join(inv.args) or "y").encode() + b"\n"
    while True:
        yield line * 1024


@_register("thead")
def thead(inv: Invocation) -> CommandOutput:
    count = int(inv.args[1]) if len(inv.args) > 1 and inv.args[0] == "-n" else 10
    if inv.args and inv.args[0] == "-c":
        yield inv.stdin.read(int(inv.args[1]))
        return 0
    for _ in range(count):
        line = inv.stdin.readline()
        if not line:
            break
        yield line
    return 0


@_register("twc")
def twc(inv: Invocation) -> CommandOutput:
    data = inv.stdin.read()
    lines = data.count(b"\n")
    yield f"{lines} {len(data)}\n".encode()
    return 0


@_register("targs")
def targs(inv: Invocation) -> CommandOutput:
    """Print each argument in angle brackets, one per line."""
    for arg in inv.args:
        yield f"<{arg}>\n".encode()
    return 0


@_register("terr")
def terr(inv: Invocation) -> CommandOutput:
    """Interleave stdout and stderr, then exit with the status given."""
    yield b"out1\n"
    inv.stderr.write("err1\n")
    yield b"out2\n"
    return int(inv.args[0]) if inv.args else 0


@_register("tenv")
def tenv(inv: Invocation) -> CommandOutput:
    for name in inv.args:
        yield f"{name}={inv.env.get(name, '<unset>')}\n".encode()
    return 0


@_register("tboom")
def tboom(inv: Invocation) -> CommandOutput:
    raise RuntimeError("bug")
    yield b""


def make_world() -> World:
    world = World(seed=7, start_ms=START_MS)
    for name, ip in (("web-01", "10.0.0.11"), ("db-01", "10.0.0.21")):
        mount = Mount("/dev/sda1", "/", "ext4", 10 * 1024**3, 600_000)
        host = Host(world, HostSpec(name, ip), mount, boot_ms=START_MS - 86_400_000)
        world.add_host(host)
    for host in world.hosts.values():
        host.add_user(User("alice", 1000, 1000, "/home/alice", groups=("sudo",)))
        host.add_user(User("bob", 1001, 1001, "/home/bob"))
        host.install_base_system()
    web = world.hosts["web-01"]
    for path in (
        "/var/log/syslog",
        "/var/log/syslog.1.gz",
        "/var/log/syslog.2.gz",
        "/var/log/.hidden",
        "/var/log/nginx/access.log",
    ):
        web.fs.put(path, f"content of {path}\n".encode())
    web.fs.put("/root/notes.txt", b"line one\nline two\n")
    return world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def shell(world: World) -> Shell:
    return Shell(world, world.hosts["web-01"], "root", strict=True)


@pytest.fixture
def run(shell: Shell) -> Callable[[str], str]:
    """Run a line, return its terminal output as text."""

    def go(line: str) -> str:
        return shell.run(line).output.decode("utf-8", "surrogateescape")

    return go
