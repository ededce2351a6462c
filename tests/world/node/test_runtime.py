"""A Node service's unit settings: MemoryMax, node flags, the inspector's id."""

from __future__ import annotations

import re

import pytest

from pagerdrill.world.host import Host
from pagerdrill.world.node.runtime import (
    inspector_uuid,
    max_old_space_mb,
    parse_memory,
    read_unit,
)
from pagerdrill.world.rng import Rng

TOTAL = 4 * 1024 * 1024


@pytest.mark.parametrize(("value", "kib"), [
    ("600M", 600 * 1024), ("2G", 2 * 1024 * 1024), ("1048576", 1024), ("50%", TOTAL // 2),
    ("infinity", None), ("", None), ("lots", None)])
def test_parse_memory(value: str, kib: int | None) -> None:
    assert parse_memory(value, TOTAL) == kib


def test_drop_ins_override_the_unit(host: Host) -> None:
    host.fs.put("/etc/systemd/system/gw.service", b"[Service]\nMemoryMax=600M\n"
                b"ExecStart=/usr/bin/node --trace-warnings /srv/gw/app.js --port 1\n")
    assert read_unit(host, "/etc/systemd/system/gw.service", "gw.service").node_flags == (
        "--trace-warnings",)
    host.fs.put("/etc/systemd/system/gw.service.d/10-mem.conf",
                b"[Service]\nMemoryMax=2G\nEnvironment=\"NODE_OPTIONS=--max-old-space-size=4096\""
                b"\n")
    unit = read_unit(host, "/etc/systemd/system/gw.service", "gw.service")
    assert unit.memory_max_kb == 2 * 1024 * 1024
    assert max_old_space_mb(unit.node_flags) == 4096
    host.fs.put("/etc/systemd/system/gw.service.d/20-off.conf", b"[Service]\nMemoryMax=\n")
    assert read_unit(host, "/etc/systemd/system/gw.service", "gw.service").memory_max_kb is None


def test_inspector_uuid_is_a_v4_uuid_from_the_seed() -> None:
    first = inspector_uuid(Rng(1))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        first)
    assert inspector_uuid(Rng(1)) == first != inspector_uuid(Rng(2))
