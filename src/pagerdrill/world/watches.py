"""Rules that notice things a scenario's traps and objectives ask about later."""

from __future__ import annotations

from pagerdrill.world.host import Host
from pagerdrill.world.world import Rule, World

__all__ = ["restart_watch"]


def restart_watch(host: Host, unit: str, fact: str) -> Rule:
    """Sets ``world.facts[fact]`` once ``unit`` has been started again (a new main PID),
    by the player, by ``Restart=`` or by anything else."""
    seen = host.services.units[unit].main_pid

    def watch(world: World, dt_ms: int) -> None:
        nonlocal seen
        del dt_ms
        pid = host.services.units[unit].main_pid
        if pid != seen and pid is not None:
            world.facts[fact] = True
        if pid is not None:
            seen = pid

    return Rule(f"{fact}-watch", watch)
