"""The World: typed registries for simulated services, and time moving in steps."""

from __future__ import annotations

from pagerdrill.world.world import Registry, Rule, World


def test_registries_are_typed_slots_apart_from_facts(world: World) -> None:
    ports: Registry[str, int] = Registry("test.ports")
    world.registered(ports)["db-01"] = 5432
    assert world.registered(ports) == {"db-01": 5432}
    assert world.registered(Registry[str, int]("test.other")) == {}
    assert "test.ports" not in world.facts  # facts stay the scenario's own


def test_advance_runs_rules_in_one_second_steps(world: World) -> None:
    steps: list[int] = []
    world.rules.append(Rule("count", lambda w, dt: steps.append(dt)))
    start = world.clock.now_ms
    world.advance(2.5)
    assert steps == [1000, 1000, 500]
    assert world.clock.now_ms == start + 2500
