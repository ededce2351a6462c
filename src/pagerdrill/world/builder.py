"""Convenience constructors for worlds and ordinary Linux hosts."""

from __future__ import annotations

import datetime as _dt

from pagerdrill.world.fs import Mount
from pagerdrill.world.host import Host, HostSpec
from pagerdrill.world.world import World

__all__ = ["GiB", "MiB", "add_linux_host", "new_world", "parse_instant"]

MiB = 1024 * 1024
GiB = 1024 * MiB
DEFAULT_START = "2026-03-17T03:07:00Z"  # a Tuesday, 3 AM


def parse_instant(text: str) -> int:
    """Milliseconds since the epoch for an ISO-8601 instant (``Z`` allowed)."""
    moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp() * 1000)


def new_world(seed: int = 0, start: str = DEFAULT_START) -> World:
    return World(seed, parse_instant(start))


def add_linux_host(
    world: World,
    name: str,
    ip: str = "10.0.1.10",
    *,
    disk_source: str = "/dev/sda1",
    disk_bytes: int = 80 * GiB,
    disk_inodes: int = 5_242_880,
    uptime_s: int = 41 * 86400 + 3 * 3600 + 17 * 60,
    first_pid: int = 1,
    **spec: object,
) -> Host:
    """A booted Debian host with one root filesystem and the base system files."""
    host_spec = HostSpec(name=name, ip=ip, **spec)  # type: ignore[arg-type]
    mount = Mount(disk_source, "/", "ext4", disk_bytes, disk_inodes,
                  "rw,relatime,errors=remount-ro")
    host = Host(world, host_spec, mount, boot_ms=world.clock.now_ms - uptime_s * 1000,
                first_pid=first_pid)
    world.add_host(host)
    host.install_base_system()
    return host
