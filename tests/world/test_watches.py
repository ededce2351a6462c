"""Watches: rules that remember what happened for later predicates."""

from __future__ import annotations

from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit
from pagerdrill.world.watches import restart_watch
from pagerdrill.world.world import World


def test_a_restart_is_remembered_whoever_did_it(world: World, host: Host) -> None:
    host.services.add(Unit("db.service", ["/usr/bin/sleep", "infinity"], "The database"))
    host.services.start("db.service")
    world.rules.append(restart_watch(host, "db.service", "db_restarted"))
    world.advance(5)
    assert "db_restarted" not in world.facts
    host.services.restart("db.service")
    world.advance(1)
    assert world.facts["db_restarted"] is True
