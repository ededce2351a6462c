"""Fixtures for the file tools: a plain host and the seed's full-disk host."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import GiB, MiB, add_linux_host, new_world
from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.host import Host
from pagerdrill.world.rng import Rng

DAY_MS = 86_400_000


def _debug_line(rng: Rng, t_ms: int) -> str:
    return f"{t_ms} DEBUG [orders] handling request id={rng.randrange(10**9)}"


@pytest.fixture
def full_host() -> Host:
    """Incident 1: an 80G root filesystem filled to the last block by a debug log."""
    world = new_world(seed=7)
    host = add_linux_host(world, "web-01")
    fs = host.fs
    now = world.clock.now_ms
    fs.set_opaque("/usr", int(9.5 * GiB), 180_000)
    fs.mkdir("/var/lib/postgresql", parents=True)
    fs.set_opaque("/var/lib/postgresql", 5 * GiB, 3_000)
    fs.set_opaque("/opt", int(1.5 * GiB), 20_000)
    fs.mkdir("/var/log/nginx", parents=True)
    fs.put("/var/log/nginx/access.log", FileContent(b"x" * (120 * MiB)), mtime_ms=now)
    fs.put("/var/log/nginx/error.log", FileContent(b"e" * 4000), mtime_ms=now)
    for day in range(2, 15):
        fs.put(f"/var/log/nginx/access.log.{day}.gz", FileContent(b"z" * (9 * MiB)),
               mtime_ms=now - day * DAY_MS - 3_600_000)
    fs.put("/var/log/syslog", FileContent(b"s" * (30 * MiB)), mtime_ms=now)
    fs.put("/var/log/syslog.2.gz", FileContent(b"z" * (2 * MiB)),
           mtime_ms=now - 9 * DAY_MS)
    fs.mkdir("/var/log/myapp", parents=True)
    source = TextSource("app.log", 7, _debug_line, t0_ms=now - 21 * DAY_MS,
                        bytes_per_second=40_000)
    log = fs.put("/var/log/myapp/app.log", FileContent(), mtime_ms=now)
    mount = fs.mounts[0]
    fs.append_generated(log, source, 0, mount.avail_bytes)
    fs.hold(log)  # the app keeps its log open
    assert mount.avail_bytes == 0
    return host
