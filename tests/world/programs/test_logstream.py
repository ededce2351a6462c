"""A log file written by a process: generated chatter and discrete lines never interleave
inside a line (a writer's line reaches the file at once)."""

from __future__ import annotations

import re

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.programs.logstream import LogStream
from pagerdrill.world.rng import Rng


def chatter(rng: Rng, t_ms: int) -> str:
    return f"{t_ms} GET /api/items/{rng.randint(1, 99999)} 200"


def pad(rng: Rng, t_ms: int, size: int) -> str:
    return f"{t_ms} " + "-" * size


def test_discrete_lines_never_land_inside_generated_ones() -> None:
    world = new_world(seed=3)
    host = add_linux_host(world, "web-01")
    proc = host.procs.spawn(["nginx"], user="root")
    log = LogStream(host, proc, "/var/log/nginx/access.log")
    log.set_flow("ok", chatter, 997.0, world.clock.now_ms, pad_line=pad, chunk_size=4096)
    for step in range(40):
        world.clock.advance(137 + step)  # odd steps land anywhere inside a line
        log.pump(world.clock.now_ms)
        if step % 7 == 0:
            log.write(f"{world.clock.now_ms} curl 502 (discrete)\n")
            assert log.inode.content is not None and log.inode.content.read().endswith(
                b" curl 502 (discrete)\n")
    lines = log.inode.content.read().decode().splitlines()[:-1] if log.inode.content else []
    assert len(lines) > 40
    whole = re.compile(r"\d+ (GET /api/items/\d+ 200|curl 502 \(discrete\)|-+)")
    assert [line for line in lines if not whole.fullmatch(line)] == []
