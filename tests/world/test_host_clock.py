"""A host's own clock: an offset from the world's time that drifts, and what shows it."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit
from pagerdrill.world.world import World


def test_a_new_host_reads_the_world_clock(host: Host) -> None:
    assert host.now_ms() == host.world.clock.now_ms
    assert host.clock_synchronized and host.clock_offset_ms == 0


def test_the_offset_drifts_with_time_but_the_world_clock_does_not(host: Host) -> None:
    start = host.world.clock.now_ms
    host.clock_offset_ms = -300_000.0
    host.clock_drift_ppm = -400.0
    host.world.advance(1000)
    assert host.world.clock.now_ms == start + 1_000_000
    # 1000 s at 400 ppm slow: 0.4 s more behind.
    assert host.now_ms() == start + 1_000_000 - 300_400


def test_set_time_steps_only_this_host(world: World, host: Host) -> None:
    other = add_linux_host(world, "web-02", "10.0.1.11")
    host.set_time_ms(world.clock.now_ms + 42_000)
    assert host.now_ms() - world.clock.now_ms == 42_000
    assert other.now_ms() == world.clock.now_ms


def test_systemd_stamps_its_journal_with_the_host_clock(host: Host) -> None:
    host.clock_offset_ms = 120_000.0
    host.services.add(Unit("idle", "Idle", ["/bin/sleep", "infinity"]), start=False)
    host.services.start("idle")
    assert host.journal.entries[-1].t_ms == host.world.clock.now_ms + 120_000


def test_uptime_shows_the_host_time_of_day_but_the_true_uptime(host: Host) -> None:
    before = run_tool(host, ["uptime"]).out
    host.clock_offset_ms = -3_600_000.0
    after = run_tool(host, ["uptime"]).out
    assert before.split(" up ")[1] == after.split(" up ")[1]
    assert before[1:3] != after[1:3]  # the hour moved
    since = run_tool(host, ["uptime", "-s"]).out
    assert since < run_tool(host, ["date", "+%F %T"]).out
