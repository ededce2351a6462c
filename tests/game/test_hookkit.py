"""The hook kit: scenario variables, hosts and files, read without changing the world."""

from __future__ import annotations

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.world.host import Host
from pagerdrill.world.world import World


def test_variables_and_the_hosts_they_name(world: World, host: Host) -> None:
    assert scenario_vars(world) == {}
    world.facts["variables"] = {"app_host": host.name}
    assert scenario_vars(world)["app_host"] == host.name
    assert variable_host(world, "app_host", "nope") is host
    assert variable_host(world, "db_host", host.name) is host


def test_reading_a_file_leaves_no_trace(world: World, host: Host) -> None:
    host.fs.put("/etc/x.conf", b"a = 1\n")
    before = host.fs.lookup("/etc/x.conf").atime_ms
    world.advance(60)
    assert read_text(host, "/etc/x.conf") == "a = 1\n"
    assert host.fs.lookup("/etc/x.conf").atime_ms == before
    assert read_text(host, "/etc/missing") is None
    assert read_text(host, "/etc") is None
